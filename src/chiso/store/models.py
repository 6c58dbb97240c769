"""The ORM classes of the application state. The tables repositories also use as Core tables are
declared in `tables` and mapped here by `__table__`; the others are declared here. Changes go
through Alembic migrations, never create_all."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chiso.store import tables
from chiso.store.tables import utcnow


class Base(DeclarativeBase):
    metadata = tables.metadata


unit_group_members = tables.unit_group_members


class Unit(Base):
    __table__ = tables.units

    id: Mapped[int]
    key: Mapped[str]
    code: Mapped[str | None]
    scheme: Mapped[str | None]
    kind: Mapped[str]
    subtype: Mapped[str | None]
    name: Mapped[str]
    short_name: Mapped[str | None]
    search_text: Mapped[str]
    parent_id: Mapped[int | None]
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    parent: Mapped[Unit | None] = relationship(
        remote_side=[tables.units.c.id], back_populates="children"
    )
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    groups: Mapped[list[UnitGroup]] = relationship(
        secondary=unit_group_members, back_populates="units", order_by="UnitGroup.code"
    )


class UnitGroup(Base):
    __table__ = tables.unit_groups

    id: Mapped[int]
    code: Mapped[str]
    name: Mapped[str]
    description: Mapped[str | None]

    units: Mapped[list[Unit]] = relationship(secondary=unit_group_members, back_populates="groups")


class UnitLink(Base):
    """A legacy unit (whole or in part) living on in a newer one."""

    __table__ = tables.unit_links

    id: Mapped[int]
    predecessor_id: Mapped[int]
    successor_id: Mapped[int]
    kind: Mapped[str]
    effective_on: Mapped[date]
    is_primary: Mapped[bool]

    predecessor: Mapped[Unit] = relationship(foreign_keys=[tables.unit_links.c.predecessor_id])
    successor: Mapped[Unit] = relationship(foreign_keys=[tables.unit_links.c.successor_id])


class AuditEntry(Base):
    """Who changed what, when, from which file or request: old → new."""

    __table__ = tables.audit_log

    id: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str]
    action: Mapped[str]
    entity: Mapped[str]
    entity_key: Mapped[str | None]
    source: Mapped[str | None]
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class AuditStamp(Base):
    """The data version of an entity (`tables.audit_stamps`)."""

    __table__ = tables.audit_stamps

    entity: Mapped[str]
    counter: Mapped[int]


class StoredFramework(Base):
    """A framework a province registered (shipped ones are read from the package)."""

    __table__ = tables.frameworks

    id: Mapped[str]
    name: Mapped[str]
    source_yaml: Mapped[str]
    registered_at: Mapped[datetime]
    registered_by: Mapped[str]


class IndicatorValue(Base):
    """One value of one indicator (or any node) for one unit and period under one framework."""

    __table__ = tables.indicator_values

    id: Mapped[int]
    framework_id: Mapped[str]
    unit_id: Mapped[int]
    period: Mapped[str]
    indicator: Mapped[str]
    number: Mapped[float | None]
    numerator: Mapped[float | None]
    denominator: Mapped[float | None]
    text: Mapped[str | None]
    index_value: Mapped[float | None]
    source: Mapped[str]
    source_ref: Mapped[str | None]
    reported_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]

    unit: Mapped[Unit] = relationship()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    unit: Mapped[Unit | None] = relationship()


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of the cookie value is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_recent", "username", "at"),
        Index("ix_login_attempts_ip", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class AssessmentRound(Base):
    """One framework's self-assessment for one period, with its submission window."""

    __tablename__ = "assessment_rounds"
    __table_args__ = (UniqueConstraint("framework_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(16))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_rounds.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))

    round: Mapped[AssessmentRound] = relationship()
    unit: Mapped[Unit] = relationship()
    items: Mapped[list[AssessmentItem]] = relationship(
        back_populates="assessment", order_by="AssessmentItem.id"
    )


class AssessmentItem(Base):
    """One component: what the unit claims (self) and what the council found (verified)."""

    __tablename__ = "assessment_items"
    __table_args__ = (UniqueConstraint("assessment_id", "indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    indicator: Mapped[str] = mapped_column(String(80))
    self_value: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    explanation: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16))
    verified_value: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))

    assessment: Mapped[Assessment] = relationship(back_populates="items")


