"""unrouted messages: MOs on a shared short number that no account could be chosen for (docs/inbound.md)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:52:05.337798
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "unrouted_messages",
        sa.Column("id", BigId, nullable=False),
        sa.Column("short_number", sa.String(length=20), nullable=True),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("smsc_id", sa.String(length=64), nullable=True),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("message_id", BigId, nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unrouted_dedup", "unrouted_messages", ["smsc_id", "sender", "text_hash"])


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_unrouted_dedup", table_name="unrouted_messages")
    op.drop_table("unrouted_messages")
