"""Who may do what: four roles, who is acting, and a reporter's scope (their unit and the units
under it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    EVALUATOR = "evaluator"
    REPORTER = "reporter"
    VIEWER = "viewer"

    @property
    def label_vi(self) -> str:
        return {
            Role.ADMIN: "Quản trị hệ thống",
            Role.EVALUATOR: "Thẩm định",
            Role.REPORTER: "Báo cáo viên đơn vị",
            Role.VIEWER: "Lãnh đạo, theo dõi",
        }[self]


class Action(StrEnum):
    VIEW_AGGREGATES = "view_aggregates"
    """Overview, rankings, map, indicator pages: every unit's figures side by side."""
    VIEW_UNIT = "view_unit"
    WRITE_VALUES = "write_values"
    VIEW_DOCUMENTS = "view_documents"
    INGEST_RECORDS = "ingest_records"
    ASSESS = "assess"
    """Self-assessment files: a reporter's own unit, every unit for the council."""
    ADMINISTER = "administer"


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.EVALUATOR: frozenset(
        {
            Action.VIEW_AGGREGATES,
            Action.VIEW_UNIT,
            Action.WRITE_VALUES,
            Action.VIEW_DOCUMENTS,
            Action.INGEST_RECORDS,
            Action.ASSESS,
        }
    ),
    Role.REPORTER: frozenset({Action.VIEW_UNIT, Action.WRITE_VALUES, Action.ASSESS}),
    Role.VIEWER: frozenset({Action.VIEW_AGGREGATES, Action.VIEW_UNIT, Action.VIEW_DOCUMENTS}),
}


def can(role: Role, action: Action) -> bool:
    return action in ALLOWED[role]


def in_scope(role: Role, own_unit: int | None, lineage: Iterable[int]) -> bool:
    """A reporter reaches a unit only when their own unit is the unit or one above it; other
    roles reach every unit. `lineage` is the unit's id followed by its ancestors' ids."""
    if role is not Role.REPORTER:
        return True
    return own_unit is not None and own_unit in set(lineage)


@dataclass(frozen=True)
class Actor:
    """Who acts, from the command line or the request to the audit log: the name recorded, the
    role the rules check, and for a reporter the unit they answer for. A bare name (someone
    trying to sign in) gets the least privilege."""

    name: str
    role: Role = Role.VIEWER
    unit_id: int | None = None


SYSTEM = Actor("cli", Role.ADMIN)
"""The command line acts as the administrator unless told to act as a named account."""


@dataclass(frozen=True)
class Account:
    """A local account as pages and commands show it (never its password hash)."""

    id: int
    username: str
    full_name: str
    role: Role
    unit_id: int | None
    unit_key: str | None
    unit_name: str | None
    active: bool
    email: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.unit_id)


@dataclass(frozen=True)
class TokenInfo:
    """An API token as the admin page and `chiso users token list` show it (never the token)."""

    id: int
    username: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool

    def live(self, now: datetime) -> bool:
        return not self.revoked and (self.expires_at is None or self.expires_at > now)
