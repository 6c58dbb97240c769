"""`chiso demo`: a real province to look at, in the configured database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, progress_bar

if TYPE_CHECKING:
    from chiso.services import demo as demo_svc
    from chiso.services import runtime
    from chiso.services import units as units_svc
else:
    demo_svc = lazy_import("chiso.services.demo")
    runtime = lazy_import("chiso.services.runtime")
    units_svc = lazy_import("chiso.services.units")


def demo(
    province: str = typer.Option("75", help="Tỉnh sau 1/7/2025 (mã hoặc tên)."),
) -> None:
    """Dựng tỉnh mẫu từ đơn vị thật: tỉnh mới, các xã, sở, ban, ngành và các tỉnh, huyện cũ hợp thành."""
    rt = runtime.open_runtime()
    with progress_bar() as progress:
        report = demo_svc.build_demo(rt, province, progress)
    detail = units_svc.show_unit(rt, report.province)
    rt.close()
    u = detail.unit
    console.print(f"[bold]Tỉnh mẫu: {u.name}[/] ({u.key}) — {detail.children} đơn vị trực thuộc.")
    olds = ", ".join(f"{v.unit.name} ({v.unit.key})" for v in detail.predecessors)
    console.print(f"Hình thành từ: {olds or '—'}.")
    created = report.units.created
    console.print(
        f"Đơn vị mới nạp: {sum(created.values())} ({', '.join(f'{n} {k}' for k, n in created.items()) or 'không có'}); "
        f"{report.units.links} liên kết kế thừa; sở, ban, ngành thêm {len(report.departments.created)}."
    )
    console.print(f"Cơ sở dữ liệu: {rt.settings.effective_database_url}")
    console.print("Xem thử: `chiso units list --parent 2025:75`, `chiso units show legacy:25361`.")
