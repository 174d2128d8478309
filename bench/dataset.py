"""The big history for the search, export and threads-list benches: 1,000,000 messages in one account.

`ensure_dataset(url, size)` fills a migrated database with the demo account plus 5,000 employees in 500 groups,
`size` messages over the past year (Russian text from a word list, a #tag from 200 in every third), a delivery
per recipient of each outbound message, the threads with their links, and the search column with its index
(FTS5 or GIN, built once after the load). Rows go in by executemany (SQLite, journal off) or COPY (PostgreSQL)
with the per-row triggers and the index dropped during the load. Without a url, the SQLite file is cached
under /tmp and reused. Run it alone to time the generation: `uv run python bench/dataset.py [sqlite|postgres]`.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PASSWORD, PG_ADMIN_DSN, info

from communicator.db import search_index
from communicator.db.migrate import upgrade
from communicator.db.session import Database
from communicator.services.demo import seed_demo
from communicator.sms.words import index_words, stem, tag_word

EMPLOYEES = 5_000
GROUP_SIZE = 10  # 500 groups
TAGS = 200
GROUP_SEND_SHARE = 0.1  # of the outbound messages: to a group, the rest to one employee
INBOUND_SHARE = 0.45
FIRST_EMPLOYEE = 1_001  # the demo's own employees keep the ids below
FIRST_GROUP = 101
BATCH = 20_000
POOL = 50_000
STATUSES = ["Delivered"] * 90 + ["NotDelivered"] * 5 + ["Sent"] * 4 + ["Error"]
CACHE = Path(os.environ.get("COMMUNICATOR_DATASET_DIR", "/tmp"))
WORDS = [
    "авария",
    "подстанция",
    "котельная",
    "насос",
    "давление",
    "замер",
    "адрес",
    "заказ",
    "клиент",
    "монтаж",
    "выезд",
    "бригада",
    "смена",
    "дежурство",
    "отключение",
    "электричество",
    "вода",
    "отопление",
    "трубопровод",
    "задвижка",
    "счетчик",
    "проверка",
    "ремонт",
    "замена",
    "кабель",
    "линия",
    "щиток",
    "фаза",
    "напряжение",
    "датчик",
    "сигнал",
    "тревога",
    "пожар",
    "охрана",
    "объект",
    "склад",
    "доставка",
    "машина",
    "водитель",
    "маршрут",
    "готово",
    "принято",
    "выполнено",
    "перенос",
    "отмена",
    "срочно",
    "сегодня",
    "завтра",
    "утром",
    "вечером",
    "ночью",
    "позвоните",
    "перезвоните",
    "подтвердите",
    "уточните",
    "согласуйте",
    "материалы",
    "инструмент",
    "ключи",
    "пропуск",
    "доступ",
    "подъезд",
    "этаж",
    "квартира",
    "офис",
    "улица",
    "дом",
    "корпус",
    "строение",
    "въезд",
    "ворота",
    "шлагбаум",
    "парковка",
    "лифт",
    "крыша",
    "подвал",
    "чердак",
    "стояк",
    "канализация",
    "протечка",
    "затопление",
    "засор",
    "утечка",
    "газ",
    "запах",
    "дым",
    "искрение",
    "обрыв",
    "короткое",
    "замыкание",
    "перегрев",
    "остановка",
    "запуск",
    "наладка",
    "настройка",
    "пусконаладка",
    "испытание",
    "приемка",
    "акт",
    "подпись",
    "документы",
    "фото",
    "отчет",
    "заявка",
    "наряд",
    "допуск",
    "инструктаж",
    "безопасность",
    "каска",
    "перчатки",
    "страховка",
    "лестница",
    "леса",
    "вышка",
    "кран",
    "погрузчик",
    "экскаватор",
    "траншея",
    "грунт",
    "бетон",
    "арматура",
    "опалубка",
    "сварка",
    "резка",
    "покраска",
    "изоляция",
    "утепление",
    "герметизация",
    "монтажники",
    "инженер",
    "мастер",
    "прораб",
    "диспетчер",
    "начальник",
    "участок",
    "цех",
    "линия",
    "станция",
    "узел",
    "пункт",
    "сеть",
    "абонент",
    "договор",
    "failure",
    "failed",
    "error",
    "alarm",
    "pump",
    "valve",
    "sensor",
    "power",
    "outage",
    "restart",
    "service",
    "check",
    "done",
    "ok",
]


class _Vocabulary:
    """Words with their stems, and tags with their search words, worked out once (no regex per message)."""

    def __init__(self, rng: random.Random) -> None:
        forms = [w for w in WORDS] + [w[:-1] + "и" for w in WORDS if w.endswith("а")]  # «авария» and «аварии»
        self.words = [(w, stem(w)) for w in forms]
        self.tags = [self._tag(n, rng) for n in range(TAGS)]

    @staticmethod
    def _tag(n: int, rng: random.Random) -> tuple[str, list[str]]:
        """A tag as written and the search words it brings (its tag word and its own words)."""
        name = str(1000 + n) if n % 2 else rng.choice(["объект", "заказ", "авария", "смена"]) + str(n)
        return "#" + name, [tag_word(name), stem(name)]

    def text(self, rng: random.Random) -> tuple[str, str]:
        """A message's text and its search column (as communicator.sms.words.index_words would make it)."""
        picked = rng.choices(self.words, k=rng.randint(4, 14))
        text = " ".join(w for w, _ in picked)
        words = [s for _, s in picked]
        if rng.random() < 1 / 3:
            tag, tag_words = self.tags[rng.randrange(TAGS)]
            text, words = f"{tag} {text}", tag_words + words
        return text, " ".join(dict.fromkeys(words))


