"""The ranking as published, built once from an evaluation: every output (terminal table, CSV,
JSON, XLSX, pages, decisions) renders these rows and rounds nothing itself.

Indices and points are rounded half-up at the framework's `precision`; changes are differences
of the rounded figures, so a reader checking "0,8002 − 0,7990" finds the change shown. A unit
without a total is listed, after the ranked ones of its group, without rank."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from chiso.domain.comparison import Change, compare
from chiso.domain.evaluation import Evaluation, NodeScore, UnitResult
from chiso.domain.frameworks import TOTAL, Framework, Node
from chiso.domain.grouping import OUTSIDE
from chiso.domain.ranking import round_half_up
from chiso.domain.text import fold
from chiso.domain.uncertainty import RankInterval
from chiso.domain.units import letter_name


@dataclass(frozen=True)
class Cell:
    """One unit at one node."""

    points: float | None
    max_points: float
    index: float | None
    rank: int | None
    tied: bool
    """Another unit of the group has the same rank ("đồng hạng")."""
    points_change: float | None = None
    index_change: float | None = None
    previous_rank: int | None = None
    rank_change: int | None = None
    """Positive when the unit moved up."""
    year_earlier_rank: int | None = None
    rank_change_year: int | None = None
    missing: int = 0
    imputed: bool = False
    applicable: bool = True
    notes: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class RankingRow:
    group: str
    group_name: str
    unit_code: str
    unit_name: str
    ranked: bool
    cells: Mapping[str, Cell]
    interval: RankInterval | None
    missing: tuple[str, ...]
    """Leaves without a reported value ("thiếu số liệu")."""
    imputed: tuple[str, ...]
    below: tuple[str, ...]
    """Scored main indices under the framework's `below_threshold`."""
    kind: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    """Indicator code → name, for the notes a reader sees (codes stay in `missing`)."""

    @property
    def missing_names(self) -> tuple[str, ...]:
        return tuple(self.names.get(c, c) for c in self.missing)

    @property
    def imputed_names(self) -> tuple[str, ...]:
        return tuple(self.names.get(c, c) for c in self.imputed)

    @property
    def total(self) -> Cell:
        return self.cells[TOTAL]

    @property
    def letter_name(self) -> str:
        """How a document names the unit ("UBND xã Phước An")."""
        return letter_name(self.unit_name, self.kind)

    @property
    def missing_note(self) -> str:
        """ "thiếu số liệu: 2 chỉ số (Tỷ lệ văn bản điện tử được ký số; Số cuộc họp…); ước tính:
        Tỷ lệ văn bản điện tử được ký số", or "" when nothing is missing. Indicators by name (a
        name may hold a comma, so they are separated by "; ")."""
        if not self.missing:
            return ""
        text = f"thiếu số liệu: {len(self.missing)} chỉ số ({'; '.join(self.missing_names)})"
        if self.imputed:
            text += f"; ước tính: {'; '.join(self.imputed_names)}"
        return text


