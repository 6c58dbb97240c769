"""Evaluating a framework on plain files (values and, optionally, units) with no database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from chiso.domain import grouping
from chiso.domain.comparison import Change, compare
from chiso.domain.evaluation import Evaluation, UnitInput, evaluate
from chiso.domain.frameworks import Framework
from chiso.domain.merging import Successor, project
from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.domain.uncertainty import RankInterval, UncertaintySettings, rank_intervals
from chiso.domain.units import Scheme, UnitRef
from chiso.errors import ProblemList, UsageError
from chiso.io import admin_data
from chiso.io.units_file import read_units_file
from chiso.io.values_file import ValueRow, read_values_file
from chiso.services import frameworks
from chiso.services.periods import parse_optional as _parse_period


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


@dataclass
class EvaluationReport:
    evaluation: Evaluation
    group_names: dict[str, str]
    previous: dict[tuple[str, str], Change] = field(default_factory=dict)
    year_earlier: dict[tuple[str, str], Change] = field(default_factory=dict)
    intervals: dict[str, RankInterval] = field(default_factory=dict)
    top_k: int = 3
    notes: list[str] = field(default_factory=list)

    @property
    def framework(self) -> Framework:
        return self.evaluation.framework


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    kind: str | None
    groups: tuple[str, ...]


def evaluate_files(req: EvaluationRequest) -> EvaluationReport:
    framework = frameworks.load_local(req.framework)
    wanted = _parse_period(req.period)
    rows, problems = read_values_file(req.values, framework, wanted)
    units = _units(req.units, rows, problems)
    problems.raise_if_any(req.values.name)
    period = _choose_period(rows, wanted)
    by_period: dict[Period, list[ValueRow]] = defaultdict(list)
    for row in rows:
        by_period[row.period].append(row)

    def run(p: Period) -> Evaluation | None:
        if p not in by_period:
            return None
        ev = evaluate(framework, _inputs(framework, by_period[p], units), str(p))
        return _merged(ev, framework) if req.merge_to_2025 else ev

    current = run(period)
    assert current is not None
    current = _only_group(current, req.group, framework)
    report = EvaluationReport(current, grouping.group_names(framework), top_k=req.top_k)
    for attr, earlier_period in (
        ("previous", period.previous()),
        ("year_earlier", period.year_earlier()),
    ):
        earlier = run(earlier_period)
        if earlier is not None:
            setattr(report, attr, compare(current, earlier))
            report.notes.append(f"So sánh với {earlier_period.label_vi} ({earlier_period}).")
    if req.uncertainty:
        settings = UncertaintySettings(
            req.uncertainty, noise=req.noise, top_k=req.top_k, seed=req.seed
        )
        report.intervals = rank_intervals(current, settings)
    return report


def _choose_period(rows: list[ValueRow], wanted: Period | None) -> Period:
    periods = sorted({r.period for r in rows}, key=lambda p: (p.start, p.granularity.months))
    if wanted is not None:
        if wanted not in periods:
            listed = ", ".join(map(str, periods))
            raise UsageError(
                f"Tệp số liệu không có kỳ {wanted} (chỉ có: {listed}).",
                f"period {wanted} not in file",
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
        out = {u.code: UnitInfo(u.code, u.name, u.kind.value, u.groups or ()) for u in unit_rows}
        for r in rows:
            if r.unit_code not in out:
                problems.add(
                    f"{r.where}, cột unit_code",
                    f"đơn vị '{r.unit_code}' không có trong tệp đơn vị {path.name}",
                    "unit not in units file",
                )
        return out
    for r in rows:
        out.setdefault(r.unit_code, UnitInfo(r.unit_code, r.unit_name or r.unit_code, None, ()))
    return out


def _inputs(
    framework: Framework, rows: list[ValueRow], units: dict[str, UnitInfo]
) -> list[UnitInput]:
    values: dict[str, dict[str, Value]] = defaultdict(dict)
    for r in rows:
        values[r.unit_code][r.indicator] = r.value
    inputs = []
    for code, vals in values.items():
        info = units[code]
        group, ranked = grouping.assign(framework, info.kind, info.groups)
        inputs.append(UnitInput(code, info.name, info.kind, group.code, ranked, vals))
    return inputs


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
    kept = [r for r in evaluation.results if r.unit.group in codes]
    return Evaluation(evaluation.framework, evaluation.period, kept)


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
