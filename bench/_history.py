"""A large message history, bulk-written straight into a migrated SQLite file (bench_threads_list.py).

Employee and group threads with their messages: half inbound (most of them read by the admin), half outbound
with one Delivered delivery each; every message is linked to one thread; each thread's newest message is set.
Raw sqlite3 executemany in big transactions: the ORM would take minutes for a million rows.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

BATCH = 50_000
WORDS = [
    "замер",
    "монтаж",
    "авария",
    "заказ",
    "адрес",
    "готово",
    "выезд",
    "бригада",
    "клиент",
    "подъезд",
    "ключи",
    "отчёт",
]


def _batches(rows: Iterator[tuple], size: int = BATCH) -> Iterator[list[tuple]]:
    """Rows in lists of `size`."""
    while chunk := list(islice(rows, size)):
        yield chunk


def seed_history(path: str, account_id: int, user_id: int, employee_ids: list[int], groups: int, messages: int) -> int:
    """`groups` new groups, a thread per employee and group, `messages` messages among them; returns the thread count."""
    rng = random.Random(8)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    with db:
        first_group = _insert_groups(db, account_id, groups)
        refs = [("employee", e) for e in employee_ids] + [("group", first_group + g) for g in range(groups)]
        db.executemany(
            "INSERT INTO threads (account_id, kind, ref_id) VALUES (?, ?, ?)", [(account_id, k, r) for k, r in refs]
        )
        threads = db.execute(
            "SELECT id, kind, ref_id FROM threads WHERE account_id = ? ORDER BY id", (account_id,)
        ).fetchall()
        phones = dict(db.execute("SELECT id, phone FROM employees WHERE account_id = ?", (account_id,)).fetchall())
    start = datetime(2025, 1, 1, tzinfo=UTC)
    base_id = int(db.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0])
    plan = [(base_id + n + 1, rng.choice(threads), rng.random() < 0.5) for n in range(messages)]
    for chunk in _batches(iter(plan)):
        with db:
            _insert_messages(db, account_id, user_id, chunk, phones, start, rng)
    with db:
        db.execute(
            "UPDATE threads SET last_message_id = (SELECT max(message_id) FROM thread_messages t"
            " WHERE t.thread_id = threads.id) WHERE account_id = ?",
            (account_id,),
        )
        db.execute(
            "UPDATE threads SET last_activity_at = (SELECT created_at FROM messages WHERE id = last_message_id)"
            " WHERE account_id = ?",
            (account_id,),
        )
    db.execute("ANALYZE")
    db.close()
    return len(threads)


def _insert_groups(db: sqlite3.Connection, account_id: int, count: int) -> int:
    """`count` groups; returns the first one's id (they are consecutive)."""
    first = int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM groups").fetchone()[0])
    db.executemany(
        "INSERT INTO groups (id, account_id, name, color) VALUES (?, ?, ?, ?)",
        [(first + g, account_id, f"Бригада {g:03}", "#336699") for g in range(count)],
    )
    return first


def _insert_messages(
    db: sqlite3.Connection,
    account_id: int,
    user_id: int,
    chunk: list[tuple],
    phones: dict[int, str],
    start: datetime,
    rng: random.Random,
) -> None:
    """One batch: the messages, their thread links, deliveries of the outbound ones, read marks of the inbound."""
    messages, links, deliveries, reads = [], [], [], []
    for message_id, (thread_id, kind, ref_id), inbound in chunk:
        at = (start + timedelta(seconds=message_id * 20)).strftime("%Y-%m-%d %H:%M:%S.%f")
        text = " ".join(rng.choices(WORDS, k=6))
        employee = ref_id if kind == "employee" else None
        if inbound and employee is not None:
            messages.append((message_id, account_id, "in", text, 1, "ucs2", at, None, phones[employee], employee))
            if message_id % 100:  # one in a hundred stays unread
                reads.append((user_id, message_id))
        else:
            messages.append((message_id, account_id, "out", text, 1, "ucs2", at, user_id, None, None))
            if employee is not None:
                deliveries.append((account_id, message_id, phones[employee], employee, "Delivered", 1, 1, at))
        links.append((thread_id, message_id))
    db.executemany(
        "INSERT INTO messages (id, account_id, direction, text, parts, encoding, created_at, author_user_id,"
        " sender_phone, employee_id, folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        messages,
    )
    db.executemany("INSERT INTO thread_messages (thread_id, message_id) VALUES (?, ?)", links)
    db.executemany(
        "INSERT INTO deliveries (account_id, message_id, phone, employee_id, status, parts, attempts, updated_at,"
        " possible_duplicate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
        deliveries,
    )
    db.executemany("INSERT INTO message_reads (user_id, message_id) VALUES (?, ?)", reads)
