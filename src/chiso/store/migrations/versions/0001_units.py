"""Units, unit groups, lineage links and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("scheme", sa.String(16), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subtype", sa.String(16), nullable=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("short_name", sa.String(255), nullable=True),
        sa.Column("search_text", sa.String(600), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["units.id"], name="fk_units_parent_id_units", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("key", name="uq_units_key"),
    )
    op.create_index("ix_units_code", "units", ["code"])
    op.create_index("ix_units_kind", "units", ["kind"])
    op.create_index("ix_units_parent_id", "units", ["parent_id"])
    op.create_index("ix_units_search_text", "units", ["search_text"])

    op.create_table(
        "unit_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_unit_groups"),
        sa.UniqueConstraint("code", name="uq_unit_groups_code"),
    )
    op.create_table(
        "unit_group_members",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["unit_groups.id"],
            name="fk_unit_group_members_group_id_unit_groups",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name="fk_unit_group_members_unit_id_units",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("unit_id", "group_id", name="pk_unit_group_members"),
    )
    op.create_table(
        "unit_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            ["units.id"],
            name="fk_unit_links_predecessor_id_units",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["units.id"],
            name="fk_unit_links_successor_id_units",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_unit_links"),
        sa.UniqueConstraint("predecessor_id", "successor_id", name="uq_unit_links_predecessor_id"),
    )
    op.create_index("ix_unit_links_predecessor_id", "unit_links", ["predecessor_id"])
    op.create_index("ix_unit_links_successor_id", "unit_links", ["successor_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("entity_key", sa.String(200), nullable=True),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_key"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("unit_links")
    op.drop_table("unit_group_members")
    op.drop_table("unit_groups")
    op.drop_table("units")
