"""Monthly summaries of a source's records: per unit and month, the numerators and denominators
of the measures (the rows the measures' by-month query gives), written beside the records when a
month's files change, so that `compute` reads a few hundred rows per month instead of scanning
every record.

A summary is named by what it was computed from: the month's committed files (name, size and
modification time) and the query's text. A summary whose files or query differ is stale and never
read; a month without a fresh summary is scanned instead, so a missing, stale or deleted summary
only costs time. Summaries live in `SOURCE/_summaries/month=YYYY-MM/`, outside the record layout
(`SOURCE/month=…/*.parquet`) that readers, the manifest and the cleaning of leftovers look at."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FOLDER = "_summaries"


def by_month(files: Sequence[str]) -> dict[str, list[str]]:
    """Committed files (`month=YYYY-MM/part-….parquet`) grouped by month (`YYYY-MM`)."""
    out: dict[str, list[str]] = {}
    for f in files:
        out.setdefault(f.split("/", 1)[0].removeprefix("month="), []).append(f)
    return out


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def files_key(folder: Path, files: Sequence[str]) -> str | None:
    """What a month's summary was computed from; None when a file is gone (no summary applies)."""
    parts = []
    for f in sorted(files):
        try:
            st = (folder / f).stat()
        except FileNotFoundError:
            return None
        parts.append(f"{f}\0{st.st_size}\0{st.st_mtime_ns}")
    return _key("\n".join(parts))


def path(folder: Path, month: str, files: Sequence[str], sql: str) -> Path | None:
    """Where the summary of `month` (its committed `files`) for the query `sql` is, or would be."""
    made_from = files_key(folder, files)
    if made_from is None:
        return None
    return folder / FOLDER / f"month={month}" / f"{made_from}-{_key(sql)}.parquet"


def lookup(folder: Path, files: Sequence[str], sql: str) -> tuple[list[str], list[str]]:
    """The fresh summaries of the months of `files` and the files of the months without one (to
    be scanned)."""
    found: list[str] = []
    scan: list[str] = []
    for month, parts in sorted(by_month(files).items()):
        where = path(folder, month, parts, sql)
        if where is not None and where.exists():
            found.append(str(where))
        else:
            scan += parts
    return found, scan


def write(con: Any, name: str, folder: Path, files: Sequence[str], sql: str) -> list[Path]:
    """Summarises each month of `files` (the month's committed files, all of them) with `sql` on
    the DuckDB connection `con`, over a view `facts_<name>` of that month's files; a month's
    other summaries computed from other files are removed. Each summary appears by one rename."""
    written = []
    for month, parts in sorted(by_month(files).items()):
        target = path(folder, month, parts, sql)
        if target is None or target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        listed = ", ".join(_quote(str(folder / p)) for p in parts)
        con.execute(
            f'CREATE OR REPLACE TEMP VIEW "facts_{name}" AS SELECT * FROM read_parquet([{listed}], '
            "hive_partitioning = true, hive_types = {'month': VARCHAR})"
        )
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        con.execute(f"COPY ({sql}) TO {_quote(str(tmp))} (FORMAT PARQUET)")
        os.replace(tmp, target)
        made_from = target.name.split("-", 1)[0]
        for other in target.parent.iterdir():
            if not other.name.startswith((made_from, ".")):
                other.unlink(missing_ok=True)
        written.append(target)
    con.execute(f'DROP VIEW IF EXISTS "facts_{name}"')
    return written


def remove(folder: Path, months: Sequence[str] | None = None) -> None:
    """Removes the summaries of `months` (all when None)."""
    root = folder / FOLDER
    if months is None:
        shutil.rmtree(root, ignore_errors=True)
        return
    for month in months:
        shutil.rmtree(root / f"month={month}", ignore_errors=True)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
