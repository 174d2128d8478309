"""`make bench`: run every benchmark, print each figure beside its target, PASS or MISS. Always exits 0.

Each bench is a standalone script (`uv run python bench/bench_X.py`) that starts and stops its own
server on loopback; this runner only collects the BENCH-RESULT lines they print. See docs/bench.md.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "bench_single_send.py",
    "bench_fanout.py",
    "bench_drain.py",
    "bench_ws_latency.py",
    "bench_ws_memory.py",
    "bench_numbering.py",
    # issue 10: production scale
    "bench_drain_pg.py",
    "bench_ws_scaleout.py",
    "bench_ws_latency_1000.py",
    "bench_receive.py",
    "bench_m2m.py",
    "bench_smpp.py",
    "bench_smpp_faults.py",
    # issue 8: the manager's desk (the first run generates the 1,000,000-message data set: minutes)
    "bench_search.py",
    "bench_threads_list.py",
    "bench_export.py",
]
TIME_LIMIT_SECONDS = 150
# bench_smpp_faults: five fault tests at full size (10,000 submits, a 60 s silence...); bench_search and
# bench_threads_list, bench_export: their 1,000,000-message data sets
TIME_LIMITS = {
    "bench_smpp_faults.py": 1500,
    "bench_search.py": 2400,
    "bench_threads_list.py": 900,
    "bench_export.py": 1200,  # 1,500,000 rows: about a minute (docs/bench.md); a first run also makes the data set
}
RESULT_PREFIX = "BENCH-RESULT "


def _run(script: str) -> tuple[list[dict], str | None]:
    """Run one bench, echoing its output; returns its results and an error, if any."""
    results: list[dict] = []
    process = subprocess.Popen(
        [sys.executable, str(HERE / script)],
        cwd=HERE.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    # A bench (and the server it started, in its session) that outlives its time is stopped whole.
    limit = TIME_LIMITS.get(script, TIME_LIMIT_SECONDS)
    watchdog = threading.Timer(limit, os.killpg, (process.pid, signal.SIGKILL))
    watchdog.start()
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            if line.startswith(RESULT_PREFIX):
                results.append(json.loads(line[len(RESULT_PREFIX) :]))
            else:
                print(line, end="", flush=True)
        process.wait()
    finally:
        timed_out = not watchdog.is_alive() and process.returncode == -signal.SIGKILL
        watchdog.cancel()
    if timed_out:
        return results, f"stopped after {limit} s"
    if process.returncode:
        return results, f"exited with status {process.returncode}"
    return results, None


def _table(rows: list[tuple[str, dict | None, str | None]]) -> None:
    """The summary: one line per figure."""
    lines = [("bench", "figure", "measured", "target", "result")]
    for script, result, error in rows:
        name = script.removesuffix(".py")
        if result is None:
            lines.append((name, "(no figures)", "", "", f"ERROR: {error}"))
            continue
        lines.append(
            (
                name,
                result["name"],
                f"{result['figure']:,.2f} {result['unit']}",
                f"{result['op']} {result['target']:,g} {result['unit']}",
                "PASS" if result["pass"] else "MISS",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    print()
    for n, line in enumerate(lines):
        print(
            f"{line[0]:<{widths[0]}}  {line[1]:<{widths[1]}}  {line[2]:>{widths[2]}}  {line[3]:>{widths[3]}}  {line[4]}"
        )
        if n == 0:
            print("-" * (sum(widths) + 14))


def main() -> int:
    """Run them all in turn."""
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    print(f"Communicator benchmarks — {cores} cores, load average {load:.1f}", flush=True)
    if load > cores:
        print("  note: the machine is busy; latency figures will be worse than on an idle machine", flush=True)
    rows: list[tuple[str, dict | None, str | None]] = []
    for script in BENCHES:
        print(f"\n### {script}", flush=True)
        started = time.monotonic()
        results, error = _run(script)
        print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
        rows.extend((script, result, None) for result in results)
        if error:
            print(f"  ERROR: {script} {error}", flush=True)
            if not results:
                rows.append((script, None, error))
    _table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
