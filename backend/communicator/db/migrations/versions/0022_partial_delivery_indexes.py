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


def _where(column: str) -> dict[str, sa.TextClause]:
    """The same partial predicate for both dialects."""
    clause = sa.text(f"{column} IS NOT NULL")
    return {"postgresql_where": clause, "sqlite_where": clause}


def upgrade() -> None:
    """Apply."""
    op.drop_index("ix_deliveries_smsc_id", table_name="deliveries")
    op.create_index("ix_deliveries_smsc_id", "deliveries", ["smsc_id"], **_where("smsc_id"))
    op.drop_index("ix_deliveries_expiry", table_name="deliveries")
    op.create_index("ix_deliveries_expiry", "deliveries", ["status", "expires_at"], **_where("expires_at"))


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_deliveries_expiry", table_name="deliveries")
    op.create_index("ix_deliveries_expiry", "deliveries", ["status", "expires_at"])
    op.drop_index("ix_deliveries_smsc_id", table_name="deliveries")
    op.create_index("ix_deliveries_smsc_id", "deliveries", ["smsc_id"])
