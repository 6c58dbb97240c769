"""`chiso facts`: ingest raw platform records and compute the platform-usage indicators."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.data_cmd import print_report
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, err_console
from chiso.domain.formatting import number

if TYPE_CHECKING:
    from chiso.services import facts, runtime
else:
    facts = lazy_import("chiso.services.facts")
    runtime = lazy_import("chiso.services.runtime")

app = typer.Typer(
    help="Bản ghi thô của các nền tảng dùng chung (văn bản, họp, thư công vụ, hồ sơ TTHC).",
    no_args_is_help=True,
)


@app.command()
def ingest(
    files: list[Path] = typer.Argument(..., metavar="TỆP…", help="CSV, JSON Lines hoặc Parquet."),
    source: str = typer.Option(..., help="documents, meetings, email, applications"),
) -> None:
    """Kiểm tra và lưu bản ghi thô (Parquet theo nguồn và tháng); nạp lại cùng bản ghi không nhân đôi."""
    rt = runtime.open_runtime()
    with err_console.status("Đang kiểm tra và lưu bản ghi…"):
        report = facts.ingest(rt, source, files)
    rt.close()
    console.print(
        f"{facts.source_labels()[source]}: {number(report.rows)} bản ghi đọc được, lưu mới {number(report.new)}, "
        f"đã có từ trước {number(report.already_stored)}; các tháng: {', '.join(report.months) or '—'}."
    )


@app.command()
def compute(
    period: str = typer.Option(..., help="Kỳ: tháng (2023-07), quý, 6 tháng hoặc năm."),
    framework: str = typer.Option("platform-usage", help="Bộ chỉ số nhận giá trị tính được."),
    either_signature: bool = typer.Option(
        False,
        "--either-signature",
        help="Tính là đã ký số khi có một chữ ký (mặc định cần đủ chữ ký cá nhân và cơ quan).",
    ),
) -> None:
    """Tính các chỉ số sử dụng nền tảng theo đơn vị (cộng dồn lên đơn vị cấp trên) và lưu như số liệu."""
    rt = runtime.open_runtime()
    with err_console.status("Đang tính chỉ số từ bản ghi…"):
        report = facts.compute(rt, period, framework, closed_loop=not either_signature)
    rt.close()
    print_report(report, limit=10)
