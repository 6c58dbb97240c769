"""One entry of the audit log: who changed what, when, from which file or request: old → new."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str | None
    source: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class ChainBreak:
    """A place where the audit trail of one entity does not add up: an entry whose `before` is
    not the previous entry's `after` (`entry_id` set), or a stored state that is not the last
    entry's `after` (`entry_id` None)."""

    entity_key: str
    entry_id: int | None
    expected: dict[str, Any] | None
    found: dict[str, Any] | None


@dataclass
class ChainReport:
    entities: int = 0
    steps: int = 0
    broken: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    """The first `LISTED` breaks (all of them are counted in `broken`)."""

    @property
    def ok(self) -> bool:
        return self.broken == 0


LISTED = 100


def check_chain(
    steps: Iterable[tuple[int, str, dict[str, Any] | None, dict[str, Any] | None]],
    current: Mapping[str, dict[str, Any]],
) -> ChainReport:
    """Walks (entry id, entity key, before, after) in id order: each entity's first entry starts
    from nothing, each later one from the previous `after`, and the last `after` is what is
    stored now (`current`, entity key → state)."""
    report = ChainReport()
    last: dict[str, dict[str, Any] | None] = {}

    def broke(item: ChainBreak) -> None:
        report.broken += 1
        if len(report.breaks) < LISTED:
            report.breaks.append(item)

    for entry_id, key, before, after in steps:
        report.steps += 1
        expected = last.get(key)
        if not same_state(before, expected):
            broke(ChainBreak(key, entry_id, expected, before))
        last[key] = after
    for key in sorted(set(last) | set(current)):
        if not same_state(current.get(key), last.get(key)):
            broke(ChainBreak(key, None, last.get(key), current.get(key)))
    report.entities = len(set(last) | set(current))
    return report


def same_state(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Equal states, reading a non-finite number the audit log keeps as text ("inf") as the
    number itself."""
    if a is None or b is None:
        return a is None and b is None
    return {k: _plain(v) for k, v in a.items()} == {k: _plain(v) for k, v in b.items()}


def _plain(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    return v
