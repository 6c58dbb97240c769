"""The per-period SQL shipped with chiso (`facts/indicators.COMPILED`): what Ibis compiles for
the shipped sources and measures, read on a fresh data folder without importing Ibis."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chiso.facts import indicators
from chiso.facts.schemas import catalog


def test_shipped_sql_is_what_ibis_compiles_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fails when the shipped sources or measures, Ibis or chiso's version changed without
    `ship_compiled` run again (its docstring says how)."""
    shipped = {p.name: p.read_text("utf-8") for p in indicators.COMPILED.glob("counts-*.json")}
    monkeypatch.setattr(indicators, "COMPILED", tmp_path)
    c = catalog()
    fresh = {p.name: p.read_text("utf-8") for p in indicators.ship_compiled(c.sources, c.measures)}
    assert len(fresh) == 2
    assert shipped == fresh


SCRIPT = """
import sys
from pathlib import Path
from chiso.facts.indicators import compiled_counts
from chiso.facts.schemas import catalog
c = catalog()
for by_month in (False, True):
    sql = compiled_counts(c.sources, c.measures, sorted(c.sources), Path(sys.argv[1]), by_month)
    assert sorted(sql) == sorted(c.sources), sql
    assert all("SELECT" in q for q in sql.values())
print("ibis" in sys.modules)
"""


def test_a_fresh_folder_reads_the_shipped_sql_without_ibis(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
    assert not list(tmp_path.iterdir())  # read from the package, nothing compiled into the cache
