"""Export of everything in the 1,000,000-message history (bench/dataset.py) to .xlsx: ≤ 45 s, peak RSS ≤ 150 MB.

The data set's cached SQLite file is copied to a temp folder and brought to the current schema there (the cache is
never changed). A child process then runs one export job as the demo admin, no filters, through the code the
server runs (`start_export` → `claim_export` → `ExportRunner.run_job`: keyset batches, SheetWriter in constant
memory), so its peak RSS (ru_maxrss) is the export's own plus the interpreter and the app's imports, printed apart.
Wall and CPU seconds of the job are both printed: a busy machine stretches the wall clock, not the CPU time.
`uv run python bench/bench_export.py [size]`. See docs/exports.md.
"""

from __future__ import annotations

import asyncio
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import select

from communicator.db.models import User
from communicator.db.session import Database
from communicator.exports.runner import ExportRunner
from communicator.schemas.search import SearchFilters
from communicator.services.core.actors import Actor
from communicator.services.messaging import exports
from communicator.settings import load_settings

TARGET_SECONDS = 45.0
TARGET_RSS_MB = 150.0
CHILD = "--child"


def _rss_mb() -> float:
    """This process's peak RSS so far (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _export(url: str, export_dir: Path) -> dict[str, object]:
    """One export of everything as the admin, run to its end the way the background runner does."""
    db = Database(url)
    try:
        async with db.read() as session:
            user = (await session.execute(select(User).where(User.login == "admin"))).scalar_one()
        actor = Actor(user.id, user.account_id, user.role, user.login, user.name)
        runner = ExportRunner(db, load_settings({}, database_url=url, export_dir=str(export_dir)))
        started = await exports.start_export(db, actor, SearchFilters(), max_running=1)
        claimed = await exports.claim_export(db, runner.lease)
        assert claimed is not None and claimed.id == started.id
        before_rss = _rss_mb()
        wall, cpu = time.perf_counter(), time.process_time()
        await runner.run_job(claimed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        job = await exports.get_export(db, actor, started.id)
        path = await exports.get_export_file(db, actor, started.id, export_dir) if job.status == "done" else None
        return {
            "status": job.status,
            "error": job.error,
            "rows": job.rows,
            "wall": wall,
            "cpu": cpu,
            "rss_before": before_rss,
            "file_mb": path.stat().st_size / 2**20 if path else 0.0,
        }
    finally:
        await db.dispose()


def _child(url: str, export_dir: str) -> None:
    """The child process: run the export, print its figures and its own peak RSS as one JSON line."""
    figures = asyncio.run(_export(url, Path(export_dir)))
    print(json.dumps({**figures, "rss_peak": _rss_mb()}), flush=True)


def _catch_up(copy: Path, url: str) -> None:
    """Apply 0015 and 0017 to a data set stamped 0016 without them (generated before the chain was relinked)."""
    from alembic import command

    from communicator.db.migrate import alembic_config, upgrade

    with sqlite3.connect(copy) as connection:
        version = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        exports_table = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'exports'").fetchone()
    if version != "0016" or exports_table is not None:
        return
    config = alembic_config(url)
    command.stamp(config, "0007", purge=True)  # 0007 → 0015 → 0017 → 0016 in the current chain
    upgrade(url, "0017")
    command.stamp(config, "0016")


def _prepared_copy(size: int, folder: Path) -> str:
    """A copy of the cached data set in `folder`, migrated to the current schema; returns its url."""
    from _common import info
    from dataset import ensure_dataset

    from communicator.db.migrate import upgrade

    source = Path(ensure_dataset(None, size).removeprefix("sqlite+aiosqlite:///"))
    copy = folder / source.name
    started = time.perf_counter()
    shutil.copyfile(source, copy)
    url = f"sqlite+aiosqlite:///{copy}"
    _catch_up(copy, url)
    upgrade(url)
    info(f"data set copied and migrated to the current schema in {time.perf_counter() - started:.0f} s (not timed)")
    return url


def main() -> None:
    """Prepare the copy, run the export in a child process, report against the targets."""
    # Imported here, not at the top: the child process measures its RSS and imports only what a server's runner does.
    from _common import info, report

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    folder = Path(tempfile.mkdtemp(prefix="communicator-bench-export-"))
    try:
        url = _prepared_copy(size, folder)
        command = [sys.executable, str(Path(__file__).resolve()), CHILD, url, str(folder / "exports")]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"export process exited {done.returncode}: {done.stderr[-2000:]}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if figures["status"] != "done":
        raise RuntimeError(f"export {figures['status']}: {figures['error']}")
    rows, wall, cpu = figures["rows"], figures["wall"], figures["cpu"]
    info(f"{size:,} messages → {rows:,} rows (one per inbound SMS, one per recipient of an outbound one)")
    info(f"wall {wall:.1f} s, CPU {cpu:.1f} s, {rows / wall:,.0f} rows/s wall, {rows / cpu:,.0f} rows/s CPU")
    before, peak = figures["rss_before"], figures["rss_peak"]
    info(
        f"file {figures['file_mb']:.0f} MB; peak RSS {before:.0f} MB before the job (imports, setup), {peak:.0f} MB after"
    )
    report("export everything, wall", wall, TARGET_SECONDS, "s", note=f"CPU {cpu:.1f} s, {rows:,} rows")
    note = f"the export's process; +{peak - before:.0f} MB over its {before:.0f} MB before the job"
    report("export everything, peak RSS", peak, TARGET_RSS_MB, "MB", note=note)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == CHILD:
        _child(sys.argv[2], sys.argv[3])
    else:
        main()
