"""gaps: smpp_binds (binds managed in the UI), messages.sender_name, delivery_parts (each part's receipt)

Revision ID: 0019
Revises: 0007
Create Date: 2026-11-30 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0014"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "smpp_binds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.String(length=16), nullable=False),
        sa.Column("password_sealed", sa.String(length=200), nullable=False),
        sa.Column("system_type", sa.String(length=13), nullable=False),
        sa.Column("source_addr", sa.String(length=21), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("tps", sa.Float(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_smpp_binds_account_id", "smpp_binds", ["account_id"], unique=False)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_name", sa.String(length=11), nullable=True))
    op.create_table(
        "delivery_parts",
        sa.Column("delivery_id", BIG_ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("smsc_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("delivery_id", "seq"),
    )
    op.create_index("ix_delivery_parts_smsc_id", "delivery_parts", ["smsc_id"], unique=False)


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_delivery_parts_smsc_id", table_name="delivery_parts")
    op.drop_table("delivery_parts")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("sender_name")
    op.drop_index("ix_smpp_binds_account_id", table_name="smpp_binds")
    op.drop_table("smpp_binds")
