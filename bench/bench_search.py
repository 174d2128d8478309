"""History search over 1,000,000 messages (bench/dataset.py): the first page of a selective phrase or #tag,
p95 ≤ 20 ms; with a date range and a group, p95 ≤ 100 ms (SQLite); PostgreSQL within 2× of both.

Each query is a different random #tag or two-word phrase (and group), run in-process through the service the
endpoint calls (`search_messages`: the permission-scoped query, the hits' views and highlights). Wall-clock
times; the CPU time of this process is printed beside them, since a busy machine stretches the wall clock.
`uv run python bench/bench_search.py [sqlite|postgres|both] [size]`. See docs/search.md.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import info, report
from dataset import EMPLOYEES, FIRST_GROUP, GROUP_SIZE, TAGS, WORDS, ensure_dataset
from sqlalchemy import select

from communicator.db.models import User
from communicator.db.session import Database
from communicator.schemas.search import SearchFilters
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import EVERYONE
from communicator.services.messaging.search import list_page_ids, search_messages

RUNS = 200
TARGETS = {"sqlite": (20.0, 100.0), "postgres": (40.0, 200.0)}


def _queries(rng: random.Random, narrowed: bool) -> list[SearchFilters]:
    """RUNS searches: half a #tag, half a two-word phrase; narrowed ones to a group and the last 90 days."""
    since = datetime.now(UTC) - timedelta(days=90)
    found = []
    for n in range(RUNS):
        if n % 2:
            filters = SearchFilters(tag=f"#{1000 + rng.randrange(1, TAGS, 2)}")
        else:
            filters = SearchFilters(q=" ".join(rng.sample(WORDS, 2)))
        if narrowed:
            group = FIRST_GROUP + rng.randrange(EMPLOYEES // GROUP_SIZE)
            filters = SearchFilters(q=filters.q, tag=filters.tag, group_id=group, since=since)
        found.append(filters)
    return found


async def _time(db: Database, actor: Actor, queries: list[SearchFilters]) -> tuple[list[float], list[float], int]:
    """Wall and CPU milliseconds per query, and the hits found in all."""
    await search_messages(db, actor, queries[0])  # warm the connection and the caches
    walls, cpus, hits = [], [], 0
    for filters in queries:
        started, cpu = time.perf_counter(), time.process_time()
        page = await search_messages(db, actor, filters)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        hits += len(page.items)
    return walls, cpus, hits


async def _time_ids(db: Database, actor: Actor, queries: list[SearchFilters]) -> list[float]:
    """Wall milliseconds of the matching query alone (the page's 51 ids: list_page_ids), without the hits' views."""
    walls = []
    async with db.read() as session:
        for filters in queries:
            started = time.perf_counter()
            await list_page_ids(session, actor.account_id, EVERYONE, filters, sqlite=db.is_sqlite)
            walls.append((time.perf_counter() - started) * 1000)
    return walls


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


async def _bench(kind: str, url: str) -> None:
    """Both searches on one database."""
    db = Database(url)
    try:
        async with db.read() as session:
            user = (await session.execute(select(User).where(User.login == "admin"))).scalar_one()
        actor = Actor(user.id, user.account_id, user.role, user.login, user.name)
        rng = random.Random(5)
        for narrowed, target in zip((False, True), TARGETS[kind], strict=True):
            queries = _queries(rng, narrowed)
            walls, cpus, hits = await _time(db, actor, queries)
            ids = await _time_ids(db, actor, queries)
            what = "phrase or #tag + group + 90 days" if narrowed else "phrase or #tag"
            info(f"{kind} {what}: median {statistics.median(walls):.1f} ms, {hits / RUNS:.1f} hits per page")
            info(
                f"{kind} {what}: the matching query alone p95 {_p95(ids):.1f} ms, median {statistics.median(ids):.1f} ms"
            )
            note = f"CPU p95 {_p95(cpus):.1f} ms; {RUNS} random queries, first page of 50"
            report(f"search {what}, first page p95 ({kind})", _p95(walls), target, "ms", note=note)
    finally:
        await db.dispose()


def main() -> None:
    """Generate (or reuse) the data sets, then time the searches."""
    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    for kind in ("sqlite", "postgres"):
        if which in (kind, "both"):
            url = ensure_dataset(None if kind == "sqlite" else "postgres", size)
            asyncio.run(_bench(kind, url))


if __name__ == "__main__":
    main()
