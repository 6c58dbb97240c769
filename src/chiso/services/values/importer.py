"""Importing values from a filled template or the long file: every row is checked first (units
resolved on the period's date, scope, applicability, locks, duplicates), then stored in one
transaction through `changes.apply_values`; the quality flags of what changed come back with
the report."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

from chiso.domain.access import Role
from chiso.domain.frameworks import Framework
from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.domain.units import Unit
from chiso.errors import Forbidden, ProblemList, RejectedInput, UsageError
from chiso.io.bounded import run as run_bounded
from chiso.io.tables import CellValue
from chiso.io.template_xlsx import WideValues, read_template, read_wide_sheet
from chiso.io.values import DecimalMark, parse_mark
from chiso.io.values_file import ValueRow, read_long_sheet, read_values_file, records_sheet
from chiso.services.periods import parse_optional as parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units.resolver import UnitResolver, full_resolver
from chiso.services.values.changes import ImportReport, Matched, Offer, apply_values
from chiso.services.values.quality import flags_for
from chiso.store import assessments_repo
from chiso.store.db import Session


def import_values(
    rt: Runtime,
    path: Path,
    framework_ref: str | None = None,
    period: str | None = None,
    dry_run: bool = False,
    source: str = "file",
    decimal: str | None = None,
    replace: bool = False,
    bounded: bool = False,
) -> ImportReport:
    """A reporter (the acting account) may write only their unit and the units under it, each
    unit as found on its period's date; a value of any other unit is a problem like any other.
    `decimal` is the file's decimal mark when the person importing says it. A value chiso
    computed stays unless `replace` (the file's value is then counted as skipped). With
    `bounded` (an upload to the web server) the file is read in a child process within
    CHISO_WORK_SECONDS and CHISO_WORK_MEMORY_MB: past either, a refusal and nothing stored."""
    mark = parse_mark(decimal)
    chosen = parse_period(period)
    if bounded:
        known = _frameworks_for(rt, framework_ref)
        framework, rows, problems = run_bounded(
            lambda: _read(known, path, framework_ref, chosen, mark),
            f"Tệp {path.name}",
            rt.settings.work_seconds,
            rt.settings.work_memory_mb,
        )
    else:
        framework, rows, problems = _read(
            partial(frameworks.get, rt), path, framework_ref, chosen, mark
        )
    ref = _source_ref(path)

    def work(session: Session) -> ImportReport:
        report = ImportReport(path.name, framework.id, len(rows), dry_run=dry_run)
        found = ProblemList(list(problems.problems))
        matched: list[Matched] | Offer
        if isinstance(rows, WideValues):
            matched = _match_wide(session, rt, framework, rows, found)
        else:
            matched = _match(session, rt, framework, rows, found, found)
        found.raise_if_any(path.name)
        apply_values(session, rt.actor, framework, matched, ref, source, report, replace)
        if report.created or report.updated:
            report.flags = flags_for(session, framework, matched)
        return report

    return rt.db.run_write(work, commit=not dry_run)


def import_records(
    rt: Runtime,
    records: Sequence[Mapping[str, CellValue]],
    framework_ref: str,
    period: str | None = None,
    dry_run: bool = False,
    source: str = "api",
    array: str = "values",
    replace: bool = False,
    written: Path | None = None,
    flags: bool = True,
) -> ImportReport:
    """Values sent as typed objects (the API's JSON, a form's fields), through the same checks as
    a file; problems are named by JSON path (`values[3].numerator`). A unit outside the acting
    reporter's scope refuses the whole request as forbidden, naming nothing about that unit.
    `written`: a file the caller also wrote these records to (generated values), named by the
    audit rows as an import of that file names it, without reading it back. Without `flags` the
    report lists no values to look at again (generated values, which nobody reviews)."""
    framework = frameworks.get(rt, framework_ref)
    rows, problems = read_long_sheet(records_sheet(records, array), framework, parse_period(period))
    ref = _source_ref(written) if written is not None else f"{source} ({len(records)} giá trị)"

    def work(session: Session) -> ImportReport:
        report = ImportReport(f"{array}[]", framework.id, len(rows), dry_run=dry_run)
        found, outside = ProblemList(list(problems.problems)), ProblemList()
        matched = _match(session, rt, framework, rows, found, outside)
        if outside:
            raise Forbidden(
                f"Yêu cầu ghi số liệu của đơn vị nằm ngoài phạm vi tài khoản {rt.actor.name}.",
                f"values outside the scope of {rt.actor.name}",
                hint_vi="chỉ ghi số liệu của đơn vị mình và các đơn vị trực thuộc",
                problems=outside.problems,
            )
        if found:
            raise RejectedInput(
                f"Yêu cầu bị từ chối: {len(found.problems)} lỗi, không có dữ liệu nào được lưu.",
                f"Request rejected: {len(found.problems)} problems, nothing stored.",
                problems=found.problems,
            )
        apply_values(session, rt.actor, framework, matched, ref, source, report, replace)
        if flags and (report.created or report.updated):
            report.flags = flags_for(session, framework, matched)
        return report

    return rt.db.run_write(work, commit=not dry_run)


def _frameworks_for(rt: Runtime, ref: str | None) -> Callable[[str], Framework]:
    """The frameworks a file may name, read before a child process reads the file (the child
    never opens the database): the one asked for, or every available one for a template."""
    if ref is not None:
        asked = frameworks.get(rt, ref)
        known = {asked.id: asked, ref: asked}
    else:
        known = {f.id: f for f in frameworks.available(rt)}

    def find(framework_id: str) -> Framework:
        if framework_id not in known:
            raise frameworks.unknown(framework_id)
        return known[framework_id]

    return find


def _read(
    find: Callable[[str], Framework],
    path: Path,
    ref: str | None,
    period: Period | None,
    decimal: DecimalMark | None,
) -> tuple[Framework, list[ValueRow] | WideValues, ProblemList]:
    """The file's rows (a template's as columns) and problems; `find` gives a framework by id.
    Opens no database."""
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
        framework = find(framework_id)
        wide, more = read_wide_sheet(sheet, framework, chosen, decimal)
        problems.problems.extend(more.problems)
        return framework, wide, problems
    if ref is None:
        raise UsageError(
            "Tệp dạng dài cần chỉ rõ bộ chỉ số.",
            "long file needs --framework",
            hint_vi="thêm --framework, ví dụ --framework platform-usage.",
        )
    framework = find(ref)
    rows, problems = read_values_file(path, framework, period, True, decimal)
    return framework, rows, problems


def _match(
    session: Session,
    rt: Runtime,
    framework: Framework,
    rows: list[ValueRow],
    problems: ProblemList,
    outside: ProblemList,
) -> list[Matched]:
    """Rows with their units on the period's date; rows outside the acting reporter's scope go to
    `outside` (the same list as `problems` for a file)."""
    reporter = rt.actor.role is Role.REPORTER
    scope = (rt.actor.unit_id or 0) if reporter else None
    resolver = full_resolver(session)
    cache: dict[tuple[str, Period], tuple[Unit | None, str | None]] = {}
    fits: dict[tuple[str, str], bool] = {}
    out: list[Matched] = []
    append = out.append
    # A file's rows come unit by unit: the row before's unit is reused without a lookup.
    last: tuple[str, Period | None, Unit | None, str | None] = ("", None, None, None)
    for row in rows:
        code, period = row.unit_code, row.period
        if code == last[0] and period is last[1]:
            unit, reason = last[2], last[3]
        else:
            key = (code, period)
            if key not in cache:
                cache[key] = resolver.match(code, period.end)
            unit, reason = cache[key]
            last = (code, period, unit, reason)
        if unit is None:
            problems.add(row.unit_where or row.where, reason or "", "unknown unit")
            continue
        # Most rows of a file share their unit's kind and indicator: a row that fits like the
        # ones before it is admitted without asking again (problems are always asked).
        fit = (row.indicator, unit.kind) if scope is None else None
        if (fit is not None and fit in fits) or _admitted(
            resolver, framework, row, unit, scope, (problems, outside)
        ):
            if fit is not None:
                fits[fit] = True
            append(
                Matched(unit.id, unit.key, unit.name, period, row.indicator, row.value, row.where)
            )
    _refuse_locked(session, framework, out, problems)
    _refuse_duplicates(out, problems)
    return out


def _match_wide(
    session: Session, rt: Runtime, framework: Framework, wide: WideValues, problems: ProblemList
) -> Offer:
    """A template's values with their units, as columns: each row's unit found once on the
    period's date, the reporter's scope asked once per row and each indicator's applicability
    once per kind of unit; problems as `_match` names them, value by value in the sheet's
    order. Only a value that needs one gets a `Matched` (`Offer.at`)."""
    reporter = rt.actor.role is Role.REPORTER
    scope = (rt.actor.unit_id or 0) if reporter else None
    resolver = full_resolver(session)
    period, label = wide.period, str(wide.period)
    codes = [code for code, _ in wide.columns]
    nodes = [framework.node(code) for code in codes]
    cells = [values for _, values in wide.columns]
    applies: dict[str, list[bool]] = {}
    row_units: list[Unit | None] = []
    unit_ids: list[int] = []
    indicators: list[str] = []
    which: list[int] = []
    rows_of: list[int] = []
    distinct: list[Value] = []
    index: dict[int, int] = {}
    for i, code in enumerate(wide.codes):
        unit, reason = resolver.match(code, period.end)
        row_units.append(unit)
        present = [j for j, values in enumerate(cells) if values[i] is not None]
        if unit is None or not _in_scope(resolver, unit, scope):
            # One problem per value, as `_match` gives them.
            for _ in present:
                _refuse_row(wide.unit_where(i), unit, reason, problems)
            continue
        fits = applies.get(unit.kind)
        if fits is None:
            fits = applies[unit.kind] = [n is None or n.applies(unit.kind) for n in nodes]
        for j in present:
            if not fits[j]:
                problems.add(
                    wide.where(i),
                    f"chỉ số {codes[j]} không áp dụng cho {unit.name}",
                    "indicator not applicable",
                )
                continue
            value = cells[j][i]
            found = index.get(id(value))
            if found is None:
                found = index[id(value)] = len(distinct)
                distinct.append(value)  # type: ignore[arg-type]
            unit_ids.append(unit.id)
            indicators.append(codes[j])
            which.append(found)
            rows_of.append(i)

    def at(position: int) -> Matched:
        i = rows_of[position]
        unit = row_units[i]
        assert unit is not None
        value = distinct[which[position]]
        where = wide.where(i)
        return Matched(unit.id, unit.key, unit.name, period, indicators[position], value, where)

    columns = (unit_ids, [label] * len(unit_ids), indicators, which)
    offer = Offer(columns, distinct, {label: period}, at)
    offer.units = {u.id: u for u in row_units if u is not None}
    _refuse_wide(session, framework, offer, [u.id for u in row_units if u is not None], problems)
    return offer


def _refuse_wide(
    session: Session, framework: Framework, offer: Offer, ids: list[int], problems: ProblemList
) -> None:
    """Values locked by an approved assessment, and two rows naming one unit differently
    (`ids`: the unit of each row), refused as `_match` refuses them (both rare: the values
    are then made one by one)."""
    if not len(offer):
        return
    (period,) = offer.labels.values()
    if assessments_repo.locked_units(session, framework.id, {period}):
        _refuse_locked(session, framework, list(offer.matched()), problems)
    if len(set(ids)) < len(ids):
        _refuse_duplicates(list(offer.matched()), problems)


def _in_scope(resolver: UnitResolver, unit: Unit, scope: int | None) -> bool:
    return scope is None or scope in {u.id for u in resolver.lineage_up(unit)}


def _refuse_row(where: str, unit: Unit | None, reason: str | None, problems: ProblemList) -> None:
    """A value of a row whose unit is unknown, or outside the acting reporter's scope."""
    if unit is None:
        problems.add(where, reason or "", "unknown unit")
    else:
        problems.add(
            where,
            f"{unit.name} nằm ngoài phạm vi tài khoản",
            "outside scope",
            "chỉ nhập số liệu của đơn vị mình và các đơn vị trực thuộc",
        )