@dataclass(frozen=True)
class RankingTable:
    framework: Framework
    period: str | None
    rows: tuple[RankingRow, ...]
    groups: tuple[tuple[str, str], ...]
    """(code, name) of the groups that have rows, in the framework's order."""
    previous_period: str | None = None
    year_earlier_period: str | None = None
    has_intervals: bool = False
    top_k: int = 3

    def in_group(self, code: str) -> list[RankingRow]:
        return [r for r in self.rows if r.group == code]

    def sections(self, order: str = "rank") -> list[tuple[str, str, list[RankingRow]]]:
        """(group code, group name, rows) of each group, its rows in `order` (`SORTS`): ranks
        are only compared inside a group, so every order keeps the groups apart."""
        key = _SORT_KEYS.get(order)
        out = []
        for code, name in self.groups:
            rows = self.in_group(code)
            if key is not None:
                rows.sort(key=key)
            out.append((code, name, rows))
        return out

    @property
    def ranked_groups(self) -> tuple[tuple[str, str], ...]:
        """The groups in which some unit is ranked (not "Ngoài các nhóm xếp hạng", not a
        framework's unranked groups): what pages and decisions show by default."""
        ranked = {r.group for r in self.rows if r.ranked}
        return tuple(g for g in self.groups if g[0] in ranked)

    @property
    def listed_groups(self) -> tuple[tuple[str, str], ...]:
        """What pages, exports and decisions show by default: the ranked groups and the
        groups the framework declares evaluated but unranked (listed without rank, with
        `unranked_note`); "Ngoài các nhóm xếp hạng" only with `all_groups`."""
        ranked = {r.group for r in self.rows if r.ranked}
        declared = {fold(u) for u in self.framework.unranked_groups}
        return tuple(g for g in self.groups if g[0] in ranked or fold(g[0]) in declared)

    def unranked_note(self, code: str) -> str | None:
        """Why a group's units carry no rank, None when some unit is ranked in it."""
        if any(r.ranked for r in self.in_group(code)):
            return None
        if code == OUTSIDE.code:
            return "Đơn vị không thuộc nhóm xếp hạng nào của bộ chỉ số; không xếp hạng."
        return "Bộ chỉ số quy định nhóm này được đánh giá nhưng không xếp hạng."

    def shown(self, all_groups: bool = False, group: str | None = None) -> RankingTable:
        """The table as a page or a decision shows it: `listed_groups` unless `all_groups`;
        one group when `group` names it."""
        groups = self.groups if all_groups else self.listed_groups
        if group:
            groups = tuple(g for g in groups if g[0] == group) or tuple(
                g for g in self.groups if g[0] == group
            )
        codes = {g[0] for g in groups}
        return replace(self, rows=tuple(r for r in self.rows if r.group in codes), groups=groups)

    def without(self, drop: Callable[[RankingRow], bool]) -> RankingTable:
        """Some rows left out (the issuing agency…), the others' ranks unchanged."""
        rows = tuple(r for r in self.rows if not drop(r))
        present = {r.group for r in rows}
        return replace(self, rows=rows, groups=tuple(g for g in self.groups if g[0] in present))

    @property
    def columns(self) -> list[Node]:
        """The main indices that carry points, shown beside the total."""
        f = self.framework
        return [n for n in (f.main_indices() or list(f.root.children)) if n.max_points > 0]


def band(index: float | None, legend: tuple[float, ...]) -> str | None:
    """The colour band of an index under the framework's legend: "low", "mid" or "high"
    (None without an index); the ranking page, its legend and the map use these."""
    if index is None:
        return None
    if not legend or index < legend[0]:
        return "low" if legend else "high"
    if len(legend) > 1 and index < legend[1]:
        return "mid"
    return "high"


def build(
    evaluation: Evaluation,
    group_names: Mapping[str, str],
    previous: Evaluation | None = None,
    year_earlier: Evaluation | None = None,
    intervals: Mapping[str, RankInterval] | None = None,
    top_k: int = 3,
) -> RankingTable:
    framework = evaluation.framework
    digits = framework.precision
    before = compare(evaluation, previous) if previous is not None else {}
    year = compare(evaluation, year_earlier) if year_earlier is not None else {}
    ties = _ties(evaluation)
    mains = [n for n in (framework.main_indices() or list(framework.root.children))]
    names = {n.code: n.name for n in framework.nodes()}
    rows = []
    for result in evaluation.results:
        cells = {
            node.code: _cell(result, node.code, digits, ties, before, year)
            for node in framework.nodes()
        }
        rows.append(
            RankingRow(
                group=result.unit.group,
                group_name=group_names.get(result.unit.group, result.unit.group),
                unit_code=result.unit.code,
                unit_name=result.unit.name,
                ranked=result.unit.ranked,
                cells=cells,
                interval=(intervals or {}).get(result.unit.code),
                missing=result.missing,
                imputed=result.imputed,
                below=tuple(n.code for n in result.below(mains, framework.below_threshold)),
                kind=result.unit.kind,
                names=names,
            )
        )
    order = [g.code for g in framework.ranking_groups] + [OUTSIDE.code]
    present = {r.group for r in rows}
    groups = [g for g in order if g in present] + sorted(present - set(order))
    rows.sort(key=lambda r: (groups.index(r.group), *_position(r)))
    return RankingTable(
        framework,
        evaluation.period,
        tuple(rows),
        tuple((g, group_names.get(g, g)) for g in groups),
        previous.period if previous is not None else None,
        year_earlier.period if year_earlier is not None else None,
        bool(intervals),
        top_k,
    )


