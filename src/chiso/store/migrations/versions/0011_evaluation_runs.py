"""Evaluation runs: which server worker precomputes the evaluations of a data version, so that
two workers never compute the same ones.

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation_runs",
        sa.Column("version", sa.String(length=120), nullable=False),
        sa.Column("worker", sa.String(length=80), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_evaluation_runs")),
    )


def downgrade() -> None:
    op.drop_table("evaluation_runs")
