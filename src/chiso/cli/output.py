"""Console output and options shared by commands: Rich tables, CSV/JSON to stdout, progress
bars, the decimal-mark option of the importers."""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console

MARKUP = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
"""Rich's markup tag (rich.markup.RE_TAGS): text with none prints the same without Rich."""
EMOJI = re.compile(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")
"""Rich's emoji code (rich._emoji_replace): text with none prints the same without Rich."""
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
"""Characters Rich strips or expands (control codes, tabs): text with one goes through Rich."""
TERMINAL_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS")
"""Settings under which Rich may treat a pipe as a terminal."""


class _LazyConsole:
    """Rich's console, imported when output needs it: plain text to a pipe (a script, the
    benchmarks, `chiso facts compute > log`) is written as Rich would write it, so commands
    that print only such lines never import Rich (≈ 0,1 s of a short command's CPU)."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._rich: Console | None = None

    def _stream(self) -> Any:
        return sys.stderr if self._stderr else sys.stdout

    def _plain(self) -> bool:
        return (
            self._rich is None
            and not any(os.environ.get(k) for k in TERMINAL_ENV)
            and not self._stream().isatty()
        )

    @property
    def real(self) -> Console:
        """Piped output (files, tests, other programs) is not cut to 80 columns."""
        if self._rich is None:
            from rich.console import Console

            probe = Console(stderr=self._stderr)
            width = None if probe.is_terminal else 200
            self._rich = Console(stderr=self._stderr, soft_wrap=True, highlight=False, width=width)
        return self._rich

    def print(self, *objects: Any, **options: Any) -> None:
        if (
            not options
            and all(isinstance(o, str) for o in objects)
            and self._plain()
            and not any(MARKUP.search(o) or EMOJI.search(o) or CONTROL.search(o) for o in objects)
        ):
            stream = self._stream()
            stream.write(" ".join(objects) + "\n")
            stream.flush()
            return
        self.real.print(*objects, **options)

    def status(self, message: str) -> AbstractContextManager[Any]:
        """A spinner on a terminal; nothing on a pipe (where Rich draws none either)."""
        if self._plain():
            return nullcontext()
        return self.real.status(message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


console = cast("Console", _LazyConsole())
err_console = cast("Console", _LazyConsole(stderr=True))

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
        from rich.table import Table

        table = Table(title=title, show_lines=False, header_style="bold")
        for name in header:
            table.add_column(name)
        for r in rows:
            table.add_row(*["" if v is None else str(v) for v in r])
        console.print(table)


@contextmanager
def progress_bar() -> Iterator[Any]:
    """Yields a progress(label, done, total) callback drawing one bar per label."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
