"""The audit log's (entity, entity_key) index dropped: every query by key matches a LIKE
pattern starting with a wildcard ("%/75.SYT/%/c07"), which no index serves, and the entity alone
is served by (entity, id); writing its long string keys was a third of the cost of writing the
200.700 audit rows of a workbook import.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_audit_log_entity", table_name="audit_log")


def downgrade() -> None:
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_key"])
