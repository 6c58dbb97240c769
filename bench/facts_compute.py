"""`chiso facts compute` on 20M and 100M document records, on DuckDB and on Spark (local, classic
session), against a hand-written DuckDB query over the same Parquet, all as whole processes
(goal for DuckDB: at most 1.2× at 20M and 1.1× at 100M). Spark's peak is the Python driver's plus
its JVM (both are children of the measured process).

The baseline computes what chiso computes: per unit, for the same months, the counts of the four
sources (documents: non-classified, closed-loop signed, sent online; meetings: all, paperless;
e-mail: all, active; applications: all, online, digitised, on time), rolls them up the same unit
hierarchy and prints how many rows; chiso also matches units, and compares, stores and audits the
values. chiso's modules are compiled to bytecode first, as an installed package's are (under
PYTHONDONTWRITEBYTECODE, as on the development machine, every run compiled them again)."""

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
root, ancestors = sys.argv[1], sys.argv[2]
counts = {
    "documents": ["NOT classified", "NOT classified AND signed_personal AND signed_org",
                  "NOT classified AND sent_online"],
    "meetings": ["true", "paperless"],
    "email": ["true", "active"],
    "applications": ["true", "online", "result_digitised", "on_time"],
}
con = duckdb.connect()
con.execute(f"CREATE TABLE a AS SELECT * FROM read_csv('{ancestors}')")
total = 0
for source, conditions in counts.items():
    per_unit = ", ".join(f"count(*) FILTER ({c}) AS c{i}" for i, c in enumerate(conditions))
    summed = ", ".join(f"sum(c{i})" for i in range(len(conditions)))
    rows = con.execute(f'''
      WITH per_unit AS (
        SELECT unit_code, {per_unit}
        FROM read_parquet('{root}/{source}/month=*/*.parquet', hive_partitioning = true)
        WHERE month BETWEEN '2025-01' AND '2025-12'
        GROUP BY unit_code)
      SELECT a.ancestor, {summed}
      FROM per_unit p JOIN a ON p.unit_code = a.unit_code
      GROUP BY a.ancestor ORDER BY 1''').fetchall()
    total += len(rows)
print(total)
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


def _summary(runs: list[Run]) -> Run:
    """Median wall and CPU time, highest peak."""
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_mib for r in runs),
               statistics.median(r.cpu_seconds for r in runs))  # fmt: skip


def count_documents(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(
        pq.ParquetFile(p).metadata.num_rows
        for p in (folder / "facts" / "documents").glob("month=*/*.parquet")
    )


def main(sizes: tuple[int, ...] = (20_000_000, 100_000_000)) -> list[list[str]]:
    work = Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
    table = []
    import chiso

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(chiso.__file__).parent)],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    for size in sizes:
        folder = work / f"documents-{size}"
        env = prepare(folder, size)
        records = count_documents(folder)
        command = [_chiso(), "facts", "compute", "--period", "2025"]
        baseline = [
            sys.executable,
            "-c",
            BASELINE,
            str(folder / "facts"),
            str(folder / "ancestors.csv"),
        ]
        run(command, env, repeat=1)  # stores the values (and compiles the measures) once
        bases, runs = [], []
        for _ in range(3):  # interleaved on the shared machine: baseline, chiso, baseline, …
            bases.append(run(baseline, env, repeat=1))
            runs.append(run(command, env, repeat=1))
        spark_env = {**env, "CHISO_FACTS_ENGINE": "spark", "CHISO_FACTS_SPARK_MASTER": "local[2]"}
        spark = run(command, spark_env, repeat=1)
        bases.append(run(baseline, env, repeat=1))
        base, ours = _summary(bases), _summary(runs)
        cpu_ratio = statistics.median(
            r.cpu_seconds / b.cpu_seconds for b, r in zip(bases[:3], runs, strict=True)
        )
        wall_ratio = statistics.median(
            r.seconds / b.seconds for b, r in zip(bases[:3], runs, strict=True)
        )
        row = [f"{records:,}".replace(",", "."),
               f"{base.seconds:.1f} s", f"{base.cpu_seconds:.1f} s", f"{base.peak_mib:,.0f} MiB",
               f"{ours.seconds:.1f} s", f"{ours.cpu_seconds:.1f} s", f"{ours.peak_mib:,.0f} MiB",
               f"{wall_ratio:.2f}×", f"{cpu_ratio:.2f}×",
               f"{spark.seconds:.1f} s", f"{spark.peak_mib:,.0f} MiB", f"{spark.seconds / base.seconds:.2f}×"]  # fmt: skip
        print("facts compute (rows | baseline wall, cpu, peak | duckdb wall, cpu, peak | ratio wall, cpu"
              " | spark wall, peak, ratio) | " + " | ".join(row), flush=True)  # fmt: skip
        table.append(row)
    return table


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (20_000_000, 100_000_000))
