"""Monthly summaries give exactly what scanning the records gives, on records written by hand
the way ingestion would refuse them (duplicate ids, codes of no unit, an empty month), and a
summary that no longer describes its month's files is never read."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from chiso.facts import indicators, summaries
from chiso.facts.engine import connect
from chiso.facts.schemas import SOURCES
from chiso.services import facts
from chiso.services.generate import GenerateRequest, generate
from chiso.services.runtime import Runtime

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
PERIODS = {"2025": MONTHS, "2024-12": ["2024-12"], "2025-03": ["2025-03"], "2025-05": ["2025-05"],
           "2025-Q1": MONTHS[:3]}  # fmt: skip


def _documents(rows: list[tuple[str, str, str, bool, bool, bool, bool]]) -> pa.Table:
    names = ["doc_id", "unit_code", "issued_at", "classified", "sent_online", "signed_personal",
             "signed_org"]  # fmt: skip
    columns: list[list[Any]] = [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * 7
    columns[2] = [datetime.fromisoformat(t) for t in columns[2]]
    types = [pa.string(), pa.string(), pa.timestamp("us"), *[pa.bool_()] * 4]
    return pa.table({n: pa.array(c, t) for n, c, t in zip(names, columns, types, strict=True)})


def _write(root: Path, month: str, name: str, table: pa.Table) -> Path:
    folder = root / "documents" / f"month={month}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / name)
    return folder / name


HOSTILE = {
    "2025-03": [  # the same id twice in a month and again in the next one; a unit that is gone
        ("d1", "75.SYT", "2025-03-02 08:00", False, True, True, True),
        ("d1", "75.SYT", "2025-03-02 08:00", False, True, True, False),
        ("d2", "legacy:25361", "2025-03-05 09:00", False, False, True, True),
        ("d3", "99.KHONG-CO", "2025-03-06 10:00", False, True, False, False),
        ("d4", "75.SYT", "2025-03-07 10:00", True, True, True, True),
    ],
    "2025-04": [("d1", "75.SYT", "2025-04-01 08:00", False, True, True, True)],
    "2025-05": [],  # a month whose only file holds no record
}


def _counts(rt: Runtime, use_summaries: bool) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    known = facts.catalog_of(rt)
    store = facts.store_of(rt)
    stored = {
        n: (str(store.folder(src)), store.files(src))
        for n, src in known.sources.items()
        if store.has(src)
    }
    if not use_summaries:
        for root, _ in stored.values():
            summaries.remove(Path(root))
    engine = connect()
    try:
        counts = indicators.period_counts(engine, stored, known.sources, known.measures, PERIODS)
    finally:
        engine.close()
    return {
        p: {n: sorted(tuple(sorted(r.items())) for r in rows) for n, rows in c.items()}
        for p, c in counts.items()
    }


def test_summaries_and_scan_agree_exactly_on_hostile_records(province_rt: Runtime) -> None:
    generate(province_rt, GenerateRequest(months=3, end="2025-02", documents=3_000, values=False))
    store = facts.store_of(province_rt)
    src = SOURCES["documents"]
    root = store.root
    written = [_write(root, m, "part-hand.parquet", _documents(r)) for m, r in HOSTILE.items()]
    sql = facts.summary_sql(province_rt, facts.catalog_of(province_rt), "documents")
    assert sql is not None
    store.register(src, written, sql)
    folder = store.folder(src)
    found, scanned = summaries.lookup(folder, store.files(src), sql)
    assert (len(found), scanned) == (6, [])  # 2024-12 to 2025-02 generated, 03 to 05 by hand
    kept = pq.read_table(next(p for p in found if "month=2025-03" in p)).to_pylist()
    syt = next(r for r in kept if r["unit_code"] == "75.SYT")
    assert {k: v for k, v in syt.items() if k != "unit_code"} == {
        "month": "2025-03", "n0": 1, "d0": 2, "n1": 2, "d1": 2
    }  # fmt: skip
    assert {r["unit_code"] for r in kept} == {"75.SYT", "legacy:25361", "99.KHONG-CO"}

    with_summaries = _counts(province_rt, use_summaries=True)
    scan = _counts(province_rt, use_summaries=False)  # removes them: every month scanned
    assert with_summaries == scan
    assert summaries.lookup(folder, store.files(src), sql) == ([], store.files(src))
    march = {dict(r)["unit_code"]: dict(r) for r in scan["2025-03"]["documents"]}
    assert (march["75.SYT"]["n0"], march["75.SYT"]["d0"], march["99.KHONG-CO"]["d1"]) == (1, 2, 1)
    assert scan["2025-05"]["documents"] == [] and len(scan["2024-12"]["documents"]) > 10
    whole = {dict(r)["unit_code"]: dict(r) for r in scan["2025"]["documents"]}
    assert whole["75.SYT"]["d0"] == 1 + sum(  # April's record and the quarter's (March's too)
        dict(r)["d0"] for r in scan["2025-Q1"]["documents"] if dict(r)["unit_code"] == "75.SYT"
    )


def test_a_summary_of_other_files_is_stale_and_compaction_makes_it_again(
    province_rt: Runtime,
) -> None:
    generate(province_rt, GenerateRequest(months=2, end="2025-04", documents=3_000, values=False))
    store = facts.store_of(province_rt)
    src = SOURCES["documents"]
    folder = store.folder(src)
    sql = facts.summary_sql(province_rt, facts.catalog_of(province_rt), "documents")
    assert sql is not None
    first = facts.compute(province_rt, "2025")
    assert first.created > 100
    assert len(summaries.lookup(folder, store.files(src), sql)[0]) == 2
    # a file added to April without its summary (copied in by hand): April is scanned again
    extra = _write(store.root, "2025-04", "part-late.parquet", _documents(HOSTILE["2025-03"][:1]))
    store.register(src, [extra])
    found, scanned = summaries.lookup(folder, store.files(src), sql)
    assert len(found) == 1 and {f.split("/")[0] for f in scanned} == {"month=2025-04"}
    # a file rewritten in place under the same name (the generator's tag): stale as well
    march = next(f for f in store.files(src) if f.startswith("month=2025-03/"))
    stat = (folder / march).stat()
    os.utime(folder / march, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert summaries.lookup(folder, store.files(src), sql)[0] == []
    after_late = facts.compute(province_rt, "2025")
    assert after_late.updated > 0  # 75.SYT counts the late record
    report = facts.compact(province_rt, ["documents"])
    assert (report[0].files_before, report[0].files_after) == (3, 2)
    found, scanned = summaries.lookup(folder, store.files(src), sql)
    assert (len(found), scanned) == (2, [])
    assert len(list((folder / summaries.FOLDER).rglob("*.parquet"))) == 2  # stale ones removed
    again = facts.compute(province_rt, "2025")
    assert (again.created, again.updated, again.unchanged) == (0, 0, again.rows)
