"""Assessment rounds, evidence files, directives and tasks, registries, notifications, e-mail.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamp() -> list[sa.Column[object]]:
    return [
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
    ]


def upgrade() -> None:
    op.add_column("users", sa.Column("email", sa.String(200), nullable=True))
    op.create_table(
        "assessment_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_rounds"),
        sa.UniqueConstraint("framework_id", "period", name="uq_assessment_rounds_framework_id"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        *_stamp(),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["assessment_rounds.id"],
            name="fk_assessments_round_id_assessment_rounds",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name="fk_assessments_unit_id_units", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
        sa.UniqueConstraint("round_id", "unit_id", name="uq_assessments_round_id"),
    )
    op.create_index("ix_assessments_round_id", "assessments", ["round_id"])
    op.create_index("ix_assessments_unit_id", "assessments", ["unit_id"])
    op.create_table(
        "assessment_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(80), nullable=False),
        sa.Column("self_value", sa.JSON(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("verified_value", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        *_stamp(),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_assessment_items_assessment_id_assessments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_items"),
        sa.UniqueConstraint("assessment_id", "indicator", name="uq_assessment_items_assessment_id"),
    )
    op.create_index("ix_assessment_items_assessment_id", "assessment_items", ["assessment_id"])
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("signatures", sa.JSON(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_files"),
    )
    op.create_index("ix_evidence_files_owner", "evidence_files", ["owner"])
    op.create_index("ix_evidence_files_sha256", "evidence_files", ["sha256"])
    op.create_table(
        "directives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(80), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_directives"),
        sa.UniqueConstraint("number", name="uq_directives_number"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("directive_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=False),
        sa.Column("deadline_text", sa.String(120), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("recurrence", sa.String(16), nullable=True),
        sa.Column("due_day", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("last_report_on", sa.Date(), nullable=True),
        *_stamp(),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["directives.id"],
            name="fk_tasks_directive_id_directives",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"], ["units.id"], name="fk_tasks_lead_unit_id_units", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        sa.UniqueConstraint("directive_id", "code", name="uq_tasks_directive_id"),
    )
    op.create_index("ix_tasks_directive_id", "tasks", ["directive_id"])
    op.create_index("ix_tasks_lead_unit_id", "tasks", ["lead_unit_id"])
    op.create_table(
        "task_partners",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name="fk_task_partners_task_id_tasks", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name="fk_task_partners_unit_id_units", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("task_id", "unit_id", name="pk_task_partners"),
    )
    op.create_table(
        "task_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name="fk_task_updates_task_id_tasks", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_task_updates"),
    )
    op.create_index("ix_task_updates_task_id", "task_updates", ["task_id"])
    _registries()
    op.create_table(
        "notifications_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notifications_sent"),
        sa.UniqueConstraint("recipient", "event_key", name="uq_notifications_sent_recipient"),
    )


def _registries() -> None:
    op.create_table(
        "committee_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("position", sa.String(255), nullable=False),
        sa.Column("committee_role", sa.String(80), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name="fk_committee_members_unit_id_units",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_committee_members"),
        sa.UniqueConstraint("unit_id", "person", name="uq_committee_members_unit_id"),
    )
    op.create_index("ix_committee_members_unit_id", "committee_members", ["unit_id"])
    op.create_table(
        "community_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("village", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name="fk_community_teams_unit_id_units", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_community_teams"),
        sa.UniqueConstraint("unit_id", "village", name="uq_community_teams_unit_id"),
    )
    op.create_index("ix_community_teams_unit_id", "community_teams", ["unit_id"])
    op.create_table(
        "community_team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("role", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["community_teams.id"],
            name="fk_community_team_members_team_id_community_teams",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_community_team_members"),
        sa.UniqueConstraint("team_id", "person", name="uq_community_team_members_team_id"),
    )
    op.create_index("ix_community_team_members_team_id", "community_team_members", ["team_id"])


def downgrade() -> None:
    for table in (
        "notifications_sent",
        "community_team_members",
        "community_teams",
        "committee_members",
        "task_updates",
        "task_partners",
        "tasks",
        "directives",
        "evidence_files",
        "assessment_items",
        "assessments",
        "assessment_rounds",
    ):
        op.drop_table(table)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
