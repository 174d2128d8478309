"""inbox: read marks per message, per-number contact threads, reply window, confirm threshold, follow-ups

Carries the old per-thread read marks over to the messages they covered (read in any thread = read), and
moves the shared «Неизвестные» thread's messages into one thread per number (a contact without a name).

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-30 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

CARRY_READS = """
INSERT INTO message_reads (user_id, message_id)
SELECT DISTINCT tr.user_id, tm.message_id
FROM thread_reads tr
JOIN thread_messages tm ON tm.thread_id = tr.thread_id AND tm.message_id <= tr.last_read_message_id
JOIN messages m ON m.id = tm.message_id AND m.direction = 'in'
"""
UNKNOWN_LINKS = "SELECT tm.message_id FROM thread_messages tm JOIN threads t ON t.id = tm.thread_id WHERE t.kind = 'unknown'"
CONTACTS = f"""
INSERT INTO contacts (account_id, phone, note)
SELECT account_id, phone, '' FROM (
  SELECT m.account_id AS account_id, m.sender_phone AS phone FROM messages m
  WHERE m.direction = 'in' AND m.employee_id IS NULL AND m.sender_phone IS NOT NULL AND m.id IN ({UNKNOWN_LINKS})
  UNION
  SELECT d.account_id, d.phone FROM deliveries d WHERE d.employee_id IS NULL AND d.message_id IN ({UNKNOWN_LINKS})
) AS numbers
"""
CONTACT_THREADS = """
INSERT INTO threads (account_id, kind, ref_id) SELECT c.account_id, 'contact', c.id FROM contacts c
"""
CONTACT_LINKS = f"""
INSERT INTO thread_messages (thread_id, message_id)
SELECT DISTINCT t.id, x.message_id FROM (
  SELECT m.account_id AS account_id, m.sender_phone AS phone, m.id AS message_id FROM messages m
  WHERE m.direction = 'in' AND m.employee_id IS NULL AND m.id IN ({UNKNOWN_LINKS})
  UNION
  SELECT d.account_id, d.phone, d.message_id FROM deliveries d
  WHERE d.employee_id IS NULL AND d.message_id IN ({UNKNOWN_LINKS})
) AS x
JOIN contacts c ON c.account_id = x.account_id AND c.phone = x.phone
JOIN threads t ON t.kind = 'contact' AND t.ref_id = c.id AND t.account_id = c.account_id
"""
TOUCH_CONTACT_THREADS = """
UPDATE threads SET
  last_message_id = (SELECT MAX(tm.message_id) FROM thread_messages tm WHERE tm.thread_id = threads.id),
  last_activity_at = (SELECT m.created_at FROM messages m WHERE m.id =
    (SELECT MAX(tm.message_id) FROM thread_messages tm WHERE tm.thread_id = threads.id))
WHERE kind = 'contact'
"""


def upgrade() -> None:
    """Apply."""
    op.add_column("accounts", sa.Column("reply_window_hours", sa.Integer(), nullable=False, server_default="12"))
    op.add_column("accounts", sa.Column("confirm_threshold_sms", sa.Integer(), nullable=False, server_default="100"))
    op.add_column("messages", sa.Column("follow_up_of", BigId, nullable=True))
    op.create_index("ix_messages_follow_up_of", "messages", ["follow_up_of"])
    op.create_table(
        "message_reads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("user_id", "message_id"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "phone"),
    )
    op.create_index("ix_contacts_account_id", "contacts", ["account_id"])
    op.execute(CARRY_READS)
    op.execute(CONTACTS)
    op.execute(CONTACT_THREADS)
    op.execute(CONTACT_LINKS)
    op.execute(TOUCH_CONTACT_THREADS)
    op.execute("DELETE FROM thread_messages WHERE thread_id IN (SELECT id FROM threads WHERE kind = 'unknown')")
    op.execute("DELETE FROM thread_reads WHERE thread_id IN (SELECT id FROM threads WHERE kind = 'unknown')")
    op.execute("DELETE FROM threads WHERE kind = 'unknown'")
    op.drop_table("thread_reads")


def downgrade() -> None:
    """Revert the schema (contact threads stay as they are; per-message read marks are dropped)."""
    op.create_table(
        "thread_reads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("last_read_message_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["threads.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "thread_id"),
    )
    op.drop_index("ix_contacts_account_id", table_name="contacts")
    op.drop_table("contacts")
    op.drop_table("message_reads")
    op.drop_index("ix_messages_follow_up_of", table_name="messages")
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("follow_up_of")
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("confirm_threshold_sms")
        batch_op.drop_column("reply_window_hours")
