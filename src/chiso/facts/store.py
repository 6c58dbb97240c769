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
import os
import shutil
import signal
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chiso.errors import Problem, RejectedInput
from chiso.facts.schemas import Source

TRUE = ("1", "true", "t", "yes", "y", "x", "co", "có")
FALSE = ("0", "false", "f", "no", "n", "khong", "không")
EXAMPLES = 5
MANIFEST = "_manifest.json"
LOCK = "_lock"
KILL_HOOK = "CHISO_FACTS_TEST_KILL_AFTER_MOVES"
"""Test hook: kill the ingesting process (SIGKILL) after moving this many files into place."""
MEMORY_LIMIT = "1GB"


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

    def register(self, source: Source, written: Sequence[Path]) -> None:
        """Commits files written straight into the layout (the generator's)."""
        names = [str(p.relative_to(self.folder(source))) for p in written]
        with self.locked(source, keep=names):
            self._commit(source, [*self.files(source), *names])

    def ingest(
        self,
        source: Source,
        files: Sequence[Path],
        known_units: Callable[[list[str]], set[str]],
        work_dir: Path,
    ) -> IngestReport:
        """Validates every file, then stores the records whose id is not stored yet."""
        report = IngestReport(source.name, [f.name for f in files])
        work_dir.mkdir(parents=True, exist_ok=True)
        for leftover in work_dir.glob("ingest-*.duckdb*"):
            if _stale(leftover):
                leftover.unlink(missing_ok=True)
        database = work_dir / f"ingest-{os.getpid()}-{uuid.uuid4().hex}.duckdb"
        con = duckdb.connect(
            str(database),
            config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(work_dir / "spill")},
        )
        try:
            _load(con, source, files)
            _validate(con, source, files, known_units)
            report.rows = _scalar(con, "SELECT count(*) FROM typed")
            report.months = [
                r[0] for r in con.execute("SELECT DISTINCT month FROM typed ORDER BY 1").fetchall()
            ]
            with self.locked(source):
                self._keep_new(con, source, report.months)
                report.new = _scalar(con, "SELECT count(*) FROM fresh")
                report.already_stored = report.rows - report.new
                if report.new:
                    self._write(con, source)
        finally:
            con.close()
            for own in work_dir.glob(f"{database.name}*"):
                own.unlink(missing_ok=True)
        return report

    def _keep_new(self, con: duckdb.DuckDBPyConnection, source: Source, months: list[str]) -> None:
        stored = self.paths(source, months)
        if not stored:
            con.execute("CREATE OR REPLACE TEMP TABLE fresh AS SELECT * FROM typed")
            return
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE stored_ids AS SELECT {source.id_sql} AS id "
            "FROM read_parquet(?, hive_partitioning = true)",
            [stored],
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE fresh AS "
            "SELECT t.* FROM typed t ANTI JOIN stored_ids s ON t._id = s.id"
        )

    def _write(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        """Month by month into a staging folder of the source, moved beside the committed files
        under fresh names (no reader opens them), then one manifest commit."""
        folder = self.folder(source)
        batch = uuid.uuid4().hex
        staging = folder / f"staging-{batch}"
        columns = ", ".join(source.columns)
        con.execute(
            f"COPY (SELECT {columns}, month FROM fresh) TO '{staging}' "
            "(FORMAT PARQUET, PARTITION_BY (month), FILENAME_PATTERN 'part-{uuid}', COMPRESSION zstd)"
        )
        kill_after = int(os.environ.get(KILL_HOOK, "0") or 0)
        added = []
        for moved, part in enumerate(sorted(staging.glob("*/*.parquet")), start=1):
            target = folder / part.parent.name
            target.mkdir(parents=True, exist_ok=True)
            os.replace(part, target / part.name)
            added.append(f"{part.parent.name}/{part.name}")
            if kill_after and moved >= kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        self._commit(source, [*self.files(source), *added])
        shutil.rmtree(staging, ignore_errors=True)

    def compact(self, source: Source) -> CompactReport:
        """Merges each month's committed files into one; readers switch in one manifest commit."""
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


def _reader(path: Path) -> str:
    suffix = path.suffix.lower()
    quoted = str(path).replace("'", "''")
    if suffix == ".parquet":
        return f"read_parquet('{quoted}')"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return f"read_json('{quoted}', format = 'newline_delimited', records = true)"
    if suffix in {".csv", ".txt"}:
        return f"read_csv('{quoted}', header = true, all_varchar = true, auto_detect = true)"
    raise RejectedInput(
        f"Tệp {path.name}: chỉ nhận CSV, JSON Lines (.jsonl) hoặc Parquet.",
        f"{path.name}: unsupported format",
    )


def _load(con: duckdb.DuckDBPyConnection, source: Source, files: Sequence[Path]) -> None:
    parts = []
    for index, path in enumerate(files):
        if not path.is_file() or path.stat().st_size == 0:
            raise RejectedInput(
                f"Tệp {path.name} không tồn tại hoặc rỗng.", f"{path.name}: missing or empty"
            )
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {_reader(path)}").fetchall()
        except duckdb.Error as exc:
            raise RejectedInput(
                f"Tệp {path.name} không đọc được ({type(exc).__name__}).",
                f"{path.name}: {exc}",
                hint_vi="kiểm tra định dạng tệp (CSV có dòng tiêu đề, JSON Lines mỗi dòng một bản ghi, Parquet).",
            ) from exc
        present = {row[0] for row in described}
        missing = [c for c in source.columns if c not in present]
        if missing:
            raise RejectedInput(
                f"Tệp {path.name} thiếu cột: {', '.join(missing)}.",
                f"{path.name}: missing columns {missing}",
                hint_vi=f"nguồn {source.name} cần các cột: {', '.join(source.columns)} (xem docs/data-formats.md).",
            )
        columns = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in source.columns)
        parts.append(
            f"SELECT {index} AS _file, row_number() OVER () AS _row, {columns} FROM {_reader(path)}"
        )
    con.execute("CREATE TEMP TABLE raw AS " + " UNION ALL ".join(parts))
    typed = ", ".join(f"{_typed(c, k)} AS {c}" for c, k in source.kinds.items())
    con.execute(
        f"CREATE TEMP TABLE typed AS SELECT *, {source.id_sql} AS _id, {source.month_sql} AS month "
        f"FROM (SELECT _file, _row, {typed} FROM raw)"
    )


