"""Evaluating a framework on plain files (values and, optionally, units) with no database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from chiso.domain import grouping, ranking_table, scope
from chiso.domain.evaluation import Evaluation, UnitInput, evaluate
from chiso.domain.frameworks import Framework, Imputation
from chiso.domain.merging import Successor, project
from chiso.domain.periods import Period
from chiso.domain.rollup import RollupProblem, roll_up, rollup_of
from chiso.domain.scoring import Value
from chiso.domain.sensitivity import Influence, sensitivity
from chiso.domain.uncertainty import UncertaintySettings, rank_intervals
from chiso.domain.units import Scheme, UnitInfo, UnitRef
from chiso.errors import ProblemList, UsageError
from chiso.io import admin_data
from chiso.io.units_file import read_units_file
from chiso.io.values_file import ValueRow, read_values_file
from chiso.services.periods import parse_optional as _parse_period
from chiso.services.scoring import frameworks


@dataclass(frozen=True)
class EvaluationRequest:
    framework: str
    values: Path
    units: Path | None = None
    period: str | None = None
    group: str | None = None
    uncertainty: int = 0
    noise: float = 0.0
    top_k: int = 3
    seed: int = 0
    merge_to_2025: bool = False
    weight_spread: float = 0.25


@dataclass
class EvaluationReport:
    evaluation: Evaluation
    group_names: dict[str, str]
    table: ranking_table.RankingTable
    sensitivity: list[Influence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def framework(self) -> Framework:
        return self.evaluation.framework


Stored = dict[tuple[str, str], dict[Period, Value]]
"""(unit, indicator) → period → value, as the file gives them."""


def evaluate_files(req: EvaluationRequest) -> EvaluationReport:
    framework = frameworks.load_local(req.framework)
    wanted = _parse_period(req.period)
    rows, problems = read_values_file(req.values, framework, wanted)
    units = _units(req.units, rows, problems)
    problems.raise_if_any(req.values.name)
    period = _choose_period(rows, wanted)
    notes: list[str] = []
    if req.units is not None:
        units = _in_scope(framework, units, period, notes)
    runner = _Runner(framework, units, req.merge_to_2025)
    for row in rows:
        runner.stored[(row.unit_code, row.indicator)][row.period] = row.value
    current = runner.run(period, notes)
    if current is None:
        raise UsageError(
            f"Không có đơn vị nào có số liệu kỳ {period} trong phạm vi bộ chỉ số {framework.id}.",
            f"no unit in scope has values for {period}",
        )
    current = _only_group(current, req.group, framework)
    earlier = runner.earlier(period, notes)
    intervals = {}
    influences: list[Influence] = []
    if req.uncertainty:
        settings = UncertaintySettings(
            req.uncertainty, req.weight_spread, req.noise, req.top_k, req.seed
        )
        intervals = rank_intervals(current, settings)
        influences = sensitivity(current, settings)
    names = grouping.group_names(framework)
    table = ranking_table.build(
        current, names, earlier.get("previous"), earlier.get("year"), intervals, req.top_k
    )
    return EvaluationReport(current, names, table, influences, notes)


@dataclass
class _Runner:
    """Evaluates any period of the file, rolling values up and feeding `impute: previous`."""

    framework: Framework
    units: dict[str, UnitInfo]
    merge: bool
    stored: Stored = field(default_factory=lambda: defaultdict(dict))

    def run(self, p: Period, notes: list[str] | None = None) -> Evaluation | None:
        inputs = _inputs(self.framework, self.stored, self.units, p, notes)
        if not inputs:
            return None
        before = None
        if self.framework.impute is Imputation.PREVIOUS:
            before = _inputs(self.framework, self.stored, self.units, p.previous(), None)
        ev = evaluate(self.framework, inputs, str(p), before)
        return _merged(ev, self.framework) if self.merge else ev

    def earlier(self, period: Period, notes: list[str]) -> dict[str, Evaluation]:
        """The previous period and the same period a year before (once for a year)."""
        out = {}
        wanted = {"previous": period.previous(), "year": period.year_earlier()}
        for key, p in wanted.items():
            found = None if key == "year" and p == wanted["previous"] else self.run(p)
            if found is not None:
                out[key] = found
                notes.append(f"So sánh với {p.label_vi} ({p}).")
        return out


def _choose_period(rows: list[ValueRow], wanted: Period | None) -> Period:
    periods = sorted({r.period for r in rows}, key=lambda p: (p.start, p.granularity.months))
    if wanted is not None:
        if not any(wanted.contains(p) for p in periods):
            listed = ", ".join(map(str, periods))
            raise UsageError(
                f"Tệp số liệu không có số liệu nào trong kỳ {wanted} (chỉ có: {listed}).",
                f"no values within period {wanted}",
            )
        return wanted
    if len(periods) > 1:
        listed = ", ".join(map(str, periods))
        raise UsageError(
            f"Tệp số liệu có nhiều kỳ ({listed}).",
            "several periods in file",
            hint_vi="chọn kỳ bằng --period.",
        )
    return periods[0]


def _units(path: Path | None, rows: list[ValueRow], problems: ProblemList) -> dict[str, UnitInfo]:
    out: dict[str, UnitInfo] = {}
    if path is not None:
        unit_rows, unit_problems = read_units_file(path)
        problems.problems.extend(unit_problems.problems)
        out = {
            u.code: UnitInfo(
                key=u.code,
                name=u.name,
                kind=u.kind.value,
                groups=u.groups or (),
                parent_key=u.parent_code,
                valid_from=u.valid_from,
                valid_to=u.valid_to,
            )
            for u in unit_rows
        }
        for r in rows:
            if r.unit_code not in out:
                problems.add(
                    f"{r.where}, cột unit_code",
                    f"đơn vị '{r.unit_code}' không có trong tệp đơn vị {path.name}",
                    "unit not in units file",
                )
        return out
    for r in rows:
        out.setdefault(r.unit_code, UnitInfo(key=r.unit_code, name=r.unit_name or r.unit_code))
    return out


def _in_scope(
    framework: Framework, units: dict[str, UnitInfo], period: Period, notes: list[str]
) -> dict[str, UnitInfo]:
    candidates = [
        scope.ScopeUnit(u.key, u.kind, u.groups, None, u.valid_from, u.valid_to, u.parent_key)
        for u in units.values()
    ]
    kept, reasons = scope.select(framework.scope, candidates, period)
    if reasons:
        listed = "; ".join(f"{units[c].name}: {why}" for c, why in reasons.items())
        notes.append(f"{len(reasons)} đơn vị ngoài phạm vi bộ chỉ số, không đánh giá ({listed}).")
    return {u.code: units[u.code] for u in kept}


def _inputs(
    framework: Framework,
    stored: Stored,
    units: dict[str, UnitInfo],
    period: Period,
    notes: list[str] | None,
) -> list[UnitInput]:
    """Each unit's values for `period`, rolled up from shorter periods where needed."""
    values: dict[str, dict[str, Value]] = defaultdict(dict)
    sources: dict[str, dict[str, str]] = defaultdict(dict)
    problems = ProblemList()
    counts = {"stored": 0, "rolled": 0}
    for (unit, code), by_period in sorted(stored.items()):
        node = framework.node(code)
        if unit not in units or node is None:
            continue
        try:
            rolled = roll_up(node, by_period, period)
        except RollupProblem as exc:
            problems.add(f"đơn vị {unit}, chỉ số {code}", str(exc), "cannot roll up")
            continue
        if rolled is not None:
            values[unit][code] = rolled.value
            sources[unit][code] = rolled.label_vi(rollup_of(node))
            counts["stored" if rolled.stored else "rolled"] += 1
    problems.raise_if_any(f"kỳ {period}")
    if notes is not None and counts["rolled"]:
        notes.append(_sources_note(period, counts))
    inputs = []
    for code, vals in values.items():
        info = units[code]
        group, ranked = grouping.assign(framework, info.kind, info.groups)
        inputs.append(
            UnitInput(
                code, info.name, info.kind, group.code, ranked, vals, info.groups, sources[code]
            )
        )
    return inputs


