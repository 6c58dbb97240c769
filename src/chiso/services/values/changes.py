"""The one path every value takes into the database, whatever its source (a file, a form, the
API, raw records, registries, a published assessment): compared with what is stored, written in
bulk, each change audited; an equal value is left alone, so the same input twice changes
nothing the second time."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from chiso.domain.access import Actor
from chiso.domain.frameworks import Framework
from chiso.domain.periods import Period
from chiso.domain.quality import Flag
from chiso.domain.scoring import Value
from chiso.domain.values import is_finite
from chiso.errors import Problem, RejectedInput
from chiso.store import audit_repo, values_repo
from chiso.store.db import Session


@dataclass(frozen=True)
class Matched:
    """A value ready to store: its unit is known."""

    unit_id: int
    unit_key: str
    unit_name: str
    period: Period
    indicator: str
    value: Value
    where: str = ""


@dataclass(frozen=True)
class ValueChange:
    unit_key: str
    unit_name: str
    period: Period
    indicator: str
    before: Value | None
    after: Value


@dataclass
class ImportReport:
    source: str
    framework_id: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[ValueChange] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    dry_run: bool = False


def apply_values(
    session: Session,
    actor: Actor,
    framework: Framework,
    matched: list[Matched],
    ref: str,
    source: str,
    report: ImportReport,
) -> None:
    """Stores new values, updates changed ones and audits each change."""
    keys = [(m.unit_id, m.period, m.indicator) for m in matched]
    stored = values_repo.existing(session, framework.id, keys)
    new: list[tuple[values_repo.Key, Value]] = []
    changed: list[tuple[int, Value]] = []
    steps: list[audit_repo.Step] = []
    not_finite: list[str] = []
    for m, key in zip(matched, keys, strict=True):
        found = stored.get(key)
        before = found[1] if found else None
        if found is None:
            new.append((key, m.value))
            report.created += 1
        elif found[1] == m.value:
            report.unchanged += 1
            continue
        else:
            changed.append((found[0], m.value))
            report.updated += 1
        if not is_finite(m.value):
            not_finite.append(m.where)
        audited = json_safe(values_repo.fields(before)) if before else None
        name = values_repo.value_key(framework.id, m.unit_key, m.period, m.indicator)
        steps.append((name, audited, values_repo.fields(m.value), ref))
        report.changes.append(
            ValueChange(m.unit_key, m.unit_name, m.period, m.indicator, before, m.value)
        )
    refuse_non_finite(not_finite)
    values_repo.save(session, framework.id, actor, (source, ref), new, changed)
    audit_repo.record_many(session, actor, "value.set", "value", steps)


def refuse_non_finite(where: list[str]) -> None:
    """The last guard before the database: no value an importer missed gets stored."""
    if where:
        raise RejectedInput(
            f"Có {len(where)} giá trị không phải số hữu hạn, không có dữ liệu nào được lưu.",
            f"{len(where)} non-finite values refused",
            problems=[Problem(w, "giá trị không phải số hữu hạn", "not finite") for w in where],
        )


def json_safe(fields: dict[str, Any]) -> dict[str, Any]:
    """A stored value for the audit log: PostgreSQL's JSON has no Infinity or NaN, so one left
    by an older version is recorded as its text ("inf")."""
    return {
        k: repr(v) if isinstance(v, float) and not math.isfinite(v) else v
        for k, v in fields.items()
    }
