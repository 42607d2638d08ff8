"""Re-extraction: versions can be superseded; captures keep the timestamp the archive served.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("served_timestamp", sa.String(length=14), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("served_timestamp")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("superseded_at")
