"""Reads the real administrative units and the 2025 conversion mapping shipped by the
`vietnamadminunits` package, without importing it (its import loads large parsers)."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chiso.domain.lineage import Transfer
from chiso.domain.text import fold
from chiso.domain.units import (
    LEGACY_LAST_DAY,
    REFORM_DATE,
    Scheme,
    UnitKind,
    scheme_key,
    subtype_from_label,
)
from chiso.errors import ChisoError, NotFound


@dataclass(frozen=True)
class AdminUnit:
    key: str
    code: str
    scheme: Scheme
    kind: UnitKind
    subtype: str | None
    name: str
    short_name: str
    parent_key: str | None
    latitude: float | None
    longitude: float | None

    @property
    def valid_from(self) -> Any:
        return REFORM_DATE if self.scheme is Scheme.CURRENT else None

    @property
    def valid_to(self) -> Any:
        return LEGACY_LAST_DAY if self.scheme is Scheme.LEGACY else None


def _data_dir() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise ChisoError(
            "Không tìm thấy dữ liệu đơn vị hành chính (gói vietnamadminunits).",
            "package vietnamadminunits is not installed",
            hint_vi="cài lại chiso: `make install`.",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _rows(sql: str) -> Iterator[sqlite3.Row]:
    path = _data_dir() / "dataset.db"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        yield from conn.execute(sql)


def _key(scheme: Scheme, code: str) -> str:
    return scheme_key(scheme, code)


@cache
def current_units() -> tuple[AdminUnit, ...]:
    """The 34 provinces and 3,321 commune-level units in force from 1/7/2025."""
    provinces: dict[str, AdminUnit] = {}
    communes: list[AdminUnit] = []
    s = Scheme.CURRENT
    for r in _rows("SELECT * FROM admin_units ORDER BY provinceCode, wardCode"):
        pkey = _key(s, r["provinceCode"])
        if pkey not in provinces:
            provinces[pkey] = _province(s, r)
        communes.append(
            AdminUnit(
                _key(s, r["wardCode"]),
                r["wardCode"],
                s,
                UnitKind.COMMUNE,
                subtype_from_label(r["wardType"]),
                r["ward"],
                r["wardShort"],
                pkey,
                r["wardLat"],
                r["wardLon"],
            )
        )
    return (*provinces.values(), *communes)


@cache
def legacy_units() -> tuple[AdminUnit, ...]:
    """The 63 provinces, their districts and communes in force until 30/6/2025."""
    seen: dict[str, AdminUnit] = {}
    s = Scheme.LEGACY
    sql = "SELECT * FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
    for r in _rows(sql):
        pkey, dkey = _key(s, r["provinceCode"]), _key(s, r["districtCode"])
        # Each province and district made once, not once per commune row (a setdefault's
        # default is built before it is looked up: 20.000 units thrown away on every seed).
        if pkey not in seen:
            seen[pkey] = _province(s, r)
        if dkey not in seen:
            seen[dkey] = AdminUnit(
                dkey,
                r["districtCode"],
                s,
                UnitKind.DISTRICT,
                subtype_from_label(r["districtType"]),
                r["district"],
                r["districtShort"],
                pkey,
                r["districtLat"],
                r["districtLon"],
            )
        if r["wardCode"]:
            wkey = _key(s, r["wardCode"])
            seen[wkey] = AdminUnit(
                wkey,
                r["wardCode"],
                s,
                UnitKind.COMMUNE,
                subtype_from_label(r["wardType"]),
                r["ward"],
                r["wardShort"],
                dkey,
                r["wardLat"],
                r["wardLon"],
            )
    order = {UnitKind.PROVINCE: 0, UnitKind.DISTRICT: 1, UnitKind.COMMUNE: 2}
    return tuple(sorted(seen.values(), key=lambda u: order[u.kind]))


def _province(scheme: Scheme, r: sqlite3.Row) -> AdminUnit:
    name: str = r["province"]
    subtype = "thanh-pho" if name.startswith("Thành phố") else "tinh"
    return AdminUnit(
        _key(scheme, r["provinceCode"]),
        r["provinceCode"],
        scheme,
        UnitKind.PROVINCE,
        subtype,
        name,
        r["provinceShort"],
        None,
        r["provinceLat"],
        r["provinceLon"],
    )


def units_of(scheme: Scheme) -> tuple[AdminUnit, ...]:
    return current_units() if scheme is Scheme.CURRENT else legacy_units()


def find_province(scheme: Scheme, text: str) -> AdminUnit:
    """A province of the scheme by code ("75") or name ("Đồng Nai", "tinh dong nai")."""
    wanted = fold(text)
    for unit in units_of(scheme):
        if unit.kind is not UnitKind.PROVINCE:
            continue
        if wanted in (unit.code, unit.code.lstrip("0"), fold(unit.name), fold(unit.short_name)):
            return unit
    label = "từ 1/7/2025" if scheme is Scheme.CURRENT else "trước 1/7/2025"
    raise NotFound(
        f"Không có tỉnh, thành phố '{text}' trong danh mục {label}.",
        f"no {scheme.value} province matches '{text}'",
        hint_vi="ghi mã (ví dụ 75) hoặc tên tỉnh (ví dụ Đồng Nai); "
        "xem danh sách bằng `chiso units list --kind province`.",
    )


@cache
def transfers() -> tuple[Transfer, ...]:
    """Legacy → 2025 transfers by unit key, from the package's conversion mapping."""
    data = json.loads((_data_dir() / "converter_2025.json").read_text(encoding="utf-8"))
    legacy_by_path, legacy_province = _legacy_paths()
    current_by_path, names = _current_paths()
    names.update({u.key: u.name for u in legacy_units()})
    out: list[Transfer] = []
    for new_province, olds in data["DICT_PROVINCE"].items():
        new = current_by_path[(new_province, "")]
        out += [
            Transfer(legacy_province[o], new, names[legacy_province[o]], names[new]) for o in olds
        ]

    def transfer(old_path: str, new: str, whole: bool, primary: bool) -> Transfer:
        old = legacy_by_path[old_path]
        is_district = old_path.endswith("_")
        return Transfer(old, new, names[old], names[new], whole, primary, is_district)

    for prov, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            new = current_by_path[(prov, ward)]
            out += [transfer(o, new, True, True) for o in olds]
    for prov, divided in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_path, parts in divided.items():
            for p in parts:
                new = current_by_path[(prov, p["newWardKey"])]
                out.append(transfer(old_path, new, False, bool(p["isDefaultNewWard"])))
    return tuple(out)


def _legacy_paths() -> tuple[dict[str, str], dict[str, str]]:
    by_path: dict[str, str] = {}
    provinces: dict[str, str] = {}
    s = Scheme.LEGACY
    sql = "SELECT provinceKey, districtKey, wardKey, provinceCode, districtCode, wardCode"
    for r in _rows(sql + " FROM admin_units_legacy"):
        path = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        by_path[path] = _key(s, r["wardCode"] or r["districtCode"])
        provinces[r["provinceKey"]] = _key(s, r["provinceCode"])
    return by_path, provinces


def _current_paths() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    by_path: dict[tuple[str, str], str] = {}
    names: dict[str, str] = {}
    s = Scheme.CURRENT
    sql = "SELECT provinceKey, wardKey, provinceCode, wardCode, province, ward FROM admin_units"
    for r in _rows(sql):
        by_path[(r["provinceKey"], r["wardKey"])] = _key(s, r["wardCode"])
        by_path[(r["provinceKey"], "")] = _key(s, r["provinceCode"])
        names[_key(s, r["wardCode"])] = r["ward"]
        names[_key(s, r["provinceCode"])] = r["province"]
    return by_path, names
