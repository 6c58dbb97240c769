"""`chiso period`: how a period is written and what surrounds it."""

from __future__ import annotations

import typer

from chiso.cli.output import console
from chiso.services.periods import parse_period


def period(
    text: str = typer.Argument(..., metavar="KỲ", help="Ví dụ 2023, 2023-H1, 2023-Q3, 2023-07."),
) -> None:
    """Giải thích một kỳ báo cáo: tên tiếng Việt, các tháng, kỳ trước, cùng kỳ năm trước."""
    p = parse_period(text)
    console.print(f"[bold]{p}[/] — {p.label_vi}")
    console.print(
        f"Từ {p.start:%d/%m/%Y} đến {p.end:%d/%m/%Y}; các tháng: {', '.join(map(str, p.months()))}"
    )
    console.print(f"Kỳ trước: {p.previous()} ({p.previous().label_vi})")
    console.print(f"Cùng kỳ năm trước: {p.year_earlier()} ({p.year_earlier().label_vi})")
