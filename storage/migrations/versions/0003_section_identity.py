"""Sections keep an identity across versions; section changes name the section they change.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("first_version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_version_id"], ["versions.id"], name=op.f("fk_sections_first_version_id_versions")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_sections_policy_id_policies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
    )
    op.create_index(op.f("ix_sections_policy_id"), "sections", ["policy_id"], unique=False)
    op.create_table(
        "version_sections",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_version_sections_section_id_sections"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_version_sections_version_id_versions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_version_sections")),
    )
    op.create_index(op.f("ix_version_sections_section_id"), "version_sections", ["section_id"], unique=False)
    with op.batch_alter_table("section_changes") as batch:
        batch.add_column(sa.Column("section_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_section_changes_section_id"), ["section_id"], unique=False)
        batch.create_foreign_key(batch.f("fk_section_changes_section_id_sections"), "sections", ["section_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("section_changes") as batch:
        batch.drop_constraint(batch.f("fk_section_changes_section_id_sections"), type_="foreignkey")
        batch.drop_index(batch.f("ix_section_changes_section_id"))
        batch.drop_column("section_id")
    op.drop_index(op.f("ix_version_sections_section_id"), table_name="version_sections")
    op.drop_table("version_sections")
    op.drop_index(op.f("ix_sections_policy_id"), table_name="sections")
    op.drop_table("sections")