def _sources_note(period: Period, counts: dict[str, int]) -> str:
    return (
        f"{period.label_vi}: {counts['rolled']} giá trị cộng dồn từ các kỳ ngắn hơn theo quy tắc "
        f"rollup của từng chỉ số, {counts['stored']} giá trị nhập cho cả kỳ (được ưu tiên)."
    )


def _only_group(evaluation: Evaluation, group: str | None, framework: Framework) -> Evaluation:
    if group is None:
        return evaluation
    names = grouping.group_names(framework)
    codes = {c for c, n in names.items() if group in (c, n)}
    if not codes:
        raise UsageError(
            f"Bộ chỉ số {framework.id} không có nhóm xếp hạng '{group}' (có: {', '.join(names.values())}).",
            f"unknown ranking group {group!r}",
        )
    return evaluation.restricted(lambda r: r.unit.group in codes)


def _merged(earlier: Evaluation, framework: Framework) -> Evaluation:
    """The 2025 units' results as the mean (or weighted mean) of their predecessors'."""
    legacy = {_legacy_key(r.unit.code): r.unit.code for r in earlier.results}
    current = {u.key: u for u in admin_data.current_units()}
    members: dict[str, list[str]] = defaultdict(list)
    for t in admin_data.transfers():
        if t.old in legacy and t.new in current:
            members[t.new].append(legacy[t.old])
    successors = []
    for key, predecessors in sorted(members.items()):
        unit = current[key]
        group, ranked = grouping.assign(framework, unit.kind.value, ())
        successors.append(
            Successor(unit.code, unit.name, predecessors, unit.kind.value, group.code, ranked)
        )
    return project(earlier, successors, framework.merge_rule)


def _legacy_key(code: str) -> str:
    ref = UnitRef.parse(code)
    return f"{Scheme.LEGACY.value}:{ref.code}" if ref.scheme in (None, Scheme.LEGACY) else code
