"""message search: messages.search_text (word stems and #tags), backfilled, with its full-text index

SQLite: an FTS5 external-content table kept by triggers; PostgreSQL: a GIN index (docs/search.md).

Revision ID: 0016
Revises: 0007
Create Date: 2026-11-30 06:00:00
"""

import sqlalchemy as sa
from alembic import op

from communicator.db.search_index import create_statements, drop_statements
from communicator.sms.words import index_words

revision = "0016"
down_revision = "0017"
branch_labels = None
depends_on = None

BATCH = 5000


def _backfill() -> None:
    """Fill the column of the messages already stored, a batch at a time."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, text FROM messages WHERE id > :last ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}
        ).all()
        if not rows:
            return
        connection.execute(
            sa.text("UPDATE messages SET search_text = :words WHERE id = :id"),
            [{"id": row_id, "words": index_words(text)} for row_id, text in rows],
        )
        last = rows[-1][0]


def upgrade() -> None:
    """Apply."""
    op.add_column("messages", sa.Column("search_text", sa.Text(), nullable=True))
    _backfill()
    for statement in create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    """Revert."""
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("search_text")
