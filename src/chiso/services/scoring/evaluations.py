"""The one way to an evaluation: from stored values (`evaluation_for`, the database) or from
plain files (`services/scoring/files`), the same steps in the same order — the framework's scope
on the period (kinds, groups, the scheme in force, units that existed, never a roll-up parent),
values rolled up from shorter periods (a value stored for the period wins), imputation, the one
missing-data decision of `domain/evaluation`, ranks, the previous period and the year before,
rank intervals and sensitivity — ending in the one `RankingTable` every output renders.

`chiso evaluate`, the ranking and unit pages, `/api/v1/rankings` and `/evaluations`, letters, the
committee report, the ranking decision and its XLSX all come through `evaluate_inputs`."""

from __future__ import annotations

import enum
import gc
import hashlib
import io
import json
import logging
import pickle
import struct
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from chiso import __version__
from chiso.domain import grouping, ranking_table, scope
from chiso.domain.evaluation import Evaluation, UnitInput, UnitResult, evaluate
from chiso.domain.frameworks import Framework, Imputation
from chiso.domain.merging import Successor, project
from chiso.domain.periods import Granularity, Period
from chiso.domain.rollup import RollupProblem, roll_up, rollup_of, stored_label, sub_periods
from chiso.domain.scoring import Value
from chiso.domain.sensitivity import Influence, sensitivity
from chiso.domain.uncertainty import RankInterval, UncertaintySettings, rank_intervals
from chiso.domain.units import Scheme, UnitInfo, UnitRef
from chiso.errors import ChisoError, ConflictError, ProblemList, UsageError
from chiso.io import admin_data
from chiso.io.units_file import read_units_file
from chiso.io.values_file import ValueRow, read_values_file
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.store import audit_repo, evaluations_repo, units_repo, values_repo
from chiso.store.db import Session

log = logging.getLogger(__name__)

Stored = dict[tuple[str, str], dict[Period, Value]]
"""(unit key, indicator) → period → value, as stored or as the file gives them."""


@dataclass(frozen=True)
class Options:
    """How an evaluation is run and what comes with it (same options for every output)."""

    group: str | None = None
    """Only one ranking group (code or name)."""
    draws: int = 0
    """Monte Carlo draws for the rank intervals (0: none)."""
    noise: float = 0.0
    top_k: int = 3
    seed: int = 0
    weight_spread: float = 0.25
    sensitivity: bool = False
    """Also the "which inputs drive the ranking" summary (needs draws)."""
    merge_to_2025: bool = False


@dataclass
class Inputs:
    """Everything an evaluation is computed from, wherever it was read."""

    framework: Framework
    units: dict[str, UnitInfo]
    stored: Stored = field(default_factory=lambda: defaultdict(dict))
    scoped: bool = True
    """Whether the units are known well enough (kind, parent, dates) to apply the scope."""


@dataclass
class EvaluationReport:
    evaluation: Evaluation
    group_names: dict[str, str]
    table: ranking_table.RankingTable
    sensitivity: list[Influence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    intervals: dict[str, RankInterval] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    """Units with values left out by the framework's scope, and why (Vietnamese)."""
    period: Period | None = None

    @property
    def framework(self) -> Framework:
        return self.evaluation.framework

    def without(self, drop: Callable[[str, str], bool]) -> EvaluationReport:
        """The same report without some units (`drop(code, name)`: the issuing agency…);
        scores and ranks of the others unchanged."""
        return replace(
            self,
            evaluation=self.evaluation.restricted(lambda r: not drop(r.unit.code, r.unit.name)),
            table=self.table.without(lambda row: drop(row.unit_code, row.unit_name)),
        )

    def result(self, key: str) -> UnitResult | None:
        return self.evaluation.by_unit().get(key)


@dataclass(frozen=True)
class DataSource:
    """Where an evaluation's (or a document's) values come from: the database, or a values
    file (and a units file to name, group and date the units)."""

    framework: str = "platform-usage"
    values: Path | None = None
    units: Path | None = None
    others: frozenset[str] = frozenset()
    """Indicators of other frameworks whose rows share the values file."""


def evaluation_for(
    rt: Runtime,
    framework: str | DataSource,
    period: Period,
    options: Options | None = None,
) -> EvaluationReport:
    """The evaluation of `period`: of a registered (or shipped) framework on the stored values,
    or of a `DataSource` naming files. The one function every output asks.

    On the database it is computed once per framework, period, options and data version and
    stored (`store/evaluations_repo`), so every worker, page, API call and document reads the
    same result and a view of an unchanged period does no scoring."""
    source = framework if isinstance(framework, DataSource) else DataSource(framework)
    chosen = options or Options()
    if source.values is not None:
        return evaluate_inputs(load_inputs(rt, source, [period]), period, chosen)
    return _stored_or_computed(rt, source.framework, period, chosen)


STAMPED = ("value", "unit", "framework")
"""What an evaluation is computed from: values, units with their groups, registered frameworks
(every change to them is audited, and every commit auditing one bumps its counter: the counters
are the data version)."""

COUNTS: Counter[str] = Counter()
"""Evaluations of this process: "computed" (scored here), "read" (from the database),
"stored" (rows this process added)."""

_SAFE_BUILTINS = {"set", "frozenset", "dict", "list", "tuple", "complex", "slice"}
_SAFE_GLOBALS = {
    ("numpy", "dtype"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "scalar"),
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "timedelta"),
    ("decimal", "Decimal"),
    ("copyreg", "_reconstructor"),
}
"""Everything outside chiso's domain classes a stored evaluation may name: numpy's arrays from
their out-of-band buffers, dtypes and scalars (not the rest of numpy: `numpy.load` would read a
pickle of its own; not `ndarray` or `_reconstruct`: every array is stored out of band), dates,
decimals."""


