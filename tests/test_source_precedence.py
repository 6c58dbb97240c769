"""Source precedence: a value computed from raw records never replaces a value a unit reported,
nor the reverse, unless the command says `--replace`; the values kept are counted and listed,
and each output names the source used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chiso.services import facts
from chiso.services.runtime import open_runtime
from chiso.services.units.seed import seed
from chiso.services.values.changes import verify_audit_chain
from chiso.settings import Settings
from chiso.store.models import IndicatorValue, Unit
from tests.conftest import _database

LY_SON = "2025:21548"
"""Đặc khu Lý Sơn, Quảng Ngãi."""
MONTH = "2026-10"
REPORTED = (
    f"unit_code,period,indicator,numerator,denominator\n{LY_SON},{MONTH},signed_docs_rate,179,315\n"
)
ONE_RECORD = (
    "doc_id,unit_code,issued_at,classified,sent_online,signed_personal,signed_org\n"
    f"ls-1,{LY_SON},2026-10-05 09:00,false,true,true,true\n"
)


@pytest.fixture
def quang_ngai(backend: str, tmp_path: Path) -> Iterator[str]:
    """Quảng Ngãi's units since 1/7/2025, Đặc khu Lý Sơn among them."""
    for url in _database(backend, tmp_path / "db"):
        rt = open_runtime(Settings(database_url=url, data_dir=tmp_path / "data"))
        seed(rt, "2025", "51")
        rt.close()
        yield url


def _stored(url: str, tmp_path: Path) -> tuple[float | None, float | None, str]:
    rt = open_runtime(Settings(database_url=url, data_dir=tmp_path / "data"))
    try:
        with rt.db.transaction() as session:
            row = session.execute(
                select(IndicatorValue.numerator, IndicatorValue.denominator, IndicatorValue.source)
                .join(Unit, Unit.id == IndicatorValue.unit_id)
                .where(
                    Unit.key == LY_SON,
                    IndicatorValue.period == MONTH,
                    IndicatorValue.indicator == "signed_docs_rate",
                )
            ).one()
        assert verify_audit_chain(rt).ok
        return row[0], row[1], row[2]
    finally:
        rt.close()


def test_reported_value_survives_a_computation(cli: Any, quang_ngai: str, tmp_path: Path) -> None:
    url = quang_ngai
    reported = tmp_path / "ly-son.csv"
    reported.write_text(REPORTED, encoding="utf-8")
    code, out, err = cli(url, "data", "import", str(reported), "--framework", "platform-usage")
    assert code == 0, out + err
    assert "Nguồn ghi: đơn vị báo cáo (tệp số liệu)" in out
    records = tmp_path / "docs.csv"
    records.write_text(ONE_RECORD, encoding="utf-8")
    assert cli(url, "facts", "ingest", "--source", "documents", str(records))[0] == 0

    code, out, err = cli(url, "facts", "compute", "--period", MONTH)
    assert code == 0, out + err
    assert _stored(url, tmp_path) == (179.0, 315.0, "file")
    assert "Giữ nguyên 1 giá trị của nguồn khác" in out
    assert "Đặc khu Lý Sơn — signed_docs_rate kỳ 2026-10: giữ 179/315" in out
    assert "(đơn vị báo cáo (tệp số liệu)), không ghi 1/1" in out
    # The province's roll-up had nothing stored: it is created, from records.
    assert "Nguồn ghi: chiso tính (tính từ bản ghi, văn bản số)" in out
    again = cli(url, "facts", "compute", "--period", MONTH)
    assert again[0] == 0 and "Giữ nguyên 1 giá trị" in again[1]
    assert _stored(url, tmp_path) == (179.0, 315.0, "file")

    code, out, err = cli(url, "facts", "compute", "--period", MONTH, "--replace")
    assert code == 0, out + err
    assert _stored(url, tmp_path) == (1.0, 1.0, "computed")
    assert "Đã thay 1 giá trị của nguồn khác (--replace)" in out

    # The reverse: the unit's file does not replace the computed value unless asked.
    code, out, _ = cli(url, "data", "import", str(reported), "--framework", "platform-usage")
    assert code == 0 and "Giữ nguyên 1 giá trị của nguồn khác" in out
    assert "giữ 1/1 (chiso tính (tính từ bản ghi, văn bản số)), không ghi 179/315" in out
    assert _stored(url, tmp_path) == (1.0, 1.0, "computed")
    code, out, _ = cli(
        url, "data", "import", str(reported), "--framework", "platform-usage", "--replace"
    )
    assert code == 0 and "sửa 1," in out
    assert _stored(url, tmp_path) == (179.0, 315.0, "file")


def test_service_report_counts_the_skipped(quang_ngai: str, tmp_path: Path) -> None:
    from chiso.services.values.importer import import_values

    rt = open_runtime(Settings(database_url=quang_ngai, data_dir=tmp_path / "data"))
    try:
        reported = tmp_path / "ly-son.csv"
        reported.write_text(REPORTED, encoding="utf-8")
        first = import_values(rt, reported, "platform-usage")
        assert (first.created, first.stored_as) == (1, "file")
        records = tmp_path / "docs.csv"
        records.write_text(ONE_RECORD, encoding="utf-8")
        facts.ingest(rt, "documents", [records])
        report = facts.compute(rt, MONTH)
        assert report.stored_as == "computed"
        assert [(s.unit_key, s.kept_source) for s in report.skipped] == [(LY_SON, "file")]
        assert report.skipped[0].offered.numerator == 1
        assert report.updated == 0 and report.replaced == 0
    finally:
        rt.close()
