"""Templates to fill in, exports that import back, the history of a value, quality flags and
reporting completeness."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chiso.domain import grouping
from chiso.domain.frameworks import Framework, InputKind
from chiso.domain.periods import Period
from chiso.domain.quality import Flag, jumps, outliers
from chiso.errors import UsageError
from chiso.io.template_xlsx import TemplateUnit, columns, write_template
from chiso.io.writers import write_table
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units.catalogue import ListQuery, resolve, to_filter
from chiso.services.values.common import numeric, ranking_groups, value_of
from chiso.store import units_repo, values_repo
from chiso.store.models import AuditEntry, IndicatorValue, Unit

EXPORT_HEADER = (
    "unit_code",
    "unit_name",
    "period",
    "indicator",
    "value",
    "numerator",
    "denominator",
    "source",
    "source_ref",
    "updated_at",
    "updated_by",
)


def template(
    rt: Runtime,
    framework_ref: str,
    period_text: str,
    out: Path,
    group: str | None = None,
    parent: str | None = None,
) -> int:
    framework = frameworks.resolve(rt, framework_ref)
    period = parse_period(period_text)
    with rt.db.transaction() as session:
        units = units_repo.query_units(
            session, to_filter(session, ListQuery(group=group, parent=parent, on=period.end))
        )
        if parent is not None:
            units = [resolve(session, parent, period.end), *units]
        covered = [
            u
            for u in units
            if grouping.assign(framework, u.kind, [g.name for g in u.groups])[0]
            is not grouping.OUTSIDE
        ]
    if not covered:
        raise UsageError(
            f"Không có đơn vị nào thuộc phạm vi bộ chỉ số {framework.id} vào {period.label_vi}.",
            "no units for template",
            hint_vi="nạp đơn vị bằng `chiso units seed`/`chiso units import` hoặc đổi --group.",
        )
    kinds = {u.kind for u in covered}
    write_template(
        out,
        framework,
        period,
        [TemplateUnit(u.key, u.name) for u in covered],
        columns(framework, kinds),
    )
    return len(covered)


def export(
    rt: Runtime, out: Path, framework: str | None, period: str | None, unit: str | None
) -> int:
    with rt.db.transaction() as session:
        unit_ids = [resolve(session, unit).id] if unit else None
        stored = values_repo.values(
            session, framework_id=framework, periods=[period] if period else None, unit_ids=unit_ids
        )
        rows = [_export_row(v) for v in stored]
    return write_table(out, EXPORT_HEADER, rows, sheet="Giá trị đã lưu")


def _export_row(v: IndicatorValue) -> list[Any]:
    value: Any = (
        v.index_value if v.index_value is not None else v.text if v.text is not None else v.number
    )
    return [v.unit.key, v.unit.name, v.period, v.indicator, value, v.numerator, v.denominator, v.source,
            v.source_ref, v.updated_at.isoformat(timespec="seconds"), v.updated_by]  # fmt: skip


def history(rt: Runtime, unit: str, indicator: str) -> tuple[str, list[AuditEntry]]:
    with rt.db.transaction() as session:
        found = resolve(session, unit)
        return found.name, values_repo.value_history(session, found.key, indicator)


def quality_flags(rt: Runtime, framework_ref: str, period_text: str) -> list[Flag]:
    framework = frameworks.resolve(rt, framework_ref)
    period = parse_period(period_text)
    rates = {n.code for n in framework.leaves() if n.input is InputKind.RATE}
    with rt.db.transaction() as session:
        current = _numbers(session, framework.id, framework, str(period))
        previous = _numbers(session, framework.id, framework, str(period.previous()))
        groups = ranking_groups(session, framework, {int(u) for u, _ in current})
        names = {
            str(uid): u.name for uid, u in units_repo.units_by_id(session, sorted(groups)).items()
        }
    flags = jumps(current, previous, rates)
    grouped: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for (uid, indicator), v in current.items():
        grouped[(groups[int(uid)][0], indicator)][uid] = v
    for (_, indicator), members in grouped.items():
        flags += outliers(members, indicator, indicator in rates)
    return [Flag(names.get(f.unit, f.unit), f.indicator, f.kind, f.message_vi) for f in flags]


def _numbers(
    session: Any, framework_id: str, framework: Any, period: str
) -> dict[tuple[str, str], float]:
    out = {}
    for v in values_repo.values(session, framework_id=framework_id, periods=[period]):
        x = numeric(framework.node(v.indicator), value_of(v))
        if x is not None:
            out[(str(v.unit_id), v.indicator)] = x
    return out


@dataclass(frozen=True)
class Reporting:
    unit_key: str
    unit_name: str
    group: str
    status: str
    reported_at: datetime | None


STATUS_LABELS = {
    "on_time": "đúng hạn",
    "late": "muộn",
    "missing": "chưa báo cáo",
    "reported": "đã báo cáo",
}


def completeness(
    rt: Runtime,
    framework_ref: str,
    period_text: str,
    deadline: date | None = None,
    group: str | None = None,
) -> list[Reporting]:
    """Who reported for the period, on time or late against the deadline, or not at all."""
    framework = frameworks.resolve(rt, framework_ref)
    period = parse_period(period_text)
    names = grouping.group_names(framework)
    with rt.db.transaction() as session:
        first = values_repo.reporters(session, framework.id, str(period))
        out = []
        for u, g in covered_units(session, framework, period, group):
            at = first.get(u.id)
            out.append(Reporting(u.key, u.name, names[g], _status(at, deadline), at))
    return sorted(out, key=lambda r: (r.group, r.status != "missing", r.unit_name))


def covered_units(
    session: Session, framework: Framework, period: Period, group: str | None = None
) -> list[tuple[Unit, str]]:
    """Units the framework covers on the period's last day, with their ranking group code."""
    units = units_repo.query_units(
        session, to_filter(session, ListQuery(group=group, on=period.end))
    )
    out = []
    for u in units:
        g, _ = grouping.assign(framework, u.kind, [x.name for x in u.groups])
        if g is not grouping.OUTSIDE:
            out.append((u, g.code))
    return out


def _status(at: datetime | None, deadline: date | None) -> str:
    if at is None:
        return "missing"
    if deadline is None:
        return "reported"
    return "on_time" if at.date() <= deadline else "late"


def stored_values(
    rt: Runtime, framework: str, period: str | None, unit: str | None
) -> tuple[list[int], list[dict[str, Any]]]:
    """Stored values as plain records, and the ids of the units asked for (for scope checks)."""
    with rt.db.transaction() as session:
        unit_ids = [resolve(session, unit).id] if unit else None
        rows = values_repo.values(
            session, framework_id=framework, periods=[period] if period else None, unit_ids=unit_ids
        )
        records = [
            {
                "unit": v.unit.key,
                "period": v.period,
                "indicator": v.indicator,
                "number": v.number,
                "numerator": v.numerator,
                "denominator": v.denominator,
                "text": v.text,
                "index": v.index_value,
                "source": v.source,
            }
            for v in rows
        ]
    return unit_ids or [], records