class _Rows:
    """Every generated row, by table, as tuples in the tables' column order."""

    def __init__(self, size: int, account_id: int, author_id: int, now: datetime, as_text: bool) -> None:
        self.size, self.account_id, self.author_id = size, account_id, author_id
        # SQLite: the text SQLAlchemy's DateTime stores (naive UTC); PostgreSQL: aware datetimes for COPY.
        self.as_text = as_text
        self.start = (now.replace(tzinfo=None) if as_text else now) - timedelta(days=365)
        self.step = timedelta(days=365) / size
        self.rng = random.Random(1)
        self.vocabulary = _Vocabulary(self.rng)
        self.groups = EMPLOYEES // GROUP_SIZE
        self.employee_thread = {e: e for e in self._employee_ids()}  # thread id = employee id (no demo threads yet)
        self.phones = {e: f"+7990{e:07d}" for e in self._employee_ids()}
        # Texts drawn from a pool (alerts and replies repeat in a real history too); 1,000,000 unique would
        # cost more than the load itself.
        self.texts = [
            (*t, 1 + len(t[0]) // 67) for t in (self.vocabulary.text(self.rng) for _ in range(min(size, POOL)))
        ]
        self.delivery_id = 0
        self.group_thread = {g: FIRST_EMPLOYEE + EMPLOYEES + g for g in self._group_ids()}

    def _employee_ids(self) -> range:
        return range(FIRST_EMPLOYEE, FIRST_EMPLOYEE + EMPLOYEES)

    def _group_ids(self) -> range:
        return range(FIRST_GROUP, FIRST_GROUP + self.groups)

    def directory(self) -> dict[str, list[tuple]]:
        """Employees, groups, members and threads."""
        a = self.account_id
        employees = [(e, a, f"Сотрудник {e:05}", self.phones[e], True) for e in self._employee_ids()]
        groups = [(g, a, f"Бригада {g - FIRST_GROUP + 1:03}", "#4a90d9") for g in self._group_ids()]
        members = [(FIRST_GROUP + (e - FIRST_EMPLOYEE) // GROUP_SIZE, e) for e in self._employee_ids()]
        threads = [(t, a, "employee", e) for e, t in self.employee_thread.items()]
        threads += [(t, a, "group", g) for g, t in self.group_thread.items()]
        return {"employees": employees, "groups": groups, "group_members": members, "threads": threads}

    def messages(self) -> Iterator[dict[str, list[tuple]]]:
        """Batches of messages with their deliveries, targets and thread links, oldest first."""
        for first in range(1, self.size + 1, BATCH):
            batch: dict[str, list[tuple]] = {"messages": [], "deliveries": [], "message_targets": [], "links": []}
            for message_id in range(first, min(first + BATCH, self.size + 1)):
                self._add_message(batch, message_id)
            yield batch

    def _add_message(self, batch: dict[str, list[tuple]], message_id: int) -> None:
        """One message and what goes with it (an employee's thread id is the employee's id)."""
        rnd, a = self.rng.random, self.account_id
        at: object = self.start + self.step * message_id
        if self.as_text:
            at = at.isoformat(" ", "microseconds")  # type: ignore[attr-defined]
        text, words, parts = self.texts[int(rnd() * len(self.texts))]
        e = FIRST_EMPLOYEE + int(rnd() * EMPLOYEES)
        if rnd() < INBOUND_SHARE:
            batch["messages"].append((message_id, a, "in", text, parts, "UCS-2", at, None, self.phones[e], e, words))
            batch["links"].append((e, message_id))
            return
        batch["messages"].append((message_id, a, "out", text, parts, "UCS-2", at, self.author_id, None, None, words))
        recipients = range(e, e + 1)
        if rnd() < GROUP_SEND_SHARE:
            g = (e - FIRST_EMPLOYEE) // GROUP_SIZE
            recipients = range(FIRST_EMPLOYEE + g * GROUP_SIZE, FIRST_EMPLOYEE + (g + 1) * GROUP_SIZE)
            batch["message_targets"].append((message_id, FIRST_GROUP + g))
            batch["links"].append((self.group_thread[FIRST_GROUP + g], message_id))
        deliveries, links = batch["deliveries"], batch["links"]
        for r in recipients:
            self.delivery_id += 1
            status = STATUSES[int(rnd() * len(STATUSES))]
            deliveries.append((self.delivery_id, a, message_id, self.phones[r], r, status, parts, 1, at, False))
            links.append((r, message_id))

    def last_messages(self) -> str:
        """The statement that points every thread at its newest message."""
        return (
            "UPDATE threads SET last_message_id = (SELECT MAX(message_id) FROM thread_messages tm"
            " WHERE tm.thread_id = threads.id)"
        )


COLUMNS = {
    "employees": "id, account_id, name, phone, active",
    "groups": "id, account_id, name, color",
    "group_members": "group_id, employee_id",
    "threads": "id, account_id, kind, ref_id",
    "messages": "id, account_id, direction, text, parts, encoding, created_at, author_user_id, sender_phone, "
    "employee_id, search_text",
    "deliveries": "id, account_id, message_id, phone, employee_id, status, parts, attempts, updated_at, "
    "possible_duplicate",
    "message_targets": "message_id, group_id",
    "links": "thread_id, message_id",
}
TABLES = {"links": "thread_messages"}


def _insert_sqlite(connection: sqlite3.Connection, table: str, rows: list[tuple]) -> None:
    """One executemany into a table."""
    columns = COLUMNS[table]
    marks = ", ".join("?" * len(columns.split(",")))
    connection.executemany(f"INSERT INTO {TABLES.get(table, table)} ({columns}) VALUES ({marks})", rows)


def _drop_sqlite_indexes(connection: sqlite3.Connection) -> list[str]:
    """Drop the secondary indexes of the big tables (rebuilt after the load, by sorting); their DDL."""
    found = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('messages', 'deliveries', 'thread_messages')"
    ).fetchall()
    for name, _ in found:
        connection.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _load_sqlite(path: Path, rows: _Rows) -> int:
    """Load every row into the SQLite file with the FTS triggers off, then build FTS5 in one pass; rows written."""
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-200000;")
    for statement in search_index.drop_statements("sqlite"):
        connection.execute(statement)
    indexes = _drop_sqlite_indexes(connection)
    written = 0
    connection.execute("BEGIN")
    for table, table_rows in rows.directory().items():
        _insert_sqlite(connection, table, table_rows)
        written += len(table_rows)
    for batch in rows.messages():
        for table, table_rows in batch.items():
            _insert_sqlite(connection, table, table_rows)
            written += len(table_rows)
    connection.execute(rows.last_messages())
    connection.execute("COMMIT")
    info(f"dataset: rows in, {time.perf_counter() - started:.1f} s; indexing")
    for statement in indexes + search_index.create_statements("sqlite"):
        connection.execute(statement)
    # No ANALYZE: the app never runs it, so its planner works without statistics, and so must the benches'.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    return written


async def _load_postgres(url: str, rows: _Rows) -> int:
    """COPY every row into PostgreSQL with the GIN index dropped, then build it once; rows written."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    written = 0
    try:
        for statement in search_index.drop_statements("postgresql"):
            await connection.execute(statement)
        async with connection.transaction():
            for table, table_rows in rows.directory().items():
                written += await _copy(connection, table, table_rows)
            for batch in rows.messages():
                for table, table_rows in batch.items():
                    written += await _copy(connection, table, table_rows)
            await connection.execute(rows.last_messages())
            for table in ("employees", "groups", "threads", "messages", "deliveries"):
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
        await connection.execute("SET maintenance_work_mem = '256MB'")
        for statement in search_index.create_statements("postgresql"):
            await connection.execute(statement)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return written


async def _copy(connection: object, table: str, rows: list[tuple]) -> int:
    """COPY rows into a table."""
    columns = [c.strip() for c in COLUMNS[table].split(",")]
    await connection.copy_records_to_table(TABLES.get(table, table), records=rows, columns=columns)  # type: ignore[attr-defined]
    return len(rows)


async def _seed(url: str) -> tuple[int, int]:
    """The demo account (admin / bench password); its id and the admin's user id."""
    db = Database(url)
    try:
        await seed_demo(db, PASSWORD)
        async with db.read() as session:
            from sqlalchemy import text

            found = (await session.execute(text("SELECT account_id, id FROM users WHERE login = 'admin'"))).one()
            return found[0], found[1]
    finally:
        await db.dispose()


def _check_words(rows: _Rows) -> None:
    """The generator's search column is what the app would store (checked on a sample)."""
    rng_state = rows.rng.getstate()
    for _ in range(2000):
        text, words = rows.vocabulary.text(rows.rng)
        assert words == index_words(text), (text, words, index_words(text))
    rows.rng.setstate(rng_state)


async def _message_count(url: str) -> int:
    """How many messages the database holds (0 when it has no schema yet)."""
    db = Database(url)
    try:
        async with db.read() as session:
            from sqlalchemy import text

            return int((await session.execute(text("SELECT COUNT(*) FROM messages"))).scalar_one())
    except Exception:  # noqa: BLE001 - no database or no schema yet: nothing generated
        return 0
    finally:
        await db.dispose()


def fill(url: str, size: int) -> float:
    """Migrate, seed and load `size` messages into the (empty) database at url; returns rows per second."""
    upgrade(url)
    account_id, admin_id = asyncio.run(_seed(url))
    started, cpu = time.perf_counter(), time.process_time()
    rows = _Rows(size, account_id, admin_id, datetime.now(UTC), as_text=url.startswith("sqlite"))
    _check_words(rows)
    if url.startswith("sqlite"):
        written = _load_sqlite(Path(url.split("///", 1)[1]), rows)
    else:
        written = asyncio.run(_load_postgres(url, rows))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    info(
        f"dataset: {written:,} rows ({size:,} messages) in {elapsed:.1f} s = {written / elapsed:,.0f} rows/s;"
        f" {cpu:.1f} CPU s in this process = {written / cpu:,.0f} rows per CPU second"
    )
    return written / elapsed


def _postgres_url(size: int) -> str:
    """A kept PostgreSQL database for this size (created when missing)."""
    import asyncpg

    name = f"communicator_dataset_{size}"

    async def create() -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        try:
            if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name


def ensure_dataset(url: str | None = None, size: int = 1_000_000) -> str:
    """The url of a database holding the generated history of `size` messages, generating it only once.

    No url: a SQLite file cached under /tmp; "postgres": a kept database on the bench server; any other url is
    filled when it holds fewer than `size` messages (it must then be empty).
    """
    if url is None:
        path = CACHE / f"communicator-dataset-{size}.db"
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            fill(f"sqlite+aiosqlite:///{partial}", size)
            partial.rename(path)
        return f"sqlite+aiosqlite:///{path}"
    if url == "postgres":
        url = _postgres_url(size)
    if asyncio.run(_message_count(url)) < size:
        fill(url, size)
    return url


def main() -> None:
    """Generate (or find) the data set and say where it is."""
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    info(f"dataset: {ensure_dataset(None if kind == 'sqlite' else kind, size)}")


if __name__ == "__main__":
    main()
