"""`chiso registry`: steering-committee members and community digital-technology teams."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import runtime
from chiso.cli.data_cmd import print_report
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit

if TYPE_CHECKING:
    from chiso.services.units import registries
else:
    registries = lazy_import("chiso.services.units.registries")

app = typer.Typer(
    help="Sổ đăng ký: Ban Chỉ đạo chuyển đổi số và Tổ công nghệ số cộng đồng.", no_args_is_help=True
)
FILE = typer.Argument(..., metavar="TỆP", help="Tệp .xlsx hoặc .csv.")


def _done(report: registries.RegistryReport) -> None:
    console.print(
        f"{report.source}: {report.rows} dòng, {report.units} đơn vị; cập nhật {report.changed}, "
        f"giữ nguyên {report.units - report.changed}."
    )


@app.command("committee")
def committee(ctx: typer.Context, file: Path = FILE) -> None:
    """Nhập thành viên Ban Chỉ đạo (Đơn vị, Họ tên, Chức vụ, Vai trò trong Ban).

    Danh sách của mỗi đơn vị có trong tệp được thay bằng danh sách trong tệp."""
    rt = runtime(ctx)
    report = registries.import_committee(rt, file)
    _done(report)


@app.command("teams")
def teams(ctx: typer.Context, file: Path = FILE) -> None:
    """Nhập Tổ công nghệ số cộng đồng (Xã, Thôn, Họ tên, Vai trò); thôn không có thành viên là chưa có tổ."""
    rt = runtime(ctx)
    report = registries.import_teams(rt, file)
    _done(report)


@app.command()
def show(ctx: typer.Context, unit: str = typer.Option(..., "--unit", help="Đơn vị.")) -> None:
    """Ban Chỉ đạo và các Tổ công nghệ số cộng đồng của một đơn vị."""
    rt = runtime(ctx)
    found = registries.registry(rt, unit)
    emit(
        "table",
        f"Ban Chỉ đạo chuyển đổi số — {found.unit_name}",
        ["Họ tên", "Chức vụ", "Vai trò"],
        found.committee,
    )
    rows = [[v, len(m), ", ".join(p for p, _ in m) or "chưa có tổ"] for v, m in found.teams.items()]
    emit(
        "table",
        "Tổ công nghệ số cộng đồng",
        ["Thôn, ấp, tổ dân phố", "Số thành viên", "Thành viên"],
        rows,
    )
    console.print(
        f"Trưởng Ban: {found.chair}; thôn có tổ: {found.villages_with_team}/{len(found.teams)}."
    )


@app.command()
def values(
    ctx: typer.Context,
    framework: str = typer.Option("commune-example", help="Bộ chỉ số nhận giá trị."),
    period: str = typer.Option(..., help="Kỳ, ví dụ 2026."),
    chair_indicator: str | None = typer.Option(
        "1.1", help="Chỉ số 'Chủ tịch làm Trưởng Ban' (bỏ: '')."
    ),
    teams_indicator: str | None = typer.Option(
        "4.4", help="Chỉ số 'tỷ lệ thôn có Tổ CNSCĐ' (bỏ: '')."
    ),
) -> None:
    """Tính các chỉ số từ sổ đăng ký và lưu như số liệu tính được."""
    rt = runtime(ctx)
    report = registries.store_values(
        rt, framework, period, chair_indicator or None, teams_indicator or None
    )
    print_report(report, limit=10)
