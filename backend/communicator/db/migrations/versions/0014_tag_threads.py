"""tags: one row per #tag of an account (a tag thread's ref_id), external contacts' tag subscriptions and opt-outs

Revision ID: 0014
Revises: 0007
Create Date: 2026-11-30 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create tags and contact_tags."""
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.UniqueConstraint("account_id", "name"),
    )
    op.create_index("ix_tags_account_id", "tags", ["account_id"])
    op.create_table(
        "contact_tags",
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_contact_tags_tag", "contact_tags", ["account_id", "tag"])


def downgrade() -> None:
    """Drop them, and the tag threads whose titles they held (the messages stay in their other threads)."""
    op.execute("DELETE FROM thread_messages WHERE thread_id IN (SELECT id FROM threads WHERE kind = 'tag')")
    op.execute("DELETE FROM threads WHERE kind = 'tag'")
    op.drop_index("ix_contact_tags_tag", "contact_tags")
    op.drop_table("contact_tags")
    op.drop_index("ix_tags_account_id", "tags")
    op.drop_table("tags")
