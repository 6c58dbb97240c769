"""`chiso tasks`: tasks from directives — import, list, report progress, remind the late."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.assess_cmd import USER, parse_date
from chiso.cli.context import audited, runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit
from chiso.cli.report_cmd import done_paths

if TYPE_CHECKING:
    from chiso.services.accounts import access_log
    from chiso.services.documents import drafts, reminders
    from chiso.services.tasks import importer, tracking
else:
    access_log = lazy_import("chiso.services.accounts.access_log")
    drafts = lazy_import("chiso.services.documents.drafts")
    importer = lazy_import("chiso.services.tasks.importer")
    reminders = lazy_import("chiso.services.documents.reminders")
    tracking = lazy_import("chiso.services.tasks.tracking")

app = typer.Typer(
    help="Nhiệm vụ chuyển đổi số được giao: nhập danh sách, báo cáo tiến độ, đôn đốc quá hạn.",
    no_args_is_help=True,
)
ON = typer.Option(None, "--on", help="Tính đến ngày (mặc định hôm nay), ví dụ 30/06/2026.")


def _on(text: str | None) -> date:
    return parse_date(text, "--on") if text else date.today()


@app.command("import")
def import_tasks(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="TỆP", help="Bảng nhiệm vụ .xlsx hoặc .csv."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Chỉ kiểm tra, không lưu."),
) -> None:
    """Nhập nhiệm vụ từ bảng theo dõi: văn bản giao, đơn vị chủ trì, phối hợp, thời hạn."""
    report = importer.import_tasks(runtime(ctx), file, dry_run)
    prefix = "[Chạy thử — chưa lưu] " if report.dry_run else ""
    console.print(
        f"{prefix}{report.source}: {report.rows} nhiệm vụ của {report.directives} văn bản — thêm "
        f"{report.created}, sửa {report.updated}, giữ nguyên {report.unchanged}."
    )
    for line in report.changes[:30]:
        console.print(f"  • {line}")


@app.command("export")
def export_tasks(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Tệp .xlsx hoặc .csv ghi ra."),
) -> None:
    """Xuất toàn bộ nhiệm vụ theo đúng mẫu nhập (sửa rồi nhập lại được)."""
    rt = runtime(ctx)
    count = importer.export_tasks(rt, out)
    audited(rt, access_log.EXPORT, "tasks", out.name, file=out.name, rows=count)
    console.print(f"Đã ghi {count} nhiệm vụ vào {out}.")


@app.command("list")
def list_tasks(
    ctx: typer.Context,
    unit: str | None = typer.Option(None, "--unit", help="Chỉ nhiệm vụ của một đơn vị."),
    overdue: bool = typer.Option(False, "--overdue", help="Chỉ nhiệm vụ quá hạn."),
    on: str | None = ON,
    fmt: str = typer.Option("table", "--format", help="table, csv hoặc json."),
    user: str | None = USER,
) -> None:
    """Danh sách nhiệm vụ, quá hạn lên đầu."""
    found = tracking.list_tasks(runtime(ctx, user), _on(on), unit, overdue)
    rows = [
        [
            t.id,
            t.directive,
            t.code,
            t.title,
            t.lead_name,
            t.deadline_text,
            t.status.label_vi,
            f"{t.progress}%",
            t.standing.label_vi,
        ]
        for t in found
    ]
    emit(
        fmt,
        "Nhiệm vụ",
        [
            "id",
            "Văn bản",
            "STT",
            "Nhiệm vụ",
            "Chủ trì",
            "Thời hạn",
            "Trạng thái",
            "Tiến độ",
            "Tình hình",
        ],
        rows,
    )
    if fmt == "table":
        late = sum(1 for t in found if t.standing.overdue)
        console.print(f"{len(found)} nhiệm vụ, {late} quá hạn.")


@app.command()
def progress(
    ctx: typer.Context,
    task: int = typer.Argument(..., help="Số (id) nhiệm vụ."),
    status: str = typer.Option(..., "--status", help="not_started, in_progress hoặc done."),
    percent: int = typer.Option(0, "--percent", help="Tiến độ 0–100."),
    note: str = typer.Option(..., "--note", help="Nội dung báo cáo."),
    evidence: list[Path] = typer.Option(
        [], "--evidence", help="Tệp minh chứng (PDF, DOCX, XLSX, ảnh)."
    ),
    on: str | None = ON,
    user: str | None = USER,
) -> None:
    """Báo cáo tiến độ một nhiệm vụ (kèm minh chứng)."""
    files = tuple((p.name, p.read_bytes()) for p in evidence)
    rt = runtime(ctx, user)
    view = tracking.report_progress(rt, task, status, percent, note, files, _on(on))
    console.print(
        f"{view.title[:70]} — {view.status.label_vi}, {view.progress}%: {view.standing.label_vi}."
    )


@app.command()
def remind(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Tệp .docx ghi ra."),
    on: str | None = ON,
    unit: str | None = typer.Option(None, "--unit", help="Chỉ nhiệm vụ của một đơn vị."),
    report_days: int = typer.Option(7, "--report-days", help="Số ngày để đơn vị báo cáo lại."),
    pdf: bool = typer.Option(False, "--pdf", help="Chuyển thêm sang PDF (LibreOffice)."),
    wording: Path | None = typer.Option(None, "--wording", help="Tệp lời văn YAML thay mặc định."),
    agency: str | None = typer.Option(None, "--agency", help="Mã hồ sơ cơ quan ban hành."),
    signer: str | None = typer.Option(None, "--signer", help="Mã người ký trong hồ sơ."),
) -> None:
    """Công văn đôn đốc các nhiệm vụ đã quá hạn, gửi các đơn vị chủ trì."""
    spec = drafts.read_spec(None, "reminder")
    spec.agency, spec.signer = agency, signer
    request = reminders.ReminderRequest(_on(on), unit, report_days, spec, wording)
    rt = runtime(ctx)
    done_paths(rt, reminders.reminder(rt, request, out), pdf, "reminder")
