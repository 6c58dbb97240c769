"""Raw records: ingestion (validated, idempotent), the Ibis computation checked against a plain
Python count and on a second backend, and the generator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from chiso.domain.periods import Period
from chiso.facts.engine import Engine, connect
from chiso.facts.schemas import SOURCES
from chiso.services import facts
from chiso.services.generate import GenerateRequest, generate
from chiso.services.runtime import Runtime
from chiso.store.models import IndicatorValue, Unit

DOCS = """doc_id,unit_code,issued_at,classified,sent_online,signed_personal,signed_org
d1,75.SYT,2023-07-03 09:00,false,true,true,true
d2,75.SYT,2023-07-04 10:00,0,1,1,0
d3,75.SYT,05/07/2023,false,true,true,true
d4,75.SYT,2023-07-05,true,false,false,false
d5,legacy:25361,2023-07-06,false,true,có,x
d6,25361,2023-08-06,false,false,không,0
"""


def records_under(root: Path) -> list[Path]:
    """The record files below `root` (not the monthly summaries beside them)."""
    return [p for p in root.rglob("*.parquet") if "_summaries" not in p.parts]


def files_in(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in records_under(root))


def stored_values(
    rt: Runtime, period: str
) -> dict[tuple[str, str], tuple[float | None, float | None, float | None]]:
    with rt.db.transaction() as s:
        rows = s.scalars(
            select(IndicatorValue).where(
                IndicatorValue.period == period, IndicatorValue.source == "computed"
            )
        ).all()
        return {(v.unit.key, v.indicator): (v.number, v.numerator, v.denominator) for v in rows}


def test_ingest_formats_and_idempotence(province_rt: Runtime, tmp_path: Path) -> None:
    csv_path = tmp_path / "docs.csv"
    csv_path.write_text(DOCS, encoding="utf-8")
    report = facts.ingest(province_rt, "documents", [csv_path])
    assert (report.rows, report.new, report.months) == (6, 6, ["2023-07", "2023-08"])
    again = facts.ingest(province_rt, "documents", [csv_path])
    assert (again.new, again.already_stored) == (0, 6)
    jsonl = tmp_path / "meetings.jsonl"
    jsonl.write_text(
        "\n".join(
            json.dumps(
                {
                    "meeting_id": f"m{i}",
                    "unit_code": "75.SYT",
                    "held_on": "2023-07-1" + str(i),
                    "paperless": i % 2 == 0,
                }
            )
            for i in range(4)
        ),
        encoding="utf-8",
    )
    assert facts.ingest(province_rt, "meetings", [jsonl]).new == 4
    parquet = tmp_path / "email.parquet"
    pq.write_table(
        pa.table(
            {
                "account": ["a", "b", "c"],
                "unit_code": ["75.SYT"] * 3,
                "period": ["2023-07"] * 3,
                "active": [True, False, True],
            }
        ),
        parquet,
    )
    assert (
        facts.ingest(
            province_rt, "email", [parquet, parquet.with_name("x")] if False else [parquet]
        ).new
        == 3
    )
    root = province_rt.settings.data_dir / "facts"
    assert "documents/month=2023-07" in " ".join(files_in(root))
    report = facts.compute(province_rt, "2023-07")
    values = stored_values(province_rt, "2023-07")
    assert values[("75.SYT", "signed_docs_rate")] == (None, 2.0, 3.0)
    assert values[("75.SYT", "online_docs_rate")] == (None, 3.0, 3.0)
    assert values[("75.SYT", "paperless_meetings")] == (2.0, None, None)
    assert values[("75.SYT", "official_email_rate")] == (None, 2.0, 3.0)
    assert values[("legacy:25361", "signed_docs_rate")] == (None, 1.0, 1.0)
    assert values[("legacy:694", "signed_docs_rate")] == (None, 1.0, 1.0)
    # before 1/7/2025 the new province counts its departments and the former provinces merged
    # into it (75.SYT's 2/3 and the former commune's 1/1), not its departments alone
    assert values[("2025:75", "signed_docs_rate")] == (None, 3.0, 4.0)
    assert values[("legacy:70", "signed_docs_rate")] == (None, 1.0, 1.0)  # Bình Phước
    assert report.created == len(values)
    assert facts.compute(province_rt, "2023-07").created == 0
    loose = facts.compute(province_rt, "2023-07", closed_loop=False)
    assert loose.updated >= 1
    assert stored_values(province_rt, "2023-07")[("75.SYT", "signed_docs_rate")] == (None, 3.0, 3.0)


BAD_RECORDS = {
    "bad_timestamp": (
        "d9,75.SYT,hôm qua,false,true,true,true",
        "cột issued_at",
        "1 ô không đúng kiểu dữ liệu: bad.csv dòng 3 ('hôm qua')",
    ),
    "bad_boolean": (
        "d9,75.SYT,2023-07-01,có lẽ,true,true,true",
        "cột classified",
        "không đúng kiểu dữ liệu",
    ),
    "empty_unit": ("d9,,2023-07-01,false,true,true,true", "cột unit_code", "1 ô bị trống"),
    "unknown_unit": (
        "d9,99.XYZ,2023-07-01,false,true,true,true",
        "cột unit_code",
        "1 mã đơn vị không có trong danh mục: 99.XYZ",
    ),
    "duplicate_ids": (
        "d9,75.SYT,2023-07-01,false,true,true,true\nd9,75.SYT,2023-07-02,false,true,true,true",
        "bad.csv",
        "1 mã bản ghi bị trùng: 'd9'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_bad_records_store_nothing(cli, province_db: str, tmp_path: Path, case: str) -> None:
    lines, where, message = BAD_RECORDS[case]
    path = tmp_path / "bad.csv"
    path.write_text(
        DOCS.splitlines()[0] + "\nd8,75.SYT,2023-07-01,false,true,true,true\n" + lines + "\n",
        encoding="utf-8",
    )
    root = tmp_path / "data" / "facts"
    before = files_in(root) if root.exists() else []
    code, _, err = cli(province_db, "facts", "ingest", "--source", "documents", str(path))
    assert code == 1, err
    assert where in err and message in err
    assert "không có bản ghi nào được lưu" in err
    assert (files_in(root) if root.exists() else []) == before


def test_missing_column_and_unreadable_file(cli, province_db: str, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("meeting_id,unit_code,held_on\nm1,75.SYT,2023-07-01\n", encoding="utf-8")
    code, _, err = cli(province_db, "facts", "ingest", "--source", "meetings", str(path))
    assert code == 1 and "thiếu cột: paperless" in err
    broken = tmp_path / "b.parquet"
    broken.write_bytes(b"PAR1 not really")
    code, _, err = cli(province_db, "facts", "ingest", "--source", "meetings", str(broken))
    assert code == 1 and "không đọc được" in err
    assert cli(province_db, "facts", "ingest", "--source", "faxes", str(path))[0] == 2


@pytest.fixture
def generated(province_rt: Runtime) -> Runtime:
    generate(province_rt, GenerateRequest(months=6, end="2025-09", documents=30_000, values=False))
    return province_rt


def python_counts(rt: Runtime, period: Period) -> dict[tuple[str, str], tuple[float, float | None]]:
    """The same indicators counted record by record in plain Python, rolled up by parent."""
    months = {str(m) for m in period.months()}
    root = rt.settings.data_dir / "facts"
    with rt.db.transaction() as s:
        units = {u.key: u for u in s.scalars(select(Unit))}
        by_id = {u.id: u for u in units.values()}
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])

    def add(code: str, indicator: str, num: float, den: float) -> None:
        unit = units[code]
        while unit is not None:
            totals[(unit.key, indicator)][0] += num
            totals[(unit.key, indicator)][1] += den
            unit = by_id.get(unit.parent_id) if unit.parent_id else None

    for path in (root / "documents").glob("month=*/*.parquet"):
        if path.parent.name.removeprefix("month=") in months:
            for r in pq.read_table(path).to_pylist():
                if not r["classified"]:
                    add(
                        r["unit_code"],
                        "signed_docs_rate",
                        float(r["signed_personal"] and r["signed_org"]),
                        1.0,
                    )
                    add(r["unit_code"], "online_docs_rate", float(r["sent_online"]), 1.0)
    for path in (root / "applications").glob("month=*/*.parquet"):
        if path.parent.name.removeprefix("month=") in months:
            for r in pq.read_table(path).to_pylist():
                add(r["unit_code"], "online_applications_rate", float(r["online"]), 1.0)
    for path in (root / "meetings").glob("month=*/*.parquet"):
        if path.parent.name.removeprefix("month=") in months:
            for r in pq.read_table(path).to_pylist():
                add(r["unit_code"], "paperless_meetings", float(r["paperless"]), 0.0)
    return {k: (v[0], v[1] or None) for k, v in totals.items()}


def test_computed_values_equal_an_independent_count(generated: Runtime, engine: Engine) -> None:
    period = Period.parse("2025-Q3")
    facts.compute(generated, str(period), engine=engine)
    stored = stored_values(generated, str(period))
    expected = python_counts(generated, period)
    checked = 0
    for (unit, indicator), (num, den) in expected.items():
        if indicator == "paperless_meetings":
            assert stored[(unit, indicator)] == (num, None, None)
        elif den:
            assert stored[(unit, indicator)] == (None, num, den)
        checked += 1
    assert checked > 300
    assert stored[("2025:75", "signed_docs_rate")][2] == sum(
        v[2]
        for (u, i), v in stored.items()
        if i == "signed_docs_rate" and u.startswith("2025:") and u != "2025:75"
    ) + sum(v[2] for (u, i), v in stored.items() if i == "signed_docs_rate" and u.startswith("75."))


def test_engines_agree_value_for_value(generated: Runtime, engine: Engine) -> None:
    """The stored values computed on DuckDB, computed again on the other engine, change nothing."""
    facts.compute(generated, "2025-Q3", engine=connect())
    before = stored_values(generated, "2025-Q3")
    again = facts.compute(generated, "2025-Q3", engine=engine)
    assert (again.created, again.updated) == (0, 0)
    assert stored_values(generated, "2025-Q3") == before
    assert len(before) > 300


def test_many_periods_in_one_pass_store_what_each_alone_would(
    generated: Runtime, engine: Engine
) -> None:
    """`compute_many` counts per month and sums: a month before the merger of provinces, one
    after, and their quarter, at once, store what `compute` of each stores (run again, alone,
    it finds every value unchanged), each period audited under its own reference."""
    periods = [Period.parse(p) for p in ("2025-06", "2025-07", "2025-Q3")]
    reports = facts.compute_many(generated, periods, engine=engine, flags=False)
    together = {str(p): stored_values(generated, str(p)) for p in periods}
    assert [r.created for r in reports] == [len(together[str(p)]) for p in periods]
    assert all(r.created > 100 and not r.flags for r in reports)
    for period, report in zip(periods, reports, strict=True):
        alone = facts.compute(generated, str(period), engine=engine)
        assert (alone.created, alone.updated, alone.unchanged) == (0, 0, report.created)
    assert {str(p): stored_values(generated, str(p)) for p in periods} == together
    quarter = python_counts(generated, periods[2])
    assert (
        together["2025-Q3"][("2025:75", "signed_docs_rate")][1:]
        == quarter[("2025:75", "signed_docs_rate")]
    )
    with generated.db.transaction() as s:
        refs = set(
            s.scalars(select(IndicatorValue.source_ref).where(IndicatorValue.source == "computed"))
        )
    assert {r.rsplit(" — ", 1)[1].split(" ")[0] for r in refs} == {"2025-06", "2025-07", "2025-Q3"}


def test_generator_is_deterministic(province_rt: Runtime, tmp_path: Path) -> None:
    tables = []
    for name in ("a", "b"):
        report = generate(
            province_rt,
            GenerateRequest(
                months=2, end="2025-07", seed=5, documents=5_000, out=tmp_path / name, values=False
            ),
        )
        assert report.records["documents"] > 3_000
        tables.append(
            pq.read_table(tmp_path / name / "documents" / "month=2025-07" / "part-gen-5.parquet")
        )
    assert tables[0].equals(tables[1])
    other = generate(
        province_rt,
        GenerateRequest(
            months=1, end="2025-07", seed=6, documents=5_000, out=tmp_path / "c", values=False
        ),
    )
    assert other.records["documents"] > 0
    units = set(tables[0].column("unit_code").to_pylist())
    assert any(u.startswith("2025:") for u in units) and not any(
        u.startswith("legacy:") for u in units
    )
    june = pq.read_table(tmp_path / "a" / "documents" / "month=2025-06" / "part-gen-5.parquet")
    assert any(u.startswith("legacy:") for u in june.column("unit_code").to_pylist())


HEADER = DOCS.splitlines()[0]


def doc_batch(path: Path, ids: range, months: tuple[str, ...] = ("2023-07", "2023-08")) -> Path:
    lines = [
        f"d{i},75.SYT,{months[i % len(months)]}-0{1 + i % 9} 08:00,false,{str(i % 2 == 0).lower()},true,true"
        for i in ids
    ]
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_ids(rt: Runtime, engine: Engine | None = None) -> list[str]:
    """Every stored document id as a reader sees it (the committed files, through an engine)."""
    store = facts.store_of(rt)
    src = SOURCES["documents"]
    if not store.has(src):
        return []
    reader = engine or connect()
    table = reader.open("documents", store.folder(src), store.files(src))
    return sorted(r["doc_id"] for r in reader.fetch(table.select("doc_id")).to_pylist())


def chiso_env(rt: Runtime, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHISO_")}
    return {
        **env,
        "CHISO_DATABASE_URL": rt.settings.effective_database_url,
        "CHISO_DATA_DIR": str(rt.settings.data_dir),
        **extra,
    }


def ingest_process(rt: Runtime, path: Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("chiso")), "facts", "ingest", "--source", "documents", str(path)],
        env=chiso_env(rt, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_twice_and_overlapping_batches_store_each_id_once(
    province_rt: Runtime, tmp_path: Path, engine: Engine
) -> None:
    first = doc_batch(tmp_path / "a.csv", range(100))
    assert facts.ingest(province_rt, "documents", [first]).new == 100
    again = facts.ingest(province_rt, "documents", [first])
    assert (again.new, again.already_stored) == (0, 100)
    overlap = facts.ingest(
        province_rt, "documents", [doc_batch(tmp_path / "b.csv", range(50, 150))]
    )
    assert (overlap.new, overlap.already_stored) == (50, 50)
    ids = stored_ids(province_rt, engine)
    assert len(ids) == 150 == len(set(ids))


def test_two_concurrent_processes_store_each_id_once(province_rt: Runtime, tmp_path: Path) -> None:
    batch = doc_batch(tmp_path / "same.csv", range(3000))
    runs = [ingest_process(province_rt, batch) for _ in range(2)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    ids = stored_ids(province_rt)
    assert len(ids) == 3000 == len(set(ids))
    said = " ".join(out for out, _ in outputs)
    assert "lưu mới 3.000" in said and "đã có từ trước 3.000" in said


def test_a_killed_ingest_leaves_nothing_visible_and_is_cleaned(
    province_rt: Runtime, tmp_path: Path, engine: Engine
) -> None:
    facts.ingest(province_rt, "documents", [doc_batch(tmp_path / "a.csv", range(10))])
    before = stored_ids(province_rt, engine)
    killed = ingest_process(province_rt, doc_batch(tmp_path / "b.csv", range(10, 400)),
                            CHISO_FACTS_TEST_KILL_AFTER_MOVES="1")  # fmt: skip
    killed.communicate(timeout=120)
    assert killed.returncode == -9
    folder = province_rt.settings.data_dir / "facts" / "documents"
    on_disk = {str(p.relative_to(folder)) for p in records_under(folder)}
    committed = set(facts.store_of(province_rt).files(SOURCES["documents"]))
    assert on_disk - committed, "the kill happened after a file was moved"
    assert any(folder.glob("staging-*"))
    assert stored_ids(province_rt, engine) == before
    report = facts.ingest(province_rt, "documents", [tmp_path / "b.csv"])
    assert report.new == 390
    assert not any(folder.glob("staging-*"))
    on_disk = {str(p.relative_to(folder)) for p in records_under(folder)}
    assert on_disk == set(facts.store_of(province_rt).files(SOURCES["documents"]))
    assert len(stored_ids(province_rt, engine)) == 400


def test_compact_merges_files_and_keeps_every_record(
    province_rt: Runtime, tmp_path: Path, cli, province_db: str
) -> None:
    for n in range(4):
        facts.ingest(
            province_rt, "documents", [doc_batch(tmp_path / f"{n}.csv", range(n * 20, n * 20 + 30))]
        )
    src = SOURCES["documents"]
    assert len(facts.store_of(province_rt).files(src)) == 8
    before = stored_ids(province_rt)
    code, out, err = cli(province_db, "facts", "compact", "--source", "documents")
    assert code == 0, err
    assert "8 tệp → 2 tệp, 90 bản ghi" in out
    files = facts.store_of(province_rt).files(src)
    assert len(files) == 2
    folder = facts.store_of(province_rt).folder(src)
    assert {str(p.relative_to(folder)) for p in records_under(folder)} == set(files)
    assert stored_ids(province_rt) == before


def test_five_concurrent_identical_posts_store_each_id_once(web: Any) -> None:
    from chiso.services.accounts import sessions

    headers = {"Authorization": "Bearer " + sessions.create_token(web.rt, "evaluator", "QLVB")}
    records = [
        {"doc_id": f"p{i}", "unit_code": "75.STC", "issued_at": "2026-10-05", "classified": False,
         "sent_online": True, "signed_personal": True, "signed_org": i % 3 == 0}
        for i in range(2000)
    ]  # fmt: skip
    client = web.client(None)

    def post(_: int) -> dict[str, Any]:
        response = client.post("/api/v1/records/documents", json=records, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(post, range(5)))
    assert sorted(a["stored"] for a in answers) == [0, 0, 0, 0, 2000]
    ids = stored_ids(web.rt)
    assert len(ids) == 2000 == len(set(ids))


BAD_MEASURES = {
    "double_operator": (
        "numerator: signed_personal and and signed_org",
        'numerator "signed_personal and and signed_org" cột 21',
        "cần một giá trị",
    ),
    "unknown_column": (
        "numerator: signed_personal and signd_org",
        "cột 21",
        "không có cột 'signd_org'",
    ),
    "not_a_condition": ("numerator: doc_id", "cột 1", "'doc_id' không phải điều kiện"),
    "unclosed": ("numerator: (sent_online or signed_org", "cột 27", "cần ')'"),
    "null_comparison": ("numerator: doc_id = null", "cột 8", "is null"),
    "unknown_source": ("numerator: x\n    source: faxes", "nguồn 'faxes' không có", "documents"),
}


@pytest.mark.parametrize("case", sorted(BAD_MEASURES))
def test_invalid_measures_are_refused_naming_file_measure_and_position(
    tmp_path: Path, case: str
) -> None:
    from chiso.errors import RejectedInput
    from chiso.facts.schemas import catalog

    body, where, message = BAD_MEASURES[case]
    folder = tmp_path / "measures"
    folder.mkdir()
    source_line = "" if "source:" in body else "    source: documents\n"
    (folder / "tinh.yaml").write_text(
        f"measures:\n  my_rate:\n{source_line}    {body}\n    denominator: 'true'\n",
        encoding="utf-8",
    )
    with pytest.raises(RejectedInput) as refused:
        catalog(tmp_path)
    text = refused.value.render_vi()
    assert "tinh.yaml" in text and "chỉ số 'my_rate'" in text
    assert where in text and message in text, text


def test_expressions_compile_to_the_rows_they_mean(tmp_path: Path, engine: Engine) -> None:
    from chiso.facts.expressions import compile_filter

    table = pa.table(
        {"a": [True, False, None, True], "n": [1, 5, 7, None], "s": ["x", "y", "z", "x"]}
    )
    kinds = {"a": "boolean", "n": "integer", "s": "string"}
    (tmp_path / "month=2025-01").mkdir()
    pq.write_table(table, tmp_path / "month=2025-01" / "p.parquet")
    t = engine.open("expr", tmp_path, ["month=2025-01/p.parquet"])
    cases = {
        "a": [True, False, None, True],
        "not a": [False, True, None, False],
        "a or n >= 5": [True, True, True, True],
        "s in ('x', 'z') and not n is null": [True, False, True, False],
        "s not in ('x')": [False, True, True, False],
        "n is null or (a and s != 'y')": [True, False, None, True],
        "true": [True, True, True, True],
    }
    for text, expected in cases.items():
        got = engine.fetch(t.select(v=compile_filter(text, kinds)(t))).column("v").to_pylist()
        assert got == expected, text


REPORTS_SOURCE = """source: reports
label: báo cáo định kỳ (Hệ thống thông tin báo cáo)
id: report_id
timestamp: submitted_on
unit: don_vi
columns:
  report_id: string
  don_vi: string
  submitted_on: date
  on_system: boolean
  pages: integer
