"""`chiso units`: seed, list, show, import and export organisation units."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from chiso.cli.context import audited, runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import DECIMAL, TABLE_FORMATS, console, emit, progress_bar
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.domain.units import LinkView
    from chiso.services.accounts import access_log
    from chiso.services.units import catalogue, importer
    from chiso.services.units import departments as department_list
    from chiso.services.units import seed as seeding
else:
    access_log = lazy_import("chiso.services.accounts.access_log")
    catalogue = lazy_import("chiso.services.units.catalogue")
    department_list = lazy_import("chiso.services.units.departments")
    importer = lazy_import("chiso.services.units.importer")
    seeding = lazy_import("chiso.services.units.seed")

KIND = typer.Option(None, help="province, district, commune, department, office, ministry, other.")
PARENT = typer.Option(None, help="Đơn vị cấp trên (mã hoặc tên): chỉ các đơn vị trực thuộc.")
GROUP = typer.Option(None, help="Nhóm đơn vị (mã hoặc tên), ví dụ 'UBND cấp xã'.")
ON = typer.Option(None, help="Các đơn vị còn hiệu lực vào ngày này (mặc định: hôm nay).")
ALL_DATES = typer.Option(False, "--all-dates", help="Mọi đơn vị, kể cả đã giải thể.")

app = typer.Typer(
    help="Đơn vị: tỉnh, xã, sở, ban, ngành… và quan hệ kế thừa sau sắp xếp 2025.",
    no_args_is_help=True,
)

LIST_HEADER = (
    "key",
    "code",
    "name",
    "kind",
    "subtype",
    "parent",
    "groups",
    "valid_from",
    "valid_to",
    "latitude",
    "longitude",
)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UsageError(
        f"Ngày '{text}' không hợp lệ.",
        f"bad date {text!r}",
        hint_vi="ghi dạng 2024-06-30 hoặc 30/06/2024.",
    )


def _format(fmt: str) -> str:
    if fmt not in TABLE_FORMATS:
        raise UsageError(
            f"Định dạng '{fmt}' không hợp lệ.",
            f"bad format {fmt!r}",
            hint_vi="dùng table, csv hoặc json.",
        )
    return fmt


@app.command()
def seed(
    ctx: typer.Context,
    scheme: str = typer.Option(
        "2025",
        help="2025 (34 tỉnh, 3.321 xã), legacy (63 tỉnh, huyện, xã trước 1/7/2025) hoặc all.",
    ),
    province: str | None = typer.Option(
        None, help="Chỉ một tỉnh (mã hoặc tên); với --scheme all kèm các tỉnh cũ hợp thành."
    ),
) -> None:
    """Nạp danh mục đơn vị hành chính thật và quan hệ kế thừa; chạy lại không thay đổi gì."""
    if scheme not in seeding.SCHEMES:
        raise UsageError(
            f"Danh mục '{scheme}' không hợp lệ.",
            f"bad scheme {scheme!r}",
            hint_vi="dùng 2025, legacy hoặc all.",
        )
    rt = runtime(ctx)
    with progress_bar() as progress:
        report = seeding.seed(rt, scheme, province, progress)
    if not report.changed:
        console.print(f"Không có thay đổi: {report.unchanged} đơn vị đã có sẵn và đúng dữ liệu.")
        return
    created = ", ".join(f"{n} {k}" for k, n in report.created.items()) or "0"
    console.print(
        f"Đã thêm: {created}; cập nhật {report.updated}; giữ nguyên {report.unchanged}; "
        f"{report.links} liên kết kế thừa; {report.memberships} lượt gán nhóm."
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: str | None = KIND,
    parent: str | None = PARENT,
    group: str | None = GROUP,
    search: str | None = typer.Option(
        None, help="Tìm theo tên, không phân biệt dấu và hoa thường."
    ),
    on: str | None = ON,
    all_dates: bool = ALL_DATES,
    fmt: str = typer.Option("table", "--format", help="table, csv hoặc json."),
) -> None:
    """Liệt kê đơn vị đang có hiệu lực (hoặc vào ngày --on)."""
    fmt = _format(fmt)
    rt = runtime(ctx)
    units = catalogue.list_units(
        rt, catalogue.ListQuery(kind, parent, group, search, _date(on), all_dates)
    )
    rows = [
        [
            u.key,
            u.code,
            u.name,
            u.kind,
            u.subtype,
            u.parent_key,
            "; ".join(u.groups),
            u.valid_from,
            u.valid_to,
            u.latitude,
            u.longitude,
        ]
        for u in units
    ]
    if fmt == "table":
        rows = [[u.key, u.name, u.kind_label, u.parent_name or ""] for u in units]
        emit(fmt, f"{len(units)} đơn vị", ("Mã", "Tên", "Loại", "Cấp trên"), rows)
    else:
        emit(fmt, "", LIST_HEADER, rows)


@app.command()
def show(
    ctx: typer.Context,
    unit: str = typer.Argument(
        ..., metavar="ĐƠN_VỊ", help="Mã (75, legacy:75, 2025:26734) hoặc tên."
    ),
    on: str | None = typer.Option(
        None, help="Ngày dùng để phân biệt mã trùng (mặc định: hôm nay)."
    ),
) -> None:
    """Thông tin một đơn vị: loại, cấp trên, số đơn vị trực thuộc, nhóm, đơn vị tiền thân và kế thừa."""
    rt = runtime(ctx)
    detail = catalogue.show_unit(rt, unit, _date(on))
    u = detail.unit
    console.print(f"[bold]{escape(u.name)}[/] ({u.key})")
    console.print(f"Loại: {u.kind_label} ({u.kind})")
    console.print(f"Cấp trên: {f'{u.parent_name} ({u.parent_key})' if u.parent_key else '—'}")
    console.print(f"Số đơn vị trực thuộc: {detail.children}")
    console.print(f"Nhóm: {', '.join(u.groups) or '—'}")
    validity = f"từ {u.valid_from:%d/%m/%Y}" if u.valid_from else "không xác định ngày đầu"
    if u.valid_to:
        validity += f" đến {u.valid_to:%d/%m/%Y}"
    console.print(f"Hiệu lực: {validity}")
    if u.latitude is not None:
        console.print(f"Tọa độ: {u.latitude:.5f}, {u.longitude:.5f}")
    _print_links("Đơn vị tiền thân (trước 1/7/2025)", detail.predecessors)
    _print_links("Đơn vị kế thừa (từ 1/7/2025)", detail.successors)


def _print_links(title: str, links: list[LinkView]) -> None:
    if not links:
        console.print(f"{title}: —")
        return
    derived = any(v.derived for v in links)
    note = " — qua các đơn vị trực thuộc" if derived else ""
    console.print(f"{title} ({len(links)}){note}:")
    for v in links:
        extra = "" if v.is_primary else ", phần còn lại"
        console.print(f"  • {v.unit.name} ({v.unit.key}) — {v.kind.label_vi}{extra}")


def _print_import(report: importer.UnitImportReport) -> None:
    prefix = "[Chạy thử — chưa lưu] " if report.dry_run else ""
    console.print(
        f"{prefix}{report.source}: thêm {len(report.created)}, sửa {len(report.updated)}, "
        f"giữ nguyên {report.unchanged}."
    )
    for key, fields in report.updated.items():
        console.print(f"  • sửa {key}: {', '.join(fields)}")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., metavar="TỆP", help="CSV hoặc XLSX: code, name, kind, parent_code, groups."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Chỉ kiểm tra và cho biết sẽ thay đổi gì."
    ),
    decimal: str | None = DECIMAL,
) -> None:
    """Nhập sở, ban, ngành, phòng… do tỉnh tự định nghĩa; lỗi ở bất kỳ dòng nào thì không lưu gì."""
    rt = runtime(ctx)
    report = importer.import_units(rt, file, dry_run, decimal)
    _print_import(report)


@app.command()
def export(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Tệp .csv, .xlsx hoặc .json."),
    kind: str | None = KIND,
    parent: str | None = PARENT,
    group: str | None = GROUP,
    on: str | None = ON,
    all_dates: bool = ALL_DATES,
) -> None:
    """Xuất danh sách đơn vị theo đúng mẫu của `chiso units import`."""
    rt = runtime(ctx)
    count = catalogue.export_units(
        rt, out, catalogue.ListQuery(kind, parent, group, None, _date(on), all_dates)
    )
    audited(rt, access_log.EXPORT, "units", out.name, file=out.name, kind=kind, rows=count)
    console.print(f"Đã ghi {count} đơn vị vào {out}.")


@app.command()
def groups(ctx: typer.Context) -> None:
    """Các nhóm đơn vị và số thành viên."""
    rows = [(g.code, g.name, g.members) for g in catalogue.list_groups(runtime(ctx))]
    emit("table", "Nhóm đơn vị", ("Mã", "Tên", "Số đơn vị"), rows)


@app.command()
def departments(
    ctx: typer.Context,
    province: str = typer.Option(..., help="Tỉnh, thành phố (mã hoặc tên)."),
    out: Path | None = typer.Option(
        None, "--out", help="Ghi ra tệp để sửa rồi nhập bằng `chiso units import`."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Chỉ kiểm tra và cho biết sẽ thay đổi gì."
    ),
) -> None:
    """Danh sách sở, ban, ngành thường có của một tỉnh sau sắp xếp 2025: nạp ngay hoặc ghi ra tệp để sửa."""
    rt = runtime(ctx)
    result = department_list.load_departments(rt, province, out, dry_run)
    if isinstance(result, importer.UnitImportReport):
        _print_import(result)
    else:
        console.print(
            f"Đã ghi {result} sở, ban, ngành vào {out}; sửa rồi nhập bằng `chiso units import {out}`."
        )
