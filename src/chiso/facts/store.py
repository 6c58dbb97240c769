"""Parquet storage of raw records, partitioned by source and month, with validation and
idempotent ingestion by record id. A rejected batch writes nothing: files are written to a
staging folder and moved into place only when everything passed."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chiso.errors import Problem, RejectedInput
from chiso.facts.schemas import Source

TRUE = ("1", "true", "t", "yes", "y", "x", "co", "có")
FALSE = ("0", "false", "f", "no", "n", "khong", "không")
EXAMPLES = 5


@dataclass
class IngestReport:
    source: str
    files: list[str]
    rows: int = 0
    new: int = 0
    already_stored: int = 0
    months: list[str] = field(default_factory=list)


class FactStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "facts"

    def folder(self, source: Source) -> Path:
        return self.root / source.name

    def glob(self, source: Source) -> str:
        return str(self.folder(source) / "*" / "*.parquet")

    def has(self, source: Source) -> bool:
        return any(self.folder(source).glob("*/*.parquet"))

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
        con = duckdb.connect(str(work_dir / f"ingest-{uuid.uuid4().hex}.duckdb"))
        try:
            _load(con, source, files)
            _validate(con, source, files, known_units)
            report.rows = _scalar(con, "SELECT count(*) FROM typed")
            report.months = [
                r[0] for r in con.execute("SELECT DISTINCT month FROM typed ORDER BY 1").fetchall()
            ]
            self._keep_new(con, source, report.months)
            report.new = _scalar(con, "SELECT count(*) FROM fresh")
            report.already_stored = report.rows - report.new
            if report.new:
                self._write(con, source, work_dir)
        finally:
            con.close()
            for leftover in work_dir.glob("ingest-*.duckdb*"):
                leftover.unlink(missing_ok=True)
        return report

    def _keep_new(self, con: duckdb.DuckDBPyConnection, source: Source, months: list[str]) -> None:
        if not self.has(source) or not months:
            con.execute("CREATE TEMP TABLE fresh AS SELECT * FROM typed")
            return
        con.execute(
            f"CREATE TEMP TABLE stored_ids AS SELECT {source.id_sql} AS id "
            "FROM read_parquet(?, hive_partitioning = true) WHERE month IN (SELECT DISTINCT month FROM typed)",
            [self.glob(source)],
        )
        con.execute(
            "CREATE TEMP TABLE fresh AS SELECT t.* FROM typed t ANTI JOIN stored_ids s ON t._id = s.id"
        )

    def _write(self, con: duckdb.DuckDBPyConnection, source: Source, work_dir: Path) -> None:
        staging = work_dir / f"staging-{uuid.uuid4().hex}"
        columns = ", ".join(source.columns)
        con.execute(
            f"COPY (SELECT {columns}, month FROM fresh) TO '{staging}' "
            "(FORMAT PARQUET, PARTITION_BY (month), FILENAME_PATTERN 'part-{uuid}', COMPRESSION zstd)"
        )
        for part in staging.glob("*/*.parquet"):
            target = self.folder(source) / part.parent.name
            target.mkdir(parents=True, exist_ok=True)
            shutil.move(str(part), target / part.name)
        shutil.rmtree(staging, ignore_errors=True)


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
    typed = ", ".join(f"{_typed(c, t)} AS {c}" for c, t in source.columns.items())
    con.execute(f"CREATE TEMP TABLE typed0 AS SELECT _file, _row, {typed} FROM raw")
    con.execute(
        f"CREATE TEMP TABLE typed AS SELECT *, {source.id_sql} AS _id, {source.month_sql} AS month FROM typed0"
    )


def _typed(column: str, kind: str) -> str:
    value = f"nullif(trim({column}), '')"
    if kind == "BOOLEAN":
        true, false = (", ".join(f"'{v}'" for v in values) for values in (TRUE, FALSE))
        return f"CASE WHEN lower({value}) IN ({true}) THEN true WHEN lower({value}) IN ({false}) THEN false END"
    if kind in {"TIMESTAMP", "DATE"}:
        return (
            f"CAST(coalesce(try_cast({value} AS TIMESTAMP), try_strptime({value}, '%d/%m/%Y %H:%M:%S'), "
            f"try_strptime({value}, '%d/%m/%Y %H:%M'), try_strptime({value}, '%d/%m/%Y')) AS {kind})"
        )
    if column == "period":
        return f"CASE WHEN regexp_full_match({value}, '\\d{{4}}-(0[1-9]|1[0-2])') THEN {value} END"
    return value


def _validate(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    files: Sequence[Path],
    known_units: Callable[[list[str]], set[str]],
) -> None:
    problems: list[Problem] = []
    for column in source.columns:
        bad = con.execute(
            f"SELECT r._file, r._row, r.{column} FROM raw r JOIN typed t USING (_file, _row) "
            f"WHERE t.{column} IS NULL ORDER BY 1, 2"
        ).fetchall()
        if bad:
            problems.append(_problem(files, bad, column))
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
            "SELECT DISTINCT unit_code FROM typed WHERE unit_code IS NOT NULL"
        ).fetchall()
    ]
    unknown = sorted(set(codes) - known_units(codes))
    if unknown:
        listed = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        message = f"{len(unknown)} mã đơn vị không có trong danh mục: {listed}"
        hint = "nạp đơn vị bằng `chiso units seed`/`chiso units import` hoặc sửa mã trong tệp"
        problems.append(Problem("cột unit_code", message, "unknown unit codes", hint))
    if problems:
        raise RejectedInput(
            f"Bản ghi {source.name} bị từ chối: {len(problems)} loại lỗi, không có bản ghi nào được lưu.",
            f"{source.name} records rejected",
            problems=problems,
        )


def _problem(files: Sequence[Path], bad: list[tuple[int, int, str | None]], column: str) -> Problem:
    first = bad[:EXAMPLES]
    empty = all(b[2] is None or str(b[2]).strip() == "" for b in first)
    where = "; ".join(
        f"{files[f].name} {_line(files[f], r)}" + ("" if v is None else f" ('{v}')")
        for f, r, v in first
    )
    more = f" và {len(bad) - EXAMPLES} dòng khác" if len(bad) > EXAMPLES else ""
    what = "bị trống" if empty else "không đúng kiểu dữ liệu"
    return Problem(
        f"cột {column}", f"{len(bad)} ô {what}: {where}{more}", f"{len(bad)} bad values in {column}"
    )


def _line(path: Path, row: int) -> str:
    """CSV rows are counted after the header line; other formats by record."""
    return f"dòng {row + 1}" if path.suffix.lower() in {".csv", ".txt"} else f"bản ghi {row}"