def _position(row: RankingRow) -> tuple[int, int, float, str, str]:
    total = row.total
    tier = 0 if total.rank is not None else 1 if total.index is not None else 2
    return (tier, total.rank or 0, -(total.index or 0.0), fold(row.unit_name), row.unit_code)


def _ties(evaluation: Evaluation) -> Counter[tuple[str, str, int]]:
    return Counter(
        (r.unit.group, code, rank) for r in evaluation.results for code, rank in r.ranks.items()
    )


def _cell(
    result: UnitResult,
    code: str,
    digits: int,
    ties: Counter[tuple[str, str, int]],
    before: Mapping[tuple[str, str], Change],
    year: Mapping[tuple[str, str], Change],
) -> Cell:
    score = result.scores[code]
    rank = result.ranks.get(code)
    prev = before.get((result.unit.code, code))
    older = year.get((result.unit.code, code))
    return Cell(
        points=_rounded(score.points, digits) if score.index is not None else None,
        max_points=_rounded(score.max_points, digits),
        index=_rounded(score.index, digits) if score.index is not None else None,
        rank=rank,
        tied=rank is not None and ties[(result.unit.group, code, rank)] > 1,
        points_change=_rounded_change(score, prev, digits, points=True),
        index_change=_rounded_change(score, prev, digits, points=False),
        previous_rank=prev.previous_rank if prev else None,
        rank_change=prev.rank_change if prev else None,
        year_earlier_rank=older.previous_rank if older else None,
        rank_change_year=older.rank_change if older else None,
        missing=score.missing,
        imputed=score.imputed,
        applicable=score.applicable,
        notes=score.notes,
        source=result.unit.sources.get(code, ""),
    )


def _rounded(x: float, digits: int) -> float:
    return round_half_up(x, digits) if x >= 0 else -round_half_up(-x, digits)


def _rounded_change(
    score: NodeScore, change: Change | None, digits: int, points: bool
) -> float | None:
    """Difference of the figures as published (both rounded), itself rounded."""
    if change is None or score.index is None:
        return None
    delta = change.points if points else change.index
    if delta is None:
        return None
    now = score.points if points else score.index
    shown_now = _rounded(now, digits)
    shown_before = _rounded(now - delta, digits)
    return _rounded(shown_now - shown_before, digits)


def _moved(row: RankingRow, sign: int) -> tuple[int, int, float, int, str]:
    """The biggest move in the direction `sign` (+1 gains, -1 falls) first, in rank, then in
    points; units without a rank now or before (nothing to compare) last."""
    t = row.total
    if t.rank_change is None or t.rank is None:
        return (1, 0, 0.0, t.rank or 0, fold(row.unit_name))
    return (0, -sign * t.rank_change, -sign * (t.points_change or 0.0), t.rank, fold(row.unit_name))


_SORT_KEYS: dict[str, Callable[[RankingRow], tuple[object, ...]]] = {
    "rank": _position,
    "name": lambda r: (fold(r.unit_name), r.unit_code),
    "gains": lambda r: _moved(r, 1),
    "falls": lambda r: _moved(r, -1),
}
SORTS = {
    "rank": "theo hạng",
    "falls": "giảm hạng nhiều nhất trước",
    "gains": "tăng hạng nhiều nhất trước",
    "name": "theo tên đơn vị",
}
"""The orders a ranking can be read in, with their Vietnamese labels."""
