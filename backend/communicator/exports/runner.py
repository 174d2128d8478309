"""Running export jobs: a background task of serve and api processes that writes each job's .xlsx.

Rows are read in keyset batches and written by SheetWriter (constant memory) in a worker thread, so neither
a million rows nor the writing holds the event loop. See docs/exports.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from communicator.db.session import Database
from communicator.exports.batches import open_batches
from communicator.services.core.permissions import get_reach
from communicator.services.messaging import exports
from communicator.services.messaging.export_rows import HEADER, START, load_row_context, select_export_rows
from communicator.services.messaging.export_sheet import ExportSheet
from communicator.settings import Settings
from communicator.xlsx import SheetWriter

log = logging.getLogger(__name__)
PROGRESS_SECONDS = 0.5  # the owner's progress bar moves at most this often (each step is an event)
CLEANUP_SECONDS = 3600.0


class ExportRunner:
    """Takes running jobs one at a time; `wake()` after a job is queued starts it without waiting for the poll."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.directory = Path(settings.export_dir)
        self.lease = timedelta(seconds=settings.export_lease_seconds)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A job was queued."""
        self._wake.set()

    async def run(self) -> None:
        """Run jobs forever; clean up old files now and then."""
        cleaned_at = 0.0
        while True:
            try:
                if time.monotonic() - cleaned_at > CLEANUP_SECONDS:
                    await self.delete_old_files()
                    cleaned_at = time.monotonic()
                job = await exports.claim_export(self.db, self.lease)
            except Exception:
                log.exception("taking an export job failed; will retry")
                job = None
            if job is not None:
                await self.run_job(job)
                continue
            self._wake.clear()
            try:
                async with asyncio.timeout(self.settings.export_poll_seconds):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def run_job(self, job: exports.Claimed) -> None:
        """Write one job's file from scratch; a failure fails the job with its reason, a stop hands it back."""
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"export-{job.id}.xlsx"
        partial = final.with_suffix(".part")
        try:
            rows = await self._write(job, partial)
            partial.replace(final)
            await exports.record_export_finished(self.db, job.id, rows, final.name)
        except asyncio.CancelledError:
            partial.unlink(missing_ok=True)
            await asyncio.shield(exports.release_export(self.db, job.id))
            raise
        except Exception as error:
            log.exception("export %s failed", job.id)
            partial.unlink(missing_ok=True)
            await exports.record_export_finished(self.db, job.id, 0, None, f"{type(error).__name__}: {error}")

    async def _write(self, job: exports.Claimed, path: Path) -> int:
        """Every row of the job into `path`; returns how many."""
        async with self.db.read() as session:
            reach = await get_reach(session, job.actor)
            query = await select_export_rows(session, job.account_id, reach, job.filters)
            total = (
                await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
            ).scalar_one()
            context = await load_row_context(session, job.account_id, reach)
            await context.load_names(session)
        await exports.record_export_progress(self.db, job.id, 0, total, self.lease)
        writer = SheetWriter(path, HEADER, sheet_name="Сообщения", sheet_rows=self.settings.export_sheet_rows)
        sheet = ExportSheet(context, writer.cells)
        batches = open_batches(self.db, query, self.settings.export_batch_rows)
        key, written, reported = START, 0, time.monotonic()
        try:
            while True:
                count, key = await batches.copy(key, sheet, writer)
                if not count:
                    break
                written += count
                if time.monotonic() - reported >= PROGRESS_SECONDS:
                    await exports.record_export_progress(self.db, job.id, written, max(total, written), self.lease)
                    reported = time.monotonic()
        finally:
            batches.close()
            await asyncio.to_thread(writer.close)
        return written

    async def delete_old_files(self) -> None:
        """Delete finished jobs older than COMMUNICATOR_EXPORT_KEEP_DAYS, and their files."""
        names = await exports.delete_old_exports(self.db, timedelta(days=self.settings.export_keep_days))
        for name in names:
            (self.directory / name).unlink(missing_ok=True)
