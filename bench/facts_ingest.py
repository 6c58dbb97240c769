"""`chiso facts ingest` of one batch of generated documents (Parquet files, one per month) into an
empty store, against a hand-written DuckDB COPY of the same files into the same month layout, both
as whole processes; then the same batch again (nothing new is stored, every id is checked).

chiso validates every cell, checks unit codes, drops ids already stored, takes the source's lock
and commits the manifest; the baseline only copies. Ingestion runs on DuckDB whatever the
analytics engine (Spark reads what it wrote), so there is no Spark column here."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.facts_compute import _chiso, count_documents, prepare
from bench.measure import Run, run

BASELINE = r"""
import sys, duckdb
files, out = sys.argv[1].split(","), sys.argv[2]
con = duckdb.connect()
con.execute(f'''COPY (SELECT *, strftime(issued_at, '%Y-%m') AS month FROM read_parquet({files!r}))
  TO '{out}' (FORMAT PARQUET, PARTITION_BY (month), COMPRESSION zstd, OVERWRITE_OR_IGNORE)''')
"""


def main(sizes: tuple[int, ...] = (20_000_000, 100_000_000)) -> list[list[str]]:
    work = Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
    table = []
    for size in sizes:
        source = work / f"documents-{size}"
        env = prepare(source, size)
        records = count_documents(source)
        files = sorted(str(p) for p in (source / "facts" / "documents").glob("month=*/*.parquet"))
        target = work / f"ingest-{size}"

        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        shutil.copy(source / "chiso.sqlite3", target / "chiso.sqlite3")
        command = [_chiso(), "facts", "ingest", "--source", "documents", *files]
        out = target / "baseline"
        copy = [sys.executable, "-c", BASELINE, ",".join(files), str(out)]
        bases, runs = [], []
        for _ in ("first", "again"):  # interleaved: COPY, chiso, COPY, chiso again
            bases.append(run(copy, env, repeat=1))
            subprocess.run(["rm", "-rf", str(out)], check=True)
            runs.append(run(command, {**env, "CHISO_DATA_DIR": str(target)}, repeat=1))
        first, again = runs
        base = Run(statistics.median(b.seconds for b in bases), max(b.peak_mib for b in bases))
        row = [f"{records:,}".replace(",", "."), f"{base.seconds:.1f} s", f"{base.peak_mib:,.0f} MiB",
               f"{first.seconds:.1f} s", f"{first.peak_mib:,.0f} MiB", f"{first.seconds / base.seconds:.2f}×",
               f"{again.seconds:.1f} s", f"{again.peak_mib:,.0f} MiB", f"{again.seconds / base.seconds:.2f}×"]  # fmt: skip
        print(
            "facts ingest (rows | COPY s, MiB | chiso s, MiB, ratio | again s, MiB, ratio) | "
            + " | ".join(row),
            flush=True,
        )
        table.append(row)
    return table


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (20_000_000, 100_000_000))
