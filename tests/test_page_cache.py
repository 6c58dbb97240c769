"""Pages are cached per runtime and recomputed when anything they are made of changes: values,
units, their groups, and a registered framework — not only when a value changes."""

from __future__ import annotations

from pathlib import Path

from chiso.domain.frameworks import TOTAL
from chiso.domain.periods import Period
from chiso.services.dashboard import pages
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units.importer import import_units
from chiso.services.values.importer import import_values

PERIOD = Period.parse("2026-10")
FRAMEWORK = """id: thu-nhom
name: Bộ thử theo nhóm đơn vị
ranking:
  groups:
    - {{code: nhom-a, name: "Nhóm A", unit_groups: ["Nhóm A"]}}
    - {{code: nhom-b, name: "Nhóm B", unit_groups: ["Nhóm B"]}}
nodes:
  - {{code: ky_so, name: "Tỷ lệ ký số", max: {points}, input: rate}}
"""


def _units(path: Path, groups: dict[str, str]) -> Path:
    rows = ["code,name,kind,parent_code,groups"]
    names = {"75.SYT": "Sở Y tế", "75.SCT": "Sở Công Thương", "75.STC": "Sở Tài chính"}
    rows += [f"{k},{names[k]},department,2025:75,{g}" for k, g in groups.items()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _register(rt: Runtime, path: Path, points: int) -> None:
    path.write_text(FRAMEWORK.format(points=points), encoding="utf-8")
    frameworks.register_file(rt, path)


def _ranking(rt: Runtime) -> pages.Ranking:
    found = pages.ranking(rt, "thu-nhom", PERIOD, draws=0)
    assert found is not None
    return found


def _groups(rt: Runtime) -> dict[str, str]:
    ranking = _ranking(rt)
    return {r.unit.code: r.unit.group for r in ranking.evaluation.results}


def test_regrouping_and_reregistering_change_the_ranking(
    province_rt: Runtime, tmp_path: Path
) -> None:
    rt = province_rt
    _register(rt, tmp_path / "thu.yaml", 100)
    everyone = {"75.SYT": "Nhóm A", "75.SCT": "Nhóm A", "75.STC": "Nhóm B"}
    import_units(rt, _units(tmp_path / "a.csv", everyone))
    values = tmp_path / "v.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        "75.SYT,2026-10,ky_so,90,100\n75.SCT,2026-10,ky_so,40,100\n75.STC,2026-10,ky_so,60,100\n",
        encoding="utf-8",
    )
    import_values(rt, values, "thu-nhom")
    assert _groups(rt) == {"75.SYT": "nhom-a", "75.SCT": "nhom-a", "75.STC": "nhom-b"}

    import_units(rt, _units(tmp_path / "b.csv", everyone | {"75.SYT": "Nhóm B"}))
    assert _groups(rt)["75.SYT"] == "nhom-b"

    first = _ranking(rt).evaluation.by_unit()["75.SYT"]
    assert first.scores[TOTAL].max_points == 100
    _register(rt, tmp_path / "thu.yaml", 50)
    again = _ranking(rt).evaluation.by_unit()["75.SYT"]
    assert again.scores[TOTAL].max_points == 50


def test_an_unchanged_page_is_not_recomputed(province_rt: Runtime, tmp_path: Path) -> None:
    rt = province_rt
    _register(rt, tmp_path / "thu.yaml", 100)
    values = tmp_path / "v.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator\n75.SYT,2026-10,ky_so,90,100\n",
        encoding="utf-8",
    )
    import_values(rt, values, "thu-nhom")
    first = _ranking(rt)
    assert _ranking(rt) is first
    other = Runtime(rt.settings)
    try:
        assert _ranking(other) is not first
    finally:
        other.close()