class EvidenceFile(Base):
    """A file attached to an assessment item or a task update; its bytes live once under the data
    directory, named by their SHA-256."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(40), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    signatures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(120))


class Directive(Base):
    """A document that assigns tasks: a committee's conclusions, a plan, a letter."""

    __tablename__ = "directives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tasks: Mapped[list[Task]] = relationship(back_populates="directive", order_by="Task.id")


task_partners = Table(
    "task_partners",
    Base.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True),
)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("directive_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    directive_id: Mapped[int] = mapped_column(
        ForeignKey("directives.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    lead_unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    deadline_text: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date | None] = mapped_column(Date)
    recurrence: Mapped[str | None] = mapped_column(String(16))
    due_day: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    completed_on: Mapped[date | None] = mapped_column(Date)
    last_report_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))

    directive: Mapped[Directive] = relationship(back_populates="tasks")
    lead_unit: Mapped[Unit] = relationship()
    partners: Mapped[list[Unit]] = relationship(secondary=task_partners, order_by="Unit.name")
    updates: Mapped[list[TaskUpdate]] = relationship(
        back_populates="task", order_by="TaskUpdate.id"
    )


class TaskUpdate(Base):
    __tablename__ = "task_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)

    task: Mapped[Task] = relationship(back_populates="updates")


class CommitteeMember(Base):
    """A member of a unit's steering committee for digital transformation (Ban Chỉ đạo)."""

    __tablename__ = "committee_members"
    __table_args__ = (UniqueConstraint("unit_id", "person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    person: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(255))
    committee_role: Mapped[str] = mapped_column(String(80))
    sort: Mapped[int] = mapped_column(Integer)


class CommunityTeam(Base):
    """A village's community digital-technology team (Tổ công nghệ số cộng đồng); a village
    listed without members has no team yet."""

    __tablename__ = "community_teams"
    __table_args__ = (UniqueConstraint("unit_id", "village"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    village: Mapped[str] = mapped_column(String(200))

    members: Mapped[list[CommunityTeamMember]] = relationship(
        back_populates="team", order_by="CommunityTeamMember.id"
    )


class CommunityTeamMember(Base):
    __tablename__ = "community_team_members"
    __table_args__ = (UniqueConstraint("team_id", "person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(
        ForeignKey("community_teams.id", ondelete="CASCADE"), index=True
    )
    person: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(80))

    team: Mapped[CommunityTeam] = relationship(back_populates="members")


class NotificationSent(Base):
    """An event already told to a recipient, so the next digest does not repeat it."""

    __tablename__ = "notifications_sent"
    __table_args__ = (UniqueConstraint("recipient", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    event_key: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgencyProfileRow(Base):
    """An issuing agency: names, place, symbol; signers, lead departments, recipients as JSON."""

    __tablename__ = "agency_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    level: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(255))
    place: Mapped[str] = mapped_column(String(120))
    symbol: Mapped[str] = mapped_column(String(20))
    office_code: Mapped[str] = mapped_column(String(20))
    superior: Mapped[str] = mapped_column(String(255), default="")
    unit_key: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by: Mapped[str] = mapped_column(String(120))


class DocumentSpecRow(Base):
    """A saved document spec (YAML text), reused from one month to the next."""

    __tablename__ = "document_specs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by: Mapped[str] = mapped_column(String(120))


class StoredEvaluation(Base):
    """An evaluation (scores, ranks, changes, intervals, the ranking table) as computed for one
    framework, period and set of options from one data version; a newer version replaces it."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("framework_id", "period", "options", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(16))
    options: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(120))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvaluationRun(Base):
    """A server worker's claim on precomputing the evaluations of one data version: the first
    to insert the row computes them, the others read what it stores; a claim not finished within
    its lease (a worker killed midway) may be taken over."""

    __tablename__ = "evaluation_runs"

    version: Mapped[str] = mapped_column(String(120), primary_key=True)
    worker: Mapped[str] = mapped_column(String(80))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