def _stored_or_computed(
    rt: Runtime, framework_id: str, period: Period, options: Options
) -> EvaluationReport:
    """The stored evaluation of this data version, or computed now and stored. Two workers
    computing the same one store one row; a failed store (a writer holding the database) only
    costs the next view a computation."""
    key = (framework_id, str(period), _options_key(options))
    with rt.db.transaction() as session:
        version = data_version(session)
        body = evaluations_repo.find(session, *key, version)
    if body is not None:
        try:
            report = _loads(body)
        except (pickle.UnpicklingError, AttributeError, ImportError, EOFError, zlib.error) as exc:
            log.warning("stored evaluation %s unreadable (%s); computing it again", key, exc)
        else:
            COUNTS["read"] += 1
            return report
    report = evaluate_inputs(load_inputs(rt, DataSource(framework_id), [period]), period, options)
    COUNTS["computed"] += 1
    blob = _dumps(report)
    try:
        with rt.db.transaction() as session:
            if evaluations_repo.put(session, *key, version, blob, replace=body is not None):
                COUNTS["stored"] += 1
    except ConflictError as exc:
        log.warning("evaluation %s not stored: %s", key, exc.message_en)
    return report


def data_version(session: Session) -> str:
    """The version of the data evaluations are computed from, and of the code computing them."""
    newest = audit_repo.newest(session, STAMPED)
    return "-".join(f"{e[0]}{n}" for e, n in zip(STAMPED, newest, strict=True)) + f"-{_code()}"


def _options_key(options: Options) -> str:
    return json.dumps(asdict(options), sort_keys=True, separators=(",", ":"))


_CODE_FILES = (
    ("domain", "*.py"),
    ("services/scoring", "*.py"),
    ("io", "framework_*.py"),
    ("data/frameworks", "*.yaml"),
)


@cache
def _code() -> str:
    """A fingerprint of the code and shipped frameworks an evaluation is computed by (and of
    the classes its stored form holds): a new release never reads an older one's results."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256(__version__.encode())
    for folder, pattern in _CODE_FILES:
        for path in sorted((root / folder).glob(pattern)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_MAGIC = b"chiso-evaluation-5\n"
"""How a stored body starts: pickle protocol 5 with its NumPy arrays out of band."""
_LENGTH = struct.Struct("<Q")


def _dumps(report: EvaluationReport) -> bytes:
    """Without the evaluation's tree arrays (a cache `domain/uncertainty` rebuilds on demand)
    and without the values each unit's results were computed from (`UnitInput.values`: no
    output reads them back, and they were half the time of a read); scores and cells are
    stored as their columns (`ScoreColumns`, `CellColumns`).

    The NumPy arrays are kept out of the pickle (protocol 5, out-of-band buffers): the pickle
    names only `_frombuffer` and `dtype` for them, never numpy's generic `_reconstruct`, and each
    array's bytes are a zlib piece of their own, read back without going through the pickle
    machine. The body is the magic line, the number of pieces and their lengths, then the
    pieces (the pickle first)."""
    ev = report.evaluation
    results = [replace(r, unit=replace(r.unit, values={})) for r in ev.results]
    slim = replace(report, evaluation=replace(ev, results=results, model=None))
    buffers: list[pickle.PickleBuffer] = []
    stream = io.BytesIO()
    _Pickler(stream, protocol=5, buffer_callback=buffers.append).dump(slim)
    return _pack(stream.getbuffer(), [b.raw() for b in buffers])


def _pack(pickled: memoryview | bytes, buffers: Sequence[memoryview | bytes]) -> bytes:
    """A pickle and its out-of-band buffers as one body, each compressed on its own."""
    pieces = [zlib.compress(p, 1) for p in (pickled, *buffers)]
    head = _LENGTH.pack(len(pieces)) + b"".join(_LENGTH.pack(len(p)) for p in pieces)
    return b"".join([_MAGIC, head, *pieces])


class _Pickler(pickle.Pickler):
    """Every array out of band: one that is not contiguous is stored as its contiguous copy (the
    same values), as numpy pickles those in band through `_reconstruct`; one of Python objects
    cannot be stored at all."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is not np.ndarray:
            return NotImplemented
        if obj.dtype.hasobject:
            raise pickle.PicklingError("an array of Python objects in an evaluation")
        if not (obj.flags.c_contiguous or obj.flags.f_contiguous):
            return np.ascontiguousarray(obj).__reduce_ex__(5)
        return NotImplemented


