"""Subscriptions, and an outbox keyed by subscription that also carries digests.

Rows queued before this migration keep their recipient and no subscription; they are delivered as before.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("secret_env", sa.String(length=200), nullable=True),
        sa.Column("policies", sa.JSON(), nullable=False),
        sa.Column("sections", sa.Text(), nullable=True),
        sa.Column("alert_on", sa.JSON(), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("digest_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("name", name=op.f("uq_subscriptions_name")),
    )
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="change"))
        batch.add_column(sa.Column("subscription_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("period_start", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("period_end", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("change_id", existing_type=sa.Integer(), nullable=True)
        batch.drop_constraint("uq_alerts_change_recipient_channel", type_="unique")
        batch.create_unique_constraint(
            "uq_alerts_change_subscription_channel", ["change_id", "subscription_id", "channel"]
        )
        batch.create_unique_constraint("uq_alerts_subscription_period_end", ["subscription_id", "period_end"])
        batch.create_index(batch.f("ix_alerts_digest_id"), ["digest_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_alerts_subscription_id_subscriptions"),
            "subscriptions",
            ["subscription_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(batch.f("fk_alerts_digest_id_alerts"), "alerts", ["digest_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("fk_alerts_digest_id_alerts", type_="foreignkey")
        batch.drop_constraint("fk_alerts_subscription_id_subscriptions", type_="foreignkey")
        batch.drop_index("ix_alerts_digest_id")
        batch.drop_constraint("uq_alerts_subscription_period_end", type_="unique")
        batch.drop_constraint("uq_alerts_change_subscription_channel", type_="unique")
        batch.create_unique_constraint("uq_alerts_change_recipient_channel", ["change_id", "recipient", "channel"])
        batch.alter_column("change_id", existing_type=sa.Integer(), nullable=False)
        for column in ("period_end", "period_start", "digest_id", "subscription_id", "kind"):
            batch.drop_column(column)
    op.drop_table("subscriptions")
