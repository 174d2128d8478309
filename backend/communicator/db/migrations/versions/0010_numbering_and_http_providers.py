"""numbering plan and operators per delivery; HTTP aggregator providers

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-30 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "numbering_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
        sa.Column("operator", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_numbering_ranges_start", "numbering_ranges", ["start"], unique=False)
    op.create_table(
        "numbering_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("ranges", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "http_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("url_template", sa.String(length=2000), nullable=False),
        sa.Column("body_type", sa.String(length=8), nullable=False),
        sa.Column("body_template", sa.Text(), nullable=False),
        sa.Column("auth_header", sa.String(length=100), nullable=False),
        sa.Column("auth_value", sa.String(length=500), nullable=False),
        sa.Column("id_path", sa.String(length=200), nullable=False),
        sa.Column("id_regex", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("tps", sa.Float(), nullable=False),
        sa.Column("dlr_token", sa.String(length=64), nullable=False),
        sa.Column("dlr_secret", sa.String(length=200), nullable=False),
        sa.Column("dlr_id_path", sa.String(length=200), nullable=False),
        sa.Column("dlr_status_path", sa.String(length=200), nullable=False),
        sa.Column("dlr_statuses", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id"),
        sa.UniqueConstraint("dlr_token"),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operator_override", sa.String(length=40), nullable=True))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operator", sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("operator")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_column("operator_override")
    op.drop_table("http_providers")
    op.drop_table("numbering_imports")
    op.drop_index("ix_numbering_ranges_start", table_name="numbering_ranges")
    op.drop_table("numbering_ranges")
