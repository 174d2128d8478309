"""e-mail to SMS (settings, folds, receipts; messages.folded) and webhooks (settings, outbox)

Revision ID: 0009
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply."""
    op.add_column("messages", sa.Column("folded", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "mail_settings",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("secret", sa.String(40), nullable=False),
        sa.Column("allowed_senders", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("fold_seconds", sa.Integer(), nullable=True),
        sa.Column("rate_per_hour", sa.Integer(), nullable=True),
    )
    op.create_table(
        "mail_folds",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("text_hash", sa.String(64), primary_key=True),
        sa.Column("message_id", BigId, sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("first_at", When, nullable=False),
    )
    op.create_table(
        "mail_receipts",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("sender", sa.String(320), nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("message_id", BigId, nullable=True),
    )
    op.create_index("ix_mail_receipts_sender", "mail_receipts", ["account_id", "sender", "at"])
    op.create_table(
        "webhook_settings",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("inbound_url", sa.String(2000), nullable=False),
        sa.Column("delivery_url", sa.String(2000), nullable=False),
        sa.Column("survey_url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
    )
    op.create_table(
        "webhook_outbox",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("webhook_id", sa.String(40), nullable=False, unique=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", When, nullable=False),
        sa.Column("lease_until", When, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("finished_at", When, nullable=True),
    )
    op.create_index("ix_webhook_outbox_due", "webhook_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_outbox_account", "webhook_outbox", ["account_id", "id"])


def downgrade() -> None:
    """Revert."""
    for table in ("webhook_outbox", "webhook_settings", "mail_receipts", "mail_folds", "mail_settings"):
        op.drop_table(table)
    op.drop_column("messages", "folded")
