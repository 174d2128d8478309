"""Operator detection: the numbering plan in memory, its import, reply-capable operators. See docs/numbering.md."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import msgspec
from sqlalchemy import Table, delete, func, insert, select

from communicator.db.models import NumberingImport, NumberingRange
from communicator.db.session import Database
from communicator.services.core.errors import InvalidInput
from communicator.sms.numbering import NumberRange, RangeIndex, lookup_carrier, parse_registry

log = logging.getLogger(__name__)
MAX_REPORTED_ERRORS = 100


@dataclass(kw_only=True)
class _Numbering:
    """This process's copy of the plan (replaced whole, never edited) and the reply-capable operators."""

    index: RangeIndex = field(default_factory=RangeIndex)
    version: int | None = None
    reply_operators: frozenset[str] = frozenset({"MTS"})


_STATE = _Numbering()


class NumberingImportRead(msgspec.Struct, kw_only=True):
    """What an import did: ranges stored, lines read, and the lines it skipped (at most 100 listed)."""

    ranges: int
    lines: int
    error_count: int
    errors: list[str]


def configure_reply_operators(operators: tuple[str, ...]) -> None:
    """Set which operators pass replies on to the short number (COMMUNICATOR_REPLY_OPERATORS)."""
    _STATE.reply_operators = frozenset(operators)


def is_reply_capable(operator: str | None) -> bool:
    """Whether replies from this operator's subscribers reach us; an unknown operator gets the benefit of the doubt."""
    return operator is None or operator in _STATE.reply_operators


def get_operator(e164: str, override: str | None = None) -> str | None:
    """The operator of a number: the admin's override, else the numbering plan, else phonenumbers' carrier data."""
    if override:
        return override
    return _STATE.index.lookup(e164) or lookup_carrier(e164)


async def import_numbering(db: Database, data: bytes, source: str = "") -> NumberingImportRead:
    """Replace the numbering plan with a registry file's ranges in one transaction, then reload this process's index."""
    parsed = parse_registry(data)
    if not parsed.ranges:
        raise InvalidInput(
            "The file holds no numbering ranges.",
            {"errors": parsed.errors[:MAX_REPORTED_ERRORS]},
            code="numbering_empty",
        )
    table = cast(Table, NumberingRange.__table__)
    rows = [{"start": r.start, "end": r.end, "operator": r.operator, "region": r.region[:200]} for r in parsed.ranges]
    async with db.write() as session:
        await session.execute(delete(NumberingRange))
        for at in range(0, len(rows), 5000):  # bounded statements: a full registry is tens of thousands of lines
            await session.execute(insert(table), rows[at : at + 5000])
        record = NumberingImport(
            imported_at=datetime.now(UTC), source=source[:200], ranges=len(rows), errors=len(parsed.errors)
        )
        session.add(record)
    await load_numbering(db)
    return NumberingImportRead(
        ranges=len(rows), lines=parsed.lines, error_count=len(parsed.errors), errors=parsed.errors[:MAX_REPORTED_ERRORS]
    )


async def load_numbering(db: Database) -> bool:
    """Load the stored plan into memory when another import happened since the last load; True if it did."""
    async with db.read() as session:
        version = await session.scalar(select(func.max(NumberingImport.id)))
        if version == _STATE.version:
            return False
        query = select(NumberingRange.start, NumberingRange.end, NumberingRange.operator)
        ranges = [NumberRange(start=s, end=e, operator=o) for s, e, o in await session.execute(query)]
    _STATE.index, _STATE.version = RangeIndex(ranges), version
    return True


async def refresh_numbering_forever(db: Database, every_seconds: float = 60.0) -> None:
    """Pick up an import made by another process (`communicator numbering import`) within a minute."""
    while True:
        try:
            await load_numbering(db)
        except Exception:
            log.exception("loading the numbering plan failed; will retry")
        await asyncio.sleep(every_seconds)
