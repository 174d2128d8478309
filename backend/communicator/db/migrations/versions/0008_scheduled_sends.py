"""scheduled sends and validity periods: accounts.timezone, messages.send_at/valid_until, deliveries.expires_at

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-30 02:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=False, server_default="Europe/Moscow"))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_deliveries_expiry", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_expiry")
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("valid_until")
        batch_op.drop_column("send_at")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("timezone")
