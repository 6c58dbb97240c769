"""The one way a key, code or name, typed by a person or written in a file, becomes a unit: every
importer, page and command goes through `UnitResolver`.

A key ("legacy:75") names one unit. A bare code ("75") or a name is settled by the date: the unit
in force that day wins, so "75" in a 2023 file is the old Đồng Nai. Names are compared with their
diacritics first, so "Xã Sơn Hà" is never "Xã Sơn Hạ", and only then folded ("son ha"); a folded
name that fits several units is refused with the list. The kind prefix may be left out:
"Phước An" finds "Xã Phước An".
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from chiso.domain.text import exact_name_key, exact_words, fold, fold_words, name_key
from chiso.domain.units import Unit, UnitRef
from chiso.errors import Ambiguous, NotFound
from chiso.services.runtime import Runtime
from chiso.store import units_repo
from chiso.store.db import Session

MAX_SUGGESTIONS = 50
"""A file full of unknown names gets suggestions for the first ones only (each costs a scan)."""
LISTED = 8


class UnitResolver:
    """Units indexed by key, code and name, as read from the store (all of them for a file, or
    the few a reference could mean); `similar` fetches more names to suggest from."""

    def __init__(
        self, units: Iterable[Unit], similar: Callable[[str], list[Unit]] | None = None
    ) -> None:
        self.by_key: dict[str, Unit] = {}
        self.by_id: dict[int, Unit] = {}
        self._by_code: dict[str, list[Unit]] = defaultdict(list)
        self._named: tuple[dict[str, list[Unit]], ...] | None = None
        for unit in units:
            self.by_key[unit.key] = unit
            self.by_id[unit.id] = unit
            if unit.code:
                self._by_code[unit.code].append(unit)
        self._similar = similar
        self._suggested = 0

    @property
    def _tiers(self) -> tuple[dict[str, list[Unit]], ...]:
        """The name indexes, built on the first reference by name (a file naming its units by
        key, as a template does, never needs them)."""
        if self._named is None:
            tiers: tuple[dict[str, list[Unit]], ...] = tuple(defaultdict(list) for _ in _KEYS)
            for unit in self.by_key.values():
                for tier, key_of in zip(tiers, _KEYS, strict=True):
                    for name in {key_of(n) for n in _names(unit, key_of)} - {""}:
                        tier[name].append(unit)
            self._named = tiers
        return self._named

    def find(self, text: str, on: date | None = None) -> Unit:
        """The unit, or NotFound / Ambiguous saying what was meant and how to write it."""
        when = on or date.today()
        found = self._lookup(text, when)
        if isinstance(found, Unit):
            return found
        if found:
            raise Ambiguous(
                f"{_ambiguous(text, found)}.",
                f"{text!r} is ambiguous",
                hint_vi="ghi mã đầy đủ, ví dụ legacy:75 hoặc 2025:75.",
            )
        raise NotFound(
            f"Không tìm thấy đơn vị '{text}'{self._suggestion(text, when)}.",
            f"no unit matches {text!r}",
            hint_vi="ghi mã (ví dụ 75, legacy:75) hoặc tên đơn vị; "
            "tìm bằng `chiso units list --search`.",
            hint_web="ghi đúng tên đơn vị (có dấu) hoặc tìm đơn vị bằng ô tìm kiếm ở đầu trang.",
        )

    def match(self, text: str, on: date) -> tuple[Unit | None, str | None]:
        """The unit, or None and the Vietnamese reason (with a suggestion when one is close)."""
        found = self._lookup(text, on)
        if isinstance(found, Unit):
            return found, None
        if found:
            return None, f"{_ambiguous(text, found)} — ghi mã đơn vị"
        return None, f"không tìm thấy đơn vị '{text}'{self._suggestion(text, on)}"

    def _lookup(self, text: str, on: date) -> Unit | list[Unit]:
        """The unit; or the units left to choose from (empty when nothing matches)."""
        ref = UnitRef.parse(text)
        exact = self.by_key.get(ref.text) or (
            self.by_key.get(f"{ref.scheme.value}:{ref.code}") if ref.scheme else None
        )
        if exact is not None:
            return exact
        if ref.scheme is not None:
            return []
        pools = [self._by_code.get(ref.code, [])]
        pools += [tier.get(key(text), []) for tier, key in zip(self._tiers, _KEYS, strict=True)]
        return _pick(next((p for p in pools if p), []), on)

    def known(self, text: str) -> bool:
        """Whether a code names a stored unit at all (any date): raw records are checked so."""
        ref = UnitRef.parse(text)
        return (
            ref.text in self.by_key
            or (ref.scheme is not None and f"{ref.scheme.value}:{ref.code}" in self.by_key)
            or ref.text in self._by_code
        )

    def lineage_up(self, unit: Unit) -> list[Unit]:
        """The unit and every unit above it (among the units indexed)."""
        chain = [unit]
        while chain[-1].parent_id in self.by_id and len(chain) <= len(self.by_id):
            chain.append(self.by_id[chain[-1].parent_id or 0])
        return chain

    def _suggestion(self, text: str, on: date) -> str:
        core = name_key(text)
        self._suggested += 1
        if len(core) < 3 or self._suggested > MAX_SUGGESTIONS:
            return ""
        pool = self._similar(text) if self._similar else list(self.by_id.values())
        best = suggest(core, pool, on)
        return f" — có phải '{best.name}' ({best.key})?" if best else ""


_KEYS: tuple[Callable[[str], str], ...] = (exact_words, exact_name_key, fold, name_key)
"""Name tiers, strictest first: full name with diacritics, bare name with diacritics, full name
folded, bare name folded."""


def _names(unit: Unit, key_of: Callable[[str], str]) -> list[str]:
    """Full-name tiers compare the name; bare-name tiers the short name too."""
    if key_of in (exact_words, fold):
        return [unit.name]
    return [unit.name, unit.short_name or ""]


def ranked(text: str, pool: Iterable[Unit], on: date) -> list[Unit]:
    """The units a search box's text finds, best first: the key or code itself, then the name
    tiers of `find` (with diacritics before folded, so "Sơn Hà" puts Xã Sơn Hà before Xã Sơn
    Hạ), then names holding every typed word whole, then names holding them at all; within a
    tier the units in force on the date come before the older ones."""
    ref = UnitRef.parse(text)
    keys = [key(text) for key in _KEYS]
    words = fold_words(text).split()

    def tier(unit: Unit) -> int:
        if unit.key == ref.text or (unit.code and unit.code == ref.code):
            return 0
        for i, (key_of, wanted) in enumerate(zip(_KEYS, keys, strict=True), start=1):
            if wanted and wanted in {key_of(n) for n in _names(unit, key_of)}:
                return i
        own = set(fold_words(f"{unit.name} {unit.short_name or ''}").split())
        if words and all(w in own for w in words):
            return len(_KEYS) + 1
        return len(_KEYS) + 2

    return sorted(pool, key=lambda u: (tier(u), not u.in_force(on), fold(u.name), u.key))


def _pick(pool: list[Unit], on: date) -> Unit | list[Unit]:
    """The one unit of the pool, or the one in force on the date, or those left to choose from."""
    if len(pool) == 1:
        return pool[0]
    current = [u for u in pool if u.in_force(on)]
    return current[0] if len(current) == 1 else (current or pool)


def _ambiguous(text: str, units: list[Unit]) -> str:
    listed = "; ".join(f"{u.key} ({u.name})" for u in units[:LISTED])
    return f"'{text}' ứng với nhiều đơn vị: {listed}"


def suggest(core: str, pool: Iterable[Unit], on: date) -> Unit | None:
    """The unit in force whose bare folded name is closest to `core`, if any is close enough."""
    names: dict[str, Unit] = {}
    for unit in pool:
        if unit.in_force(on):
            names.setdefault(name_key(unit.name), unit)
    close = difflib.get_close_matches(core, list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


def full_resolver(session: Session) -> UnitResolver:
    """Every stored unit, for files that name many (and for walking up the hierarchy)."""
    return UnitResolver(units_repo.all_units(session))


def resolver_for(session: Session, texts: Iterable[str]) -> UnitResolver:
    """Only the units these references could mean, for a page or command naming a few."""
    wanted = list(texts)
    return UnitResolver(
        units_repo.candidates(session, wanted), lambda t: units_repo.similar(session, t)
    )


def find_unit(session: Session, text: str, on: date | None = None) -> Unit:
    return resolver_for(session, [text]).find(text, on)


def look_up_unit(rt: Runtime, text: str, on: date | None = None) -> Unit:
    """A unit for a page or command, in a transaction of its own."""
    with rt.db.transaction() as session:
        return find_unit(session, text, on)
