"""smpp_binds.created_at: when a bind was added (the «Шлюз» page and the audit show it beside updated_at)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 12:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply: binds added before this revision count as created when they were last changed."""
    with op.batch_alter_table("smpp_binds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE smpp_binds SET created_at = updated_at")
    with op.batch_alter_table("smpp_binds", schema=None) as batch_op:
        batch_op.alter_column("created_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("smpp_binds", schema=None) as batch_op:
        batch_op.drop_column("created_at")
