"""What a fresh data folder (`chiso demo`) needs no heavy import for: the per-period SQL shipped
with chiso (`facts/indicators.COMPILED`), equal to what Ibis compiles for the shipped sources and
measures and read without importing Ibis; generated records, made without pandas."""

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


GENERATE = """
import sys
import numpy as np
from chiso.domain.periods import Period
from chiso.facts import synthetic
codes = ["75.SYT", "75.26734"]
level = np.array([0.2, 0.9])
pop = synthetic.Population(
    codes=codes, documents=np.array([40.0, 60.0]), meetings=np.array([3.0, 4.0]),
    accounts=np.array([5, 7], dtype=np.int64), applications=np.array([20.0, 0.0]),
    signed=level, online_docs=level, paperless=level, email=level, online_apps=level,
    digitised=level,
)
for name, make in synthetic.GENERATORS.items():
    table = make(Period.parse("2026-11"), pop, np.random.default_rng(1))
    table.validate(full=True)
    assert set(table.column("unit_code").to_pylist()) <= set(codes), name
    assert table.num_rows > 0, name
docs = synthetic.documents(Period.parse("2026-11"), pop, np.random.default_rng(1))
ids, units = docs.column("doc_id").to_pylist(), docs.column("unit_code").to_pylist()
assert ids == [f"VB2026-11-{i}" for i in range(len(ids))]
assert units == sorted(units, key=codes.index) and set(units) == set(codes)
print("pandas" in sys.modules)
"""


def test_generated_records_need_no_pandas() -> None:
    """pa.array and pa.scalar import all of pandas on first use; the generator builds its
    columns from NumPy buffers instead (the demo's start)."""
    out = subprocess.run(
        [sys.executable, "-c", GENERATE], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


SUMMARIES = """
import sys
from pathlib import Path
from chiso.services import facts
from chiso.services.runtime import Runtime
from chiso.settings import Settings
rt = Runtime(Settings(data_dir=Path(sys.argv[1])))
known = facts.catalog_of(rt)
sql = {n: facts.summary_sql(rt, known, n) for n in sorted(known.sources)}
assert all(q is not None and "SELECT" in q for q in sql.values()), sql
print("ibis" in sys.modules)
"""


def test_the_summaries_of_a_fresh_folder_need_no_ibis(tmp_path: Path) -> None:
    """Each shipped source's summary query (what `generate` and `ingest` keep per month) comes
    from the shipped SQL too: asked for one source alone it was compiled by Ibis."""
    out = subprocess.run(
        [sys.executable, "-c", SUMMARIES, str(tmp_path)], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
    assert not (tmp_path / "tmp" / "facts-sql").exists()
