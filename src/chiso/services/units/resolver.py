"""Matching the units named in a file to stored units: by key, official or local code, or name
(ignoring diacritics, case and prefixes such as "UBND", "Xã"), on the file's reporting date."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.domain.text import fold, name_key
from chiso.domain.units import UnitRef, in_force
from chiso.store.models import Unit


@dataclass(frozen=True)
class Candidate:
    id: int
    key: str
    name: str
    kind: str
    valid_from: date | None
    valid_to: date | None
    parent_id: int | None = None


class Matcher:
    def __init__(self, session: Session) -> None:
        rows = session.execute(
            select(
                Unit.id,
                Unit.key,
                Unit.code,
                Unit.name,
                Unit.short_name,
                Unit.kind,
                Unit.valid_from,
                Unit.valid_to,
                Unit.parent_id,
            )
        ).all()
        self.by_key: dict[str, Candidate] = {}
        self.by_code: dict[str, list[Candidate]] = defaultdict(list)
        self.by_name: dict[str, list[Candidate]] = defaultdict(list)
        self.by_full_name: dict[str, list[Candidate]] = defaultdict(list)
        self.by_id: dict[int, Candidate] = {}
        for uid, key, code, name, short, kind, start, end, parent in rows:
            c = Candidate(uid, key, name, kind, start, end, parent)
            self.by_key[key] = c
            self.by_id[uid] = c
            if code:
                self.by_code[code].append(c)
            self.by_full_name[fold(name)].append(c)
            for n in {name_key(name), name_key(short or "")} - {""}:
                self.by_name[n].append(c)
        self._names_on: dict[date, list[str]] = {}
        self._suggestions = 0

    def lineage_up(self, candidate: Candidate) -> list[Candidate]:
        """The unit and every unit above it."""
        chain = [candidate]
        while chain[-1].parent_id is not None and chain[-1].parent_id in self.by_id:
            chain.append(self.by_id[chain[-1].parent_id])
        return chain

    def known(self, text: str) -> bool:
        """Whether a code names a stored unit at all (any date): raw records are checked so."""
        stripped = text.strip()
        ref = UnitRef.parse(stripped)
        return (
            stripped in self.by_key
            or (ref.scheme is not None and f"{ref.scheme.value}:{ref.code}" in self.by_key)
            or stripped in self.by_code
        )

    def match(self, text: str, on: date) -> tuple[Candidate | None, str | None]:
        """The unit, or None and a Vietnamese reason (with a suggestion when one is close)."""
        ref = UnitRef.parse(text)
        exact = self.by_key.get(text.strip()) or (
            self.by_key.get(f"{ref.scheme.value}:{ref.code}") if ref.scheme else None
        )
        if exact is not None:
            return exact, None
        for pool in (
            self.by_code.get(text.strip()),
            self.by_full_name.get(fold(text)),
            self.by_name.get(name_key(text)),
        ):
            if pool:
                return self._pick(pool, text, on)
        return None, f"không tìm thấy đơn vị '{text}'{self._suggestion(text, on)}"

    def _pick(
        self, pool: list[Candidate], text: str, on: date
    ) -> tuple[Candidate | None, str | None]:
        current = [c for c in pool if in_force(c.valid_from, c.valid_to, on)] or pool
        if len(current) == 1:
            return current[0], None
        listed = "; ".join(f"{c.key} ({c.name})" for c in current[:5])
        return None, f"'{text}' ứng với nhiều đơn vị: {listed} — ghi mã đơn vị"

    def _suggestion(self, text: str, on: date) -> str:
        core = name_key(text)
        self._suggestions += 1
        if len(core) < 3 or self._suggestions > 50:
            return ""
        if on not in self._names_on:
            self._names_on[on] = [
                n
                for n, cs in self.by_name.items()
                if any(in_force(c.valid_from, c.valid_to, on) for c in cs)
            ]
        names = self._names_on[on]
        close = difflib.get_close_matches(core, names, n=1, cutoff=0.8)
        if not close:
            return ""
        best = next(c for c in self.by_name[close[0]] if in_force(c.valid_from, c.valid_to, on))
        return f" — có phải '{best.name}' ({best.key})?"