def _loads(body: bytes | memoryview) -> EvaluationReport:
    """Read with the garbage collector paused (a third of the time at 3.321 units). The arrays
    get writable buffers of their own, as they had when computed."""
    view = memoryview(body)
    if bytes(view[: len(_MAGIC)]) != _MAGIC:
        raise pickle.UnpicklingError("not a stored evaluation of this format")
    at = len(_MAGIC)
    if len(view) < at + _LENGTH.size:
        raise pickle.UnpicklingError("a stored evaluation's pieces are cut short")
    (count,) = _LENGTH.unpack_from(view, at)
    at += _LENGTH.size
    if count < 1 or at + count * _LENGTH.size > len(view):
        raise pickle.UnpicklingError("a stored evaluation's pieces are cut short")
    lengths = [_LENGTH.unpack_from(view, at + i * _LENGTH.size)[0] for i in range(count)]
    at += count * _LENGTH.size
    if at + sum(lengths) != len(view):
        raise pickle.UnpicklingError("a stored evaluation's pieces are cut short")
    pieces = []
    for length in lengths:
        pieces.append(view[at : at + length])
        at += length
    raw = zlib.decompress(pieces[0])
    arrays = [bytearray(zlib.decompress(p)) for p in pieces[1:]]
    with collector_paused():
        found = _Unpickler(io.BytesIO(raw), buffers=arrays).load()
    if not isinstance(found, EvaluationReport):
        raise pickle.UnpicklingError(f"not an evaluation: {type(found).__name__}")
    return found


class _Unpickler(pickle.Unpickler):
    """Only the classes an evaluation is made of: a stored row can never name other code."""

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "EvaluationReport":
            return EvaluationReport
        if module == "builtins" and name == "getattr":
            return _member  # how an Enum member may be pickled: getattr(its class, its name)
        if (module == "builtins" and name in _SAFE_BUILTINS) or (module, name) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        if module.startswith("chiso.domain.") and name.isidentifier():
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"refused class {module}.{name} in a stored evaluation")


def _member(owner: object, name: str) -> Any:
    """`getattr` for an unpickled Enum member only, never another attribute of anything."""
    if (
        isinstance(owner, type)
        and issubclass(owner, enum.Enum)
        and owner.__module__.startswith("chiso.domain.")
        and name in owner.__members__
    ):
        return owner[name]
    raise pickle.UnpicklingError(f"refused getattr({owner!r}, {name!r}) in a stored evaluation")


def load_inputs(
    rt: Runtime,
    source: DataSource,
    periods: Sequence[Period],
    indicators: Sequence[str] | None = None,
    windowed: bool = True,
) -> Inputs:
    """From the files when a values file is given, otherwise from the database (`indicators`,
    `windowed`: see `stored_inputs`)."""
    if source.values is not None:
        return file_inputs(source.framework, source.values, source.units, others=source.others)[0]
    return stored_inputs(rt, frameworks.get(rt, source.framework), periods, indicators, windowed)


