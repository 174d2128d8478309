"""bench_ws_latency with 1,000 browsers on one process: p99 ≤ 100 ms, server CPU ≤ 25 ms per inbound SMS."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

if __name__ == "__main__":
    os.environ["COMMUNICATOR_BENCH_WS_CLIENTS"] = "1000"
    runpy.run_path(str(Path(__file__).with_name("bench_ws_latency.py")), run_name="__main__")
