"""Many deliveries in one statement: PostgreSQL gets whole lists as arrays; SQLite, a cheap in-process executemany.

A gateway moves a batch of a few hundred deliveries at a time. On PostgreSQL an executemany is one execution per
row in the server, and an `IN (...)` list renders one placeholder per value each time it runs; an array parameter
makes each of them one execution with one compiled statement, however long the list.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import BigInteger, ColumnElement, Row, Table, any_, bindparam, func, literal_column, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery
from communicator.domain import DeliveryStatus


def _on_postgres(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def is_any_of(session: AsyncSession, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values`: on PostgreSQL `= ANY(array)`, one parameter for any number of values."""
    if _on_postgres(session):
        return cast(ColumnElement[bool], column == any_(bindparam(None, list(values), type_=ARRAY(column.type))))
    return cast(ColumnElement[bool], column.in_(values))


async def move_deliveries(
    session: AsyncSession,
    new: DeliveryStatus,
    allowed_from: Sequence[DeliveryStatus],
    ids: Sequence[int],
    varying: Mapping[str, Sequence[Any]],
    fixed: Mapping[str, Any],
    returning: Sequence[ColumnElement[Any]] = (),
) -> Sequence[Row[Any]] | None:
    """Move `ids` to `new` where the status is in `allowed_from`; `varying` lists follow `ids`, `fixed` is for all.

    On PostgreSQL, the moved rows' `returning` columns (only rows that moved); on SQLite None: an executemany
    returns no rows, and the caller reads back what it needs.
    """
    if not ids:
        return []
    table = cast(Table, Delivery.__table__)  # a declarative class's table is a Table; typed as its base
    # Statuses are our own constants, inlined: an executemany cannot expand an IN list.
    allowed = table.c.status.in_([literal_column(f"'{old}'") for old in allowed_from])
    if _on_postgres(session):
        arrays = [bindparam("k", list(ids), type_=ARRAY(BigInteger))]
        arrays += [
            bindparam(f"v_{name}", list(values), type_=ARRAY(table.c[name].type)) for name, values in varying.items()
        ]
        rows = func.unnest(*arrays).table_valued("k", *varying).render_derived(name="v")
        statement = (
            update(table)
            .where(table.c.id == rows.c.k, allowed)
            .values(status=new, **{name: rows.c[name] for name in varying}, **fixed)
            .returning(*(returning or (table.c.id,)))
        )
        connection = await session.connection()  # plain rows, without the ORM's result handling
        return (await connection.execute(statement)).all()
    one_by_one = (
        update(table)
        .where(table.c.id == bindparam("k"), allowed)
        .values(status=new, **{name: bindparam(f"v_{name}") for name in varying}, **fixed)
    )
    params = [{"k": k, **{f"v_{name}": values[n] for name, values in varying.items()}} for n, k in enumerate(ids)]
    connection = await session.connection()
    await connection.execute(one_by_one, params)
    return None
