"""Conversions between stored values and the domain's Value, shared by the values use cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chiso.domain import grouping
from chiso.domain.frameworks import Framework, InputKind, Node
from chiso.domain.scoring import Value, raw_value
from chiso.store import units_repo
from chiso.store.models import IndicatorValue

FIELDS = ("number", "numerator", "denominator", "text", "index_value")


def fields_of(v: Value) -> dict[str, Any]:
    return {
        "number": v.number,
        "numerator": v.numerator,
        "denominator": v.denominator,
        "text": v.text,
        "index_value": v.index,
    }


def value_of(stored: IndicatorValue) -> Value:
    return Value(
        stored.number, stored.numerator, stored.denominator, stored.text, stored.index_value
    )


MIN_CASES = 10
"""A rate over fewer cases (3 reports due) swings too much to call its changes jumps."""


def numeric(node: Node | None, value: Value) -> float | None:
    """The measured quantity used by quality checks (rates as fractions), if any."""
    if node is None or node.input not in {InputKind.RATE, InputKind.COUNT, InputKind.NUMBER}:
        return None
    if value.denominator is not None and value.denominator < MIN_CASES:
        return None
    return raw_value(node, value)


def ranking_groups(
    session: Session, framework: Framework, unit_ids: set[int]
) -> dict[int, tuple[str, bool, str | None]]:
    """Unit id → (ranking group code, ranked, kind)."""
    units = units_repo.units_by_id(session, sorted(unit_ids))
    out: dict[int, tuple[str, bool, str | None]] = {}
    for uid, unit in units.items():
        group, ranked = grouping.assign(framework, unit.kind, [g.name for g in unit.groups])
        out[uid] = (group.code, ranked, unit.kind)
    return out
