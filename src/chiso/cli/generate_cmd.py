"""`chiso generate`: realistic records and values for a province's real units."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.data_cmd import print_report
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, progress_bar
from chiso.domain.formatting import number

if TYPE_CHECKING:
    from chiso.services import generate as generate_svc
    from chiso.services import runtime
else:
    generate_svc = lazy_import("chiso.services.generate")
    runtime = lazy_import("chiso.services.runtime")


def generate(
    province: str = typer.Option(
        "75", help="Tỉnh sau 1/7/2025 (mã hoặc tên); đơn vị phải đã được nạp."
    ),
    months: int = typer.Option(24, help="Số tháng."),
    end: str | None = typer.Option(None, help="Tháng cuối (mặc định: tháng trước)."),
    seed: int = typer.Option(1, help="Hạt giống: cùng hạt giống cho cùng dữ liệu."),
    documents: int | None = typer.Option(None, help="Tổng số văn bản cần tạo (ví dụ 100000000)."),
    out: Path | None = typer.Option(
        None, "--out", help="Ghi ra thư mục này (để nạp bằng `chiso facts ingest`) thay vì vào kho."
    ),
    values: bool = typer.Option(
        True, "--values/--no-values", help="Tạo cả số liệu đơn vị tự nhập."
    ),
) -> None:
    """Sinh bản ghi văn bản, cuộc họp, thư công vụ, hồ sơ TTHC và số liệu tự nhập cho đơn vị thật của một tỉnh."""
    rt = runtime.open_runtime()
    with progress_bar() as progress:
        report = generate_svc.generate(
            rt,
            generate_svc.GenerateRequest(province, months, end, seed, documents, out, values),
            progress,
        )
    rt.close()
    counts = ", ".join(f"{name} {number(n)}" for name, n in report.records.items())
    console.print(
        f"{report.units} đơn vị, {report.first} → {report.last}: {counts}. Thư mục: {report.folder}"
    )
    if report.values:
        print_report(report.values, limit=5)
