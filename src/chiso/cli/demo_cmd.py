"""`chiso demo`: a real province to look at, served in the browser."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from chiso.cli.context import invocation, runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, progress_bar

if TYPE_CHECKING:
    from chiso.services.system import demo as demo_svc
    from chiso.services.units import catalogue
else:
    demo_svc = lazy_import("chiso.services.system.demo")
    catalogue = lazy_import("chiso.services.units.catalogue")


def demo(
    ctx: typer.Context,
    province: str = typer.Option("75", help="Tỉnh sau 1/7/2025 (mã hoặc tên)."),
    port: int = typer.Option(8000, help="Cổng phục vụ trang web."),
    host: str = typer.Option("127.0.0.1", help="Địa chỉ lắng nghe."),
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Phục vụ trang web sau khi dựng dữ liệu."
    ),
    units_only: bool = typer.Option(
        False, "--units-only", help="Chỉ nạp đơn vị (nhanh), không sinh số liệu."
    ),
    workers: int = typer.Option(
        1,
        min=1,
        help="Số tiến trình phục vụ (mặc định 1: một người xem thử; máy chủ thật dùng `chiso serve`).",
    ),
) -> None:
    """Dựng tỉnh mẫu từ đơn vị thật với 24 tháng số liệu, một kỳ đánh giá năm, các tài khoản thử; rồi mở trang web."""
    rt = runtime(ctx)
    serving = serve and not units_only
    # Served by one worker, the evaluations the first views show are stored by the server in
    # the background after it accepts (a view asking for one first computes it itself).
    later = serving and workers == 1
    with progress_bar() as progress:
        report = (
            demo_svc.build_demo(rt, province, progress)
            if units_only
            else demo_svc.build_full_demo(rt, province, progress, first_views=not later)
        )
    detail = catalogue.show_unit(rt, report.province)
    u = detail.unit
    console.print(f"[bold]Tỉnh mẫu: {u.name}[/] ({u.key}) — {detail.children} đơn vị trực thuộc.")
    olds = ", ".join(f"{v.unit.name} ({v.unit.key})" for v in detail.predecessors)
    console.print(f"Hình thành từ: {olds or '—'}.")
    if report.months:
        year = report.year.label_vi if report.year else "—"
        console.print(
            f"Số liệu: {report.months[0].label_vi} → {report.months[-1].label_vi}; đánh giá năm: {year}."
        )
    console.print(f"Cơ sở dữ liệu: {rt.settings.effective_database_url}")
    for username, password in report.logins.items():
        console.print(f"Tài khoản [bold]{username}[/] / mật khẩu [bold]{password}[/]")
    invocation(ctx).close()
    if serving:
        from chiso.cli.serve_cmd import run_server

        console.print(
            f"Mở trình duyệt: [bold]http://{host}:{port}/[/] (đăng nhập bằng tài khoản admin ở trên; Ctrl+C để dừng)."
        )
        # One worker by default, in this process: it has imported most of what serving needs
        # while building, where each extra worker is a fresh interpreter importing it all again.
        run_server(rt.settings, host, port, workers, report.first_views if later else ())
