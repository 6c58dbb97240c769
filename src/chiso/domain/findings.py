"""What a document says about an indicator, as a clerk writes it: units below the line, units
not using a platform at all, units that did not do a yes/no task, improvements since an earlier
period, the best; counts against the target; and the lists themselves in the seeds' style
("Phòng Nội vụ (9,31%); các xã: Phước An (47,31%); Tân Hưng (46,08%)")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from chiso.domain.formatting import number, percent_as_written
from chiso.domain.frameworks import InputKind
from chiso.domain.text import fold
from chiso.domain.units import letter_name, split_admin


@dataclass(frozen=True)
class UnitFigure:
    key: str
    name: str
    """The letter name: "UBND xã Phước An", "Sở Y tế"."""
    group: str
    value: float | None
    """Rates as fractions (0–1), counts as counts, yes/no as 1/0."""
    numerator: float | None = None
    denominator: float | None = None
    kind: str | None = None
    own_name: str = ""
    """The name as the unit list writes it ("Xã Phước An" or a bare "Phước An")."""
    parent_key: str | None = None

    @property
    def bare(self) -> str:
        """The name without its administrative word, never re-cased: "Phước An"."""
        return split_admin(self.own_name or self.name)[1]

    @property
    def word(self) -> str:
        """ "xã", "thị trấn", "huyện"… as the letter name says it."""
        return split_admin(self.name)[0]


def unit_figure(
    key: str,
    name: str,
    kind: str | None,
    group: str,
    value: float | None,
    numerator: float | None = None,
    denominator: float | None = None,
    parent_key: str | None = None,
) -> UnitFigure:
    return UnitFigure(
        key,
        letter_name(name, kind),
        group,
        value,
        numerator,
        denominator,
        kind,
        name,
        parent_key,
    )


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    kind: InputKind
    """RATE, COUNT (numbers are counted alike) or YES_NO."""
    target: float | None = None
    """Fraction for rates."""


@dataclass
class Findings:
    indicator: Indicator
    threshold: float | None
    """The line units are listed under (the target unless the document says otherwise)."""
    below: list[UnitFigure] = field(default_factory=list)
    not_using: list[UnitFigure] = field(default_factory=list)
    not_done: list[UnitFigure] = field(default_factory=list)
    improved: list[tuple[UnitFigure, UnitFigure]] = field(default_factory=list)
    best: list[UnitFigure] = field(default_factory=list)
    reported: int = 0
    overall: float | None = None
    met: int | None = None
    """Units at or above the target (None when the indicator has no target)."""
    units: list[UnitFigure] = field(default_factory=list)

    @property
    def not_met(self) -> int | None:
        return None if self.met is None else self.reported - self.met


def in_figures(indicator: Indicator, shown: float) -> float:
    """A line written as people write it (percent for rates: 50) as figures hold it (0,5)."""
    return shown / 100 if indicator.kind is InputKind.RATE else shown


def show(indicator: Indicator, value: float | None, decimals: int = 2) -> str:
    """ "31,14%", "13,50%", "49%" for rates; "1.234" for counts."""
    if value is None:
        return "—"
    if indicator.kind is InputKind.RATE:
        return percent_as_written(value, decimals)
    return number(value)


def analyse(
    indicator: Indicator,
    current: Sequence[UnitFigure],
    earlier: Sequence[UnitFigure] = (),
    threshold: float | None = None,
    group_order: Sequence[str] = (),
    sort: str = "value",
    min_gain: float = 0.02,
) -> Findings:
    """`threshold` (fraction for rates) defaults to the target; units are grouped in `group_order`
    (others after, by name) and sorted inside each group by `sort`: "value" (lowest first),
    "value_desc", "name" or "roster" (the order given)."""
    line = threshold if threshold is not None else indicator.target
    found = Findings(indicator, line)
    known = [u for u in current if u.value is not None]
    found.units = known
    found.reported = len(known)
    found.overall = overall(indicator, known)
    if indicator.kind is InputKind.YES_NO:
        found.not_done = order([u for u in known if (u.value or 0) < 0.5], group_order, sort)
        found.met = found.reported - len(found.not_done)
        return found
    if indicator.target is not None:
        found.met = sum(1 for u in known if (u.value or 0) >= indicator.target - 1e-12)
    if indicator.kind is InputKind.COUNT:
        found.not_using = order([u for u in known if u.value == 0], group_order, sort)
    if line is not None:
        below = [u for u in known if (u.value or 0) < line - 1e-12]
        if indicator.kind is InputKind.COUNT:
            below = [u for u in below if u.value != 0]
        found.below = order(below, group_order, sort)
    if indicator.kind is InputKind.RATE:
        found.best = order([u for u in known if (u.value or 0) >= 1 - 1e-9], group_order, sort)
    before = {u.key: u for u in earlier if u.value is not None}
    gains = [
        (before[u.key], u)
        for u in known
        if u.key in before and (u.value or 0) - (before[u.key].value or 0) >= min_gain
    ]
    found.improved = sorted(gains, key=lambda p: -((p[1].value or 0) - (p[0].value or 0)))
    return found


def overall(indicator: Indicator, units: Sequence[UnitFigure]) -> float | None:
    """The rate of all the units together (Σ numerators ÷ Σ denominators), a count's sum."""
    if indicator.kind is not InputKind.RATE:
        return sum(u.value or 0 for u in units) if indicator.kind is InputKind.COUNT else None
    if units and all(u.denominator for u in units):
        den = sum(u.denominator or 0 for u in units)
        return sum(u.numerator or 0 for u in units) / den if den else None
    return sum(u.value or 0 for u in units) / len(units) if units else None


