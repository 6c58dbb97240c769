"""Importing a filled template of 10,035 communes (all pre-2025 communes) × 20 indicators: the first
import (200.700 new values, each audited) and a repeat (nothing changes), as whole processes,
against reading the same workbook with python-calamine alone in the same run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.measure import run

INDICATORS = 20
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


def prepare(folder: Path) -> tuple[dict[str, str], Path]:
    env = {**os.environ, "CHISO_DATA_DIR": str(folder / "data")}
    env.pop("CHISO_DATABASE_URL", None)
    filled = folder / "filled.xlsx"
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
    return env, filled


def _fill(template: Path, filled: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb["Số liệu"]
    for r in range(3, ws.max_row + 1):
        for c in range(3, 3 + INDICATORS):
            ws.cell(r, c, (r * 7 + c * 13) % 97)
    wb.save(filled)


def main() -> list[str]:
    folder = (
        Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
        / "workbook"
    )
    env, filled = prepare(folder)
    shutil.copy(folder / "empty.sqlite3", folder / "data" / "chiso.sqlite3")
    for suffix in ("-wal", "-shm"):
        (folder / "data" / f"chiso.sqlite3{suffix}").unlink(missing_ok=True)
    first = run([_chiso(), "data", "import", str(filled)], env, repeat=1)
    again = run([_chiso(), "data", "import", str(filled)], env)
    base = run([sys.executable, "-c", READ_ONLY, str(filled)], env)
    row = [
        f"{first.seconds:.1f} s",
        f"{first.peak_mib:,.0f} MiB",
        f"{again.seconds:.1f} s",
        f"{base.seconds:.1f} s",
        f"{first.seconds / base.seconds:.1f}×",
        f"{again.seconds / base.seconds:.1f}×",
    ]
    print("workbook import 10.035 × 20 | " + " | ".join(row), flush=True)
    return row


if __name__ == "__main__":
    main()
