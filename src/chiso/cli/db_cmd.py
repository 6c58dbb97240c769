"""`chiso db`: create and upgrade the application database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from chiso.cli.context import invocation, runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console
from chiso.domain.formatting import number

if TYPE_CHECKING:
    from chiso.services.system import database
else:
    database = lazy_import("chiso.services.system.database")

app = typer.Typer(
    help="Cơ sở dữ liệu ứng dụng: khởi tạo, nâng cấp, kiểm tra.", no_args_is_help=True
)


@app.command()
def upgrade(
    ctx: typer.Context,
    revision: str = typer.Argument("head", help="Phiên bản đích (mặc định: mới nhất)."),
) -> None:
    """Tạo hoặc nâng cấp cấu trúc cơ sở dữ liệu theo các migration của Alembic."""
    state = database.upgrade(invocation(ctx).settings(), revision)
    if state.before == state.current:
        console.print(f"Cơ sở dữ liệu đã ở phiên bản mới nhất ({state.current}): {state.url}")
    else:
        console.print(
            f"Đã nâng cấp cơ sở dữ liệu {state.url}: {state.before or 'trống'} → {state.current}."
        )


@app.command()
def status(ctx: typer.Context) -> None:
    """Cho biết cơ sở dữ liệu đang dùng, phiên bản cấu trúc và các migration còn chờ."""
    state = database.status(invocation(ctx).settings())
    console.print(f"Cơ sở dữ liệu: {state.url}")
    console.print(f"Phiên bản hiện tại: {state.current or 'chưa khởi tạo'}; mới nhất: {state.head}")
    if state.pending:
        console.print(
            f"Còn {len(state.pending)} migration chờ: {', '.join(state.pending)} — chạy `chiso db upgrade`."
        )
    else:
        console.print("Cấu trúc đã cập nhật.")


@app.command()
def check(
    ctx: typer.Context,
    framework: str | None = typer.Option(None, help="Chỉ số liệu của một bộ chỉ số."),
) -> None:
    """Kiểm tra nhật ký thay đổi số liệu: mỗi bước bắt đầu từ giá trị bước trước để lại, bước cuối
    là giá trị đang lưu. Có chỗ sai thì liệt kê và thoát với mã 1."""
    report = database.check(runtime(ctx), framework)
    console.print(
        f"Đã kiểm tra {number(report.steps)} bước thay đổi của {number(report.entities)} giá trị."
    )
    if report.ok:
        console.print("Nhật ký thay đổi số liệu khớp hoàn toàn với số liệu đang lưu.")
        return
    console.print(f"Có {number(report.broken)} chỗ không khớp:")
    for b in report.breaks:
        where = f"bước #{b.entry_id}" if b.entry_id is not None else "giá trị đang lưu"
        console.print(f"  • {b.entity_key} ({where}): chờ {b.expected}, thấy {b.found}")
    if report.broken > len(report.breaks):
        console.print(f"  … và {number(report.broken - len(report.breaks))} chỗ khác.")
    raise typer.Exit(1)
