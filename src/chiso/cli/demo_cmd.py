"""`chiso demo`: a real province to look at, in the configured database."""

from __future__ import annotations

import typer

from chiso.cli.output import console, progress_bar
from chiso.services import units as units_svc
from chiso.services.demo import DEMO_PROVINCE, build_demo
from chiso.services.runtime import open_runtime


def demo(
    province: str = typer.Option(DEMO_PROVINCE, help="Tỉnh sau 1/7/2025 (mã hoặc tên)."),
) -> None:
    """Dựng tỉnh mẫu từ đơn vị thật: tỉnh mới, các xã, sở, ban, ngành và các tỉnh, huyện cũ hợp thành."""
    rt = open_runtime()
    with progress_bar() as progress:
        report = build_demo(rt, province, progress)
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
