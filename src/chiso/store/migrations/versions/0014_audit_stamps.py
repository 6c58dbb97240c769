"""A counter per audited entity, bumped by every transaction that audits it when it commits: the
data version pages, workers and stored evaluations are keyed on. `max(audit_log.id)` was not one
on PostgreSQL, where a transaction holding a smaller id (taken from the sequence at insert) can
commit after one holding a larger id and leave the maximum where it was. Seeded from the audit
log's counts, so an upgraded database's first stamps are not those of an empty one.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_stamps",
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entity", name="pk_audit_stamps"),
    )
    op.execute(
        "INSERT INTO audit_stamps (entity, counter) "
        "SELECT entity, count(*) FROM audit_log GROUP BY entity"
    )


def downgrade() -> None:
    op.drop_table("audit_stamps")
