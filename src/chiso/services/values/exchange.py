"""Values going out: the template units fill in, exports that import back, the stored values the
API gives, and the history of one value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chiso.domain import grouping
from chiso.domain.access import Role
from chiso.domain.formatting import number
from chiso.domain.frameworks import Framework, InputKind, Node
from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.domain.units import Unit
from chiso.domain.values import StoredValue, ValueEvent
from chiso.errors import Forbidden, UsageError
from chiso.io.template_xlsx import columns, write_template
from chiso.io.writers import write_table
from chiso.services.accounts.actors import ensure_reaches
from chiso.services.periods import parse_optional, parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units.catalogue import ListQuery, listed
from chiso.services.units.resolver import find_unit, look_up_unit
from chiso.store import values_repo

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
    framework = frameworks.get(rt, framework_ref)
    period = parse_period(period_text)
    with rt.db.transaction() as session:
        units = listed(session, ListQuery(group=group, parent=parent, on=period.end))
        if parent is not None:
            units = [find_unit(session, parent, period.end), *units]
    covered = [
        u for u in units if grouping.assign(framework, u.kind, u.groups)[0] is not grouping.OUTSIDE
    ]
    if not covered:
        raise UsageError(
            f"Không có đơn vị nào thuộc phạm vi bộ chỉ số {framework.id} vào {period.label_vi}.",
            "no units for template",
            hint_vi="nạp đơn vị bằng `chiso units seed`/`chiso units import` hoặc đổi --group.",
        )
    kinds = {u.kind for u in covered if u.kind}
    write_template(out, framework, period, covered, columns(framework, kinds))
    return len(covered)


def stored(
    rt: Runtime, framework: str | None, period: str | None, unit: str | None
) -> list[StoredValue]:
    """Stored values of a framework, period and unit (each optional); a reporter reads one unit
    of their scope, named (an empty name is no name), found on the period's last day."""
    periods = [p] if (p := parse_optional(period)) else None
    unit = (unit or "").strip() or None
    with rt.db.transaction() as session:
        if unit is None and rt.actor.role is Role.REPORTER:
            raise Forbidden(
                "Báo cáo viên chỉ đọc số liệu của một đơn vị trong phạm vi.",
                "a reporter reads the values of one unit in scope",
                hint_vi="thêm ?unit=<mã đơn vị>.",
            )
        found = find_unit(session, unit, p.end if p else None) if unit else None
        if found is not None:
            ensure_reaches(session, rt.actor, found)
        unit_ids = [found.id] if found else None
        return values_repo.values(session, framework, periods, unit_ids)


def export(
    rt: Runtime, out: Path, framework: str | None, period: str | None, unit: str | None
) -> int:
    rows = [_export_row(v) for v in stored(rt, framework, period, unit)]
    return write_table(out, EXPORT_HEADER, rows, sheet="Giá trị đã lưu")


def _export_row(v: StoredValue) -> list[Any]:
    x = v.value
    shown: Any = x.index if x.index is not None else x.text if x.text is not None else x.number
    return [
        v.unit_key,
        v.unit_name,
        str(v.period),
        v.indicator,
        shown,
        x.numerator,
        x.denominator,
        v.source,
        v.source_ref,
        v.updated_at.isoformat(timespec="seconds"),
        v.updated_by,
    ]


@dataclass(frozen=True)
class EntrySheet:
    """The manual-entry form of one unit and period: every leaf of the framework that applies
    to the unit, and what the form's fields start with (the stored values)."""

    framework: Framework
    unit: Unit | None
    """None on a blank form (a unit or period typed that could not be read: the form comes
    back with what was typed so that it can be corrected)."""
    period: Period | None
    leaves: list[Node]
    prefill: dict[str, str]
    """Field name (`v_<code>`, `n_<code>`, `d_<code>`) → the stored value as a person types it."""


def blank_sheet(rt: Runtime, framework_ref: str) -> EntrySheet:
    """Every leaf of the framework, nothing prefilled."""
    framework = frameworks.get(rt, framework_ref)
    leaves = [n for n in framework.leaves() if n.input is not None]
    return EntrySheet(framework, None, None, leaves, {})


def entry_sheet(rt: Runtime, framework_ref: str, unit: str, period: str) -> EntrySheet:
    """The form to type one unit's values of a period by hand, prefilled with what is stored; a
    reporter opens only the units of their scope."""
    framework = frameworks.get(rt, framework_ref)
    when = parse_period(period)
    with rt.db.transaction() as session:
        found = find_unit(session, unit, when.end)
        ensure_reaches(session, rt.actor, found)
        stored = values_repo.values(session, framework.id, [when], [found.id])
    leaves = [n for n in framework.leaves() if n.applies(found.kind) and n.input is not None]
    prefill: dict[str, str] = {}
    by_code = {v.indicator: v.value for v in stored}
    for node in leaves:
        value = by_code.get(node.code)
        if value is not None:
            prefill.update(_typed(node, value))
    return EntrySheet(framework, found, when, leaves, prefill)


def _typed(node: Node, value: Value) -> dict[str, str]:
    """A stored value as the form's fields hold it (no thousands dots: "1.000" could be 1)."""
    code = node.code
    if value.numerator is not None:
        return {
            f"n_{code}": number(value.numerator, 4, grouping=False),
            f"d_{code}": number(value.denominator or 0, 4, grouping=False),
        }
    if value.text is not None:
        return {f"v_{code}": value.text}
    x = value.index if value.index is not None else value.number
    if x is None:
        return {}
    if node.input is InputKind.YES_NO:
        return {f"v_{code}": "có" if x >= 0.5 else "không"}
    return {f"v_{code}": number(x, 4, grouping=False)}


def history(rt: Runtime, unit: str, indicator: str) -> tuple[str, list[ValueEvent]]:
    found = look_up_unit(rt, unit)
    with rt.db.transaction() as session:
        return found.name, values_repo.history(session, found.key, indicator)
