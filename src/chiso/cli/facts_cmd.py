"""`chiso facts`: ingest raw platform records and compute the platform-usage indicators."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import audited
from chiso.cli.context import runtime as call_runtime
from chiso.cli.data_cmd import REPLACE, print_report
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, err_console
from chiso.domain.formatting import number, percent

if TYPE_CHECKING:
    from chiso.services import facts, pdf_scan, runtime
    from chiso.services.accounts import access_log
else:
    access_log = lazy_import("chiso.services.accounts.access_log")
    pdf_scan = lazy_import("chiso.services.pdf_scan")
    facts = lazy_import("chiso.services.facts")
    runtime = lazy_import("chiso.services.runtime")

app = typer.Typer(
    help="Bản ghi thô của các nền tảng dùng chung (văn bản, họp, thư công vụ, hồ sơ TTHC).",
    no_args_is_help=True,
)


@app.command()
def ingest(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ...,
        metavar="TỆP…",
        help="CSV, JSON Lines hoặc Parquet; với --profile: tệp xuất XLSX hoặc CSV.",
    ),
    source: str | None = typer.Option(
        None, help="documents, meetings, email, applications hoặc nguồn tỉnh tự khai báo."
    ),
    profile: str | None = typer.Option(
        None,
        help="Hồ sơ ánh xạ cột của tệp xuất (qlvb-van-ban-di, dvc-ho-so, dvc-thong-ke…).",
    ),
    period: str | None = typer.Option(
        None, help="Kỳ của số liệu tổng hợp khi tệp không có cột kỳ (--profile dvc-thong-ke)."
    ),
) -> None:
    """Kiểm tra và lưu bản ghi thô (Parquet theo nguồn và tháng); nạp lại cùng bản ghi không nhân đôi."""
    rt = call_runtime(ctx)
    if (source is None) == (profile is None):
        err_console.print("Lỗi: ghi đúng một trong --source hoặc --profile.")
        raise typer.Exit(2)
    with err_console.status("Đang kiểm tra và lưu bản ghi…"):
        if profile is not None:
            result = facts.ingest_export(rt, profile, files, period)
            if not isinstance(result, facts.IngestReport):
                print_report(result, limit=10)
                return
            report = result
        else:
            report = facts.ingest(rt, str(source), files)
    label = facts.source_labels(rt)[report.source]
    details = {"received": report.rows, "stored": report.new, "months": report.months}
    audited(
        rt, access_log.INGEST, "records", report.source, **details, files=[f.name for f in files]
    )
    console.print(
        f"{label}: {number(report.rows)} bản ghi đọc được, lưu mới {number(report.new)}, "
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
    replace: bool = REPLACE,
    monthly: bool = typer.Option(
        False,
        "--monthly",
        help="Tính và lưu riêng từng tháng của kỳ (ví dụ 12 tháng của năm 2025) trong một lượt đọc bản ghi.",
    ),
) -> None:
    """Tính các chỉ số sử dụng nền tảng theo đơn vị (cộng dồn lên đơn vị cấp trên) và lưu như số liệu."""
    rt = runtime.open_runtime()
    with err_console.status("Đang tính chỉ số từ bản ghi…"):
        closed_loop = not either_signature
        reports = (
            facts.compute_months(rt, period, framework, closed_loop=closed_loop, replace=replace)
            if monthly
            else [facts.compute(rt, period, framework, closed_loop=closed_loop, replace=replace)]
        )
    rt.close()
    for report in reports:
        print_report(report, limit=10)


@app.command()
def compact(
    source: list[str] = typer.Option(
        [], "--source", help="Nguồn cần gộp (lặp lại được; mặc định mọi nguồn)."
    ),
) -> None:
    """Gộp các tệp nhỏ của mỗi tháng thành một tệp (người đọc chuyển sang tệp mới cùng một lúc)."""
    rt = runtime.open_runtime()
    with err_console.status("Đang gộp tệp bản ghi…"):
        reports = facts.compact(rt, source)
    rt.close()
    for r in reports:
        console.print(
            f"{facts.source_labels(rt)[r.source]}: {number(r.files_before)} tệp → {number(r.files_after)} tệp, "
            f"{number(r.rows)} bản ghi."
        )


@app.command("scan-pdfs")
def scan_pdfs(
    folder: Path = typer.Argument(
        ..., metavar="THƯ_MỤC", help="Thư mục các văn bản PDF đã phát hành."
    ),
    unit: str = typer.Option(..., "--unit", help="Đơn vị phát hành."),
    period: str = typer.Option(..., "--period", help="Kỳ, ví dụ 2026-10."),
    framework: str = typer.Option("platform-usage", help="Bộ chỉ số nhận giá trị."),
    indicator: str = typer.Option("signed_docs_rate", help="Chỉ số tỷ lệ văn bản ký số."),
    trust: Path | None = typer.Option(None, "--trust", help="Thư mục chứng thư gốc tin cậy."),
    either_signature: bool = typer.Option(
        False,
        "--either-signature",
        help="Tính là đã ký khi có một chữ ký hợp lệ (mặc định cần ký khép kín).",
    ),
    replace: bool = REPLACE,
) -> None:
    """Tỷ lệ văn bản ký số của một thư mục PDF: kiểm tra chữ ký từng tệp, lưu như số liệu tính được."""
    from chiso.cli.output import progress_bar

    rt = runtime.open_runtime()
    with progress_bar() as progress:
        report = pdf_scan.scan_pdfs(
            rt,
            folder,
            unit,
            period,
            framework,
            indicator,
            not either_signature,
            trust,
            progress,
            replace,
        )
    rt.close()
    for name, verdict, problem in report.files:
        console.print(f"  • {name}: {verdict.summary_vi() if verdict else problem}")
    rate = report.signed / report.total
    console.print(
        f"{report.unit_name}, kỳ {report.period}: {report.signed}/{report.total} văn bản "
        f"{'ký số khép kín' if report.closed_loop else 'có chữ ký số'} hợp lệ ({percent(rate)})."
    )
    if report.stored is not None:
        print_report(report.stored, limit=3)
