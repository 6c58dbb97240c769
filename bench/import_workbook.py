"""Importing a filled template of 1.000 and of 10.035 communes (all pre-2025 communes) × 20
indicators: the first import (20.000 / 200.700 new values, each audited) and a repeat (nothing
changes), as whole processes, against reading the same workbook with python-calamine alone,
interleaved in the same run, on SQLite and (with CHISO_BENCH_POSTGRES_URL, an admin URL) on
PostgreSQL. Goals (issue 16): first import ≤ 10× the read, again ≤ 5×, peak memory < 1 GB; the
cost grows no faster than the number of values."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import run

INDICATORS = 20
SIZES = (1000, 10035)
"""Units (rows) of the workbooks: the first 1.000 communes, and all of them."""
FRAMEWORK = "id: bench-20\nname: Hai mươi chỉ số\nlevels: [index]\nnodes:\n" + "".join(
    f"  - {{code: c{i:02d}, name: Chỉ số {i}, max: 5, input: count, rule: relative_to_best}}\n"
    for i in range(1, INDICATORS + 1)
)
READ_ONLY = (
    "import sys; from python_calamine import CalamineWorkbook; wb = CalamineWorkbook.from_path(sys.argv[1]);"
    "print(sum(len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names))"
)


def _chiso() -> str:
    return str(Path(sys.executable).with_name("chiso"))


def workbook(folder: Path, units: int) -> Path:
    return folder / ("filled.xlsx" if units >= SIZES[-1] else f"filled-{units}.xlsx")


def prepare(folder: Path) -> tuple[dict[str, str], Path]:
    env = {**os.environ, "CHISO_DATA_DIR": str(folder / "data")}
    env.pop("CHISO_DATABASE_URL", None)
    filled = folder / "filled.xlsx"
    if (folder / "ready").exists() and _stale(f"sqlite:///{folder / 'empty.sqlite3'}"):
        (folder / "ready").unlink()
        (folder / "data" / "chiso.sqlite3").unlink(missing_ok=True)
    if not (folder / "ready").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "bench-20.yaml").write_text(FRAMEWORK, encoding="utf-8")
        subprocess.run(
            [_chiso(), "units", "seed", "--scheme", "legacy"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        register = [_chiso(), "framework", "register", str(folder / "bench-20.yaml")]
        subprocess.run(register, env=env, check=True, stdout=subprocess.DEVNULL)
        template = folder / "template.xlsx"
        subprocess.run(
            [
                _chiso(),
                "data",
                "template",
                "--framework",
                "bench-20",
                "--period",
                "2024",
                "--group",
                "UBND cấp xã",
                "--out",
                str(template),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        _fill(template, filled)
        shutil.copy(folder / "data" / "chiso.sqlite3", folder / "empty.sqlite3")
        (folder / "ready").write_text("ok")
    for units in SIZES[:-1]:
        if not workbook(folder, units).exists():
            _fill(folder / "template.xlsx", workbook(folder, units), units)
    return env, filled


def _stale(url: str) -> bool:
    """Whether a kept database predates the newest migration (then it is made again)."""
    from sqlalchemy import create_engine

    from chiso.store import migrate

    engine = create_engine(url)
    try:
        return migrate.current_revision(engine) != migrate.head_revision()
    finally:
        engine.dispose()


def _fill(template: Path, filled: Path, units: int | None = None) -> None:
    """Every input cell of the template filled (the first `units` rows kept, when given)."""
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb["Số liệu"]
    if units is not None and ws.max_row > 2 + units:
        ws.delete_rows(3 + units, ws.max_row - 2 - units)
    for r in range(3, ws.max_row + 1):
        for c in range(3, 3 + INDICATORS):
            ws.cell(r, c, (r * 7 + c * 13) % 97)
    wb.save(filled)


def _reset_sqlite(folder: Path) -> None:
    shutil.copy(folder / "empty.sqlite3", folder / "data" / "chiso.sqlite3")
    for suffix in ("-wal", "-shm"):
        (folder / "data" / f"chiso.sqlite3{suffix}").unlink(missing_ok=True)


def prepare_postgres(folder: Path, admin_url: str) -> tuple[dict[str, str], Callable[[], None]]:
    """A PostgreSQL database with the legacy units and the framework, kept as a template (at
    the current migration: a template made before a new migration is made again), and a
    function that makes the benchmark's database a fresh copy of it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    url = make_url(admin_url)
    # Named after the admin URL's database (imports_bench → imports_bench_workbook), so that
    # two sessions benchmarking on one server never drop each other's database.
    base = url.database if url.database and url.database != "postgres" else "chiso_bench"
    empty, work = f"{base}_workbook_empty", f"{base}_workbook"
    env = {
        **os.environ,
        "CHISO_DATA_DIR": str(folder / "pg-data"),
        "CHISO_DATABASE_URL": url.set(database=work).render_as_string(hide_password=False),
    }
    template = url.set(database=empty).render_as_string(hide_password=False)
    with admin.connect() as conn:
        query = text("SELECT 1 FROM pg_database WHERE datname = :n")
        known = conn.execute(query, {"n": empty}).first() is not None
        if known and _stale(template):
            conn.execute(text(f'DROP DATABASE "{empty}" WITH (FORCE)'))
            known = False
        if not known:
            conn.execute(text(f'CREATE DATABASE "{empty}"'))
            setup = {
                **env,
                "CHISO_DATABASE_URL": url.set(database=empty).render_as_string(hide_password=False),
            }
            for command in (
                [_chiso(), "units", "seed", "--scheme", "legacy"],
                [_chiso(), "framework", "register", str(folder / "bench-20.yaml")],
            ):
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=setup)

    def reset() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{work}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{work}" TEMPLATE "{empty}"'))

    return env, reset


