"""`chiso assess`: the self-assessment round — open the window, fill, submit, review, return,
verify, approve, publish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit
from chiso.domain.assessment import Move, Status
from chiso.domain.formatting import local_time, number
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.services.assessments import cycle, rounds
else:
    cycle = lazy_import("chiso.services.assessments.cycle")
    rounds = lazy_import("chiso.services.assessments.rounds")

app = typer.Typer(
    help="Tự đánh giá theo bộ chỉ số: mở đợt, nộp hồ sơ, thẩm định, phê duyệt, công bố.",
    no_args_is_help=True,
)

FRAMEWORK = typer.Option(..., "--framework", help="Bộ chỉ số, ví dụ dti-department-500.")
PERIOD = typer.Option(..., "--period", help="Kỳ đánh giá, ví dụ 2025.")
UNIT = typer.Option(..., "--unit", help="Đơn vị (mã, khóa hoặc tên).")
USER = typer.Option(
    None, "--user", help="Thực hiện với quyền của tài khoản này (mặc định: quản trị)."
)


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        day, _, rest = text.partition("/")
        month, _, year = rest.partition("/")
        if day.isdigit() and month.isdigit() and year.isdigit():
            return date(int(year), int(month), int(day))
        raise UsageError(
            f"{option}: '{text}' không phải ngày.",
            f"{option}: bad date {text!r}",
            hint_vi="ghi dạng 2026-01-15 hoặc 15/01/2026.",
        ) from exc


@app.command("open")
def open_round(
    ctx: typer.Context,
    framework: str = FRAMEWORK,
    period: str = PERIOD,
    opens: str = typer.Option(..., "--opens", help="Ngày mở nhận hồ sơ."),
    closes: str = typer.Option(..., "--closes", help="Hạn nộp hồ sơ."),
) -> None:
    """Mở đợt tự đánh giá (hoặc dời thời hạn của đợt đã mở)."""
    info = rounds.open_round(
        runtime(ctx),
        framework,
        period,
        parse_date(opens, "--opens"),
        parse_date(closes, "--closes"),
    )
    console.print(
        f"Đợt tự đánh giá {info.framework_id} kỳ {info.period}: nhận hồ sơ từ "
        f"{info.opens_on:%d/%m/%Y} đến {info.closes_on:%d/%m/%Y}; {info.units} đơn vị tham gia."
    )


@app.command("list")
def list_rounds(ctx: typer.Context) -> None:
    """Các đợt tự đánh giá và số hồ sơ theo trạng thái."""
    found = rounds.rounds(runtime(ctx))
    rows = [
        [
            r.framework_id,
            r.period,
            f"{r.opens_on:%d/%m/%Y}",
            f"{r.closes_on:%d/%m/%Y}",
            r.units,
            ", ".join(f"{Status(s).label_vi}: {n}" for s, n in sorted(r.counts.items())) or "—",
        ]
        for r in found
    ]
    emit(
        "table",
        "Các đợt tự đánh giá",
        ["Bộ chỉ số", "Kỳ", "Mở", "Hạn nộp", "Số đơn vị", "Hồ sơ"],
        rows,
    )


@app.command()
def status(
    ctx: typer.Context,
    framework: str = FRAMEWORK,
    period: str = PERIOD,
    fmt: str = typer.Option("table", "--format", help="table, csv hoặc json."),
    user: str | None = USER,
) -> None:
    """Trạng thái hồ sơ của từng đơn vị, nộp đúng hạn hay muộn."""
    rows = rounds.roster(runtime(ctx, user), framework, period)
    table = [
        [
            r.unit_key,
            r.unit_name,
            r.status.label_vi,
            local_time(r.submitted_at),
            "" if r.on_time is None else ("đúng hạn" if r.on_time else "muộn"),
        ]
        for r in rows
    ]
    emit(
        fmt,
        f"Hồ sơ tự đánh giá {framework} kỳ {period}",
        ["unit", "Đơn vị", "Trạng thái", "Nộp lúc", "Thời hạn"],
        table,
    )


@app.command()
def show(
    ctx: typer.Context,
    framework: str = FRAMEWORK,
    period: str = PERIOD,
    unit: str = UNIT,
    user: str | None = USER,
) -> None:
    """Hồ sơ của một đơn vị: tự chấm và kết quả thẩm định đặt cạnh nhau, minh chứng, chữ ký số."""
    v = cycle.view(runtime(ctx, user), framework, period, unit)
    console.print(
        f"[bold]{v.unit_name}[/] — {v.round.framework_id} kỳ {v.round.period}: {v.status.label_vi}"
    )
    if v.comment:
        console.print(f"Ý kiến: {v.comment}")
    rows = []
    for i in v.items:
        files = "; ".join(
            f"[{f.id}] {f.filename}" + (f" ({f.verdict.summary_vi()})" if f.verdict else "")
            for f in i.files
        )
        rows.append(
            [
                i.node.code,
                i.node.name,
                i.self_text,
                _points(i.self_points),
                _finding(i),
                _points(i.final_points),
                i.explanation,
                files,
            ]
        )
    emit(
        "table",
        "Tự chấm và thẩm định",
        [
            "Mã",
            "Chỉ số",
            "Tự đánh giá",
            "Điểm tự chấm",
            "Thẩm định",
            "Điểm thẩm định",
            "Giải trình",
            "Minh chứng",
        ],
        rows,
    )
    console.print(
        f"Đã nhập {v.filled}/{len(v.items)} chỉ số. Tổng điểm tự chấm {number(v.self_total)}, "
        f"sau thẩm định {number(v.final_total)} / {number(v.max_total)}."
    )
    if any(i.files for i in v.items):
        console.print("Lấy tệp minh chứng [số]: chiso evidence get SỐ --out TỆP")


def _points(x: float | None) -> str:
    return "" if x is None else number(x)


def _finding(i: cycle.ItemView) -> str:
    if i.decision == "accepted":
        return "chấp nhận"
    if i.decision == "adjusted":
        return f"{i.verified_text} ({i.reason})"
    return ""


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out = {}
    for item in items:
        code, sep, text = item.partition("=")
        if not sep or not code.strip():
            raise UsageError(
                f"{option} '{item}' cần dạng MÃ=GIÁ_TRỊ.",
                f"{option} needs CODE=VALUE",
                hint_vi=f"ví dụ {option} 2.1=45/50",
            )
        out[code.strip()] = text.strip()
    return out


@app.command()
def fill(
    ctx: typer.Context,
    framework: str = FRAMEWORK,
    period: str = PERIOD,
    unit: str = UNIT,
    value: list[str] = typer.Option([], "--value", help="MÃ=GIÁ_TRỊ, ví dụ 2.1=45/50 hoặc 1.1=có."),
    explain: list[str] = typer.Option([], "--explain", help="MÃ=giải trình."),
    evidence: list[str] = typer.Option(
        [], "--evidence", help="MÃ=tệp minh chứng (PDF, DOCX, XLSX, ảnh)."
    ),
    user: str | None = USER,
) -> None:
    """Nhập giá trị tự đánh giá, giải trình và minh chứng cho các chỉ số của một đơn vị."""
    values, notes = _pairs(value, "--value"), _pairs(explain, "--explain")
    files: dict[str, list[tuple[str, bytes]]] = {}
    for code, name in _pairs(evidence, "--evidence").items():
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"Không thấy tệp {path}.", f"no file {path}")
        files.setdefault(code, []).append((path.name, path.read_bytes()))
    entries = {
        code: cycle.Entry(values.get(code), notes.get(code), tuple(files.get(code, [])))
        for code in sorted(set(values) | set(notes) | set(files))
    }
    saved = cycle.save_self(runtime(ctx, user), framework, period, unit, entries)
    console.print(
        f"Đã lưu {len(entries)} chỉ số của {saved.unit_name}; đã nhập {saved.filled}/{len(saved.items)}, "
        f"tổng điểm tự chấm {number(saved.self_total)}/{number(saved.max_total)}."
    )


@app.command("review")
def review_item(
    ctx: typer.Context,
    framework: str = FRAMEWORK,
    period: str = PERIOD,
    unit: str = UNIT,
    indicator: str = typer.Option(..., "--indicator", help="Mã chỉ số."),
    accept: bool = typer.Option(False, "--accept", help="Chấp nhận giá trị đơn vị tự đánh giá."),
    value: str = typer.Option("", "--value", help="Giá trị thẩm định (khi điều chỉnh)."),
    reason: str = typer.Option("", "--reason", help="Lý do điều chỉnh."),
    user: str | None = USER,
) -> None:
    """Hội đồng thẩm định một chỉ số: chấp nhận, hoặc điều chỉnh giá trị kèm lý do."""
    if accept == bool(value):
        raise UsageError("Chọn một: --accept hoặc --value.", "give --accept or --value")
    rt = runtime(ctx, user)
    v = cycle.review(rt, framework, period, unit, indicator, accept, value, reason)
    console.print(
        f"{v.unit_name} — {indicator}: {'chấp nhận' if accept else 'điều chỉnh thành ' + value}. "
        f"Điểm tự chấm {number(v.self_total)}, sau thẩm định {number(v.final_total)}."
    )


def _step(step: Move) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        framework: str = FRAMEWORK,
        period: str = PERIOD,
        unit: str = UNIT,
        reason: str = typer.Option(
            "", "--reason", help="Ý kiến, lý do (bắt buộc khi trả lại, hủy phê duyệt)."
        ),
        user: str | None = USER,
    ) -> None:
        v = cycle.move(runtime(ctx, user), framework, period, unit, step, reason)
        console.print(
            f"{v.unit_name}: {step.label_vi.lower()} — trạng thái mới: {v.status.label_vi}."
        )

    command.__doc__ = f"{step.label_vi} hồ sơ tự đánh giá của một đơn vị."
    return command


for _move in Move:
    app.command(_move.value)(_step(_move))
