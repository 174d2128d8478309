"""gateway links: each gateway process reports its SMSC connections here for the «Шлюз» page and /metrics

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-30 02:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "gateway_links",
        sa.Column("process", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("tps_allowed", sa.Float(), nullable=False),
        sa.Column("current_rate", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("process", "name"),
    )


def downgrade() -> None:
    """Revert."""
    op.drop_table("gateway_links")
