"""A ranking table as files: one row per unit and node (CSV, XLSX, JSON), and the sensitivity
summary as a second XLSX sheet. Figures are the table's, already rounded as published."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chiso.domain.ranking_table import RankingRow, RankingTable
from chiso.domain.sensitivity import Influence
from chiso.io.writers import append_row, format_of, write_table

HEADER = (
    "period",
    "unit_code",
    "unit_name",
    "ranking_group",
    "node_code",
    "node_name",
    "points",
    "max_points",
    "index",
    "rank",
    "ranked",
    "missing",
    "previous_rank",
    "rank_change",
    "year_earlier_rank",
    "rank_change_year",
    "rank_median",
    "rank_p05",
    "rank_p95",
    "p_top_k",
    "tied",
    "points_change",
    "index_change",
    "imputed",
    "missing_leaves",
    "notes",
    "source",
)
SENSITIVITY_HEADER = (
    "node_code",
    "node_name",
    "level",
    "removal_shift",
    "removal_max",
    "weight_shift",
)
SHEET = "Kết quả"
SENSITIVITY_SHEET = "Độ nhạy"


def long_rows(table: RankingTable) -> list[list[Any]]:
    nodes = table.framework.nodes()
    rows = []
    for row in table.rows:
        for node in nodes:
            rows.append(_row(table, row, node.code, node.name, node is nodes[0]))
    return rows


def _row(table: RankingTable, row: RankingRow, code: str, name: str, total: bool) -> list[Any]:
    c = row.cells[code]
    band = row.interval if total else None
    unit = [table.period, row.unit_code, row.unit_name, row.group_name, code, name]
    scores = [c.points, c.max_points, c.index, c.rank, row.ranked, c.missing]
    changes = [c.previous_rank, c.rank_change, c.year_earlier_rank, c.rank_change_year]
    interval = [band.median, band.p05, band.p95, round(band.top_k, 4)] if band else [None] * 4
    marks = [c.tied, c.points_change, c.index_change, c.imputed]
    text = ["; ".join(row.missing) if total else "", "; ".join(c.notes), c.source]
    return unit + scores + changes + interval + marks + text


def sensitivity_rows(influences: Sequence[Influence]) -> list[list[Any]]:
    return [
        [
            i.code,
            i.name,
            i.level,
            round(i.removal_shift, 4),
            i.removal_max,
            round(i.weight_shift, 4),
        ]
        for i in influences
    ]


def write(table: RankingTable, path: Path, influences: Sequence[Influence] = ()) -> int:
    count = write_table(path, HEADER, long_rows(table), sheet=SHEET)
    if influences and format_of(path) == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path)
        sheet = workbook.create_sheet(SENSITIVITY_SHEET)
        append_row(sheet, list(SENSITIVITY_HEADER))
        for r in sensitivity_rows(influences):
            append_row(sheet, r)
        workbook.save(path)
    return count


def as_json(table: RankingTable) -> list[dict[str, Any]]:
    return [dict(zip(HEADER, row, strict=True)) for row in long_rows(table)]
