"""One exception hierarchy for everything a user can be told.

Each error carries Vietnamese text for people and English text for logs, where the problem is,
and how to fix it, so the CLI, the web pages and the API can show it without rewording.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_COMMAND = re.compile(r"`?\bchiso [a-z]|(?:^|\s)--[a-z]")
"""A hint that tells the reader to run a command: right in a terminal, not on a web page."""


@dataclass(frozen=True)
class Problem:
    """One bad thing in an input, located precisely enough that a person can go and fix it."""

    where: str
    message_vi: str
    message_en: str
    hint_vi: str | None = None

    def render_vi(self) -> str:
        text = f"{self.where}: {self.message_vi}" if self.where else self.message_vi
        return f"{text} ({self.hint_vi})" if self.hint_vi else text

    def render_en(self) -> str:
        return f"{self.where}: {self.message_en}" if self.where else self.message_en


_ROW = re.compile(r"^(.*?), (?:dòng (\d+)(?:, cột (.+))?|ô ([A-Z]+)(\d+))$")
"""Where a problem is in a table (io.tables.Sheet.where): "tệp.csv, dòng 7, cột value" or
"tệp.xlsx, trang Data, ô D7"."""


def reading_order(problems: Sequence[Problem]) -> list[Problem]:
    """Problems as a person goes through the file: each file (or sheet) in the order it was first
    named, then by row, then by column (cells by letter; named columns as they were checked).
    Problems outside any table keep their order, each where it was first named."""
    places: dict[str, int] = {}

    def key(item: tuple[int, Problem]) -> tuple[int, int, int, str, int]:
        index, problem = item
        found = _ROW.match(problem.where)
        if found is None:
            return (places.setdefault(problem.where, len(places)), -1, 0, "", index)
        place, row, _column, letters, cell_row = found.groups()
        order = places.setdefault(place, len(places))
        if letters:
            return (order, int(cell_row), len(letters), letters, index)
        return (order, int(row), 0, "", index)  # a named column: as the file checked it

    for problem in problems:  # places are numbered in the order they are first named
        found = _ROW.match(problem.where)
        places.setdefault(found.group(1) if found else problem.where, len(places))
    return [p for _i, p in sorted(enumerate(problems), key=key)]


class ChisoError(Exception):
    """Base class: rejected input exits with 1; the web answers `http_status`."""

    exit_code = 1
    http_status = 422

    def __init__(
        self,
        message_vi: str,
        message_en: str,
        *,
        hint_vi: str | None = None,
        hint_web: str | None = None,
        problems: Sequence[Problem] = (),
    ) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.hint_vi = hint_vi
        self.hint_web = hint_web
        self.problems: list[Problem] = reading_order(problems)

    @property
    def web_hint(self) -> str | None:
        """The hint a web page shows: `hint_web` where the fix differs on the web, else `hint_vi`
        unless it names a command to run (a web user has no terminal)."""
        return self.hint_web or web_hint(self.hint_vi)

    def render_vi(self) -> str:
        lines = [self.message_vi]
        lines += [f"  - {p.render_vi()}" for p in self.problems]
        if self.hint_vi:
            lines.append(f"Cách khắc phục: {self.hint_vi}")
        return "\n".join(lines)

    def render_en(self) -> str:
        return "\n".join([self.message_en] + [f"  - {p.render_en()}" for p in self.problems])


def web_hint(hint: str | None) -> str | None:
    """The hint, or None where it tells the reader to run a `chiso` command."""
    return None if hint is None or _COMMAND.search(hint) else hint


class RejectedInput(ChisoError):
    """A file or request failed validation; nothing from it was stored."""


class TooLarge(RejectedInput):
    """Reading a file needed more memory than CHISO_WORK_MEMORY_MB allows; nothing was stored."""

    http_status = 413


class UsageError(ChisoError):
    """The command was called wrongly (bad option value, unknown reference): exit code 2."""

    exit_code = 2
    http_status = 400


class NotFound(UsageError):
    """A reference (unit, group, framework…) matches nothing."""

    http_status = 404


class Forbidden(ChisoError):
    """The acting account may not read or write what it asked for (outside its role or scope);
    the message names nothing the account may not see."""

    http_status = 403


class Ambiguous(UsageError):
    """A reference matches several things; the message lists them."""


class ConflictError(ChisoError):
    """Someone else was writing the same data at the same moment (a lock held too long, a row
    inserted concurrently): nothing was stored, and trying again is safe. `retryable` says the
    database itself asks for a retry (a deadlock, a serialisation failure, a concurrent insert)."""

    http_status = 409

    def __init__(
        self,
        message_vi: str,
        message_en: str,
        *,
        hint_vi: str | None = None,
        problems: Sequence[Problem] = (),
        retryable: bool = False,
    ) -> None:
        super().__init__(message_vi, message_en, hint_vi=hint_vi, problems=problems)
        self.retryable = retryable


class DatabaseNotReady(ChisoError):
    """The database schema is older than this version of chiso."""


@dataclass
class ProblemList:
    """Collects problems so a whole file is checked before anything is reported."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, vi: str, en: str, hint_vi: str | None = None) -> None:
        self.problems.append(Problem(where, vi, en, hint_vi))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, source: str) -> None:
        if self.problems:
            raise RejectedInput(
                f"Tệp {source} bị từ chối: {len(self.problems)} lỗi, không có dữ liệu nào được lưu.",
                f"File {source} rejected: {len(self.problems)} problems, nothing stored.",
                problems=self.problems,
            )
