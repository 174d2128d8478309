"""index big lists: the thread list's pages by newest activity, the unread total by the newest inbound messages

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 06:20:00
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_index("ix_threads_activity", "threads", ["account_id", "last_message_id"], unique=False)
    op.create_index("ix_messages_inbound", "messages", ["account_id", "direction", "id"], unique=False)


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_messages_inbound", table_name="messages")
    op.drop_index("ix_threads_activity", table_name="threads")
