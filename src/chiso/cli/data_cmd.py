"""`chiso data`: templates, imports, exports, history, quality flags and reporting completeness."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import audited, runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import DECIMAL, console, emit
from chiso.domain.formatting import value_text
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.services.accounts import access_log
    from chiso.services.values import changes, exchange, importer, quality, reporting
else:
    access_log = lazy_import("chiso.services.accounts.access_log")
    changes = lazy_import("chiso.services.values.changes")
    exchange = lazy_import("chiso.services.values.exchange")
    importer = lazy_import("chiso.services.values.importer")
    quality = lazy_import("chiso.services.values.quality")
    reporting = lazy_import("chiso.services.values.reporting")

FRAMEWORK = typer.Option(..., help="Mã bộ chỉ số có sẵn hoặc đã đăng ký.")
PERIOD = typer.Option(..., help="Kỳ báo cáo, ví dụ 2023-07.")
REPLACE = typer.Option(
    False,
    "--replace",
    help="Ghi đè cả giá trị của nguồn khác (số liệu chiso tính từ bản ghi thay cho số liệu "
    "đơn vị báo cáo, hoặc ngược lại); không có thì các giá trị đó được giữ nguyên và liệt kê.",
)

app = typer.Typer(
    help="Số liệu: mẫu nhập, nhập tệp, xuất, lịch sử thay đổi, kiểm tra chất lượng.",
    no_args_is_help=True,
)


@app.command()
def template(
    ctx: typer.Context,
    framework: str = typer.Option(
        ..., help="Mã bộ chỉ số có sẵn hoặc đã đăng ký (chiso framework register)."
    ),
    period: str = typer.Option(..., help="Kỳ báo cáo, ví dụ 2023-07."),
    out: Path = typer.Option(..., "--out", help="Tệp .xlsx ghi ra."),
    group: str | None = typer.Option(
        None, help="Chỉ các đơn vị của một nhóm (ví dụ 'Sở, ban, ngành')."
    ),
    parent: str | None = typer.Option(None, help="Chỉ các đơn vị trực thuộc một đơn vị."),
) -> None:
    """Tạo mẫu Excel để các đơn vị nhập số liệu: mỗi đơn vị một dòng, mỗi chỉ số một cột."""
    rt = runtime(ctx)
    count = exchange.template(rt, framework, period, out, group, parent)
    details = {"file": out.name, "framework": framework, "period": period, "group": group}
    audited(rt, access_log.EXPORT, "template", out.name, **details, units=count)
    console.print(f"Đã tạo mẫu {out} cho {count} đơn vị.")


def print_report(report: changes.ImportReport, limit: int = 30) -> None:
    prefix = "[Chạy thử — chưa lưu] " if report.dry_run else ""
    console.print(
        f"{prefix}{report.source} ({report.framework_id}): {report.rows} giá trị — thêm {report.created}, "
        f"sửa {report.updated}, giữ nguyên {report.unchanged}"
        + (f", không ghi đè {len(report.skipped)}." if report.skipped else ".")
    )
    for change in report.changes[:limit]:
        what = f"{change.unit_name} — {change.indicator} kỳ {change.period}"
        console.print(f"  • {what}: {value_text(change.before)} → {value_text(change.after)}")
    if len(report.changes) > limit:
        console.print(f"  … và {len(report.changes) - limit} thay đổi khác.")
    if report.stored_as and (report.created or report.updated):
        console.print(f"Nguồn ghi: {report.stored_as_label}.")
    if report.replaced:
        console.print(f"Đã thay {report.replaced} giá trị của nguồn khác (--replace).")
    if report.skipped:
        console.print(
            f"Giữ nguyên {len(report.skipped)} giá trị của nguồn khác, không ghi đè "
            "(thêm --replace để thay bằng giá trị mới):"
        )
        for s in report.skipped[:limit]:
            what = f"{s.unit_name} — {s.indicator} kỳ {s.period}"
            console.print(
                f"  • {what}: giữ {value_text(s.kept)} ({s.kept_label}), "
                f"không ghi {value_text(s.offered)}"
            )
        if len(report.skipped) > limit:
            console.print(f"  … và {len(report.skipped) - limit} giá trị khác.")
    if report.flags:
        console.print(f"Cần xem lại ({len(report.flags)}):")
        for flag in report.flags[:limit]:
            console.print(f"  ⚠ {flag.unit} — {flag.indicator}: {flag.message_vi}")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., metavar="TỆP", help="Mẫu đã điền (.xlsx) hoặc tệp dạng dài (.csv/.xlsx)."
    ),
    framework: str | None = typer.Option(None, help="Bộ chỉ số (bắt buộc với tệp dạng dài)."),
    period: str | None = typer.Option(None, help="Kỳ báo cáo (mẫu đã ghi sẵn kỳ)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Kiểm tra và cho biết sẽ thay đổi gì, không lưu."
    ),
    decimal: str | None = DECIMAL,
    replace: bool = REPLACE,
) -> None:
    """Nhập số liệu; mọi lỗi được báo cùng lúc theo ô/dòng, có lỗi thì không lưu gì."""
    report = importer.import_values(
        runtime(ctx), file, framework, period, dry_run, decimal=decimal, replace=replace
    )
    print_report(report)


@app.command()
def export(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Tệp .csv hoặc .xlsx."),
    framework: str | None = typer.Option(None, help="Chỉ số liệu của một bộ chỉ số."),
    period: str | None = typer.Option(None, help="Chỉ một kỳ, ví dụ 2023-07."),
    unit: str | None = typer.Option(None, help="Chỉ một đơn vị (mã hoặc tên)."),
    fmt: str | None = typer.Option(
        None, "--format", help="csv hoặc xlsx (mặc định theo đuôi tệp)."
    ),
) -> None:
    """Xuất số liệu đã lưu theo dạng dài (nhập lại được bằng `chiso data import`)."""
    if fmt and not str(out).lower().endswith(f".{fmt}"):
        raise UsageError(
            f"Đuôi tệp {out.name} không khớp --format {fmt}.", "format/suffix mismatch"
        )
    rt = runtime(ctx)
    count = exchange.export(rt, out, framework, period, unit)
    details = {"file": out.name, "framework": framework, "period": period, "unit": unit}
    audited(rt, access_log.EXPORT, "values", out.name, **details, rows=count)
    console.print(f"Đã ghi {count} giá trị vào {out}.")


@app.command()
def history(
    ctx: typer.Context,
    unit: str = typer.Option(..., help="Đơn vị (mã hoặc tên)."),
    indicator: str = typer.Option(..., help="Mã chỉ số."),
) -> None:
    """Lịch sử thay đổi một chỉ số của một đơn vị: ai, khi nào, từ tệp nào, cũ → mới."""
    name, entries = exchange.history(runtime(ctx), unit, indicator)
    rows = [
        [
            e.at.strftime("%d/%m/%Y %H:%M"),
            e.actor,
            str(e.period),
            value_text(e.before),
            value_text(e.after),
            e.source or "",
        ]
        for e in entries
    ]
    emit(
        "table",
        f"{name} — {indicator}: {len(rows)} lần thay đổi",
        ("Thời điểm", "Người", "Kỳ", "Cũ", "Mới", "Nguồn"),
        rows,
    )


@app.command()
def flags(
    ctx: typer.Context,
    framework: str = FRAMEWORK,
    period: str = PERIOD,
) -> None:
    """Các giá trị cần xem lại: thay đổi đột biến so với kỳ trước, bất thường so với nhóm."""
    found = quality.quality_flags(runtime(ctx), framework, period)
    rows = [
        [f.unit, f.indicator, "đột biến" if f.kind == "jump" else "bất thường", f.message_vi]
        for f in found
    ]
    emit(
        "table", f"{len(found)} giá trị cần xem lại", ("Đơn vị", "Chỉ số", "Loại", "Nội dung"), rows
    )


@app.command()
def completeness(
    ctx: typer.Context,
    framework: str = FRAMEWORK,
    period: str = PERIOD,
    deadline: str | None = typer.Option(None, help="Hạn báo cáo (2023-08-05 hoặc 05/08/2023)."),
    group: str | None = typer.Option(None, help="Chỉ các đơn vị của một nhóm."),
    fmt: str = typer.Option("table", "--format", help="table, csv hoặc json."),
) -> None:
    """Ai đã báo cáo, đúng hạn hay muộn, ai chưa báo cáo."""
    due = None
    if deadline:
        try:
            due = (
                datetime.strptime(deadline, "%d/%m/%Y").date()
                if "/" in deadline
                else date.fromisoformat(deadline)
            )
        except ValueError as exc:
            raise UsageError(
                f"Hạn '{deadline}' không hợp lệ.",
                "bad deadline",
                hint_vi="ghi 2023-08-05 hoặc 05/08/2023.",
            ) from exc
    rows = reporting.completeness(runtime(ctx), framework, period, due, group)
    counts = Counter(r.status for r in rows)
    title = ", ".join(f"{reporting.STATUS_LABELS[k]}: {n}" for k, n in sorted(counts.items()))
    emit(
        fmt,
        f"{len(rows)} đơn vị — {title}",
        ("Mã", "Đơn vị", "Nhóm", "Tình trạng", "Thời điểm báo cáo"),
        [
            [
                r.unit_key,
                r.unit_name,
                r.group,
                reporting.STATUS_LABELS[r.status],
                r.reported_at.strftime("%d/%m/%Y %H:%M") if r.reported_at else "",
            ]
            for r in rows
        ],
    )
