"""Agency profiles (who issues a document) and saved document specs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamp() -> list[sa.Column[object]]:
    return [
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "agency_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("place", sa.String(120), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("office_code", sa.String(20), nullable=False),
        sa.Column("superior", sa.String(255), nullable=False),
        sa.Column("unit_key", sa.String(80), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        *_stamp(),
        sa.PrimaryKeyConstraint("id", name="pk_agency_profiles"),
        sa.UniqueConstraint("code", name="uq_agency_profiles_code"),
    )
    op.create_table(
        "document_specs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        *_stamp(),
        sa.PrimaryKeyConstraint("id", name="pk_document_specs"),
        sa.UniqueConstraint("name", name="uq_document_specs_name"),
    )


def downgrade() -> None:
    op.drop_table("document_specs")
    op.drop_table("agency_profiles")
