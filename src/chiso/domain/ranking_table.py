"""The ranking as published, built once from an evaluation: every output (terminal table, CSV,
JSON, XLSX, pages, decisions) renders these rows and rounds nothing itself.

Indices and points are rounded half-up at the framework's `precision`; changes are differences
of the rounded figures, so a reader checking "0,8002 − 0,7990" finds the change shown. A unit
without a total is listed, after the ranked ones of its group, without rank."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chiso.domain.columns import ColumnRow, NodeColumns
from chiso.domain.comparison import changes
from chiso.domain.evaluation import Evaluation, ScoreColumns, UnitResult, columns_of
from chiso.domain.frameworks import TOTAL, Framework, Node
from chiso.domain.grouping import OUTSIDE
from chiso.domain.ranking import round_half_up_all
from chiso.domain.text import fold
from chiso.domain.uncertainty import RankInterval
from chiso.domain.units import letter_name

Floats = NDArray[np.float64]


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


@dataclass(frozen=True, eq=False)
class CellColumns(NodeColumns):
    """Every `Cell` of a table as arrays (rows of the evaluation's results × nodes, NaN:
    none); a row's `Cells` builds a `Cell` only when asked, so a stored table is read without
    one object per unit and node."""

    points: Floats
    max_points: Floats
    index: Floats
    rank: Floats
    tied: NDArray[np.bool_]
    points_change: Floats
    index_change: Floats
    previous_rank: Floats
    rank_change: Floats
    year_earlier_rank: Floats
    rank_change_year: Floats
    missing: NDArray[np.int64]
    imputed: NDArray[np.bool_]
    applicable: NDArray[np.bool_]
    notes: Mapping[tuple[int, int], tuple[str, ...]]
    sources: tuple[Mapping[str, str], ...]

    def cell(self, k: int, n: int) -> Cell:
        return Cell(
            points=_maybe(self.points[k, n]),
            max_points=float(self.max_points[k, n]),
            index=_maybe(self.index[k, n]),
            rank=_whole(self.rank[k, n]),
            tied=bool(self.tied[k, n]),
            points_change=_maybe(self.points_change[k, n]),
            index_change=_maybe(self.index_change[k, n]),
            previous_rank=_whole(self.previous_rank[k, n]),
            rank_change=_whole(self.rank_change[k, n]),
            year_earlier_rank=_whole(self.year_earlier_rank[k, n]),
            rank_change_year=_whole(self.rank_change_year[k, n]),
            missing=int(self.missing[k, n]),
            imputed=bool(self.imputed[k, n]),
            applicable=bool(self.applicable[k, n]),
            notes=self.notes.get((k, n), ()),
            source=self.sources[k].get(self.codes[n], ""),
        )


def _maybe(x: np.float64) -> float | None:
    value = float(x)
    return None if math.isnan(value) else value


def _whole(x: np.float64) -> int | None:
    value = float(x)
    return None if math.isnan(value) else int(value)


class Cells(ColumnRow[Cell]):
    """One row's cells, node code → `Cell`, in the framework's order."""

    __slots__ = ()
    columns: CellColumns

    def item(self, node: int) -> Cell:
        return self.columns.cell(self.row, node)


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
        return shown_columns(self.framework)


def shown_columns(framework: Framework) -> list[Node]:
    """The main indices that carry points, shown beside a ranking's total."""
    mains = framework.main_indices() or list(framework.root.children)
    return [n for n in mains if n.max_points > 0]


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
    results = evaluation.results
    scores, at = columns_of(framework, results)
    cells = _cell_columns(framework, results, scores, at, previous, year_earlier)
    mains = [
        scores.position[n.code] for n in (framework.main_indices() or list(framework.root.children))
    ]
    index = scores.index[at][:, mains] if mains else np.zeros((len(results), 0))
    with np.errstate(invalid="ignore"):
        under = (scores.max_points[at][:, mains] > 0) & (index < framework.below_threshold)
    main_codes = [scores.codes[n] for n in mains]
    names = {n.code: n.name for n in framework.nodes()}
    order = [g.code for g in framework.ranking_groups] + [OUTSIDE.code]
    present = {r.unit.group for r in results}
    groups = [g for g in order if g in present] + sorted(present - set(order))
    rank_of = {g: i for i, g in enumerate(groups)}
    total = scores.position[TOTAL]
    total_rank = cells.rank[:, total].tolist()
    total_index = cells.index[:, total].tolist()
    keyed = []
    for k, result in enumerate(results):
        unit = result.unit
        row = RankingRow(
            group=unit.group,
            group_name=group_names.get(unit.group, unit.group),
            unit_code=unit.code,
            unit_name=unit.name,
            ranked=unit.ranked,
            cells=Cells(cells, k),
            interval=(intervals or {}).get(unit.code),
            missing=result.missing,
            imputed=result.imputed,
            below=tuple(c for c, low in zip(main_codes, under[k].tolist(), strict=True) if low),
            kind=unit.kind,
            names=names,
        )
        rank, idx = total_rank[k], total_index[k]
        ranked, indexed = not math.isnan(rank), not math.isnan(idx)
        position = (
            0 if ranked else 1 if indexed else 2,
            int(rank) if ranked else 0,
            -(idx or 0.0) if indexed else -0.0,
            fold(unit.name),
            unit.code,
        )
        keyed.append(((rank_of[unit.group], *position), row))
    keyed.sort(key=lambda pair: pair[0])
    return RankingTable(
        framework,
        evaluation.period,
        tuple(row for _, row in keyed),
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


def _cell_columns(
    framework: Framework,
    results: Sequence[UnitResult],
    scores: ScoreColumns,
    at: NDArray[np.intp],
    previous: Evaluation | None,
    year_earlier: Evaluation | None,
) -> CellColumns:
    """Every cell of the table at once: rounded figures, ties inside each group, changes."""
    digits = framework.precision
    whole = np.array_equal(at, np.arange(scores.index.shape[0]))

    def rows(values: NDArray[Any]) -> NDArray[Any]:
        """The results' rows (the same array when they are all of them: stored once)."""
        return values if whole else values[at]

    index = rows(scores.index)
    has_index = ~np.isnan(index)
    points = rows(scores.points)
    ranks = rows(scores.ranks)
    shape = index.shape
    nothing = np.full(shape, np.nan)
    before = changes(results, scores, at, previous) if previous is not None else None
    year = changes(results, scores, at, year_earlier) if year_earlier is not None else None

    def change(delta: NDArray[np.float64] | None, now: NDArray[np.float64]) -> NDArray[np.float64]:
        if delta is None:
            return nothing
        shown = _rounded(now, digits) - _rounded(now - delta, digits)
        return np.where(has_index & ~np.isnan(delta), _rounded(shown, digits), np.nan)

    notes = scores.notes
    if not whole:
        back = {int(row): k for k, row in enumerate(at.tolist())}
        notes = {(back[u], n): v for (u, n), v in scores.notes.items() if u in back}
    return CellColumns(
        codes=scores.codes,
        points=np.where(has_index, _rounded(points, digits), np.nan),
        max_points=_rounded(rows(scores.max_points), digits),
        index=np.where(has_index, _rounded(index, digits), np.nan),
        rank=ranks,
        tied=_tied(results, ranks),
        points_change=change(before.points if before else None, points),
        index_change=change(before.index if before else None, index),
        previous_rank=before.previous_rank if before else nothing,
        rank_change=before.rank_change if before else nothing,
        year_earlier_rank=year.previous_rank if year else nothing,
        rank_change_year=year.rank_change if year else nothing,
        missing=rows(scores.missing),
        imputed=rows(scores.imputed),
        applicable=rows(scores.applicable),
        notes=notes,
        sources=tuple(r.unit.sources for r in results),
    )


def _tied(results: Sequence[UnitResult], ranks: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Another unit of the same group has the same rank at the same node."""
    tied = np.zeros(ranks.shape, dtype=bool)
    if not results:
        return tied
    group = np.unique([r.unit.group for r in results], return_inverse=True)[1].astype(np.int64)
    span = len(results) + 2
    for n in range(ranks.shape[1]):
        ok = ~np.isnan(ranks[:, n])
        if not ok.any():
            continue
        key = group[ok] * span + ranks[ok, n].astype(np.int64)
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        tied[ok, n] = counts[inverse.ravel()] > 1
    return tied


def _rounded(x: NDArray[np.float64], digits: int) -> NDArray[np.float64]:
    """`round_half_up` of each value, symmetric around 0 (the same operations, element-wise)."""
    with np.errstate(invalid="ignore"):
        return np.where(x >= 0, round_half_up_all(x, digits), -round_half_up_all(-x, digits))


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
