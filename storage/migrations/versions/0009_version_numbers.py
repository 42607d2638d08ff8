"""Each version has a number within its policy (v1, v2, …), the one users see, unique among its current versions.

Existing versions are numbered by first-seen order within their policy, each generation that a re-extraction
superseded on its own (its rows share one ``superseded_at``).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NUMBERED = """
UPDATE versions SET number = (
    SELECT numbered.n FROM (
        SELECT id, ROW_NUMBER() OVER (PARTITION BY policy_id, superseded_at ORDER BY captured_at, id) AS n
        FROM versions
    ) AS numbered
    WHERE numbered.id = versions.id
)
"""


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.execute(_NUMBERED)
    with op.batch_alter_table("versions") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
    op.create_index(
        "uq_versions_policy_number_current",
        "versions",
        ["policy_id", "number"],
        unique=True,
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_versions_policy_number_current", table_name="versions")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("number")
