"""Operator lookups: ≥ 200,000 per second through the numbering plan's range index (one core, in-process).

Builds an index the size of the regulator's registries (50,000 ranges over the 9xx DEF codes), then looks up
400,000 random numbers through `get_operator` (the path a send takes: override, plan, carrier fallback).
Best of three runs, timed in CPU seconds of this process (process_time), so a busy machine does not hide the figure.
See docs/numbering.md.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import info, report

from communicator.services.directory import numbering
from communicator.sms.numbering import NumberRange, RangeIndex

RANGES = 50_000
LOOKUPS = 400_000
TARGET = 200_000


def _plan(rng: random.Random) -> list[NumberRange]:
    """Adjacent ranges over +7900… to +7999… (every number in one, as with a full registry), a few operators."""
    operators = ["MTS", "MegaFon", "Beeline", "T2", "Скартел", "Ростелеком"]
    span = 10**9 // RANGES
    ranges = []
    for n in range(RANGES):
        start = 79_000_000_000 + n * span
        ranges.append(NumberRange(start=start, end=start + span - 1, operator=rng.choice(operators)))
    return ranges


def main() -> None:
    """Time the lookups and report."""
    rng = random.Random(7)
    numbering._STATE.index = RangeIndex(_plan(rng))
    phones = [f"+79{rng.randrange(10**9):09d}" for _ in range(LOOKUPS)]
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        found = sum(1 for phone in phones if numbering.get_operator(phone) is not None)
        best = min(best, time.process_time() - started)
    info(f"{LOOKUPS:,} lookups over {RANGES:,} ranges, {found:,} found")
    report("operator lookups", LOOKUPS / best, TARGET, "lookups/s", higher_is_better=True, note="per CPU second")


if __name__ == "__main__":
    main()
