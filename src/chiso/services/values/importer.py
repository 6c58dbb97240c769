"""Importing values from a filled template or the long file: everything is checked first, then
stored in one transaction with an audit entry for each change; the same file twice changes
nothing the second time."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from chiso.domain.frameworks import Framework
from chiso.domain.periods import Period
from chiso.domain.quality import Flag, jumps, outliers
from chiso.domain.scoring import Value
from chiso.errors import ProblemList, UsageError
from chiso.io.template_xlsx import read_template, read_wide_sheet
from chiso.io.values_file import ValueRow, read_values_file
from chiso.services.periods import parse_optional as parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units.resolver import Matcher
from chiso.services.values.common import fields_of, numeric, ranking_groups
from chiso.store import values_repo
from chiso.store.models import AuditEntry, IndicatorValue, utcnow


@dataclass(frozen=True)
class Change:
    unit_key: str
    unit_name: str
    period: str
    indicator: str
    before: dict[str, Any] | None
    after: dict[str, Any]


@dataclass
class ImportReport:
    source: str
    framework_id: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    dry_run: bool = False


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


def import_values(
    rt: Runtime,
    path: Path,
    framework_ref: str | None = None,
    period: str | None = None,
    dry_run: bool = False,
    source: str = "file",
    scope: int | None = None,
) -> ImportReport:
    """`scope` (a unit id) limits the file to that unit and the units under it, as for a
    reporter; a value of any other unit is a problem like any other."""
    framework, rows, problems = _read(rt, path, framework_ref, parse_period(period))
    report = ImportReport(path.name, framework.id, len(rows), dry_run=dry_run)
    with rt.db.transaction(commit=not dry_run) as session:
        matched = _match(session, framework, rows, problems, scope)
        problems.raise_if_any(path.name)
        apply_values(session, rt.actor, framework, matched, _source_ref(path), source, report)
        if report.created or report.updated:
            report.flags = flags_for(session, framework, matched)
    return report


def _read(
    rt: Runtime, path: Path, ref: str | None, period: Period | None
) -> tuple[Framework, list[ValueRow], ProblemList]:
    template = read_template(path)
    if template is not None:
        meta, sheet = template
        problems = ProblemList()
        if ref and meta.framework and ref != meta.framework:
            problems.add(
                f"{path.name}, trang Thông tin",
                f"tệp là mẫu của bộ chỉ số {meta.framework}, không phải {ref}",
                "framework mismatch",
            )
        if period and meta.period and period != meta.period:
            problems.add(
                f"{path.name}, trang Thông tin",
                f"tệp là mẫu kỳ {meta.period}, không phải {period}",
                "period mismatch",
            )
        framework_id, chosen = ref or meta.framework, period or meta.period
        if framework_id is None or chosen is None:
            raise UsageError(
                "Không xác định được bộ chỉ số hoặc kỳ của tệp.",
                "template lacks framework/period",
                hint_vi="dùng --framework và --period.",
            )
        framework = frameworks.resolve(rt, framework_id)
        rows, more = read_wide_sheet(sheet, framework, chosen)
        problems.problems.extend(more.problems)
        return framework, rows, problems
    if ref is None:
        raise UsageError(
            "Tệp dạng dài cần chỉ rõ bộ chỉ số.",
            "long file needs --framework",
            hint_vi="thêm --framework, ví dụ --framework platform-usage.",
        )
    framework = frameworks.resolve(rt, ref)
    rows, problems = read_values_file(path, framework, period, must_match=True)
    return framework, rows, problems


def _match(
    session: Session,
    framework: Framework,
    rows: list[ValueRow],
    problems: ProblemList,
    scope: int | None = None,
) -> list[Matched]:
    matcher = Matcher(session)
    out = []
    cache: dict[tuple[str, Period], tuple[Any, str | None]] = {}
    for row in rows:
        key = (row.unit_code, row.period)
        if key not in cache:
            cache[key] = matcher.match(row.unit_code, row.period.end)
        candidate, reason = cache[key]
        if candidate is None:
            problems.add(row.unit_where or row.where, reason or "", "unknown unit")
            continue
        if scope is not None and scope not in {c.id for c in matcher.lineage_up(candidate)}:
            hint = "chỉ nhập số liệu của đơn vị mình và các đơn vị trực thuộc"
            problems.add(
                row.unit_where or row.where,
                f"{candidate.name} nằm ngoài phạm vi tài khoản",
                "outside scope",
                hint,
            )
            continue
        node = framework.node(row.indicator)
        if node is not None and not node.applies(candidate.kind):
            problems.add(
                row.where,
                f"chỉ số {row.indicator} không áp dụng cho {candidate.name}",
                "indicator not applicable",
            )
            continue
        out.append(
            Matched(
                candidate.id,
                candidate.key,
                candidate.name,
                row.period,
                row.indicator,
                row.value,
                row.where,
            )
        )
    _refuse_locked(session, framework, out, problems)
    seen: dict[tuple[int, str, str], str] = {}
    for m in out:
        place = (m.unit_id, str(m.period), m.indicator)
        if place in seen:
            problems.add(
                m.where,
                f"{m.unit_name} đã có giá trị {m.indicator} kỳ {m.period} ở {seen[place]}",
                "duplicate unit after matching",
            )
        seen[place] = m.where
    return out


def _refuse_locked(
    session: Session, framework: Framework, matched: list[Matched], problems: ProblemList
) -> None:
    periods = sorted({str(m.period) for m in matched})
    locked = values_repo.locked_units(session, framework.id, periods)
    for m in matched:
        if (m.unit_id, str(m.period)) in locked:
            problems.add(
                m.where,
                f"số liệu kỳ {m.period} của {m.unit_name} đã được phê duyệt qua tự đánh giá, bị khóa",
                "value locked by an approved assessment",
                "quản trị hủy phê duyệt hồ sơ tự đánh giá trước khi sửa",
            )


def _source_ref(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{path.name} (sha256 {digest})"


def apply_values(
    session: Session,
    actor: str,
    framework: Framework,
    matched: list[Matched],
    ref: str,
    source: str,
    report: ImportReport,
) -> None:
    """Stores new values, updates changed ones and audits each change; equal values are left alone."""
    keys = [(m.unit_id, str(m.period), m.indicator) for m in matched]
    existing = values_repo.existing_values(session, framework.id, keys)
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for m, key in zip(matched, keys, strict=True):
        after = fields_of(m.value)
        stored = existing.get(key)
        vkey = values_repo.value_key(framework.id, m.unit_key, key[1], key[2])
        if stored is None:
            place = {
                "framework_id": framework.id,
                "unit_id": m.unit_id,
                "period": key[1],
                "indicator": key[2],
            }
            stamp = {
                "source": source,
                "source_ref": ref,
                "reported_at": now,
                "updated_at": now,
                "updated_by": actor,
            }
            new_rows.append(after | place | stamp)
            before = None
            report.created += 1
        else:
            value_id, before = stored
            if before == after:
                report.unchanged += 1
                continue
            stamp = {"source": source, "source_ref": ref, "updated_at": now, "updated_by": actor}
            updates.append({"id": value_id, **after, **stamp})
            report.updated += 1
        audits.append({"at": now, "actor": actor, "action": "value.set", "entity": "value", "entity_key": vkey,
                       "source": ref, "before": before, "after": after})  # fmt: skip
        report.changes.append(Change(m.unit_key, m.unit_name, key[1], key[2], before, after))
    for start in range(0, len(new_rows), 5000):
        session.execute(insert(IndicatorValue), new_rows[start : start + 5000])
    if updates:
        session.execute(update(IndicatorValue), updates)
    for start in range(0, len(audits), 5000):
        session.execute(insert(AuditEntry), audits[start : start + 5000])
    session.flush()


def flags_for(session: Session, framework: Framework, matched: list[Matched]) -> list[Flag]:
    """Jumps against the previous period and outliers inside each ranking group, for the
    indicators and periods of the file (listed, never blocking)."""
    if not matched:
        return []
    rates = {n.code for n in framework.leaves() if n.input and n.input.value == "rate"}
    by_period: dict[Period, list[Matched]] = defaultdict(list)
    for m in matched:
        by_period[m.period].append(m)
    flags: list[Flag] = []
    for period, items in by_period.items():
        indicators = sorted({m.indicator for m in items})
        names = {str(m.unit_id): m.unit_name for m in items}
        current = _numeric_values(session, framework, str(period), indicators)
        previous = _numeric_values(session, framework, str(period.previous()), indicators)
        mine = {key: v for key, v in current.items() if key[0] in names}
        flags += [_named(f, names) for f in jumps(mine, previous, rates)]
        groups = ranking_groups(session, framework, {int(uid) for uid, _ in current})
        for indicator in indicators:
            grouped: dict[str, dict[str, float]] = defaultdict(dict)
            for (uid, ind), v in current.items():
                if ind == indicator and int(uid) in groups:
                    grouped[groups[int(uid)][0]][uid] = v
            for members in grouped.values():
                found = outliers(members, indicator, indicator in rates)
                flags += [_named(f, names) for f in found if f.unit in names]
    return flags


def _numeric_values(
    session: Session, framework: Framework, period: str, indicators: list[str]
) -> dict[tuple[str, str], float]:
    out = {}
    for unit_id, indicator, *fields in values_repo.numbers(
        session, framework.id, period, indicators
    ):
        x = numeric(framework.node(indicator), Value(*fields))
        if x is not None:
            out[(str(unit_id), indicator)] = x
    return out


def _named(flag: Flag, names: dict[str, str]) -> Flag:
    return Flag(names.get(flag.unit, flag.unit), flag.indicator, flag.kind, flag.message_vi)