def stored_inputs(
    rt: Runtime,
    framework: Framework,
    periods: Sequence[Period],
    indicators: Sequence[str] | None = None,
    windowed: bool = True,
) -> Inputs:
    """The stored values evaluations of `periods` may need: each period, its parts, the
    previous period and the year before (and theirs, for `impute: previous`); only `periods` and
    their parts when not `windowed` (a page listing values, not evaluating them), only some
    `indicators` when given."""
    wanted = sorted({p for period in periods for p in window(period)}, key=_order)
    if not windowed:
        wanted = sorted({p for period in periods for p in parts(period)}, key=_order)
    with rt.db.transaction() as session:
        stored = values_repo.values(session, framework.id, wanted, indicators=indicators)
        units = units_repo.by_ids(session, sorted({v.unit_id for v in stored}))
    inputs = Inputs(framework, {u.key: u for u in units.values()})
    for v in stored:
        inputs.stored[(v.unit_key, v.indicator)][v.period] = v.value
    return inputs


def _order(p: Period) -> tuple[date, int]:
    return (p.start, p.granularity.months)


def parts(period: Period) -> set[Period]:
    """The period and every shorter period inside it (what rolling it up reads)."""
    return {
        p
        for month in period.months()
        for g in Granularity
        if period.start <= (p := month.enclosing(g)).start and p.end <= period.end
    }


def window(period: Period) -> list[Period]:
    """Every period of any length inside [the previous period of the year before, `period`]."""
    first = min(period.year_earlier().previous().start, period.previous().previous().start)
    months = []
    m = Period.month_of(first.year, first.month)
    while m.start <= period.end:
        months.append(m)
        m = m.next()
    start, end = months[0].start, period.end
    found = {
        p
        for month in months
        for g in Granularity
        if start <= (p := month.enclosing(g)).start and p.end <= end
    }
    return sorted(found, key=_order)


def file_inputs(
    framework_ref: str,
    values: Path,
    units: Path | None,
    wanted: Period | None = None,
    others: frozenset[str] = frozenset(),
) -> tuple[Inputs, list[ValueRow]]:
    """A values file (and a units file naming, grouping and dating its units) as `Inputs`;
    every problem of either file refuses both, naming the row."""
    framework = frameworks.load_local(framework_ref)
    rows, problems = read_values_file(values, framework, wanted, others=others)
    infos = _units(units, rows, problems)
    problems.raise_if_any(values.name)
    inputs = Inputs(framework, infos, scoped=units is not None)
    for row in rows:
        inputs.stored[(row.unit_code, row.indicator)][row.period] = row.value
    return inputs, rows


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


def evaluate_inputs(inputs: Inputs, period: Period, options: Options) -> EvaluationReport:
    with collector_paused():
        return _evaluate_inputs(inputs, period, options)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector paused while an evaluation is made or read: it is a million small
    objects that all survive, and collecting while they were made grew faster than the number
    of units (gen-2 passes over an ever larger heap)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _evaluate_inputs(inputs: Inputs, period: Period, options: Options) -> EvaluationReport:
    framework = inputs.framework
    notes: list[str] = []
    units, excluded = in_scope(inputs, period)
    if excluded:
        listed = "; ".join(f"{inputs.units[c].name}: {why}" for c, why in excluded.items())
        notes.append(f"{len(excluded)} đơn vị ngoài phạm vi bộ chỉ số, không đánh giá ({listed}).")
    runner = _Runner(framework, units, inputs.stored, options.merge_to_2025)
    current = runner.run(period, notes)
    if current is None:
        raise UsageError(
            f"Không có đơn vị nào có số liệu kỳ {period} trong phạm vi bộ chỉ số {framework.id}.",
            f"no unit in scope has values for {period}",
            hint_vi="nhập số liệu cho kỳ này hoặc chọn kỳ khác.",
        )
    current = _only_group(current, options.group, framework)
    earlier = runner.earlier(period, notes)
    intervals: dict[str, RankInterval] = {}
    influences: list[Influence] = []
    if options.draws and current.results:
        settings = UncertaintySettings(
            options.draws, options.weight_spread, options.noise, options.top_k, options.seed
        )
        intervals = rank_intervals(current, settings)
        if options.sensitivity:
            influences = sensitivity(current, settings)
    names = grouping.group_names(framework)
    previous = earlier.get("previous")
    table = ranking_table.build(
        current, names, previous, earlier.get("year"), intervals, options.top_k
    )
    return EvaluationReport(current, names, table, influences, notes, intervals, excluded, period)


def in_scope(
    inputs: Inputs, period: Period, by_kind: bool = True
) -> tuple[dict[str, UnitInfo], dict[str, str]]:
    """The units the framework evaluates on `period`, and why each other one is left out
    (`by_kind=False`: also units of other kinds a document may cite, see `scope.select`)."""
    if not inputs.scoped:
        return dict(inputs.units), {}
    kept, reasons = select_units(inputs.framework, inputs.units.values(), period, by_kind)
    return {k: inputs.units[k] for k in kept}, reasons


