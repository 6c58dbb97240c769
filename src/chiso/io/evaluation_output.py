"""Evaluation results as files: one row per unit and node (CSV, XLSX, JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from chiso.domain.comparison import Change
from chiso.domain.evaluation import Evaluation
from chiso.domain.frameworks import TOTAL
from chiso.domain.ranking import round_half_up
from chiso.domain.uncertainty import RankInterval
from chiso.io.writers import write_table

HEADER = (
    "period", "unit_code", "unit_name", "ranking_group", "node_code", "node_name", "points",
    "max_points", "index", "rank", "ranked", "missing", "previous_rank", "rank_change",
    "year_earlier_rank", "rank_change_year", "rank_median", "rank_p05", "rank_p95", "p_top_k",
)  # fmt: skip


class Report(Protocol):
    evaluation: Evaluation
    group_names: dict[str, str]
    previous: dict[tuple[str, str], Change]
    year_earlier: dict[tuple[str, str], Change]
    intervals: dict[str, RankInterval]


def long_rows(report: Report) -> list[list[Any]]:
    ev = report.evaluation
    digits = ev.framework.precision
    group_names = report.group_names
    rows = []
    for result in sorted(
        ev.results, key=lambda r: (r.unit.group, r.ranks.get(TOTAL, 10**9), r.unit.code)
    ):
        for node in ev.framework.nodes():
            score = result.scores[node.code]
            key = (result.unit.code, node.code)
            prev, year = report.previous.get(key), report.year_earlier.get(key)
            band = report.intervals.get(result.unit.code) if node.code == TOTAL else None
            rows.append([
                ev.period, result.unit.code, result.unit.name, group_names.get(result.unit.group, result.unit.group),
                node.code, node.name, round(score.points, 4), round(score.max_points, 4),
                round_half_up(score.index, digits) if score.index is not None else None,
                result.ranks.get(node.code), result.unit.ranked, score.missing,
                prev.previous_rank if prev else None, prev.rank_change if prev else None,
                year.previous_rank if year else None, year.rank_change if year else None,
                band.median if band else None, band.p05 if band else None, band.p95 if band else None,
                round(band.top_k, 4) if band else None,
            ])  # fmt: skip
    return rows


def write(report: Report, path: Path) -> int:
    return write_table(path, HEADER, long_rows(report), sheet="Kết quả")


def as_json(report: Report) -> list[dict[str, Any]]:
    return [dict(zip(HEADER, row, strict=True)) for row in long_rows(report)]
