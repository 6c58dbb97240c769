"""`chiso agency`: the profiles of the agencies that issue documents — list, show, import and
export as YAML, make one from a stored unit, remove."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit

if TYPE_CHECKING:
    from chiso.services.documents import agencies
else:
    agencies = lazy_import("chiso.services.documents.agencies")

app = typer.Typer(
    help="Hồ sơ cơ quan ban hành văn bản: tên, cấp, địa danh, ký hiệu, người ký, cơ quan chủ trì.",
    no_args_is_help=True,
)
CODE = typer.Argument(..., metavar="MÃ", help="Mã hồ sơ, ví dụ ubnd-tinh-dong-nai.")


@app.command("list")
def list_(
    ctx: typer.Context, fmt: str = typer.Option("table", "--format", help="table, csv hoặc json.")
) -> None:
    """Các hồ sơ cơ quan ban hành."""
    rows = [
        [
            p.code,
            p.level.label_vi,
            p.short_name,
            p.place,
            f"{p.symbol}-{p.office_code}",
            "; ".join(f"{' '.join(s.authority)} {s.title} {s.name}".strip() for s in p.signers),
        ]
        for p in agencies.list_profiles(runtime(ctx))
    ]
    emit(fmt, "Cơ quan ban hành", ["Mã", "Cấp", "Tên", "Địa danh", "Ký hiệu", "Người ký"], rows)


@app.command()
def show(ctx: typer.Context, code: str = CODE) -> None:
    """In hồ sơ dạng YAML (như `export`)."""
    console.print(agencies.as_yaml(agencies.get(runtime(ctx), code)), highlight=False, markup=False)


@app.command("export")
def export(
    ctx: typer.Context,
    code: str = CODE,
    out: Path = typer.Option(..., "--out", help="Tệp YAML ghi ra."),
) -> None:
    """Ghi hồ sơ ra tệp YAML để sửa rồi `chiso agency import`."""
    out.write_text(agencies.as_yaml(agencies.get(runtime(ctx), code)), encoding="utf-8")
    console.print(f"Đã ghi {out}")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="TỆP", help="Tệp hồ sơ YAML."),
) -> None:
    """Thêm hoặc thay hồ sơ từ tệp YAML (kiểm tra từng khóa; ghi nhật ký thay đổi)."""
    profile = agencies.import_file(runtime(ctx), file.read_text(encoding="utf-8"), file.name)
    console.print(f"Đã lưu hồ sơ {profile.code}: {profile.short_name}.")


@app.command("from-unit")
def from_unit(
    ctx: typer.Context,
    unit: str = typer.Argument(
        ..., metavar="ĐƠN_VỊ", help="Mã hoặc tên đơn vị (tỉnh, huyện, xã, sở)."
    ),
    code: str | None = typer.Option(None, "--code", help="Mã hồ sơ (mặc định theo tên)."),
) -> None:
    """Lập hồ sơ từ một đơn vị đã lưu: tên UBND, địa danh, cơ quan chủ trì theo thời gian."""
    profile = agencies.from_unit(runtime(ctx), unit, code)
    console.print(
        f"Đã lưu hồ sơ {profile.code}: {profile.short_name}; nhớ ghi họ tên người ký "
        f"(`chiso agency export {profile.code} --out ho-so.yaml`, sửa, `chiso agency import`)."
    )


@app.command()
def remove(ctx: typer.Context, code: str = CODE) -> None:
    """Xóa một hồ sơ."""
    agencies.remove(runtime(ctx), code)
    console.print(f"Đã xóa hồ sơ {code}.")