def _typed(column: str, kind: str) -> str:
    value = f"nullif(trim({column}), '')"
    if kind == "boolean":
        true, false = (", ".join(f"'{v}'" for v in values) for values in (TRUE, FALSE))
        return f"CASE WHEN lower({value}) IN ({true}) THEN true WHEN lower({value}) IN ({false}) THEN false END"
    if kind in {"timestamp", "date"}:
        return (
            f"CAST(coalesce(try_cast({value} AS TIMESTAMP), try_strptime({value}, '%d/%m/%Y %H:%M:%S'), "
            f"try_strptime({value}, '%d/%m/%Y %H:%M'), try_strptime({value}, '%d/%m/%Y')) AS {kind})"
        )
    if kind in {"integer", "number"}:
        return f"try_cast({value} AS {'BIGINT' if kind == 'integer' else 'DOUBLE'})"
    if kind == "month":
        return f"CASE WHEN regexp_full_match({value}, '\\d{{4}}-(0[1-9]|1[0-2])') THEN {value} END"
    return value


def _validate(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    files: Sequence[Path],
    known_units: Callable[[list[str]], set[str]],
) -> None:
    problems: list[Problem] = []
    nulls = ", ".join(f"count(*) FILTER (WHERE {c} IS NULL)" for c in source.columns)
    counts = con.execute(f"SELECT {nulls} FROM typed").fetchone() or ()
    for column, count in zip(source.columns, counts, strict=True):
        if count:
            bad = con.execute(
                f"SELECT r._file, r._row, r.{column} FROM raw r JOIN typed t USING (_file, _row) "
                f"WHERE t.{column} IS NULL ORDER BY 1, 2 LIMIT {EXAMPLES}"
            ).fetchall()
            problems.append(_problem(files, bad, column, int(count)))
    dupes = con.execute(
        "SELECT _id, count(*), min(_row) FROM typed WHERE _id IS NOT NULL "
        "GROUP BY _id HAVING count(*) > 1 ORDER BY 3 LIMIT 5"
    ).fetchall()
    if dupes:
        total = _scalar(
            con, "SELECT count(*) FROM (SELECT _id FROM typed GROUP BY _id HAVING count(*) > 1)"
        )
        listed = "; ".join(f"'{d[0]}' ({d[1]} lần, từ dòng {d[2]})" for d in dupes)
        problems.append(
            Problem(
                files[0].name if len(files) == 1 else "các tệp",
                f"{total} mã bản ghi bị trùng: {listed}",
                f"{total} duplicate ids",
            )
        )
    codes = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {source.unit} FROM typed WHERE {source.unit} IS NOT NULL"
        ).fetchall()
    ]
    unknown = sorted(set(codes) - known_units(codes))
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
