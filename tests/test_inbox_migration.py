"""Migration 0011 carries the old per-thread read marks over to messages and splits «Неизвестные» per number."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from communicator.db.migrate import upgrade

SEED = """
INSERT INTO accounts (id, name, short_number, sender_names, plan, created_at) VALUES (1, 'A', '4938', '[]', 'Company', '2026-01-01');
INSERT INTO users (id, account_id, login, password_hash, role, name, active, may_send_all, platform_admin)
  VALUES (1, 1, 'admin', 'x', 'Administrator', 'A', 1, 1, 0);
INSERT INTO employees (id, account_id, name, phone, active) VALUES (1, 1, 'Иванов', '+79161000001', 1);
INSERT INTO messages (id, account_id, direction, text, parts, encoding, created_at, sender_phone, employee_id)
  VALUES (1, 1, 'in', 'a', 1, 'GSM', '2026-01-01', '+79161000001', 1),
         (2, 1, 'in', 'b', 1, 'GSM', '2026-01-02', '+79161000001', 1),
         (3, 1, 'in', 'c', 1, 'GSM', '2026-01-03', '+79035550001', NULL),
         (4, 1, 'out', 'd', 1, 'GSM', '2026-01-04', NULL, NULL),
         (5, 1, 'in', 'e', 1, 'GSM', '2026-01-05', '+79035550002', NULL);
INSERT INTO deliveries (id, account_id, message_id, phone, employee_id, status, parts, attempts, updated_at, possible_duplicate)
  VALUES (1, 1, 4, '+79035550001', NULL, 'Sent', 1, 0, '2026-01-04', 0);
INSERT INTO threads (id, account_id, kind, ref_id, last_message_id) VALUES (1, 1, 'employee', 1, 2), (2, 1, 'group', 1, 2),
  (3, 1, 'unknown', 0, 5);
INSERT INTO thread_messages (thread_id, message_id) VALUES (1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (3, 4), (3, 5);
INSERT INTO thread_reads (user_id, thread_id, last_read_message_id) VALUES (1, 2, 1), (1, 3, 3);
"""


def test_read_marks_and_unknown_messages_are_carried_over(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.executescript(SEED)
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as connection:
        # Read in the group thread up to 1 = message 1 read everywhere; the unknown thread up to 3 = message 3.
        assert connection.execute("SELECT user_id, message_id FROM message_reads ORDER BY 2").fetchall() == [
            (1, 1),
            (1, 3),
        ]
        contacts = dict(connection.execute("SELECT phone, id FROM contacts WHERE name IS NULL").fetchall())
        assert set(contacts) == {"+79035550001", "+79035550002"}
        threads = connection.execute(
            "SELECT t.ref_id, group_concat(tm.message_id), t.last_message_id FROM threads t "
            "JOIN thread_messages tm ON tm.thread_id = t.id WHERE t.kind = 'contact' GROUP BY t.id ORDER BY t.ref_id"
        ).fetchall()
        assert sorted((r, sorted(m.split(",")), last) for r, m, last in threads) == sorted(
            [(contacts["+79035550001"], ["3", "4"], 4), (contacts["+79035550002"], ["5"], 5)]
        )
        assert connection.execute("SELECT count(*) FROM threads WHERE kind = 'unknown'").fetchone() == (0,)
