"""`chiso framework`: list, show, validate, export and import index frameworks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.tree import Tree

from chiso.cli.context import runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit
from chiso.domain.formatting import number, percent
from chiso.domain.frameworks import (
    AGGREGATION_LABELS,
    INPUT_LABELS,
    RULE_LABELS,
    Framework,
    InputKind,
    Node,
    method_summary,
)
from chiso.domain.scoring import rule_of, target_of

if TYPE_CHECKING:
    from chiso.services.scoring import frameworks
else:
    frameworks = lazy_import("chiso.services.scoring.frameworks")

app = typer.Typer(
    help="Bộ chỉ số: xem, kiểm tra, xuất và nhập (YAML, Excel).", no_args_is_help=True
)


@app.command("list")
def list_() -> None:
    """Các bộ chỉ số có sẵn."""
    rows = [
        [
            f.id,
            f.name + (" (ví dụ)" if f.example else ""),
            number(f.max_points),
            f.main_indices,
            f.leaves,
            f.issued_by,
        ]
        for f in frameworks.list_frameworks()
    ]
    emit(
        "table",
        "Bộ chỉ số có sẵn",
        ("Mã", "Tên", "Điểm", "Chỉ số chính", "Chỉ số lá", "Căn cứ"),
        rows,
    )


@app.command()
def show(
    ref: str = typer.Argument(..., metavar="MÃ|TỆP", help="Mã bộ chỉ số hoặc tệp .yaml/.xlsx."),
) -> None:
    """In cây chỉ số với điểm tối đa, kiểu dữ liệu và quy tắc tính điểm."""
    _print_tree(frameworks.load_local(ref))


def _print_tree(f: Framework) -> None:
    tree = Tree(f"[bold]{escape(f.name)}[/] ({f.id}) — {number(f.root.max_points)} điểm")
    _add(tree, f.root)
    console.print(tree)
    if f.issued_by:
        console.print(f"Căn cứ: {f.issued_by}")
    groups = "; ".join(g.name for g in f.ranking_groups)
    console.print(
        f"Nhóm xếp hạng: {groups}. Độ chính xác: {f.precision} chữ số. {method_summary(f)}"
    )
    if f.unranked_groups:
        console.print(f"Đánh giá nhưng không xếp hạng: {', '.join(f.unranked_groups)}")


def _add(tree: Tree, node: Node) -> None:
    for child in node.children:
        label = (
            f"[bold]{escape(child.code)}[/] {escape(child.name)} — {number(child.max_points)} điểm"
        )
        if child.is_leaf:
            label += f" [dim]({_describe(child)})[/]"
        elif child.aggregate is not None:
            label += f" [dim]({AGGREGATION_LABELS[child.aggregate].lower()})[/]"
        _add(tree.add(label), child)


def _describe(node: Node) -> str:
    input_label = INPUT_LABELS[node.input] if node.input else ""
    rule_label = RULE_LABELS[rule_of(node)]
    parts = [input_label, rule_label if rule_label != input_label else ""]
    target = target_of(node)
    if target is not None:
        parts.append(
            f"chỉ tiêu {percent(target) if node.input is InputKind.RATE else number(target)}"
        )
    return escape(", ".join(p for p in parts if p))


@app.command()
def validate(
    path: Path = typer.Argument(..., metavar="TỆP", help="Tệp bộ chỉ số .yaml hoặc .xlsx."),
) -> None:
    """Kiểm tra một tệp bộ chỉ số; lỗi nêu rõ nút và trường cần sửa."""
    f = frameworks.read_file(path)
    console.print(
        f"Hợp lệ: {f.name} ({f.id}) — {len(f.main_indices())} chỉ số chính, "
        f"{len(f.leaves())} chỉ số lá, {number(f.root.max_points)} điểm."
    )


@app.command()
def export(
    ref: str = typer.Argument(..., metavar="MÃ|TỆP", help="Mã bộ chỉ số hoặc tệp .yaml/.xlsx."),
    fmt: str = typer.Option("yaml", "--format", help="yaml hoặc xlsx."),
    out: Path | None = typer.Option(None, "--out", help="Tệp ghi ra (bắt buộc với xlsx)."),
) -> None:
    """Xuất bộ chỉ số ra YAML hoặc bảng Excel quen thuộc (STT | Chỉ số | Điểm tối đa | …)."""
    text = frameworks.export(ref, fmt, out)
    if text is not None:
        typer.echo(text, nl=False)
    else:
        console.print(f"Đã ghi {out}.")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., metavar="TỆP.xlsx", help="Bảng Excel của bộ chỉ số."),
    framework_id: str | None = typer.Option(
        None, "--id", help="Mã cho bộ chỉ số (mặc định: theo tệp)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Ghi YAML ra tệp này."),
) -> None:
    """Nhập bộ chỉ số từ bảng Excel, kiểm tra và chuyển thành YAML."""
    framework, text = frameworks.import_table(file, framework_id, out)
    if out is None:
        typer.echo(text, nl=False)
    else:
        console.print(f"Hợp lệ: {framework.name} ({framework.id}); đã ghi {out}.")


@app.command()
def register(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="TỆP", help="Tệp bộ chỉ số .yaml hoặc .xlsx."),
) -> None:
    """Đăng ký bộ chỉ số của tỉnh vào cơ sở dữ liệu để nhập số liệu, xếp hạng và dùng trên web."""
    framework, changed = frameworks.register_file(runtime(ctx), file)
    state = "Đã đăng ký" if changed else "Không đổi (đã đăng ký đúng nội dung này)"
    console.print(f"{state}: {framework.name} ({framework.id}).")
