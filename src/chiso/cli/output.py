"""Console output and options shared by commands: Rich tables, CSV/JSON to stdout, progress
bars, the decimal-mark option of the importers."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def _console(stderr: bool = False) -> Console:
    """Piped output (files, tests, other programs) is not cut to 80 columns."""
    probe = Console(stderr=stderr)
    width = None if probe.is_terminal else 200
    return Console(stderr=stderr, soft_wrap=True, highlight=False, width=width)


console = _console()
err_console = _console(stderr=True)

TABLE_FORMATS = ("table", "csv", "json")
DECIMAL = typer.Option(
    None,
    "--decimal",
    metavar="DẤU",
    help="Dấu thập phân của số trong tệp khi tệp không tự cho biết: ',' (31,14) hoặc '.' (31.14).",
)


def emit(fmt: str, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if fmt == "csv":
        from chiso.io.writers import csv_cells

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(csv_cells(header))
        writer.writerows(csv_cells(r) for r in rows)
    elif fmt == "json":
        records = [dict(zip(header, r, strict=True)) for r in rows]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1, default=str) + "\n")
    else:
        table = Table(title=title, show_lines=False, header_style="bold")
        for name in header:
            table.add_column(name)
        for r in rows:
            table.add_row(*["" if v is None else str(v) for v in r])
        console.print(table)


@contextmanager
def progress_bar() -> Iterator[Any]:
    """Yields a progress(label, done, total) callback drawing one bar per label."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        yield update
