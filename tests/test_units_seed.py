"""The real administrative units, their lineage across the 2025 reform, and how they are named."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from chiso.errors import Ambiguous
from chiso.io import admin_data
from chiso.services.runtime import open_runtime
from chiso.services.units.catalogue import show_unit
from chiso.services.units.resolver import find_unit
from chiso.services.units.seed import seed
from chiso.settings import Settings
from chiso.store.models import AuditEntry, Unit, UnitLink, unit_group_members


def _count(cli, url: str, *args: str) -> int:
    code, out, err = cli(url, "units", "list", "--format", "csv", *args)
    assert code == 0, err
    return len(list(csv.DictReader(io.StringIO(out))))


def test_national_counts(cli, seeded_url: str) -> None:
    assert _count(cli, seeded_url, "--kind", "province") == 34
    assert _count(cli, seeded_url, "--kind", "commune") == 3321
    assert _count(cli, seeded_url, "--kind", "province", "--on", "2024-06-30") == 63
    assert _count(cli, seeded_url, "--kind", "district", "--on", "2024-06-30") == 696
    assert _count(cli, seeded_url, "--kind", "district") == 0


def _table_counts(url: str, tmp_path) -> tuple[int, ...]:
    rt = open_runtime(Settings(database_url=url, data_dir=tmp_path))
    with rt.db.transaction() as s:
        counts = tuple(
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (Unit, UnitLink, unit_group_members, AuditEntry)
        )
    rt.close()
    return counts


def test_seeding_twice_changes_nothing(seeded_url: str, tmp_path) -> None:
    before = _table_counts(seeded_url, tmp_path)
    rt = open_runtime(Settings(database_url=seeded_url, data_dir=tmp_path))
    report = seed(rt, "all")
    rt.close()
    assert not report.changed
    assert report.unchanged == 3355 + 10794
    assert _table_counts(seeded_url, tmp_path) == before


def test_tan_hiep_lineage_both_ways(cli, seeded_url: str) -> None:
    code, out, _ = cli(seeded_url, "units", "show", "Xã Tân Hiệp", "--on", "2024-06-30")
    assert code == 2, "Tân Hiệp names several communes: the name alone must be refused"
    code, out, _ = cli(seeded_url, "units", "show", "legacy:25361")
    assert code == 0
    assert "Huyện Hớn Quản" in out
    assert "Xã Tân Khai (2025:25357) — sáp nhập" in out
    code, out, _ = cli(seeded_url, "units", "show", "2025:25357")
    assert code == 0
    assert "Tỉnh Đồng Nai (2025:75)" in out
    for predecessor in ("Xã Tân Hiệp (legacy:25361)", "Xã Đồng Nơ", "Thị trấn Tân Khai"):
        assert predecessor in out


def test_ly_son_became_a_special_zone(cli, seeded_url: str) -> None:
    code, out, _ = cli(seeded_url, "units", "show", "Huyện Lý Sơn")
    assert code == 0
    assert "Tỉnh Quảng Ngãi (legacy:51)" in out
    assert "Đặc khu Lý Sơn (2025:21548) — chuyển thành đơn vị mới" in out
    code, out, _ = cli(seeded_url, "units", "show", "dac khu ly son")
    assert code == 0
    assert "Loại: Đặc khu (commune)" in out
    assert "Huyện Lý Sơn (legacy:536)" in out


def test_provinces_merged(seeded_url: str, tmp_path) -> None:
    rt = open_runtime(Settings(database_url=seeded_url, data_dir=tmp_path))
    detail = show_unit(rt, "2025:75")
    assert {v.unit.name for v in detail.predecessors} == {"Tỉnh Bình Phước", "Tỉnh Đồng Nai"}
    assert detail.children == 95
    hon_quan = show_unit(rt, "Huyện Hớn Quản")
    assert all(v.derived for v in hon_quan.successors)
    assert "Xã Tân Khai" in {v.unit.name for v in hon_quan.successors}
    rt.close()


def test_repeated_codes_resolve_by_date(seeded_url: str, tmp_path) -> None:
    rt = open_runtime(Settings(database_url=seeded_url, data_dir=tmp_path))
    with rt.db.transaction() as s:
        assert find_unit(s, "75").key == "2025:75"
        assert find_unit(s, "75", date(2023, 12, 31)).key == "legacy:75"
        assert find_unit(s, "legacy:75").name == "Tỉnh Đồng Nai"
        assert find_unit(s, "tinh binh phuoc", date(2023, 1, 1)).key == "legacy:70"
        with pytest.raises(Ambiguous):
            find_unit(s, "Tân Hiệp", date(2023, 1, 1))
    rt.close()


def test_search_ignores_diacritics_and_case(cli, seeded_url: str) -> None:
    code, out, _ = cli(
        seeded_url,
        "units",
        "list",
        "--search",
        "TAN HIEP",
        "--on",
        "2024-01-01",
        "--format",
        "json",
    )
    assert code == 0
    assert "Xã Tân Hiệp" in out
    assert "legacy:25361" in out
    code, out, _ = cli(
        seeded_url,
        "units",
        "list",
        "--parent",
        "legacy:694",
        "--on",
        "2024-01-01",
        "--format",
        "csv",
    )
    assert len(out.strip().splitlines()) == 1 + 13


def test_seed_one_province_with_predecessors(database_url: str, tmp_path) -> None:
    rt = open_runtime(Settings(database_url=database_url, data_dir=tmp_path))
    report = seed(rt, "all", "Đồng Nai")
    legacy = [u for u in admin_data.legacy_units() if u.key in ("legacy:70", "legacy:75")]
    districts = [u for u in admin_data.legacy_units() if u.parent_key in ("legacy:70", "legacy:75")]
    district_keys = {d.key for d in districts}
    communes = [u for u in admin_data.legacy_units() if u.parent_key in district_keys]
    assert len(legacy) == 2
    assert len(districts) == 22
    assert report.created == {"province": 3, "district": 22, "commune": 95 + len(communes)}
    keys = {u.key for u in legacy + districts + communes} | {"2025:75"}
    keys |= {u.key for u in admin_data.current_units() if u.parent_key == "2025:75"}
    expected_links = [t for t in admin_data.transfers() if t.old in keys and t.new in keys]
    assert report.links == len(expected_links) >= len(communes) + 2
    assert not seed(rt, "all", "75").changed
    with rt.db.transaction() as s:
        assert find_unit(s, "legacy:25361").name == "Xã Tân Hiệp"
    rt.close()


def test_unknown_province_is_a_usage_error(cli, database_url: str) -> None:
    code, _, err = cli(database_url, "units", "seed", "--province", "Atlantis")
    assert code == 2
    assert "Không có tỉnh, thành phố 'Atlantis'" in err
