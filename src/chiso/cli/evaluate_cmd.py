"""`chiso evaluate`: score a framework on plain files and rank the units."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit
from chiso.domain.evaluation import UnitResult
from chiso.domain.formatting import fixed, number
from chiso.domain.frameworks import TOTAL, Node
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.io import evaluation_output, writers
    from chiso.services import evaluate as evaluate_svc
else:
    evaluation_output = lazy_import("chiso.io.evaluation_output")
    writers = lazy_import("chiso.io.writers")
    evaluate_svc = lazy_import("chiso.services.evaluate")

FORMATS = ("table", "csv", "json", "xlsx")


def evaluate(
    framework: str = typer.Option(..., help="Mã bộ chỉ số có sẵn hoặc tệp .yaml/.xlsx."),
    values: Path = typer.Option(
        ...,
        help="Tệp số liệu CSV/XLSX: unit_code, period, indicator, value (hoặc numerator, denominator).",
    ),
    units: Path | None = typer.Option(
        None, help="Tệp đơn vị (code, name, kind, parent_code, groups) để chia nhóm xếp hạng."
    ),
    period: str | None = typer.Option(None, help="Kỳ đánh giá (2023, 2023-H1, 2023-Q3, 2023-07)."),
    group: str | None = typer.Option(None, help="Chỉ một nhóm xếp hạng (mã hoặc tên)."),
    uncertainty: int = typer.Option(
        0, help="Số lần mô phỏng Monte Carlo để ước lượng khoảng hạng (0 = không)."
    ),
    noise: float = typer.Option(
        0.0, help="Độ lệch chuẩn nhiễu thêm vào từng chỉ số 0–1 khi mô phỏng."
    ),
    top_k: int = typer.Option(3, "--top-k", help="Tính xác suất lọt vào k hạng đầu."),
    merge_to_2025: bool = typer.Option(
        False,
        "--merge-to-2025",
        help="Quy kết quả đơn vị cũ về đơn vị sau sắp xếp (trung bình các chỉ số chính).",
    ),
    fmt: str = typer.Option("table", "--format", help="table, csv, json hoặc xlsx."),
    out: Path | None = typer.Option(None, "--out", help="Ghi ra tệp thay vì màn hình."),
) -> None:
    """Chấm điểm và xếp hạng các đơn vị theo bộ chỉ số, từ tệp số liệu (không cần cơ sở dữ liệu)."""
    if fmt not in FORMATS:
        raise UsageError(
            f"Định dạng '{fmt}' không hợp lệ.",
            f"bad format {fmt!r}",
            hint_vi="dùng table, csv, json hoặc xlsx.",
        )
    if fmt == "xlsx" and out is None:
        raise UsageError("Định dạng xlsx cần --out TỆP.xlsx.", "xlsx needs --out")
    request = evaluate_svc.EvaluationRequest(
        framework, values, units, period, group, uncertainty, noise, top_k, 0, merge_to_2025
    )
    report = evaluate_svc.evaluate_files(request)
    if out is not None:
        writers.format_of(out, None if fmt == "table" else fmt)
        count = evaluation_output.write(report, out)
        console.print(f"Đã ghi {count} dòng kết quả vào {out}.")
    elif fmt == "csv":
        emit("csv", "", evaluation_output.HEADER, evaluation_output.long_rows(report))
    elif fmt == "json":
        sys.stdout.write(
            json.dumps(evaluation_output.as_json(report), ensure_ascii=False, indent=1) + "\n"
        )
    else:
        _print_tables(report)


def _print_tables(report: evaluate_svc.EvaluationReport) -> None:
    ev = report.evaluation
    f = ev.framework
    mains = f.main_indices() or list(f.root.children)
    groups: dict[str, list[UnitResult]] = {}
    for r in ev.results:
        groups.setdefault(r.unit.group, []).append(r)
    for code, members in groups.items():
        members.sort(key=lambda r: (r.ranks.get(TOTAL, 10**9), r.unit.code))
        table = Table(
            title=f"{f.name} — {report.group_names.get(code, code)} — kỳ {ev.period}",
            header_style="bold",
        )
        for column in (
            "Hạng",
            "Đơn vị",
            "Điểm",
            "Chỉ số",
            *(n.name for n in mains if n.max_points > 0),
        ):
            table.add_column(column)
        extra = []
        if report.previous:
            extra.append("± hạng")
        if report.intervals:
            extra.append(f"Khoảng hạng 5–95% (P top {report.top_k})")
        extra.append(f"Chỉ số chính < {number(f.below_threshold * 100)}%")
        extra.append("Thiếu số liệu")
        for column in extra:
            table.add_column(column)
        for r in members:
            table.add_row(*_cells(report, r, mains))
        console.print(table)
    for note in report.notes:
        console.print(note)


def _cells(report: evaluate_svc.EvaluationReport, r: UnitResult, mains: list[Node]) -> list[str]:
    f = report.framework
    total = r.total
    rank = str(r.ranks[TOTAL]) if TOTAL in r.ranks else "—"
    cells = [rank, r.unit.name, f"{number(total.points)}/{number(total.max_points)}",
             fixed(total.index, f.precision) if total.index is not None else "—"]  # fmt: skip
    for n in mains:
        if n.max_points > 0:
            index = r.scores[n.code].index
            cells.append(fixed(index, f.precision) if index is not None else "—")
    if report.previous:
        change = report.previous.get((r.unit.code, TOTAL))
        delta = change.rank_change if change else None
        cells.append(
            "—"
            if delta is None
            else ("↑" if delta > 0 else "↓" if delta < 0 else "=")
            + (str(abs(delta)) if delta else "")
        )
    if report.intervals:
        band = report.intervals.get(r.unit.code)
        cells.append(f"{band.p05:g}–{band.p95:g} ({number(band.top_k * 100, 0)}%)" if band else "—")
    below = r.below(mains, f.below_threshold)
    cells.append(f"{len(below)}/{sum(1 for n in mains if n.max_points > 0)}")
    cells.append(f"{r.total.missing} chỉ số" if r.total.missing else "")
    return cells
