"""partial delivery indexes: smsc_id and expiry only index the rows that have one

Every status change of a delivery rewrites its row and adds an entry to each index whose predicate the new row
meets; a row without an SMSC id (not yet sent) or without a validity (most) no longer adds one to these two.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 15:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _create_partial(name: str, columns: list[str], set_column: str) -> None:
    """An index of only the rows where `set_column` is set (the same predicate on both dialects)."""
    where = sa.text(f"{set_column} IS NOT NULL")
    op.create_index(name, "deliveries", columns, postgresql_where=where, sqlite_where=where)


def upgrade() -> None:
    """Apply."""
    op.drop_index("ix_deliveries_smsc_id", table_name="deliveries")
    _create_partial("ix_deliveries_smsc_id", ["smsc_id"], "smsc_id")
    op.drop_index("ix_deliveries_expiry", table_name="deliveries")
    _create_partial("ix_deliveries_expiry", ["status", "expires_at"], "expires_at")


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_deliveries_expiry", table_name="deliveries")
    op.create_index("ix_deliveries_expiry", "deliveries", ["status", "expires_at"])
    op.drop_index("ix_deliveries_smsc_id", table_name="deliveries")
    op.create_index("ix_deliveries_smsc_id", "deliveries", ["smsc_id"])