def _admitted(
    resolver: UnitResolver,
    framework: Framework,
    row: ValueRow,
    unit: Unit,
    scope: int | None,
    lists: tuple[ProblemList, ProblemList],
) -> bool:
    """Whether the account may write the unit's value and the indicator applies to the unit."""
    problems, outside = lists
    if scope is not None and scope not in {u.id for u in resolver.lineage_up(unit)}:
        outside.add(
            row.unit_where or row.where,
            f"{unit.name} nằm ngoài phạm vi tài khoản",
            "outside scope",
            "chỉ nhập số liệu của đơn vị mình và các đơn vị trực thuộc",
        )
        return False
    node = framework.node(row.indicator)
    if node is not None and not node.applies(unit.kind):
        problems.add(
            row.where,
            f"chỉ số {row.indicator} không áp dụng cho {unit.name}",
            "indicator not applicable",
        )
        return False
    return True


def _refuse_locked(
    session: Session, framework: Framework, matched: list[Matched], problems: ProblemList
) -> None:
    locked = assessments_repo.locked_units(session, framework.id, {m.period for m in matched})
    if not locked:
        return
    for m in matched:
        if (m.unit_id, m.period) in locked:
            problems.add(
                m.where,
                f"số liệu kỳ {m.period} của {m.unit_name} đã được phê duyệt qua tự đánh giá, bị khóa",
                "value locked by an approved assessment",
                "quản trị hủy phê duyệt hồ sơ tự đánh giá trước khi sửa",
            )


def _refuse_duplicates(matched: list[Matched], problems: ProblemList) -> None:
    """Two rows naming the same unit differently ("75.SYT" and "Sở Y tế") for one value."""
    # Keyed by period first (a file has one or a few): a `Period` hashes in Python.
    by_period: dict[Period, dict[tuple[int, str], str]] = {}
    period: Period | None = None
    seen: dict[tuple[int, str], str] = {}
    for m in matched:
        if m.period is not period:
            period = m.period
            seen = by_period.setdefault(period, {})
        place = (m.unit_id, m.indicator)
        if place in seen:
            problems.add(
                m.where,
                f"{m.unit_name} đã có giá trị {m.indicator} kỳ {m.period} ở {seen[place]}",
                "duplicate unit after matching",
            )
        seen[place] = m.where


def _source_ref(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{path.name} (sha256 {digest})"
