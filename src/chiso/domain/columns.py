"""What an evaluation's scores and a ranking table's cells share: values kept as arrays of rows
(units) × nodes in the framework's pre-order, and a row read as a mapping node code → item that
builds the item only when it is asked for (a stored evaluation is read without a million small
objects)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class NodeColumns:
    codes: tuple[str, ...]

    @property
    def position(self) -> dict[str, int]:
        found: dict[str, int] | None = self.__dict__.get("_position")
        if found is None:
            found = {c: n for n, c in enumerate(self.codes)}
            object.__setattr__(self, "_position", found)
        return found

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_position"}


class ColumnRow(Mapping[str, T], Generic[T]):
    """One row of `columns`; a subclass says how one item of the row is built (`item`)."""

    __slots__ = ("columns", "row")

    def __init__(self, columns: Any, row: int) -> None:
        self.columns = columns
        self.row = row

    def item(self, node: int) -> T:
        raise NotImplementedError

    def __getitem__(self, code: str) -> T:
        return self.item(self.columns.position[code])

    def __contains__(self, code: object) -> bool:
        return code in self.columns.position

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns.codes)

    def __len__(self) -> int:
        return len(self.columns.codes)

    def __reduce__(self) -> tuple[type[ColumnRow[T]], tuple[Any, int]]:
        return (type(self), (self.columns, self.row))
