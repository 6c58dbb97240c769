"""A value as stored, with where it came from: the one shape a stored value has above the store
(`chiso.store.values_repo` is the only place that makes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chiso.domain.periods import Period
from chiso.domain.scoring import Value


@dataclass(frozen=True)
class StoredValue:
    framework_id: str
    unit_id: int
    unit_key: str
    unit_name: str
    period: Period
    indicator: str
    value: Value
    source: str
    """file, web, form, api, computed, registry, assessment, generated."""
    source_ref: str | None
    reported_at: datetime
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class ValueEvent:
    """One change in the history of a value, as the audit log recorded it."""

    at: datetime
    actor: str
    period: Period
    before: Value | None
    after: Value | None
    source: str | None
