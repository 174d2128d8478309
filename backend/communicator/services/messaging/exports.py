"""Export jobs: start, read, claim, progress, finish, clean up (docs/exports.md). The runner is exports/runner.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Export, User
from communicator.db.session import Database, execute_dml
from communicator.events import ExportUpdated, record_event
from communicator.schemas.exports import ExportRead
from communicator.schemas.search import SearchFilters
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict, NotFound
from communicator.services.core.permissions import check_scope
from communicator.services.identity.auth import get_user_actor

# A job taken this many times without finishing (its server kept stopping) is failed, not taken again.
MAX_ATTEMPTS = 3
LISTED = 20
INTERRUPTED = "The server stopped during the export {n} times; start it again."


def _read(job: Export) -> ExportRead:
    """The API view of a job."""
    return ExportRead(
        id=job.id,
        status=job.status,  # type: ignore[arg-type]  # the column holds only ExportStatus values
        rows=job.rows,
        total=job.total,
        error=job.error,
        filters=msgspec.convert(job.filters, SearchFilters),
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


async def _record_update(session: AsyncSession, job: Export) -> None:
    """Tell the job's owner (only them) how it stands."""
    await record_event(session, job.account_id, ExportUpdated(user_id=job.user_id, export=_read(job)))


async def start_export(db: Database, actor: Actor, filters: SearchFilters, max_running: int) -> ExportRead:
    """Queue an export of what the caller may see under these filters; at most `max_running` at once per user."""
    check_scope(actor, "messages:read")
    async with db.write() as session:
        running = await session.scalar(
            select(func.count()).where(Export.user_id == actor.user_id, Export.status == "running")
        )
        if (running or 0) >= max_running:
            raise Conflict(
                f"You already have {running} exports running; wait for one to finish.",
                {"running": running, "limit": max_running},
                code="exports_running",
            )
        job = Export(
            account_id=actor.account_id,
            user_id=actor.user_id,
            filters=msgspec.to_builtins(filters),
            status="running",
            rows=0,
            total=0,
            attempts=0,
            created_at=datetime.now(UTC),
        )
        session.add(job)
        await session.flush()
        await _record_update(session, job)
        return _read(job)


async def _own_job(session: AsyncSession, actor: Actor, export_id: int) -> Export:
    """The caller's own job; anyone else's (same company or not) looks exactly like a missing one."""
    job = await session.get(Export, export_id)
    if job is None or job.account_id != actor.account_id or job.user_id != actor.user_id:
        raise NotFound(f"Export {export_id} not found.", code="not_found")
    return job


async def get_export(db: Database, actor: Actor, export_id: int) -> ExportRead:
    """One of the caller's exports."""
    check_scope(actor, "messages:read")
    async with db.read() as session:
        return _read(await _own_job(session, actor, export_id))


async def list_exports(db: Database, actor: Actor) -> list[ExportRead]:
    """The caller's recent exports, newest first."""
    check_scope(actor, "messages:read")
    query = select(Export).where(Export.user_id == actor.user_id).order_by(Export.id.desc()).limit(LISTED)
    async with db.read() as session:
        return [_read(job) for job in await session.scalars(query)]


async def get_export_file(db: Database, actor: Actor, export_id: int, export_dir: Path) -> Path:
    """The finished file of one of the caller's exports; 409 while it runs or when it failed."""
    check_scope(actor, "messages:read")
    async with db.read() as session:
        job = await _own_job(session, actor, export_id)
    path = export_dir / job.file_name if job.file_name else None
    if job.status != "done" or path is None:
        raise Conflict(f"Export {export_id} is {job.status}; it has no file.", code="export_not_ready")
    if not path.is_file():
        raise NotFound(f"The file of export {export_id} is gone.", code="not_found")
    return path


class Claimed(msgspec.Struct, frozen=True):
    """A job a runner took: whose it is and what it exports."""

    id: int
    account_id: int
    actor: Actor
    filters: SearchFilters


async def claim_export(db: Database, lease: timedelta) -> Claimed | None:
    """Take the oldest running job nobody holds (none, or its process stopped); fail one taken too often."""
    now = datetime.now(UTC)
    free = or_(Export.lease_until.is_(None), Export.lease_until < now)
    async with db.write() as session:
        worn = select(Export).where(Export.status == "running", free, Export.attempts >= MAX_ATTEMPTS)
        for stale in await session.scalars(worn):
            await _finish(session, stale, "failed", INTERRUPTED.format(n=stale.attempts))
        oldest = select(Export).where(Export.status == "running", free).order_by(Export.id).limit(1)
        job = await session.scalar(oldest)
        if job is None:
            return None
        # Compare-and-set: of two processes that saw it free, one takes it.
        taken = (
            update(Export).where(Export.id == job.id, free).values(lease_until=now + lease, attempts=job.attempts + 1)
        )
        if await execute_dml(session, taken.execution_options(synchronize_session=False)) != 1:
            return None
        user = await session.get(User, job.user_id)
        if user is None or not user.active:
            await _finish(session, job, "failed", "The user who started the export is no longer active.")
            return None
        return Claimed(job.id, job.account_id, get_user_actor(user), msgspec.convert(job.filters, SearchFilters))


async def record_export_progress(db: Database, export_id: int, rows: int, total: int, lease: timedelta) -> None:
    """Note how far a job got (its owner sees it) and keep holding it."""
    async with db.write() as session:
        job = await session.get(Export, export_id)
        if job is None or job.status != "running":
            return
        job.rows, job.total, job.lease_until = rows, total, datetime.now(UTC) + lease
        await session.flush()
        await _record_update(session, job)


async def record_export_finished(
    db: Database, export_id: int, rows: int, file_name: str | None, error: str | None = None
) -> None:
    """A job is done (with its file) or failed (with the reason)."""
    async with db.write() as session:
        job = await session.get(Export, export_id)
        if job is not None and job.status == "running":
            job.rows, job.file_name = rows, file_name
            await _finish(session, job, "failed" if error else "done", error)


async def _finish(session: AsyncSession, job: Export, status: str, error: str | None) -> None:
    """Close a job for good and tell its owner."""
    job.status, job.error = status, error[:300] if error else None
    job.finished_at, job.lease_until = datetime.now(UTC), None
    if status == "done":
        job.total = job.rows
    await session.flush()
    await _record_update(session, job)


async def release_export(db: Database, export_id: int) -> None:
    """A runner that stops on purpose hands its job back at once (not counted as an interruption)."""
    async with db.write() as session:
        statement = (
            update(Export)
            .where(Export.id == export_id, Export.status == "running")
            .values(lease_until=None, attempts=Export.attempts - 1)
        )
        await session.execute(statement)


async def delete_old_exports(db: Database, keep: timedelta) -> list[str]:
    """Forget jobs finished longer ago than `keep`; returns the names of their files to delete."""
    cutoff = datetime.now(UTC) - keep
    old = (Export.status != "running") & (Export.finished_at < cutoff)
    async with db.write() as session:
        names = [name for name in await session.scalars(select(Export.file_name).where(old)) if name]
        await execute_dml(session, delete(Export).where(old))
    return names
