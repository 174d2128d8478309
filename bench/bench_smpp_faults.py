"""The SMPP fault tests at full size (the suite runs them at 5%): kill -9 after 3,000 of 10,000 submits,
1% of submit_sm_resp dropped, an SMSC throttling above 50/s, a link silent for 60 s, 2,000 MO through
gateway kills. Each test's own pass criterion is the figure (1 = held)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _common import info, report

TESTS = ["tests/test_smpp_faults.py", "tests/test_smpp_crash.py"]


def main() -> None:
    scale = os.environ.get("COMMUNICATOR_SMPP_TEST_SCALE", "1.0")
    info(f"SMPP fault tests at scale {scale}")
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *TESTS],
            cwd=ROOT,
            env={**os.environ, "COMMUNICATOR_SMPP_TEST_SCALE": scale},
            check=False,
        )
        cases = ET.parse(junit).getroot().iter("testcase")
        for case in cases:
            failed = case.find("failure") is not None or case.find("error") is not None
            skipped = case.find("skipped") is not None
            name = case.get("name", "?").split("[")[0].removeprefix("test_")
            note = "skipped" if skipped else f"{float(case.get('time', 0)):.0f} s"
            report(
                f"smpp_fault_{name}", 0.0 if failed or skipped else 1.0, 1.0, "held", higher_is_better=True, note=note
            )


if __name__ == "__main__":
    main()
