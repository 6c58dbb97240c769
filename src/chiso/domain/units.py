"""Organisation units: kinds, subtypes, schemes and how a unit is referred to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from chiso.domain.lineage import LinkKind
from chiso.domain.text import fold

REFORM_DATE = date(2025, 7, 1)
"""Two-tier local government: districts abolished, 63 provinces became 34."""

LEGACY_LAST_DAY = date(2025, 6, 30)


class UnitKind(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    DEPARTMENT = "department"
    OFFICE = "office"
    MINISTRY = "ministry"
    OTHER = "other"

    @property
    def label_vi(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    UnitKind.PROVINCE: "Tỉnh, thành phố",
    UnitKind.DISTRICT: "Huyện, quận, thị xã, thành phố thuộc tỉnh",
    UnitKind.COMMUNE: "Xã, phường, thị trấn, đặc khu",
    UnitKind.DEPARTMENT: "Sở, ban, ngành",
    UnitKind.OFFICE: "Phòng, ban cấp huyện",
    UnitKind.MINISTRY: "Bộ, cơ quan ngang bộ",
    UnitKind.OTHER: "Đơn vị khác",
}

SUBTYPE_LABELS: dict[str, str] = {
    "tinh": "Tỉnh",
    "thanh-pho": "Thành phố",
    "huyen": "Huyện",
    "quan": "Quận",
    "thi-xa": "Thị xã",
    "xa": "Xã",
    "phuong": "Phường",
    "thi-tran": "Thị trấn",
    "dac-khu": "Đặc khu",
}

SUBTYPES_BY_KIND: dict[UnitKind, frozenset[str]] = {
    UnitKind.PROVINCE: frozenset({"tinh", "thanh-pho"}),
    UnitKind.DISTRICT: frozenset({"huyen", "quan", "thi-xa", "thanh-pho"}),
    UnitKind.COMMUNE: frozenset({"xa", "phuong", "thi-tran", "dac-khu"}),
}


def subtype_from_label(label: str) -> str | None:
    """ "Thị trấn" → "thi-tran"; None when the label names no known subtype."""
    wanted = fold(label)
    for code, text in SUBTYPE_LABELS.items():
        if fold(text) == wanted or code == wanted:
            return code
    return None


def parse_kind(text: str) -> UnitKind | None:
    """Accept the English code or the Vietnamese label of a kind."""
    wanted = fold(text)
    for kind in UnitKind:
        if wanted in (kind.value, fold(kind.label_vi)):
            return kind
    return None


class Scheme(StrEnum):
    """Which national list an administrative unit comes from."""

    CURRENT = "2025"
    LEGACY = "legacy"


SCHEME_NAMES = frozenset(s.value for s in Scheme)
"""The schemes' names ("2025", "legacy"): iterating an Enum costs microseconds, and a file names
thousands of units."""


def scheme_key(scheme: Scheme, code: str) -> str:
    """Official codes repeat across the reform, so the key carries the scheme: "legacy:75"."""
    return f"{scheme.value}:{code}"


@dataclass(frozen=True)
class UnitRef:
    """What a user typed to name a unit: an explicit "scheme:code", or a code or name."""

    text: str
    scheme: Scheme | None
    code: str

    @classmethod
    def parse(cls, text: str) -> UnitRef:
        raw = text.strip()
        head, sep, tail = raw.partition(":")
        if sep and head in SCHEME_NAMES and tail:
            return cls(raw, Scheme(head), tail.strip())
        return cls(raw, None, raw)


def in_force(valid_from: date | None, valid_to: date | None, on: date) -> bool:
    return (valid_from is None or valid_from <= on) and (valid_to is None or on <= valid_to)


ADMINISTRATIVE = frozenset(
    {UnitKind.PROVINCE.value, UnitKind.DISTRICT.value, UnitKind.COMMUNE.value}
)


ADMIN_WORDS = (
    "Thành phố",
    "Thị trấn",
    "Thị xã",
    "Đặc khu",
    "Phường",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Xã",
)
"""How an administrative unit's name may begin, longest first ("Thị xã" before "Xã")."""
_DEFAULT_WORD = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


@lru_cache(maxsize=1 << 14)
def split_admin(name: str) -> tuple[str, str]:
    """ "Xã Phước An" → ("xã", "Phước An"); a bare "Phước An" → ("", "Phước An"). Only the
    administrative word changes case: proper names are kept as written."""
    text = name.strip()
    folded = fold(text)
    if folded.startswith(("ubnd ", "uy ban nhan dan ")):
        head = 5 if folded.startswith("ubnd ") else len("Ủy ban nhân dân ")
        text = text[head:].strip()
        folded = fold(text)
    for word in ADMIN_WORDS:
        if folded.startswith(fold(word) + " "):
            return word.lower(), text[len(word) :].strip()
    return "", text


def admin_word(name: str, kind: str | None, subtype: str | None = None) -> str:
    """ "xã", "thị trấn", "huyện"…: from the name, else the subtype, else the kind's usual word."""
    word, _ = split_admin(name)
    if word:
        return word
    if subtype in SUBTYPE_LABELS:
        return SUBTYPE_LABELS[subtype].lower()
    return _DEFAULT_WORD.get(kind or "", "")


@lru_cache(maxsize=65536)
def letter_name(name: str, kind: str | None, subtype: str | None = None) -> str:
    """How a letter names a unit: the people's committee of an administrative unit ("UBND xã
    Phước An", from "Xã Phước An" or a bare "Phước An"), other units by their own name
    (remembered: pages list the same units month after month)."""
    if kind not in ADMINISTRATIVE:
        return name
    _, bare = split_admin(name)
    word = admin_word(name, kind, subtype)
    return f"UBND {word} {bare}".replace("  ", " ")


@dataclass(frozen=True, kw_only=True)
class UnitInfo:
    """How a unit is named, grouped, placed and dated, wherever it comes from: a units file, a
    values file or the database."""

    key: str
    name: str
    kind: str | None = None
    groups: tuple[str, ...] = ()
    parent_key: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def letter_name(self) -> str:
        return letter_name(self.name, self.kind, getattr(self, "subtype", None))

    def in_force(self, on: date) -> bool:
        return in_force(self.valid_from, self.valid_to, on)


@dataclass(frozen=True, kw_only=True)
class Unit(UnitInfo):
    """A stored unit, as every layer above the store sees it (the ORM row never leaves it)."""

    id: int
    kind: str
    code: str | None = None
    short_name: str | None = None
    subtype: str | None = None
    scheme: str | None = None
    parent_id: int | None = None
    parent_name: str | None = None
    group_codes: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None

    @property
    def kind_label(self) -> str:
        if self.subtype:
            return SUBTYPE_LABELS.get(self.subtype, self.subtype)
        return UnitKind(self.kind).label_vi


@dataclass(frozen=True)
class LinkView:
    """The other end of a lineage link: where a unit went, or where it came from."""

    unit: Unit
    kind: LinkKind
    is_primary: bool
    derived: bool = False


@dataclass(frozen=True)
class Group:
    """A named set of units ("Sở, ban, ngành", "UBND cấp xã") that rankings and lists use."""

    id: int
    code: str
    name: str
    members: int = 0