def select_units(
    framework: Framework, units: Iterable[UnitInfo], period: Period, by_kind: bool = True
) -> tuple[list[str], dict[str, str]]:
    """Keys of the units `framework` evaluates on `period` (kinds, groups, the scheme of a
    stored unit, dates, roll-up parents), and the reason for each other one."""
    candidates = [
        scope.ScopeUnit(
            u.key,
            u.kind,
            u.groups,
            getattr(u, "scheme", None),
            u.valid_from,
            u.valid_to,
            u.parent_key,
        )
        for u in units
    ]
    kept, reasons = scope.select(framework.scope, candidates, period, by_kind)
    return [u.code for u in kept], reasons


@dataclass
class _Runner:
    """Evaluates any period, rolling values up and feeding `impute: previous`."""

    framework: Framework
    units: dict[str, UnitInfo]
    stored: Stored
    merge: bool

    def __post_init__(self) -> None:
        """The stored values in (unit, indicator) order once, not once per period evaluated."""
        self.stored = {k: self.stored[k] for k in sorted(self.stored)}

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
            if key == "year" and p == wanted["previous"]:
                continue
            try:
                found = self.run(p)
            except ChisoError as exc:
                notes.append(f"Không so sánh được với {p.label_vi}: {exc.message_vi}")
                continue
            if found is not None:
                out[key] = found
                notes.append(f"So sánh với {p.label_vi} ({p}).")
        return out


@dataclass
class PeriodValues:
    """Each unit's values for one period, rolled up from shorter periods where needed, with the
    source of each ("giá trị nhập cho Quý III/2023", "cộng dồn 3/3 tháng (…)")."""

    values: dict[str, dict[str, Value]] = field(default_factory=lambda: defaultdict(dict))
    """unit key → indicator → value."""
    sources: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    rolled: set[tuple[str, str]] = field(default_factory=set)
    """(unit key, indicator) of the values added up from shorter periods."""
    problems: ProblemList = field(default_factory=ProblemList)
    failed: set[str] = field(default_factory=set)
    """Indicators with a value that could not be rolled up (named in `problems`)."""

    @property
    def counts(self) -> dict[str, int]:
        total = sum(len(v) for v in self.values.values())
        return {"stored": total - len(self.rolled), "rolled": len(self.rolled)}


def period_values(
    framework: Framework, stored: Stored, units: Iterable[str], period: Period
) -> PeriodValues:
    """The values of `units` for `period`, in the order of `stored`: a value stored for the
    period wins, otherwise the shorter periods inside it are rolled up by each leaf's rule; what
    cannot be rolled up is a problem naming the unit and indicator (the caller decides whether
    it refuses)."""
    wanted = set(units)
    out = PeriodValues()
    entered = stored_label(period)
    labels: dict[str, str] = {}
    """One string per distinct label (a stored evaluation keeps one copy, not one a value)."""
    finer = bool(sub_periods(period))
    for (unit, code), by_period in stored.items():
        if unit not in wanted:
            continue
        node = framework.node(code)
        if node is None:
            continue
        own = by_period.get(period)
        if own is not None and not own.is_empty:  # the period's own value wins (`roll_up`)
            out.values[unit][code] = own
            out.sources[unit][code] = entered
            continue
        if not finer:
            continue
        try:
            rolled = roll_up(node, by_period, period)
        except RollupProblem as exc:
            out.problems.add(f"đơn vị {unit}, chỉ số {code}", str(exc), "cannot roll up")
            out.failed.add(code)
            continue
        if rolled is not None:
            out.values[unit][code] = rolled.value
            label = rolled.label_vi(rollup_of(node))
            out.sources[unit][code] = labels.setdefault(label, label)
            if not rolled.stored:
                out.rolled.add((unit, code))
    return out


def _inputs(
    framework: Framework,
    stored: Stored,
    units: dict[str, UnitInfo],
    period: Period,
    notes: list[str] | None,
) -> list[UnitInput]:
    """Each unit's values for `period`, rolled up from shorter periods where needed
    (`stored` in (unit, indicator) order)."""
    found = period_values(framework, stored, units, period)
    found.problems.raise_if_any(f"kỳ {period}")
    counts = found.counts
    if notes is not None and counts["rolled"]:
        notes.append(_sources_note(period, counts))
    inputs = []
    for code, vals in found.values.items():
        info = units[code]
        group, ranked = grouping.assign(framework, info.kind, info.groups)
        inputs.append(
            UnitInput(
                code,
                info.name,
                info.kind,
                group.code,
                ranked,
                vals,
                info.groups,
                found.sources[code],
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