"""
REPORTS_MEASURE = """measures:
  reports_on_system_rate:
    source: reports
    where: pages > 0
    numerator: on_system
    denominator: "true"
"""


def test_a_province_source_and_measure_written_only_in_yaml(
    cli, province_db: str, tmp_path: Path, engine: Engine
) -> None:
    facts_dir = tmp_path / "data" / "facts"
    (facts_dir / "sources").mkdir(parents=True)
    (facts_dir / "measures").mkdir(parents=True)
    (facts_dir / "sources" / "reports.yaml").write_text(REPORTS_SOURCE, encoding="utf-8")
    (facts_dir / "measures" / "reports.yaml").write_text(REPORTS_MEASURE, encoding="utf-8")
    batch = tmp_path / "reports.csv"
    batch.write_text(
        "report_id,don_vi,submitted_on,on_system,pages\n"
        "r1,75.SYT,03/07/2023,x,4\nr2,75.SYT,04/07/2023,0,2\nr3,75.SYT,05/07/2023,x,0\nr4,75.SCT,06/07/2023,x,9\n",
        encoding="utf-8",
    )
    code, out, err = cli(province_db, "facts", "ingest", "--source", "reports", str(batch))
    assert code == 0, err
    assert "báo cáo định kỳ" in out and "lưu mới 4" in out
    from chiso.services.dashboard import pages
    from chiso.services.runtime import open_runtime
    from chiso.settings import Settings

    rt = open_runtime(Settings(database_url=province_db, data_dir=tmp_path / "data"))
    try:
        report = facts.compute(rt, "2023-07", engine=engine)
        values = stored_values(rt, "2023-07")
        ranking = pages.ranking(rt, "platform-usage", Period.parse("2023-07"), draws=10)
    finally:
        rt.close()
    ranked = {r.unit.code: r for r in ranking.evaluation.results}
    assert "reports_on_system_rate" not in ranked["75.SYT"].missing
    assert "reports_on_system_rate" in ranked["75.SYT"].scores
    assert report.created >= 3
    assert values[("75.SYT", "reports_on_system_rate")] == (None, 1.0, 2.0)
    assert values[("75.SCT", "reports_on_system_rate")] == (None, 1.0, 1.0)
    assert values[("2025:75", "reports_on_system_rate")] == (None, 2.0, 3.0)
    code, out, err = cli(province_db, "facts", "compute", "--period", "2023-07")
    assert code == 0 and "giữ nguyên" in out, err
    code, out, err = cli(province_db, "facts", "compute", "--period", "2023-Q3", "--monthly")
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("bản ghi ")]
    assert [line.split(" (")[0] for line in lines] == [f"bản ghi 2023-0{m}" for m in (7, 8, 9)]
    assert "thêm 0, sửa 0, giữ nguyên" in lines[0] and ": 0 giá trị" in lines[1]


def qlvb_export(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["SỔ VĂN BẢN ĐI NĂM 2023"])
    sheet.append(["Đơn vị: UBND tỉnh"])
    sheet.append(["STT", "Số, ký hiệu", "Ngày ban hành", "Trích yếu", "Đơn vị ban hành", "Độ mật",
                  "Gửi điện tử", "Ký số cá nhân", "Ký số cơ quan"])  # fmt: skip
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_qlvb_export_through_its_profile(cli, province_db: str, tmp_path: Path) -> None:
    rows = [
        [1, "12/QĐ-SYT", "03/07/2023", "Về việc …", "Sở Y tế", "", "x", "x", "x"],
        [2, "13/QĐ-SYT", "04/07/2023", "Về việc …", "sở y tế", "Thường", "x", "x", ""],
        [3, "14/QĐ-SYT", "05/07/2023", "Về việc …", "75.SYT", "Mật", "", "", ""],
        [4, "12/QĐ-SYT", "06/08/2023", "Cùng số, năm khác", "Sở Y tế", None, "X", "x", "x"],
    ]
    export = qlvb_export(tmp_path / "so-van-ban-di.xlsx", rows)
    code, out, err = cli(
        province_db, "facts", "ingest", "--profile", "qlvb-van-ban-di", str(export)
    )
    assert code == 0, err
    assert "lưu mới 4" in out and "2023-07, 2023-08" in out
    again = cli(province_db, "facts", "ingest", "--profile", "qlvb-van-ban-di", str(export))
    assert again[0] == 0 and "lưu mới 0" in again[1] and "đã có từ trước 4" in again[1]
    code, out, err = cli(province_db, "facts", "compute", "--period", "2023-07")
    assert code == 0, err
    from chiso.services.runtime import open_runtime
    from chiso.settings import Settings

    rt = open_runtime(Settings(database_url=province_db, data_dir=tmp_path / "data"))
    try:
        values = stored_values(rt, "2023-07")
    finally:
        rt.close()
    assert values[("75.SYT", "signed_docs_rate")] == (None, 1.0, 2.0)
    assert values[("75.SYT", "online_docs_rate")] == (None, 2.0, 2.0)


def test_export_with_bad_cells_names_them_and_stores_nothing(
    cli, province_db: str, tmp_path: Path
) -> None:
    rows = [
        [1, "12/QĐ", "31/02/2023", "…", "Sở Y tế", "", "x", "x", "x"],
        [2, "13/QĐ", "04/07/2023", "…", "Sở Không Có", "", "x", "x", "x"],
    ]
    export = qlvb_export(tmp_path / "xuat.xlsx", rows)
    code, _, err = cli(province_db, "facts", "ingest", "--profile", "qlvb-van-ban-di", str(export))
    assert code == 1
    assert "ngày không đọc được" in err and "ô C4" in err and "'31/02/2023'" in err
    assert "không tìm thấy đơn vị 'Sở Không Có'" in err and "ô E5" in err
    assert "không có bản ghi nào được lưu" in err
    assert not list((tmp_path / "data" / "facts").rglob("*.parquet"))


def test_portal_applications_csv_and_aggregated_statistics(
    cli, province_db: str, tmp_path: Path
) -> None:
    apps = tmp_path / "ho-so.csv"
    apps.write_text(
        "Mã hồ sơ,Cơ quan tiếp nhận,Ngày tiếp nhận,Mã TTHC,Hình thức nộp,Số hóa kết quả,Đúng hạn\n"
        "H1,Sở Y tế,03/07/2023 08:15,1.001,Trực tuyến,x,Đúng hạn\n"
        "H2,Sở Y tế,04/07/2023,1.001,Trực tiếp,,Quá hạn\n"
        "H3,Sở Y tế,05/07/2023,1.002,trực tuyến,x,Trước hạn\n",
        encoding="utf-8",
    )
    code, out, err = cli(province_db, "facts", "ingest", "--profile", "dvc-ho-so", str(apps))
    assert code == 0 and "lưu mới 3" in out, err
    stats = tmp_path / "thong-ke.csv"
    stats.write_text(
        "THỐNG KÊ HỒ SƠ THÁNG 08/2023\n"
        "Tên đơn vị,Tổng số hồ sơ tiếp nhận,Tiếp nhận trực tuyến,Tổng số hồ sơ đã giải quyết,Kết quả được số hóa\n"
        "Sở Công Thương,200,150,180,90\nSở Tài chính,40,10,40,40\n",
        encoding="utf-8",
    )
    code, out, err = cli(
        province_db,
        "facts",
        "ingest",
        "--profile",
        "dvc-thong-ke",
        "--period",
        "2023-08",
        str(stats),
    )
    assert code == 0, err
    assert "thêm 4" in out
    code, out, err = cli(province_db, "facts", "compute", "--period", "2023-07")
    from chiso.services.runtime import open_runtime
    from chiso.settings import Settings

    rt = open_runtime(Settings(database_url=province_db, data_dir=tmp_path / "data"))
    try:
        computed = stored_values(rt, "2023-07")
        with rt.db.transaction() as s:
            filed = {
                (v.unit.key, v.indicator): (v.numerator, v.denominator)
                for v in s.scalars(select(IndicatorValue).where(IndicatorValue.period == "2023-08"))
            }
    finally:
        rt.close()
    assert computed[("75.SYT", "online_applications_rate")] == (None, 2.0, 3.0)
    assert computed[("75.SYT", "digitised_results_rate")] == (None, 2.0, 3.0)
    assert filed[("75.SCT", "online_applications_rate")] == (150.0, 200.0)
    assert filed[("75.STC", "digitised_results_rate")] == (40.0, 40.0)


def test_spark_connect_through_the_settings(generated: Runtime, spark_remote: str) -> None:
    """CHISO_FACTS_ENGINE=spark with CHISO_FACTS_SPARK_REMOTE after a DuckDB run: nothing created,
    nothing updated."""
    from chiso.services.runtime import open_runtime
    from chiso.settings import Settings

    first = facts.compute(generated, "2025-08")
    assert first.created > 300
    settings = Settings(
        database_url=generated.settings.effective_database_url,
        data_dir=generated.settings.data_dir,
        facts_engine="spark",
        facts_spark_remote=spark_remote,
    )
    rt = open_runtime(settings)
    try:
        assert facts.engine_of(rt).name == "spark"
        again = facts.compute(rt, "2025-08")
    finally:
        rt.close()
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)


def test_many_bad_cells_are_counted_and_five_shown(cli, province_db: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    rows = [f"b{i},75.SYT,không rõ,false,true,true,true" for i in range(12)]
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = cli(province_db, "facts", "ingest", "--source", "documents", str(path))
    assert code == 1
    assert "12 ô không đúng kiểu dữ liệu: bad.csv dòng 2 ('không rõ')" in err
    assert "bad.csv dòng 6 ('không rõ') và 7 dòng khác" in err


def test_a_measure_written_only_in_yaml_reaches_compute_ranking_and_letter(
    cli, province_db: str, tmp_path: Path
) -> None:
    """A province declares a source and a measure in YAML only (no code): `chiso facts compute`
    stores its values, the ranking scores them and a letter about the indicator names them
    (read back from the DOCX)."""
    from docx import Document

    from chiso.services.dashboard import pages
    from chiso.services.runtime import open_runtime
    from chiso.settings import Settings

    facts_dir = tmp_path / "data" / "facts"
    for kind, text in (("sources", REPORTS_SOURCE), ("measures", REPORTS_MEASURE)):
        (facts_dir / kind).mkdir(parents=True)
        (facts_dir / kind / "reports.yaml").write_text(text, encoding="utf-8")
    batch = tmp_path / "reports.csv"
    rows = [f"r{i},75.SYT,0{1 + i % 9}/07/2023,{'x' if i % 4 else '0'},3" for i in range(8)]
    rows += [f"s{i},75.SCT,1{i}/07/2023,x,2" for i in range(4)]
    batch.write_text("report_id,don_vi,submitted_on,on_system,pages\n" + "\n".join(rows) + "\n",
                     encoding="utf-8")  # fmt: skip
    assert cli(province_db, "facts", "ingest", "--source", "reports", str(batch))[0] == 0
    code, out, err = cli(province_db, "facts", "compute", "--period", "2023-07")
    assert code == 0, err
    assert "thêm" in out
    rt = open_runtime(Settings(database_url=province_db, data_dir=tmp_path / "data"))
    try:
        values = stored_values(rt, "2023-07")
        ranking = pages.ranking(rt, "platform-usage", Period.parse("2023-07"), draws=10)
    finally:
        rt.close()
    assert values[("75.SYT", "reports_on_system_rate")] == (None, 6.0, 8.0)
    assert values[("75.SCT", "reports_on_system_rate")] == (None, 4.0, 4.0)
    ranked = {r.unit.code: r for r in ranking.evaluation.results}
    syt, sct = (ranked[c].scores["reports_on_system_rate"] for c in ("75.SYT", "75.SCT"))
    assert (syt.raw, sct.raw) == (0.75, 1.0) and sct.points > syt.points
    out_docx = tmp_path / "cv.docx"
    code, out, err = cli(
        province_db, "report", "letter", "--indicator", "reports_on_system_rate",
        "--framework", "platform-usage", "--period", "2023-07", "--out", str(out_docx),
        "--agency", "ubnd-tinh-dong-nai",
    )  # fmt: skip
    assert code == 0, err
    document = Document(str(out_docx))
    body = "\n".join(p.text for p in document.paragraphs)
    body += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    rate = "Tỷ lệ báo cáo định kỳ thực hiện trên Hệ thống thông tin báo cáo"
    assert f"{rate} đạt 100% ở các đơn vị: Sở Công Thương." in body
    assert f"{rate} dưới 100%: Sở Y tế (75%)." in body


def test_facts_location_as_a_file_uri_and_unsupported_schemes_refused(
    cli, province_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "kho bản ghi #1"
    monkeypatch.setenv("CHISO_FACTS_LOCATION", root.as_uri())  # file:///…/kho%20b%E1%BA%A3n…
    assert "%20" in root.as_uri()
    batch = tmp_path / "docs.csv"
    batch.write_text(DOCS, encoding="utf-8")
    code, out, err = cli(province_db, "facts", "ingest", "--source", "documents", str(batch))
    assert code == 0 and "lưu mới 6" in out, err
    assert files_in(root / "documents") and not (tmp_path / "data" / "facts" / "documents").exists()
    code, out, err = cli(province_db, "facts", "compute", "--period", "2023-07")
    assert code == 0 and "thêm" in out, err
    monkeypatch.setenv("CHISO_FACTS_LOCATION", "file://localhost" + root.as_uri()[7:])
    code, out, err = cli(province_db, "facts", "ingest", "--source", "documents", str(batch))
    assert code == 0 and "lưu mới 0" in out, err
    for uri, said in (("s3://tinh-bucket/facts", "'s3://'"), ("file://kho/facts", "trên máy khác")):
        monkeypatch.setenv("CHISO_FACTS_LOCATION", uri)
        code, _, err = cli(province_db, "facts", "ingest", "--source", "documents", str(batch))
        assert code == 2 and "CHISO_FACTS_LOCATION" in err and said in err, err
        assert "docs/facts.md" in err
    assert len(stored_ids_at(root)) == 6


def stored_ids_at(root: Path) -> list[str]:
    import duckdb

    paths = [str(p) for p in records_under(root / "documents")]
    return [
        r[0]
        for r in duckdb.connect().execute("SELECT doc_id FROM read_parquet(?)", [paths]).fetchall()
    ]


def test_streaming_ingest_edge_cases_without_a_database(tmp_path: Path) -> None:
    """FactStore alone: ids repeated across two files of one month refused, the same id in two
    months of different files kept apart; non-finite and Vietnamese-formatted numbers refused and
    quoted; typed Parquet text kept as it is while CSV text is trimmed."""
    from chiso.errors import RejectedInput
    from chiso.facts.schemas import Source
    from chiso.facts.store import FactStore

    src = Source("metrics", "chỉ số thử", ("key",), "day", "unit",
                 {"key": "string", "unit": "string", "day": "date", "amount": "number"})  # fmt: skip
    store, work = FactStore(tmp_path / "facts"), tmp_path / "work"

    def ingest(*files: Path) -> Any:
        return store.ingest(src, list(files), set, work)

    def csv(name: str, *rows: str) -> Path:
        path = tmp_path / name
        path.write_text("key,unit,day,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
        return path

    a = csv("a.csv", "k1,U1,2025-01-03,1.5", "k2,U1,2025-01-04,2")
    b = csv("b.csv", "k2,U1,2025-01-09,3")
    with pytest.raises(RejectedInput) as refused:
        ingest(a, b)
    assert "1 mã bản ghi bị trùng: 'k2' (2 lần" in refused.value.render_vi()
    assert not (tmp_path / "facts" / "metrics").exists() or not store.files(src)
    c = csv("c.csv", "k2, U1 ,2025-02-09,3")
    report = ingest(a, c)
    assert (report.new, report.months) == (3, ["2025-01", "2025-02"])
    bad = csv("bad.csv", "k9,U1,2025-03-01,inf", "k10,U1,2025-03-01,\"31,14\"",
              "k11,U1,2025-03-01,1.23457E+15", "k12,U1,2025-03-01,28.121")  # fmt: skip
    with pytest.raises(RejectedInput) as refused:
        ingest(bad)
    said = refused.value.render_vi()
    assert "2 ô không đúng kiểu dữ liệu: bad.csv dòng 2 ('inf'); bad.csv dòng 3 ('31,14')" in said
    parquet = tmp_path / "p.parquet"
    pq.write_table(pa.table({"key": [" p1", "p2"], "unit": ["U1", "U1"],
                             "day": pa.array([20120, 20121], pa.date32()), "amount": [1.0, 2.0]}),
                   parquet)  # fmt: skip
    assert ingest(parquet).new == 2
    tables = [pq.read_table(p).to_pydict() for p in store.paths(src)]
    assert sorted(k for t in tables for k in t["key"]) == [" p1", "k1", "k2", "k2", "p2"]
    assert {u for t in tables for u in t["unit"]} == {"U1"}
    with pytest.raises(RejectedInput) as refused:
        ingest(csv("blank.csv", "  ,U1,2025-01-05,1"))
    assert "1 ô bị trống: blank.csv dòng 2" in refused.value.render_vi()
