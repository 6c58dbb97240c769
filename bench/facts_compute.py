"""`chiso facts compute` on 20M and 100M document records, on DuckDB and on Spark (local, classic
session), against a hand-written DuckDB query over the same Parquet, all as whole processes
(goal for DuckDB: at most 1.2× at 20M and 1.1× at 100M). Spark's peak is the Python driver's plus
its JVM (both are children of the measured process).

The baseline computes the same document counts (non-classified, closed-loop signed, sent online)
per unit for the same months and rolls them up the same unit hierarchy, and prints them; chiso also
reads the other three sources, matches units, and stores and audits the values."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.measure import Run, run

BASELINE = r"""
import sys, duckdb
glob, ancestors = sys.argv[1], sys.argv[2]
con = duckdb.connect()
rows = con.execute(f'''
  WITH per_unit AS (
    SELECT unit_code, count(*) AS docs,
           sum(CASE WHEN signed_personal AND signed_org THEN 1 ELSE 0 END) AS signed,
           sum(CASE WHEN sent_online THEN 1 ELSE 0 END) AS online
    FROM read_parquet('{glob}', hive_partitioning = true)
    WHERE month BETWEEN '2025-01' AND '2025-12' AND NOT classified
    GROUP BY unit_code)
  SELECT a.ancestor, sum(docs), sum(signed), sum(online)
  FROM per_unit p JOIN read_csv('{ancestors}') a ON p.unit_code = a.unit_code
  GROUP BY a.ancestor ORDER BY 1''').fetchall()
print(len(rows))
"""

ANCESTORS = r"""
import csv, sys
from chiso.services.runtime import open_runtime
from chiso.store import units_repo
rt = open_runtime()
with rt.db.transaction() as s:
    units = {u.id: u for u in units_repo.all_units(s)}
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f); w.writerow(["unit_code", "ancestor"])
    for u in units.values():
        a = u
        while a is not None:
            w.writerow([u.key, a.key]); a = units.get(a.parent_id) if a.parent_id else None
"""


def _chiso() -> str:
    return str(Path(sys.executable).with_name("chiso"))


def prepare(folder: Path, documents: int) -> dict[str, str]:
    env = {**os.environ, "CHISO_DATA_DIR": str(folder)}
    env.pop("CHISO_DATABASE_URL", None)
    if not (folder / "ready").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for args in (["units", "seed", "--scheme", "all", "--province", "75"], ["units", "departments", "--province", "75"],
                     ["generate", "--months", "12", "--end", "2025-12", "--documents", str(documents), "--no-values"]):  # fmt: skip
            subprocess.run([_chiso(), *args], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            [sys.executable, "-c", ANCESTORS, str(folder / "ancestors.csv")], env=env, check=True
        )
        (folder / "ready").write_text("ok")
    return env


def count_documents(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(
        pq.ParquetFile(p).metadata.num_rows
        for p in (folder / "facts" / "documents").glob("month=*/*.parquet")
    )


def main(sizes: tuple[int, ...] = (20_000_000, 100_000_000)) -> list[list[str]]:
    work = Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
    table = []
    for size in sizes:
        folder = work / f"documents-{size}"
        env = prepare(folder, size)
        records = count_documents(folder)
        glob = str(folder / "facts" / "documents" / "month=*" / "*.parquet")
        command = [_chiso(), "facts", "compute", "--period", "2025"]
        baseline = [sys.executable, "-c", BASELINE, glob, str(folder / "ancestors.csv")]
        run(command, env, repeat=1)  # stores the values (and compiles the measures) once
        bases, runs = [], []
        for _ in range(3):  # interleaved on the shared machine: baseline, chiso, baseline, …
            bases.append(run(baseline, env, repeat=1))
            runs.append(run(command, env, repeat=1))
        spark_env = {**env, "CHISO_FACTS_ENGINE": "spark", "CHISO_FACTS_SPARK_MASTER": "local[2]"}
        spark = run(command, spark_env, repeat=1)
        bases.append(run(baseline, env, repeat=1))
        base = Run(statistics.median(b.seconds for b in bases), max(b.peak_mib for b in bases))
        ours = Run(statistics.median(r.seconds for r in runs), max(r.peak_mib for r in runs))
        row = [f"{records:,}".replace(",", "."), f"{base.seconds:.1f} s", f"{base.peak_mib:,.0f} MiB",
               f"{ours.seconds:.1f} s", f"{ours.peak_mib:,.0f} MiB", f"{ours.seconds / base.seconds:.2f}×",
               f"{spark.seconds:.1f} s", f"{spark.peak_mib:,.0f} MiB", f"{spark.seconds / base.seconds:.2f}×"]  # fmt: skip
        print("facts compute (rows | baseline s, MiB | duckdb s, MiB, ratio | spark s, MiB, ratio) | "
              + " | ".join(row), flush=True)  # fmt: skip
        table.append(row)
    return table


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (20_000_000, 100_000_000))