def order(units: list[UnitFigure], group_order: Sequence[str], sort: str) -> list[UnitFigure]:
    rank = {fold(g): i for i, g in enumerate(group_order)}
    roster = {u.key: i for i, u in enumerate(units)}

    def key(u: UnitFigure) -> tuple[int, str, float, str]:
        position = rank.get(fold(u.group), len(rank))
        value = {
            "value": u.value or 0,
            "value_desc": -(u.value or 0),
            "roster": float(roster[u.key]),
        }.get(sort, 0.0)
        return (position, u.group if position == len(rank) else "", value, fold(u.name))

    return sorted(units, key=key)


def flat(units: Sequence[UnitFigure], sort: str) -> list[UnitFigure]:
    """One list across groups, by value (lowest or highest first) or by name."""
    if sort == "roster":
        return list(units)
    value: Callable[[UnitFigure], float] = (
        (lambda u: -(u.value or 0)) if sort == "value_desc" else (lambda u: u.value or 0)
    )
    if sort == "name":
        return sorted(units, key=lambda u: fold(u.name))
    return sorted(units, key=lambda u: (value(u), fold(u.name)))


def by_group(units: Sequence[UnitFigure]) -> list[tuple[str, list[UnitFigure]]]:
    """Consecutive runs of the same group, in the order given."""
    out: list[tuple[str, list[UnitFigure]]] = []
    for u in units:
        if out and out[-1][0] == u.group:
            out[-1][1].append(u)
        else:
            out.append((u.group, [u]))
    return out


WORD_ORDER = {
    "district": ("huyện", "quận", "thị xã", "thành phố"),
    "commune": ("xã", "phường", "thị trấn", "đặc khu"),
}


@dataclass(frozen=True)
class ListStyle:
    """How a list of units is written: grouped under headings ("các xã: Phước An (47,31%)")
    or flat with full names, ";" between units, figures shown or not."""

    grouped: bool = True
    separator: str = "; "
    figures: bool = True
    decimals: int = 2


@dataclass(frozen=True)
class ClerkList:
    text: str
    headed: bool
    """Whether it opens with a group heading (then the sentence puts it in brackets, never
    after a second colon)."""


def clerk_list(
    units: Sequence[UnitFigure], indicator: Indicator, style: ListStyle = ListStyle()
) -> ClerkList:
    def item(u: UnitFigure, name: str) -> str:
        return f"{name} ({show(indicator, u.value, style.decimals)})" if style.figures else name

    if not style.grouped:
        return ClerkList(style.separator.join(item(u, u.name) for u in units), False)
    runs = [run for _, members in by_group(units) for run in _by_kind(members)]
    headings = [_headed(run) for run in runs]
    # A heading covers everything after it up to the next heading, so the runs that name
    # themselves come first: a department never reads as one of "các xã, phường".
    order = sorted(range(len(runs)), key=lambda i: bool(headings[i][0]))
    parts: list[str] = []
    headed = False
    for i in order:
        heading, names = headings[i]
        texts = [item(u, n) for u, n in zip(runs[i], names, strict=True)]
        if heading:
            headed = headed or not parts
            texts[0] = f"{heading}: {texts[0]}"
        parts += texts
    return ClerkList(style.separator.join(parts), headed)


def _by_kind(members: Sequence[UnitFigure]) -> list[list[UnitFigure]]:
    """One run per kind (huyện / xã, phường / the rest: sở, ban, ngành and the agencies that
    name themselves) in the order the kinds first appear: each unit under the heading of its
    own kind, never a department under "các xã, phường"."""
    runs: dict[str, list[UnitFigure]] = {}
    for u in members:
        kind = u.kind if u.kind in ("district", "commune") else ""
        runs.setdefault(kind, []).append(u)
    return list(runs.values())


def _headed(members: Sequence[UnitFigure]) -> tuple[str, list[str]]:
    """The group's heading (empty when its members name themselves) and each member's name
    under it: bare names where the heading already says what they are."""
    kinds = [u.kind for u in members]
    for kind in ("department", "district", "commune"):
        if kinds.count(kind) < 2:
            continue
        if kind == "department":
            names = [
                u.name.removeprefix("Sở ")
                if u.kind == kind and u.name.startswith("Sở ")
                else u.name
                for u in members
            ]
            return "các sở, ban, ngành", names
        words = {u.word for u in members if u.kind == kind}
        said = ", ".join(w for w in WORD_ORDER[kind] if w in words)
        heading = f"UBND các {said}" if kind == "district" else f"các {said}"
        return heading, [u.bare if u.kind == kind else u.name for u in members]
    return "", [u.name for u in members]
