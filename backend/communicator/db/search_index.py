"""The full-text index over messages.search_text: FTS5 on SQLite, a GIN index on PostgreSQL (docs/search.md).

Both index exactly the words communicator.sms.words stored, split at single spaces: FTS5's unicode61 tokenizer
(diacritics kept) and PostgreSQL's array_to_tsvector (no parser, no dictionary) see the same words, so both
databases find the same messages.
"""

from __future__ import annotations

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE messages_fts USING fts5(search_text, content='messages', content_rowid='id', "
    "detail='none', tokenize='unicode61 remove_diacritics 0')"
)
# An external-content table: the triggers keep it in step with every insert path, in the same transaction.
SQLITE_TRIGGERS = (
    (
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
        "INSERT INTO messages_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
    (
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
    ),
    (
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF search_text ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO messages_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
)
SQLITE_DROP_TRIGGERS = tuple(f"DROP TRIGGER IF EXISTS messages_fts_{name}" for name in ("insert", "delete", "update"))
SQLITE_REBUILD = "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')"
SQLITE_DROP = "DROP TABLE IF EXISTS messages_fts"

# The expression the index is on; a query must spell it the same way to use the index.
POSTGRES_VECTOR = "array_to_tsvector(string_to_array(search_text, ' '))"
POSTGRES_INDEX = f"CREATE INDEX ix_messages_search ON messages USING gin (({POSTGRES_VECTOR}))"
POSTGRES_DROP = "DROP INDEX IF EXISTS ix_messages_search"


def create_statements(dialect: str) -> list[str]:
    """What creates the index (over the rows already there) on this dialect."""
    if dialect == "sqlite":
        return [SQLITE_TABLE, SQLITE_REBUILD, *SQLITE_TRIGGERS]
    return [POSTGRES_INDEX]


def drop_statements(dialect: str) -> list[str]:
    """What removes it (before a bulk load, or to downgrade)."""
    if dialect == "sqlite":
        return [*SQLITE_DROP_TRIGGERS, SQLITE_DROP]
    return [POSTGRES_DROP]
