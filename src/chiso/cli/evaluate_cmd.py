"""`chiso evaluate`: score a framework on plain files, or on the stored values, and rank the
units."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from chiso.cli.context import runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit
from chiso.domain.formatting import fixed, number, percent
from chiso.domain.frameworks import LEVEL_LABELS
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.domain.ranking_table import RankingRow, RankingTable
    from chiso.domain.sensitivity import Influence
    from chiso.io import evaluation_output, writers
    from chiso.services.scoring import files as evaluate_svc
else:
    evaluation_output = lazy_import("chiso.io.evaluation_output")
    writers = lazy_import("chiso.io.writers")
    evaluate_svc = lazy_import("chiso.services.scoring.files")

FORMATS = ("table", "csv", "json", "xlsx")


def evaluate(
    ctx: typer.Context,
    framework: str = typer.Option(..., help="Mã bộ chỉ số có sẵn hoặc tệp .yaml/.xlsx."),
    values: Path | None = typer.Option(
        None,
        help="Tệp số liệu CSV/XLSX: unit_code, period, indicator, value (hoặc numerator, "
        "denominator). Không ghi: chấm điểm số liệu đã lưu trong cơ sở dữ liệu (cần --period).",
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
    weight_spread: float = typer.Option(
        0.25,
        "--weight-spread",
        min=0.0,
        max=0.99,
        help="Khi mô phỏng, mỗi trọng số (ở mọi tầng) nhân với hệ số ngẫu nhiên trong [1 − x; 1 + x].",
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
    """Chấm điểm và xếp hạng các đơn vị theo bộ chỉ số: từ tệp số liệu (không cần cơ sở dữ liệu),
    hoặc, khi không ghi --values, từ số liệu đã lưu của kỳ --period."""
    if fmt not in FORMATS:
        raise UsageError(
            f"Định dạng '{fmt}' không hợp lệ.",
            f"bad format {fmt!r}",
            hint_vi="dùng table, csv, json hoặc xlsx.",
        )
    if fmt == "xlsx" and out is None:
        raise UsageError("Định dạng xlsx cần --out TỆP.xlsx.", "xlsx needs --out")
    request = evaluate_svc.EvaluationRequest(
        framework,
        values,
        units,
        period,
        group,
        uncertainty,
        noise,
        top_k,
        merge_to_2025=merge_to_2025,
        weight_spread=weight_spread,
    )
    if values is None:
        report = evaluate_svc.evaluate_stored(runtime(ctx), request)
    else:
        report = evaluate_svc.evaluate_files(request)
    if out is not None:
        writers.format_of(out, None if fmt == "table" else fmt)
        count = evaluation_output.write(report.table, out, report.sensitivity)
        console.print(f"Đã ghi {count} dòng kết quả vào {out}.")
    elif fmt == "csv":
        emit("csv", "", evaluation_output.HEADER, evaluation_output.long_rows(report.table))
    elif fmt == "json":
        sys.stdout.write(
            json.dumps(evaluation_output.as_json(report.table), ensure_ascii=False, indent=1) + "\n"
        )
    else:
        _print_tables(report.table)
        _print_sensitivity(report.sensitivity)
        for note in report.notes:
            console.print(note)


def _print_tables(table: RankingTable) -> None:
    f = table.framework
    for code, name in table.groups:
        grid = Table(title=f"{f.name} — {name} — kỳ {table.period}", header_style="bold")
        columns = ["Hạng", "Đơn vị", "Điểm", "Chỉ số", *(n.name for n in table.columns)]
        if table.previous_period:
            columns += ["± điểm", "± hạng"]
        if table.has_intervals:
            columns.append(f"Khoảng hạng 5–95% (P top {table.top_k})")
        columns += [f"Chỉ số chính < {percent(f.below_threshold)}", "Thiếu số liệu"]
        for column in columns:
            grid.add_column(column)
        for row in table.in_group(code):
            grid.add_row(*_cells(table, row))
        console.print(grid)
    names = {n.code: n.name for n in f.nodes()}
    for row in table.rows:
        for c, cell in row.cells.items():
            for note in cell.notes:
                console.print(f"Ghi chú — {row.unit_name}, {names[c]}: {note}")


def _cells(table: RankingTable, row: RankingRow) -> list[str]:
    f = table.framework
    total = row.total
    rank = "—" if total.rank is None else f"{total.rank}{' (đồng hạng)' if total.tied else ''}"
    points = "—" if total.points is None else f"{number(total.points)}/{number(total.max_points)}"
    cells = [rank, row.unit_name, points, _index(total.index, f.precision)]
    cells += [_index(row.cells[n.code].index, f.precision) for n in table.columns]
    if table.previous_period:
        cells += [_signed(total.points_change), _moved(total.rank_change)]
    if table.has_intervals:
        band = row.interval
        cells.append(f"{band.p05:g}–{band.p95:g} ({percent(band.top_k, 0)})" if band else "—")
    cells.append(f"{len(row.below)}/{len(table.columns)}")
    cells.append(row.missing_note)
    return cells


def _index(value: float | None, digits: int) -> str:
    return fixed(value, digits) if value is not None else "—"


def _signed(delta: float | None) -> str:
    if delta is None:
        return "—"
    return ("+" if delta > 0 else "") + number(delta)


def _moved(delta: int | None) -> str:
    if delta is None:
        return "—"
    return ("↑" if delta > 0 else "↓" if delta < 0 else "=") + (str(abs(delta)) if delta else "")


def _print_sensitivity(influences: list[Influence]) -> None:
    if not influences:
        return
    grid = Table(
        title="Chỉ số nào quyết định thứ hạng (độ dịch chuyển hạng trung bình)",
        header_style="bold",
    )
    for column in ("Mã", "Chỉ số", "Tầng", "Khi bỏ chỉ số", "Lớn nhất khi bỏ", "Khi đổi trọng số"):
        grid.add_column(column)
    for i in influences[:15]:
        shifts = (number(i.removal_shift), str(i.removal_max), number(i.weight_shift))
        grid.add_row(i.code, i.name, LEVEL_LABELS.get(i.level, i.level), *shifts)
    console.print(grid)
