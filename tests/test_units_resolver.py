"""The one resolver: names with diacritics before folded ones, the eight pairs of current
communes that differ only by diacritics inside one province, bare and prefixed names, bare codes
settled by the date (two legacy "Xã Phước An" in force in 2024 are refused, listed), and the
same answer whether the resolver reads every unit or a few."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from chiso.domain.text import exact_name_key, fold
from chiso.domain.units import Scheme, UnitKind
from chiso.errors import Ambiguous, NotFound
from chiso.io import admin_data
from chiso.services.runtime import Runtime, open_runtime
from chiso.services.units.resolver import UnitResolver, find_unit, full_resolver, resolver_for
from chiso.settings import Settings
from chiso.store import units_repo

TODAY = date(2026, 1, 15)


def _pairs() -> list[tuple[str, list[tuple[str, str]]]]:
    """(province key, [(unit key, name)…]) for current communes of one province whose names are
    equal once folded and different with their diacritics."""
    by_name: dict[tuple[str | None, str], list[tuple[str, str]]] = defaultdict(list)
    for u in admin_data.units_of(Scheme.CURRENT):
        if u.kind is UnitKind.COMMUNE:
            by_name[(u.parent_key, fold(u.name))].append((u.key, u.name))
    return [
        (str(province), units)
        for (province, _), units in sorted(by_name.items(), key=lambda kv: str(kv[0]))
        if len({name for _, name in units}) > 1
    ]


PAIRS = _pairs()


def test_the_packaged_data_has_the_eight_pairs() -> None:
    names = {tuple(sorted(name for _, name in units)) for _, units in PAIRS}
    assert len(PAIRS) == 8
    assert {("Xã Sơn Hà", "Xã Sơn Hạ"), ("Xã Ba Tô", "Xã Ba Tơ")} <= names
    assert {("Xã Lộc Thành", "Xã Lộc Thạnh"), ("Xã Thanh An", "Xã Thạnh An")} <= names


@pytest.fixture(scope="module")
def national(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = open_runtime(Settings(database_url=seeded_url, data_dir=tmp_path_factory.mktemp("r")))
    yield rt
    rt.close()


@pytest.mark.parametrize(("province", "units"), PAIRS, ids=[p for p, _ in PAIRS])
def test_exact_names_win_and_folded_ones_are_refused(
    national: Runtime, province: str, units: list[tuple[str, str]]
) -> None:
    with national.db.transaction() as session:
        everyone = units_repo.all_units(session)
    resolver = UnitResolver(u for u in everyone if u.parent_key == province)
    for key, name in units:
        assert resolver.find(name, TODAY).key == key
        assert resolver.find(name.upper(), TODAY).key == key
        bare = exact_name_key(name)
        assert resolver.find(bare, TODAY).key == key, bare
    folded = fold(units[0][1])
    plain = [key for key, name in units if exact_name_key(name) == exact_name_key(folded)]
    if plain:
        assert resolver.find(folded, TODAY).key == plain[0]
        return
    with pytest.raises(Ambiguous) as caught:
        resolver.find(folded, TODAY)
    assert all(key in caught.value.message_vi for key, _ in units)
    found, reason = resolver.match(folded, TODAY)
    assert found is None and reason is not None and "ứng với nhiều đơn vị" in reason


def test_from_the_database_as_pages_and_commands_do(national: Runtime) -> None:
    with national.db.transaction() as session:
        assert find_unit(session, "Xã Sơn Hạ", TODAY).key == "2025:21292"
        assert find_unit(session, "Sơn Hà", TODAY).key == "2025:21289"
        assert find_unit(session, "UBND xã Ba Tơ", TODAY).key == "2025:21484"
        with pytest.raises(Ambiguous) as ambiguous:
            find_unit(session, "son ha", TODAY)
        assert "2025:21289" in ambiguous.value.message_vi
        assert "2025:21292" in ambiguous.value.message_vi
        with pytest.raises(NotFound) as unknown:
            find_unit(session, "Xã Sơn Hàa", TODAY)
        assert "có phải 'Xã Sơn Hà'" in unknown.value.message_vi


def test_bare_and_prefixed_names_and_dates(province_rt: Runtime) -> None:
    texts = ["Phước An", "Xã Phước An", "xa phuoc an", "UBND xã Phước An", "phước an"]
    with province_rt.db.transaction() as session:
        for text in texts:
            assert find_unit(session, text, TODAY).key == "2025:26503", text
            with pytest.raises(Ambiguous) as caught:
                find_unit(session, text, date(2024, 1, 1))
            assert "legacy:26503" in caught.value.message_vi
            assert "legacy:25351" in caught.value.message_vi
        assert find_unit(session, "26503", TODAY).key == "2025:26503"
        assert find_unit(session, "26503", date(2024, 1, 1)).key == "legacy:26503"
        assert find_unit(session, "legacy:26503", TODAY).key == "legacy:26503"


def test_a_few_or_every_unit_give_the_same_answer(province_rt: Runtime, tmp_path: Path) -> None:
    texts = ["75", "75.SYT", "Sở Y tế", "so y te", "Phước An", "Xã Phước An", "legacy:742"]
    texts += ["Huyện Nhơn Trạch", "Tân Hiệp", "không có", "Sở Văn hóa, Thể thao và Du lịch"]
    with province_rt.db.transaction() as session:
        every = full_resolver(session)
        for on in (TODAY, date(2024, 6, 30)):
            for text in texts:
                few = resolver_for(session, [text])
                assert _outcome(every, text, on) == _outcome(few, text, on), text


def _outcome(resolver: UnitResolver, text: str, on: date) -> str:
    found, reason = resolver.match(text, on)
    if found is not None:
        return found.key
    return "ambiguous" if reason and "nhiều đơn vị" in reason else "not found"
