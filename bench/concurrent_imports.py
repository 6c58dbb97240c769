"""Two `chiso data import` processes at once against the same two imports by one writer, one
after the other: what writing concurrently costs in CPU (lock waits, retries, the stamp counters
two writers bump) when both change every value of the same units and period.

Each round starts from a fresh database holding the first workbook's values (imported, not
timed); then workbook B and workbook C (every cell different from the first and from each other)
are imported either in turn (`sh -c 'import B && import C'`, the baseline) or at once (both
started, both waited for). Rounds alternate the two, so drift on a loaded machine hits both. The
figure is the median over rounds of CPU (user + system of both processes) at once / in turn;
1,0× means concurrency adds no work. After every concurrent round `chiso db check` must pass
(every audit step starts from the previous one's `after`, the last is what is stored).

SQLite (one writer at a time, `BEGIN IMMEDIATE`) and, with CHISO_BENCH_POSTGRES_URL (an admin
URL whose database names the benchmark's databases), PostgreSQL (row locks). Sizes:
CHISO_BENCH_UNITS (default 1.000 communes × 20 indicators)."""

from __future__ import annotations

import os
import shlex
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.import_workbook import INDICATORS, _chiso, _reset_sqlite, prepare, prepare_postgres
from bench.measure import Run, run
from bench.verdicts import Verdict

UNITS = (1000,)


def _fill(template: Path, out: Path, units: int, salt: int) -> None:
    """Every input cell of the first `units` rows, with numbers that depend on `salt`."""
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb["Số liệu"]
    if ws.max_row > 2 + units:
        ws.delete_rows(3 + units, ws.max_row - 2 - units)
    for r in range(3, ws.max_row + 1):
        for c in range(3, 3 + INDICATORS):
            ws.cell(r, c, (r * 7 + c * 13 + salt * 31) % 97)
    wb.save(out)


def _workbooks(folder: Path, units: int) -> tuple[Path, Path, Path]:
    found = []
    for salt in (0, 1, 2):
        path = folder / f"concurrent-{units}-{salt}.xlsx"
        if not path.exists():
            _fill(folder / "template.xlsx", path, units, salt)
        found.append(path)
    return found[0], found[1], found[2]


def _import(path: Path) -> str:
    return shlex.join([_chiso(), "data", "import", str(path)])


def measure(
    backend: str, env: dict[str, str], reset: Callable[[], None], folder: Path, units: int
) -> tuple[Run, Run, float]:
    """(in turn, at once, median ratio of CPU at once / in turn) over the rounds."""
    base, b, c = _workbooks(folder, units)
    in_turn = ["sh", "-c", f"{_import(b)} && {_import(c)}"]
    at_once = ["sh", "-c", f"{_import(b)} & one=$!; {_import(c)} & two=$!; wait $one && wait $two"]
    check = [_chiso(), "db", "check"]
    rounds = int(os.environ.get("CHISO_BENCH_REPEAT", "3"))
    turns: list[Run] = []
    onces: list[Run] = []
    for _ in range(rounds):
        for command, kept in ((in_turn, turns), (at_once, onces)):
            reset()
            subprocess.run(
                [_chiso(), "data", "import", str(base)],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            kept.append(run(command, env, repeat=1))
            subprocess.run(check, env=env, check=True, stdout=subprocess.DEVNULL)
    ratio = statistics.median(
        o.cpu_seconds / t.cpu_seconds for o, t in zip(onces, turns, strict=True)
    )
    return _median(turns), _median(onces), ratio


def _median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs),
        max(r.peak_mib for r in runs),
        statistics.median(r.cpu_seconds for r in runs),
    )


def main() -> list[Verdict]:
    folder = (
        Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
        / "workbook"
    )
    env, _ = prepare(folder)
    # The second writer waits for the first on SQLite: longer than the default lock timeout
    # when a large workbook runs on a loaded machine.
    env = {**env, "CHISO_DB_LOCK_TIMEOUT": "600"}
    sizes = [int(n) for n in os.environ.get("CHISO_BENCH_UNITS", "").split(",") if n] or UNITS
    backends: list[tuple[str, dict[str, str], Callable[[], None]]] = [
        ("SQLite", env, lambda: _reset_sqlite(folder))
    ]
    admin = os.environ.get("CHISO_BENCH_POSTGRES_URL")
    if admin:
        pg_env, reset = prepare_postgres(folder, admin)
        backends.append(("PostgreSQL", {**pg_env, "CHISO_DB_LOCK_TIMEOUT": "600"}, reset))
    print(
        "Two `chiso data import` at once against the same two in turn (one writer), "
        f"units × {INDICATORS} indicators, every value changed by each; CPU = user + system"
    )
    print("  backend     units   in turn (wall / CPU)   at once (wall / CPU)   CPU ratio")
    found = []
    for name, backend_env, reset in backends:
        for units in sizes:
            turn, once, ratio = measure(name, backend_env, reset, folder, units)
            print(
                f"  {name:<10} {units:>6}   {turn.seconds:6.1f} s / {turn.cpu_seconds:5.1f} s"
                f"     {once.seconds:6.1f} s / {once.cpu_seconds:5.1f} s     {ratio:5.2f}×",
                flush=True,
            )
            found.append(
                Verdict(
                    f"two imports at once against in turn, {name}, {units} units",
                    f"{ratio:.2f}× CPU",
                    "≈ 1× (no work lost to contention)",
                    None,
                )
            )
    return found


if __name__ == "__main__":
    main()
