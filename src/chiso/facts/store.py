"""Parquet storage of raw records, partitioned by source and month, with validation and
idempotent ingestion by record id.

Safety: a batch is validated completely before anything is written; writers of one source are
serialised by a file lock (`_lock`, also between threads of one server); new files are written
under names no reader looks at and become visible all at once when the source's manifest
(`_manifest.json`, the list of committed files) is replaced by one atomic rename. Readers open
only the files the manifest lists, so they never see half a batch; files a killed run left
behind (unlisted parts, `staging-*` folders) are removed by the next writer."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import signal
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chiso.errors import Problem, RejectedInput
from chiso.facts import summaries
from chiso.facts.schemas import KINDS, Source

TRUE = ("1", "true", "t", "yes", "y", "x", "co", "có")
FALSE = ("0", "false", "f", "no", "n", "khong", "không")
EXAMPLES = 5
MANIFEST = "_manifest.json"
LOCK = "_lock"
KILL_HOOK = "CHISO_FACTS_TEST_KILL_AFTER_MOVES"
"""Test hook: kill the ingesting process (SIGKILL) after moving this many files into place."""
MEMORY_LIMIT = "1GB"
log = logging.getLogger("chiso.facts")


@dataclass
class IngestReport:
    source: str
    files: list[str]
    rows: int = 0
    new: int = 0
    already_stored: int = 0
    months: list[str] = field(default_factory=list)


@dataclass
class CompactReport:
    source: str
    files_before: int = 0
    files_after: int = 0
    rows: int = 0


class FactStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, source: Source) -> Path:
        return self.root / source.name

    def files(self, source: Source) -> list[str]:
        """The committed files of a source, relative to its folder (`month=YYYY-MM/part-….parquet`).
        A folder without a manifest (records copied in by hand) counts every file in it."""
        manifest = self.folder(source) / MANIFEST
        if manifest.exists():
            listed: list[str] = json.loads(manifest.read_text("utf-8"))["files"]
            return listed
        return sorted(
            str(p.relative_to(self.folder(source)))
            for p in self.folder(source).glob("month=*/*.parquet")
        )

    def has(self, source: Source) -> bool:
        return bool(self.files(source))

    def paths(self, source: Source, months: Sequence[str] | None = None) -> list[str]:
        """Absolute paths of the committed files, optionally only those of some months."""
        wanted = None if months is None else {f"month={m}" for m in months}
        return [
            str(self.folder(source) / f)
            for f in self.files(source)
            if wanted is None or f.split("/", 1)[0] in wanted
        ]

    @contextmanager
    def locked(self, source: Source, keep: Sequence[str] = ()) -> Iterator[None]:
        """The source's writer lock; on entry, leftovers of killed runs are removed (except the
        files named in `keep`, relative to the source folder)."""
        folder = self.folder(source)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / LOCK).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._adopt_and_clean(source, set(keep))
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _adopt_and_clean(self, source: Source, keep: set[str]) -> None:
        folder = self.folder(source)
        if not (folder / MANIFEST).exists():
            self._commit(source, [f for f in self.files(source) if f not in keep])
        listed = set(self.files(source)) | keep
        for leftover in folder.glob("staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        for part in folder.glob("month=*/*.parquet"):
            if str(part.relative_to(folder)) not in listed:
                part.unlink(missing_ok=True)
        for tmp in folder.glob(f"{MANIFEST}.*"):
            tmp.unlink(missing_ok=True)

    def _commit(self, source: Source, files: Sequence[str]) -> None:
        """Replaces the manifest in one rename: the new list is visible at once or not at all."""
        folder = self.folder(source)
        tmp = folder / f"{MANIFEST}.{uuid.uuid4().hex}"
        with tmp.open("w", encoding="utf-8") as out:
            json.dump({"files": sorted(set(files))}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, folder / MANIFEST)

    def register(
        self, source: Source, written: Sequence[Path], summary_sql: str | None = None
    ) -> None:
        """Commits files written straight into the layout (the generator's), and summarises
        their months with `summary_sql` (the measures' by-month query) when given."""
        names = [str(p.relative_to(self.folder(source))) for p in written]
        with self.locked(source, keep=names):
            self._commit(source, [*self.files(source), *names])
            if summary_sql is not None:
                con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
                try:
                    self._summarise(con, source, [n.split("/", 1)[0] for n in names], summary_sql)
                finally:
                    con.close()

    def _summarise(
        self, con: duckdb.DuckDBPyConnection, source: Source, months: Sequence[str], sql: str
    ) -> None:
        """The summaries of the given months (`month=YYYY-MM` or `YYYY-MM`) from all their
        committed files; called under the writer lock, so the files do not change meanwhile."""
        wanted = {m if m.startswith("month=") else f"month={m}" for m in months}
        files = [f for f in self.files(source) if f.split("/", 1)[0] in wanted]
        started = time.perf_counter()
        summaries.write(con, source.name, self.folder(source), files, sql)
        log.info(
            "summaries %s: %d months in %.1f s", source.name, len(wanted),
            time.perf_counter() - started,
        )  # fmt: skip

    def ingest(
        self,
        source: Source,
        files: Sequence[Path],
        known_units: Callable[[list[str]], set[str]],
        work_dir: Path,
        summary_sql: str | None = None,
    ) -> IngestReport:
        """Validates every file, then stores the records whose id is not stored yet in their
        month, and summarises the months that received records with `summary_sql` (the
        measures' by-month query) when given. Streaming: every step is a scan of one file (or of
        the batch's ids), never a copy of the batch in memory or in a work table, so peak memory
        does not grow with the batch."""
        report = IngestReport(source.name, [f.name for f in files])
        work_dir.mkdir(parents=True, exist_ok=True)
        for leftover in work_dir.glob("ingest-*.duckdb*"):
            if _stale(leftover):
                leftover.unlink(missing_ok=True)
        database = work_dir / f"ingest-{os.getpid()}-{uuid.uuid4().hex}.duckdb"
        con = duckdb.connect(
            str(database),
            config={
                "memory_limit": MEMORY_LIMIT,
                "temp_directory": str(work_dir / "spill"),
                "preserve_insertion_order": False,
            },
        )
        try:
            started = time.perf_counter()
            inputs = [_open(con, source, index, path) for index, path in enumerate(files)]
            _validate(con, source, inputs, known_units)
            report.rows = sum(i.rows for i in inputs)
            report.months = sorted({m for i in inputs for m in i.months})
            validated = time.perf_counter()
            with self.locked(source):
                report.new = self._write(con, source, inputs)
                report.already_stored = report.rows - report.new
                if summary_sql is not None and report.new:
                    self._summarise(con, source, report.months, summary_sql)
            log.info(
                "ingest %s: %d rows in %d files validated in %.1f s, %d new written in %.1f s",
                source.name, report.rows, len(files), validated - started, report.new,
                time.perf_counter() - validated,
            )  # fmt: skip
        finally:
            con.close()
            for own in work_dir.glob(f"{database.name}*"):
                own.unlink(missing_ok=True)
        return report

    def _write(self, con: duckdb.DuckDBPyConnection, source: Source, inputs: list[_Input]) -> int:
        """File by file into a staging folder of the source, each record's month its partition,
        leaving out ids already stored in that month (an anti-join against the stored ids of the
        file's months only); the parts are moved beside the committed files under fresh names (no
        reader opens them), then one manifest commit. Returns the number of records written."""
        folder = self.folder(source)
        staging = folder / f"staging-{uuid.uuid4().hex}"
        columns = ", ".join(f"t.{c}" for c in source.columns)
        staging.mkdir()
        written = 0
        for item in inputs:
            stored = self.paths(source, item.months)
            single = len(item.months) == 1
            query = f"SELECT {columns}{'' if single else ', t.month'} FROM ({item.select}) t"
            if stored:
                query += (
                    f" ANTI JOIN (SELECT {source.id_sql} AS id, month FROM read_parquet("
                    f"{_list(stored)}, hive_partitioning = true, hive_types = {{'month': VARCHAR}})) s "
                    f"ON t._id = s.id{'' if single else ' AND t.month = s.month'}"
                )
            if single:  # one month: one file, no partitioning writer
                target = staging / f"f{item.index}" / f"month={item.months[0]}"
                target.mkdir(parents=True)
                out = target / f"part-{uuid.uuid4().hex}.parquet"
                row = con.execute(
                    f"COPY ({query}) TO {_quote(str(out))} (FORMAT PARQUET, COMPRESSION zstd)"
                ).fetchone()
                if not row or not row[0]:
                    out.unlink(missing_ok=True)
            else:
                row = con.execute(
                    f"COPY ({query}) TO {_quote(str(staging / f'f{item.index}'))} (FORMAT PARQUET, "
                    "PARTITION_BY (month), FILENAME_PATTERN 'part-{uuid}', COMPRESSION zstd)"
                ).fetchone()
            written += int(row[0]) if row else 0
        kill_after = int(os.environ.get(KILL_HOOK, "0") or 0)
        added = []
        for moved, part in enumerate(sorted(staging.glob("f*/month=*/*.parquet")), start=1):
            target = folder / part.parent.name
            target.mkdir(parents=True, exist_ok=True)
            os.replace(part, target / part.name)
            added.append(f"{part.parent.name}/{part.name}")
            if kill_after and moved >= kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        if added:
            self._commit(source, [*self.files(source), *added])
        shutil.rmtree(staging, ignore_errors=True)
        return written

    def compact(self, source: Source, summary_sql: str | None = None) -> CompactReport:
        """Merges each month's committed files into one; readers switch in one manifest commit.
        The merged months' summaries are removed (they name the files they were made from); with
        `summary_sql` every month then has a fresh summary (made again from the merged file, or
        for the first time for a month that had none)."""
        report = CompactReport(source.name)
        with self.locked(source):
            files = self.files(source)
            report.files_before = len(files)
            by_month: dict[str, list[str]] = {}
            for f in files:
                by_month.setdefault(f.split("/", 1)[0], []).append(f)
            folder = self.folder(source)
            kept: list[str] = []
            merged: list[str] = []
            con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
            try:
                for month, parts in sorted(by_month.items()):
                    if len(parts) == 1:
                        kept += parts
                        continue
                    name = f"{month}/part-compact-{uuid.uuid4().hex}.parquet"
                    paths = [str(folder / p) for p in parts]
                    columns = ", ".join(source.columns)
                    con.execute(
                        f"COPY (SELECT {columns} FROM read_parquet(?, hive_partitioning = false)) "
                        f"TO '{folder / name}' (FORMAT PARQUET, COMPRESSION zstd)",
                        [paths],
                    )
                    kept.append(name)
                    merged += parts
            finally:
                con.close()
            self._commit(source, kept)
            for old in merged:
                (folder / old).unlink(missing_ok=True)
            remade = sorted({m.split("/", 1)[0] for m in merged})
            summaries.remove(folder, [m.removeprefix("month=") for m in remade])
            if summary_sql is not None and kept:
                con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
                try:  # every month: those without a fresh summary get one, stale ones go
                    self._summarise(con, source, sorted(by_month), summary_sql)
                finally:
                    con.close()
            report.files_after = len(kept)
            report.rows = sum(_rows(folder / f) for f in kept)
        return report


def _stale(path: Path) -> bool:
    """An ingest work file whose process is gone (its pid is in its name)."""
    try:
        pid = int(path.name.split("-")[1])
    except (IndexError, ValueError):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


@dataclass
class _Input:
    """One file of a batch: its typed read (columns of the source, `_id`, `month`) and, once
    validated, its record count and months."""

    index: int
    path: Path
    reader: str
    """The file's reader: the typed read, or a text read for cells that must be interpreted."""
    raw: dict[str, str]
    """column → expression over `reader` giving the cell as the file has it (for quoting)."""
    typed: dict[str, str]
    """column → expression over `reader` giving the value in the source's type (NULL if not)."""
    text: bool = False
    """Read as text (every cell interpreted by `_from_text`)."""
    select: str = ""
    rows: int = 0
    months: list[str] = field(default_factory=list)
    repeats: bool | None = None
    """For a CSV, whether an id hash repeats in the file (counted in the scan itself: parsing the
    text again would cost more than a distinct count); None when not counted."""


def _list(paths: Sequence[str]) -> str:
    return "[" + ", ".join(_quote(p) for p in paths) + "]"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _reader(path: Path, types: dict[str, str] | None = None) -> str:
    """The file's reader; a CSV is read with the source's types (`types`) when given, as text
    otherwise."""
    suffix = path.suffix.lower()
    quoted = _quote(str(path))
    if suffix == ".parquet":
        return f"read_parquet({quoted})"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return f"read_json({quoted}, format = 'newline_delimited', records = true)"
    if suffix in {".csv", ".txt"}:
        if types is None:
            return f"read_csv({quoted}, header = true, all_varchar = true, auto_detect = true)"
        declared = ", ".join(f"{_quote(c)}: {_quote(t)}" for c, t in types.items())
        return f"read_csv({quoted}, header = true, auto_detect = true, types = {{{declared}}})"
    raise RejectedInput(
        f"Tệp {path.name}: chỉ nhận CSV, JSON Lines (.jsonl) hoặc Parquet.",
        f"{path.name}: unsupported format",
    )


CSV_TYPED = {"integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP",
             "date": "DATE", "string": "VARCHAR", "month": "VARCHAR"}  # fmt: skip
"""How a CSV column of each kind is read on the fast path (DuckDB's own parser); a file with a cell
it does not accept (`có`, `x`, `05/07/2023`, `31,14`) is read again as text and each cell
interpreted (`_from_text`), so that bad cells can be quoted."""


def _open(con: duckdb.DuckDBPyConnection, source: Source, index: int, path: Path) -> _Input:
    """The typed read of one file: Parquet and JSON columns are taken in their own type when it is
    the source's, converted otherwise; a CSV is parsed with the source's types."""
    if not path.is_file() or path.stat().st_size == 0:
        raise RejectedInput(
            f"Tệp {path.name} không tồn tại hoặc rỗng.", f"{path.name}: missing or empty"
        )
    is_csv = path.suffix.lower() in {".csv", ".txt"}
    reader = _reader(path, {c: CSV_TYPED[k] for c, k in source.kinds.items()} if is_csv else None)
    try:
        described = {
            r[0]: str(r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        }
    except duckdb.Error:
        described = {}
    if not described and is_csv:
        reader = _reader(path)
    if not described:
        try:
            described = {
                r[0]: str(r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
            }
        except duckdb.Error as exc:
            raise RejectedInput(
                f"Tệp {path.name} không đọc được ({type(exc).__name__}).",
                f"{path.name}: {exc}",
                hint_vi="kiểm tra định dạng tệp (CSV có dòng tiêu đề, JSON Lines mỗi dòng một bản ghi, Parquet).",
            ) from exc
    missing = [c for c in source.columns if c not in described]
    if missing:
        raise RejectedInput(
            f"Tệp {path.name} thiếu cột: {', '.join(missing)}.",
            f"{path.name}: missing columns {missing}",
            hint_vi=f"nguồn {source.name} cần các cột: {', '.join(source.columns)} (xem docs/data-formats.md).",
        )
    return _input(source, index, path, reader, described, text=is_csv and reader == _reader(path))


def _input(
    source: Source, index: int, path: Path, reader: str, described: dict[str, str], text: bool
) -> _Input:
    raw = {c: f"CAST({c} AS VARCHAR)" for c in source.columns}
    typed_file = path.suffix.lower() not in {".csv", ".txt"}
    typed = {c: _convert(c, k, described[c], typed_file) for c, k in source.kinds.items()}
    item = _Input(index, path, reader, raw, typed, text=text)
    item.select = _select(source, item)
    return item


def _select(source: Source, item: _Input) -> str:
    typed = ", ".join(f"{expr} AS {c}" for c, expr in item.typed.items())
    return (
        f"SELECT *, {source.id_sql} AS _id, {source.month_sql} AS month "
        f"FROM (SELECT {typed} FROM {item.reader})"
    )


def _convert(column: str, kind: str, has: str, typed_file: bool = False) -> str:
    """The value of `column` (of DuckDB type `has`) in the source's `kind`: as it is when the file
    already has that type, interpreted from text when it is text, cast otherwise. Text of a typed
    file (Parquet, JSON) is kept as it is (a blank one is missing); text of a CSV is trimmed."""
    has = has.upper()
    if has == "VARCHAR":
        return _plain(column) if kind == "string" and typed_file else _from_text(column, kind)
    if kind == "number":
        return f"CASE WHEN isfinite(TRY_CAST({column} AS DOUBLE)) THEN TRY_CAST({column} AS DOUBLE) END"
    if kind == "month":
        if has.startswith(("DATE", "TIMESTAMP")):
            return f"strftime({column}, '%Y-%m')"
        return _from_text(f"CAST({column} AS VARCHAR)", kind)
    if kind == "string":
        return f"nullif(trim(CAST({column} AS VARCHAR)), '')"
    target = KINDS[kind]
    return column if has == target else f"TRY_CAST({column} AS {target})"


def _plain(column: str) -> str:
    """A text cell as it is, missing when blank (only values below '!' can be blank, so the trim
    runs on almost none)."""
    return f"CASE WHEN {column} < '!' AND trim({column}) = '' THEN NULL ELSE {column} END"


def _from_text(column: str, kind: str) -> str:
    value = f"nullif(trim({column}), '')"
    if kind == "boolean":
        true, false = (", ".join(f"'{v}'" for v in values) for values in (TRUE, FALSE))
        return f"CASE WHEN lower({value}) IN ({true}) THEN true WHEN lower({value}) IN ({false}) THEN false END"
    if kind in {"timestamp", "date"}:
        return (
            f"CAST(coalesce(try_cast({value} AS TIMESTAMP), try_strptime({value}, '%d/%m/%Y %H:%M:%S'), "
            f"try_strptime({value}, '%d/%m/%Y %H:%M'), try_strptime({value}, '%d/%m/%Y')) AS {kind})"
        )
    if kind == "integer":
        return f"try_cast({value} AS BIGINT)"
    if kind == "number":
        return (
            f"CASE WHEN isfinite(try_cast({value} AS DOUBLE)) THEN try_cast({value} AS DOUBLE) END"
        )
    if kind == "month":
        return f"CASE WHEN regexp_full_match({value}, '\\d{{4}}-(0[1-9]|1[0-2])') THEN {value} END"
    return value


def _as_text(source: Source, item: _Input) -> _Input:
    """The same CSV read as text, each cell interpreted (for files DuckDB's parser refused)."""
    reader = _reader(item.path)
    text = {c: "VARCHAR" for c in source.columns}
    return _input(source, item.index, item.path, reader, text, text=True)


def _scan(
    con: duckdb.DuckDBPyConnection, source: Source, item: _Input
) -> tuple[list[int], set[str]]:
    """One pass over a file: its records, empty or bad cells per column, the unit codes named and
    the range of its months (listed exactly by a second query only when it spans several).

    Kept cheap for typed files: a text column the file already has as text is checked for
    blanks only when its smallest value could be one (a blank starts below '!'), and unit codes
    are listed as the file has them and trimmed here."""
    unit, stamp = source.unit, item.typed[source.timestamp]
    cells: list[str] = []
    for c in source.columns:
        if item.typed[c] in (f"nullif(trim({c}), '')", _plain(c)):
            cells += [f"count(*) FILTER (WHERE {c} IS NULL)", f"min({c})"]
        else:
            cells += [f"count(*) FILTER (WHERE ({item.typed[c]}) IS NULL)", "NULL"]
    if item.path.suffix.lower() in {".csv", ".txt"}:
        key = " || '@' || ".join(f"({item.typed[c]})" for c in source.id_columns)
        cells += [
            f"count({key})",
            f"count(DISTINCT CASE WHEN ({key}) IS NOT NULL THEN hash({key}) END)",
        ]
    row = con.execute(
        f"SELECT count(*), min({stamp}), max({stamp}), list(DISTINCT {unit}), {', '.join(cells)} "
        f"FROM {item.reader}"
    ).fetchone()
    assert row is not None
    item.rows, first, last, units = int(row[0]), row[1], row[2], row[3] or []
    counts = []
    for i, c in enumerate(source.columns):
        count, smallest = int(row[4 + 2 * i]), row[5 + 2 * i]
        if smallest is not None and str(smallest) < "!":
            count = _scalar(
                con, f"SELECT count(*) FILTER (WHERE ({item.typed[c]}) IS NULL) FROM {item.reader}"
            )
        counts.append(count)
    if len(row) > 4 + 2 * len(source.columns):
        item.repeats = int(row[-1]) < int(row[-2])
    codes = {str(u).strip(" ") for u in units if u is not None} - {""}
    months = sorted({m for m in (_month(first), _month(last)) if m is not None})
    if len(months) > 1:
        months = sorted(
            str(r[0])
            for r in con.execute(
                f"SELECT DISTINCT month FROM ({item.select}) WHERE month IS NOT NULL"
            ).fetchall()
        )
    item.months = months
    return counts, codes


def _month(value: object) -> str | None:
    """The month (YYYY-MM) of a typed timestamp, date or month value."""
    if value is None:
        return None
    return value.strftime("%Y-%m") if hasattr(value, "strftime") else str(value)


def _scan_file(
    con: duckdb.DuckDBPyConnection, source: Source, inputs: list[_Input], position: int
) -> tuple[list[int], set[str]]:
    """`_scan` of one file; a CSV that DuckDB's typed parser refuses is read again as text (and
    replaces its typed read in `inputs`)."""
    item = inputs[position]
    try:
        return _scan(con, source, item)
    except duckdb.Error as exc:
        if item.text or item.path.suffix.lower() not in {".csv", ".txt"}:
            raise RejectedInput(
                f"Tệp {item.path.name} không đọc được ({type(exc).__name__}).",
                f"{item.path.name}: {exc}",
            ) from exc
    inputs[position] = _as_text(source, item)
    return _scan(con, source, inputs[position])


def _validate(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    inputs: list[_Input],
    known_units: Callable[[list[str]], set[str]],
) -> None:
    problems: list[Problem] = []
    started = time.perf_counter()
    totals = [0] * len(source.columns)
    bad: dict[str, list[tuple[int, int, str | None]]] = {}
    codes: set[str] = set()
    for position in range(len(inputs)):
        counts, found = _scan_file(con, source, inputs, position)
        codes |= found
        for i, column in enumerate(source.columns):
            totals[i] += counts[i]
            if counts[i] and len(bad.get(column, [])) < EXAMPLES:
                bad.setdefault(column, []).extend(_examples(con, inputs[position], column))
    files = [i.path for i in inputs]
    log.info(
        "ingest %s: cells and units checked in %.1f s", source.name, time.perf_counter() - started
    )
    for i, column in enumerate(source.columns):
        if totals[i]:
            problems.append(_problem(files, bad[column], column, totals[i]))
    duplicated = _duplicates(con, source, inputs)
    if duplicated:
        total, dupes = duplicated
        listed = "; ".join(f"'{d[0]}' ({d[1]} lần, từ dòng {d[2]})" for d in dupes)
        problems.append(
            Problem(
                files[0].name if len(files) == 1 else "các tệp",
                f"{total} mã bản ghi bị trùng: {listed}",
                f"{total} duplicate ids",
            )
        )
    unknown = sorted(codes - known_units(sorted(codes)))
    if unknown:
        listed = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        message = f"{len(unknown)} mã đơn vị không có trong danh mục: {listed}"
        hint = "nạp đơn vị bằng `chiso units seed`/`chiso units import` hoặc sửa mã trong tệp"
        problems.append(Problem(f"cột {source.unit}", message, "unknown unit codes", hint))
    if problems:
        raise RejectedInput(
            f"Bản ghi {source.name} bị từ chối: {len(problems)} loại lỗi, không có bản ghi nào được lưu.",
            f"{source.name} records rejected",
            problems=problems,
        )


def _numbered(item: _Input, columns: str) -> str:
    return (
        f"SELECT {item.index} AS _file, row_number() OVER () AS _row, {columns} FROM {item.reader}"
    )


def _examples(
    con: duckdb.DuckDBPyConnection, item: _Input, column: str
) -> list[tuple[int, int, str | None]]:
    """The first empty or bad cells of a column of one file, quoted as the file has them (only
    read when the scan found some)."""
    con.execute("SET preserve_insertion_order = true")
    try:
        cells = f"{item.raw[column]} AS raw, {item.typed[column]} AS typed"
        rows = con.execute(
            f"SELECT _file, _row, raw FROM ({_numbered(item, cells)}) "
            f"WHERE typed IS NULL ORDER BY _row LIMIT {EXAMPLES}"
        ).fetchall()
    finally:
        con.execute("SET preserve_insertion_order = false")
    return [(int(f), int(r), v) for f, r, v in rows]


def _duplicates(
    con: duckdb.DuckDBPyConnection, source: Source, inputs: list[_Input]
) -> tuple[int, list[tuple[str, int, int]]] | None:
    """Ids given more than once in one file, or in two files that share a month (a record's
    month is its partition; ids are unique within it). Checked on sorted 64-bit hashes of the ids,
    one group of files at a time (for monthly files, one file at a time) and in slices of at most
    HASHES_AT_ONCE hashes, so memory stays bounded; only when some hash repeats are the ids
    themselves grouped, to name them and to rule out a hash collision."""
    total, found = 0, []
    for group in _sharing_months(inputs):
        alone = group[0].repeats if len(group) == 1 else None
        if not (alone if alone is not None else _repeats(con, source, group)):
            continue
        numbered = " UNION ALL ".join(
            f"SELECT row_number() OVER () AS _row, _id FROM ({_ids(source, i)})" for i in group
        )
        grouped = (
            f"SELECT _id, count(*) AS n, min(_row) AS first FROM ({numbered}) "
            "WHERE _id IS NOT NULL GROUP BY _id HAVING count(*) > 1"
        )
        con.execute("SET preserve_insertion_order = true")
        try:
            total += _scalar(con, f"SELECT count(*) FROM ({grouped})")
            found += con.execute(f"{grouped} ORDER BY first LIMIT {EXAMPLES}").fetchall()
        finally:
            con.execute("SET preserve_insertion_order = false")
    dupes = [(str(d[0]), int(d[1]), int(d[2])) for d in found[:EXAMPLES]]
    return (total, dupes) if total else None


HASHES_AT_ONCE = 25_000_000
"""At most this many id hashes (8 bytes each) are sorted at once (≈ 400 MB with the sort's copy)."""


def _repeats(con: duckdb.DuckDBPyConnection, source: Source, group: list[_Input]) -> bool:
    """Whether some id hash occurs twice among the files of `group`."""
    import numpy as np

    slices = max(1, -(-sum(i.rows for i in group) // HASHES_AT_ONCE))
    for part in range(slices):
        chunks = []
        for item in group:
            where = f"WHERE h % {slices} = {part}" if slices > 1 else ""
            sql = f"SELECT h FROM (SELECT hash(_id) AS h FROM ({_ids(source, item)}) WHERE _id IS NOT NULL) {where}"
            chunks.append(con.execute(sql).fetchnumpy()["h"])
        hashes = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
        del chunks
        hashes.sort()
        if hashes.size > 1 and bool((hashes[1:] == hashes[:-1]).any()):
            return True
    return False


def _ids(source: Source, item: _Input) -> str:
    """The record ids of one file (only the id columns are read and typed)."""
    typed = ", ".join(f"{item.typed[c]} AS {c}" for c in source.id_columns)
    return f"SELECT {source.id_sql} AS _id FROM (SELECT {typed} FROM {item.reader})"


def _sharing_months(inputs: list[_Input]) -> list[list[_Input]]:
    """The files in groups such that files of different groups have no month in common."""
    groups: list[tuple[set[str], list[_Input]]] = []
    for item in inputs:
        months, members = set(item.months), [item]
        for group in [g for g in groups if g[0] & months]:
            groups.remove(group)
            months |= group[0]
            members = group[1] + members
        groups.append((months, members))
    return [sorted(g[1], key=lambda i: i.index) for g in groups]


def _problem(
    files: Sequence[Path], bad: list[tuple[int, int, str | None]], column: str, total: int
) -> Problem:
    first = bad[:EXAMPLES]
    empty = all(b[2] is None or str(b[2]).strip() == "" for b in first)
    where = "; ".join(
        f"{files[f].name} {_line(files[f], r)}" + ("" if v is None else f" ('{v}')")
        for f, r, v in first
    )
    more = f" và {total - EXAMPLES} dòng khác" if total > EXAMPLES else ""
    what = "bị trống" if empty else "không đúng kiểu dữ liệu"
    return Problem(
        f"cột {column}", f"{total} ô {what}: {where}{more}", f"{total} bad values in {column}"
    )


def _line(path: Path, row: int) -> str:
    """CSV rows are counted after the header line; other formats by record."""
    return f"dòng {row + 1}" if path.suffix.lower() in {".csv", ".txt"} else f"bản ghi {row}"
