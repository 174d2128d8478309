"""index deliveries by message with id and status: a message's pages and its summary come from the index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:00:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        # (message_id, id) serves everything the plain message_id index did, and pages in id order.
        batch_op.drop_index("ix_deliveries_message_id")
        batch_op.create_index("ix_deliveries_message_page", ["message_id", "id"], unique=False)
        batch_op.create_index("ix_deliveries_message_status", ["message_id", "status"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_message_status")
        batch_op.drop_index("ix_deliveries_message_page")
        batch_op.create_index("ix_deliveries_message_id", ["message_id"], unique=False)
