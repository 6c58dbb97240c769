"""Missing raw values filled in before scoring (JRC/COINr order: impute, then normalise and
aggregate), per indicator and period over the units evaluated together.

Yes/no and category answers are classes, not quantities: what is imputed for them is the share
of the node they earn (a mean share of 0,6 for a yes/no leaf is 60% of its points)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from statistics import fmean, median

from chiso.domain.frameworks import Framework, Imputation, InputKind, Node
from chiso.domain.scoring import Value, raw_value, share

UnitValues = Mapping[str, Mapping[str, Value]]
"""unit code → node code → value."""

_CLASSES = frozenset({InputKind.YES_NO, InputKind.CATEGORY})


def open_leaves(node: Node, values: Mapping[str, Value], kind: str | None) -> Iterator[Node]:
    """Scored leaves that apply to the unit and are not covered by a value given for an
    ancestor (a published main index makes its components unnecessary)."""
    if not node.applies(kind):
        return
    if node.is_leaf:
        if node.max_points > 0:
            yield node
        return
    supplied = values.get(node.code)
    if supplied is not None and not supplied.is_empty:
        return
    for child in node.children:
        yield from open_leaves(child, values, kind)


def impute(
    framework: Framework,
    values: UnitValues,
    kinds: Mapping[str, str | None],
    pools: Mapping[str, str],
    previous: UnitValues | None = None,
) -> dict[tuple[str, str], Value]:
    """(unit, leaf) → imputed value for every open leaf without a value that the method can
    fill; `pools` names the group each unit is imputed from (`group_mean`). An indicator with no
    data in the pool is left missing, for the framework's `missing` policy."""
    method = framework.impute
    if method is None:
        return {}
    wanted: dict[str, list[str]] = defaultdict(list)
    for unit, own in values.items():
        for leaf in open_leaves(framework.root, own, kinds.get(unit)):
            wanted[leaf.code].append(unit)
    out: dict[tuple[str, str], Value] = {}
    for code, units in wanted.items():
        node = framework.node(code)
        assert node is not None
        missing = [u for u in units if _is_missing(values[u].get(code))]
        if not missing:
            continue
        if method is Imputation.PREVIOUS:
            out |= _previous(code, missing, previous or {})
            continue
        observed = {u: q for u in units if (q := _quantity(node, values[u].get(code))) is not None}
        for unit in missing:
            pool = [
                q
                for u, q in observed.items()
                if method is not Imputation.GROUP_MEAN or pools.get(u) == pools.get(unit)
            ]
            if pool:
                statistic = median(pool) if method is Imputation.MEDIAN else fmean(pool)
                out[(unit, code)] = _as_value(node, statistic)
    return out


def _is_missing(value: Value | None) -> bool:
    return value is None or value.is_empty


def _previous(code: str, missing: list[str], previous: UnitValues) -> dict[tuple[str, str], Value]:
    out = {}
    for unit in missing:
        before = previous.get(unit, {}).get(code)
        if not _is_missing(before):
            assert before is not None
            out[(unit, code)] = before
    return out


def _quantity(node: Node, value: Value | None) -> float | None:
    """What is averaged: the share for classes, the index for 0–1 inputs, the raw value (rates
    as fractions) otherwise; an index given for a raw-valued leaf is not comparable, so left out."""
    if value is None or value.is_empty:
        return None
    if node.input in _CLASSES:
        return share(node, value)
    if value.index is not None:
        return value.index if node.input is InputKind.INDEX else None
    return raw_value(node, value)


def _as_value(node: Node, quantity: float) -> Value:
    if node.input in _CLASSES or node.input is InputKind.INDEX:
        return Value(index=quantity)
    if node.input is InputKind.RATE:
        return Value(number=quantity * 100.0)
    return Value(number=quantity)