@dataclass(frozen=True)
class Figures:
    backend: str
    units: int
    first: float
    first_peak: float
    again: float
    again_peak: float
    read: float

    def row(self) -> list[str]:
        return [
            self.backend,
            f"{self.units:,}".replace(",", "."),
            f"{self.first:.1f} s",
            f"{self.first / self.read:.1f}× (≤ 10×)",
            f"{self.again:.1f} s",
            f"{self.again / self.read:.1f}× (≤ 5×)",
            f"{max(self.first_peak, self.again_peak):,.0f} MiB (< 1024)",
            f"{self.read:.2f} s",
        ]


def measure(
    backend: str,
    env: dict[str, str],
    reset: Callable[[], None],
    filled: Path,
    repeat: int = 3,
    units: int = SIZES[-1],
) -> Figures:
    """The first import (on a fresh database each time) and the same file again, each against
    reading the workbook, interleaved in the same run; medians of `repeat`."""
    command = [_chiso(), "data", "import", str(filled)]
    firsts, agains, reads = [], [], []
    for _ in range(repeat):
        reset()
        firsts.append(run(command, env, repeat=1))
        agains.append(run(command, env, repeat=1))
        reads.append(run([sys.executable, "-c", READ_ONLY, str(filled)], env, repeat=1))
    return Figures(
        backend,
        units,
        statistics.median(r.seconds for r in firsts),
        max(r.peak_mib for r in firsts),
        statistics.median(r.seconds for r in agains),
        max(r.peak_mib for r in agains),
        statistics.median(r.seconds for r in reads),
    )


def main() -> list[list[str]]:
    folder = (
        Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
        / "workbook"
    )
    env, _ = prepare(folder)
    repeat = int(os.environ.get("CHISO_BENCH_REPEAT", "3"))
    sizes = [int(n) for n in os.environ.get("CHISO_BENCH_UNITS", "").split(",") if n] or SIZES
    rows = []
    for units in sizes:
        filled = workbook(folder, units)
        rows.append(
            measure("SQLite", env, lambda: _reset_sqlite(folder), filled, repeat, units).row()
        )
    admin = os.environ.get("CHISO_BENCH_POSTGRES_URL")
    if admin:
        pg_env, reset = prepare_postgres(folder, admin)
        for units in sizes:
            filled = workbook(folder, units)
            rows.append(measure("PostgreSQL", pg_env, reset, filled, repeat, units).row())
    header = ["backend", "units", "first import", "ratio", "again", "ratio", "peak", "read only"]
    print("workbook import, units × 20 indicators (ratios against reading the workbook; goals)")
    for row in [header, *rows]:
        print(" | ".join(row), flush=True)
    return rows


if __name__ == "__main__":
    main()
