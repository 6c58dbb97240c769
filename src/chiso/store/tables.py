"""The tables that repositories read and write as SQLAlchemy Core tables — units and their
lineage, stored values, frameworks, the audit log and its stamps — declared once, here. The ORM
classes of `models` map onto these same objects (`__table__`), so a command that touches only
them (`chiso facts compute`) never builds the declarative classes or configures the mappers.
Changes go through Alembic migrations, never create_all."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)
"""Every table of the application state (those of `models` too)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def _moment() -> DateTime:
    return DateTime(timezone=True)


units = Table(
    "units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(80), nullable=False, unique=True),
    Column("code", String(64), index=True),
    Column("scheme", String(16)),
    Column("kind", String(16), nullable=False, index=True),
    Column("subtype", String(16)),
    Column("name", String(255), nullable=False),
    Column("short_name", String(255)),
    Column("search_text", String(600), nullable=False, index=True),
    Column("parent_id", ForeignKey("units.id", ondelete="RESTRICT"), index=True),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("created_at", _moment(), nullable=False, default=utcnow),
    Column("updated_at", _moment(), nullable=False, default=utcnow, onupdate=utcnow),
)

unit_groups = Table(
    "unit_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(80), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("description", Text),
)

unit_group_members = Table(
    "unit_group_members",
    metadata,
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("unit_groups.id", ondelete="CASCADE"), primary_key=True),
)

unit_links = Table(
    "unit_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "predecessor_id", ForeignKey("units.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("successor_id", ForeignKey("units.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("is_primary", Boolean, nullable=False, default=True),
    UniqueConstraint("predecessor_id", "successor_id"),
)
"""A legacy unit (whole or in part) living on in a newer one."""

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", _moment(), nullable=False, default=utcnow, index=True),
    Column("actor", String(120), nullable=False),
    Column("action", String(60), nullable=False),
    Column("entity", String(60), nullable=False),
    Column("entity_key", String(200)),
    Column("source", String(500)),
    Column("before", JSON),
    Column("after", JSON),
    # No index on entity_key: it is only ever matched by LIKE patterns starting with "%".
    Index("ix_audit_log_entity_id", "entity", "id"),
)
"""Who changed what, when, from which file or request: old → new."""

audit_stamps = Table(
    "audit_stamps",
    metadata,
    Column("entity", String(60), primary_key=True),
    Column("counter", BigInteger, nullable=False, default=0),
)
"""How many transactions audited an entity: the data version caches are keyed on. A counter
bumped at commit moves with every commit, in whatever order the writers' audit ids were taken
(on PostgreSQL a smaller id can commit after a larger one, which `max(id)` misses)."""

frameworks = Table(
    "frameworks",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("source_yaml", Text, nullable=False),
    Column("registered_at", _moment(), nullable=False, default=utcnow),
    Column("registered_by", String(120), nullable=False),
)
"""A framework a province registered (shipped ones are read from the package)."""

indicator_values = Table(
    "indicator_values",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("framework_id", String(80), nullable=False),
    Column("unit_id", ForeignKey("units.id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("period", String(16), nullable=False),
    Column("indicator", String(80), nullable=False),
    Column("number", Float),
    Column("numerator", Float),
    Column("denominator", Float),
    Column("text", String(255)),
    Column("index_value", Float),
    Column("source", String(16), nullable=False),
    Column("source_ref", String(500)),
    Column("reported_at", _moment(), nullable=False, default=utcnow),
    Column("updated_at", _moment(), nullable=False, default=utcnow),
    Column("updated_by", String(120), nullable=False),
    UniqueConstraint("framework_id", "unit_id", "period", "indicator"),
    Index("ix_indicator_values_lookup", "framework_id", "period", "indicator"),
)
"""One value of one indicator (or any node) for one unit and period under one framework."""
