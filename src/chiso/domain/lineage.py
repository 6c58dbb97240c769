"""How legacy units live on after the 1/7/2025 reform, classified from the conversion mapping."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class LinkKind(StrEnum):
    CONTINUED = "continued"
    RENAMED = "renamed"
    MERGED = "merged"
    SPLIT = "split"
    PROMOTED = "promoted"

    @property
    def label_vi(self) -> str:
        return _LABELS[self]


_LABELS = {
    LinkKind.CONTINUED: "giữ nguyên",
    LinkKind.RENAMED: "đổi tên",
    LinkKind.MERGED: "sáp nhập",
    LinkKind.SPLIT: "chia tách (một phần)",
    LinkKind.PROMOTED: "chuyển thành đơn vị mới",
}


@dataclass(frozen=True)
class Transfer:
    """One legacy unit (whole or part) going into one new unit."""

    old: str
    new: str
    old_name: str
    new_name: str
    whole: bool = True
    primary: bool = True
    old_is_district: bool = False


@dataclass(frozen=True)
class Link:
    old: str
    new: str
    kind: LinkKind
    primary: bool


def classify(transfers: Iterable[Transfer]) -> list[Link]:
    """Name each transfer: a part of a divided unit is a split; a district that became a
    commune-level unit is promoted; several sources make a merger; one source keeps or
    changes its name."""
    items = list(transfers)
    sources: dict[str, int] = defaultdict(int)
    for t in items:
        sources[t.new] += 1
    return [Link(t.old, t.new, _kind(t, sources[t.new]), t.primary) for t in items]


def _kind(t: Transfer, source_count: int) -> LinkKind:
    if not t.whole:
        return LinkKind.SPLIT
    if t.old_is_district:
        return LinkKind.PROMOTED
    if source_count > 1:
        return LinkKind.MERGED
    return LinkKind.CONTINUED if t.old_name == t.new_name else LinkKind.RENAMED
