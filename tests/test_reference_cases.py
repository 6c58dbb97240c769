"""Reference cases checked to 1e-6 on every node and on every rank: the published DTI 2022 main
indices, an EGDI-style equal-weights index, and a COINr-style index of our own (min-max with
goalposts, a geometric pillar, skip with a coverage threshold, imputation). The expected figures
come from plain arithmetic written here, not from the engine."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from statistics import fmean, median, pstdev

import pytest

from chiso.domain.evaluation import Evaluation, UnitInput, evaluate
from chiso.domain.frameworks import (
    TOTAL,
    Aggregation,
    Framework,
    Imputation,
    InputKind,
    MissingPolicy,
    Node,
    Polarity,
    RuleKind,
)
from chiso.domain.ranking import round_half_up
from chiso.domain.scoring import Value
from chiso.services.scoring import frameworks
from tests.engine_helpers import framework

DATA = Path(__file__).parent / "data"
TOLERANCE = 1e-6


def expected_ranks(indices: Mapping[str, float | None], digits: int = 4) -> dict[str, int]:
    shown = {u: round_half_up(v, digits) for u, v in indices.items() if v is not None}
    return {u: 1 + sum(1 for w in shown.values() if w > v) for u, v in shown.items()}


def check(ev: Evaluation, expected: Mapping[str, Mapping[str, float | None]]) -> None:
    """`expected`: node → unit → index; every node's ranks follow from it."""
    results = ev.by_unit()
    for node, by_unit in expected.items():
        for unit, index in by_unit.items():
            got = results[unit].scores[node].index
            if index is None:
                assert got is None, (node, unit)
            else:
                assert got is not None and abs(got - index) <= TOLERANCE, (node, unit, got, index)
        ranks = {u: results[u].ranks.get(node) for u in by_unit}
        assert ranks == {u: expected_ranks(by_unit).get(u) for u in by_unit}, node


def test_dti_2022_published_main_indices_every_node() -> None:
    f = frameworks.shipped("dti-province-922")
    values: dict[str, dict[str, Value]] = {}
    names: dict[str, str] = {}
    with (DATA / "dti-2022-top5.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            values.setdefault(row["unit_code"], {})[row["indicator"]] = Value(
                index=float(row["value"])
            )
            names[row["unit_code"]] = row["unit_name"]
    ev = evaluate(
        f, [UnitInput(u, names[u], "province", "tinh", True, v) for u, v in values.items()]
    )
    weights = {"1": 100, "2": 100, "3": 100, "4": 100, "5": 100, "7": 200, "8": 150, "9": 150}
    idx = {u: {k: v[k].index for k in weights} for u, v in values.items()}
    group_i = {u: sum(idx[u][k] * weights[k] for k in "12345") / 500 for u in idx}
    group_ii = {u: sum(idx[u][k] * weights[k] for k in "789") / 500 for u in idx}
    expected: dict[str, dict[str, float | None]] = {k: {u: idx[u][k] for u in idx} for k in weights}
    expected |= {"I": group_i, "II": group_ii}
    expected[TOTAL] = {u: (group_i[u] * 500 + group_ii[u] * 500) / 1000 for u in idx}
    check(ev, expected)
    published = {"48": 1, "79": 2, "22": 3, "46": 4, "92": 5}
    assert {u: ev.by_unit()[u].ranks[TOTAL] for u in published} == published


EGDI = {
    # country: (online services raw score, telecommunication composite, human capital composite)
    "SGP": (0.9620, 0.8870, 0.8940),
    "MYS": (0.7500, 0.8200, 0.7430),
    "THA": (0.7960, 0.7450, 0.7380),
    "VNM": (0.6620, 0.6950, 0.6930),
    "IDN": (0.7700, 0.6000, 0.6990),
    "PHL": (0.6960, 0.5380, 0.7330),
    "KHM": (0.3350, 0.4600, 0.5200),
    "LAO": (0.2450, 0.3900, 0.5510),
}


def test_egdi_style_equal_weights_of_three_normalised_components() -> None:
    """EGDI standardises each component (z-score), rescales it to 0–1 (min-max) and averages the
    three with equal weights; chiso's min-max leaf gives the same component indices, as min-max
    is blind to the affine z-score step."""
    components = [
        Node(c, n, 1, input=InputKind.NUMBER, rule=RuleKind.MINMAX)
        for c, n in (
            ("osi", "Dịch vụ trực tuyến"),
            ("tii", "Hạ tầng viễn thông"),
            ("hci", "Nguồn nhân lực"),
        )
    ]
    f = replace(framework(*components), precision=4)
    units = [
        UnitInput(
            c,
            c,
            values={k: Value(number=x) for k, x in zip(("osi", "tii", "hci"), raw, strict=True)},
        )
        for c, raw in EGDI.items()
    ]
    ev = evaluate(f, units)
    expected: dict[str, dict[str, float | None]] = {}
    for j, code in enumerate(("osi", "tii", "hci")):
        column = [raw[j] for raw in EGDI.values()]
        mean, sd = fmean(column), pstdev(column)
        z = {c: (raw[j] - mean) / sd for c, raw in EGDI.items()}
        lo, hi = min(z.values()), max(z.values())
        expected[code] = {c: (v - lo) / (hi - lo) for c, v in z.items()}
    expected[TOTAL] = {c: sum(expected[k][c] for k in ("osi", "tii", "hci")) / 3 for c in EGDI}
    check(ev, expected)
    assert ev.by_unit()["SGP"].ranks[TOTAL] == 1
    assert ev.by_unit()["LAO"].ranks[TOTAL] == 8


COINR_DATA: dict[str, dict[str, float]] = {
    # p1a: e-service score 0–100 (goalposts 20–90); p1b: incidents (lower is better);
    # p1c: share online (rate, %); p2a: digitised (rate, %); p2b: growth (%, signed);
    # p3a, p3b: shares (%).
    "A": {"p1a": 95, "p1b": 1, "p1c": 80, "p2a": 70, "p2b": 12, "p3a": 50, "p3b": 40},
    "B": {"p1a": 60, "p1b": 4, "p1c": 55, "p2a": 40, "p2b": -3, "p3a": 90},
    "C": {"p1a": 40, "p1b": 2, "p2a": 90, "p2b": 5, "p3b": 70},
    "D": {"p1a": 15, "p1b": 9, "p1c": 30, "p3a": 20, "p3b": 10},
    "E": {"p1b": 3, "p2a": 60, "p2b": 0},
    "F": {"p1a": 70, "p1b": 0, "p1c": 65, "p2a": 50, "p2b": 8, "p3a": 60, "p3b": 60},
}
PILLARS = {
    "P1": {"p1a": 20, "p1b": 15, "p1c": 15},
    "P2": {"p2a": 25, "p2b": 15},
    "P3": {"p3a": 5, "p3b": 5},
}


def coinr_framework(impute: Imputation | None = None) -> Framework:
    leaves = {
        "p1a": Node(
            "p1a",
            "Dịch vụ số",
            20,
            input=InputKind.NUMBER,
            rule=RuleKind.MINMAX,
            goalposts=(20, 90),
        ),
        "p1b": Node(
            "p1b", "Sự cố", 15, input=InputKind.COUNT, rule=RuleKind.MINMAX, polarity=Polarity.LOWER
        ),
        "p1c": Node("p1c", "Trực tuyến", 15, input=InputKind.RATE, rule=RuleKind.MINMAX),
        "p2a": Node("p2a", "Số hóa", 25, input=InputKind.RATE),
        "p2b": Node("p2b", "Tăng trưởng", 15, input=InputKind.NUMBER, rule=RuleKind.MINMAX),
        "p3a": Node("p3a", "Tập huấn", 5, input=InputKind.RATE),
        "p3b": Node("p3b", "Thư công vụ", 5, input=InputKind.RATE),
    }
    pillars = [
        Node(
            p,
            p,
            sum(w.values()),
            tuple(leaves[c] for c in w),
            aggregate=Aggregation.GEOMETRIC if p == "P1" else None,
        )
        for p, w in PILLARS.items()
    ]
    f = framework(*pillars, missing=MissingPolicy.SKIP, levels=("index", "component"))
    return replace(f, min_coverage=0.6, impute=impute)


def coinr_filled(impute: Imputation | None) -> dict[str, dict[str, float]]:
    data = {u: dict(v) for u, v in COINR_DATA.items()}
    if impute is not None:
        for c in (c for w in PILLARS.values() for c in w):
            observed = [v[c] for v in COINR_DATA.values() if c in v]
            fill = median(observed) if impute is Imputation.MEDIAN else fmean(observed)
            for v in data.values():
                v.setdefault(c, fill)
    return data


def coinr_share(data: dict[str, dict[str, float]], c: str) -> dict[str, float | None]:
    column = [v[c] for v in data.values() if c in v]
    lo, hi = (20.0, 90.0) if c == "p1a" else (min(column), max(column))
    out: dict[str, float | None] = {}
    for u, v in data.items():
        if c not in v:
            out[u] = None
        elif c in ("p2a", "p3a", "p3b"):
            out[u] = v[c] / 100
        elif c == "p1b":
            out[u] = (hi - v[c]) / (hi - lo)
        else:
            out[u] = min(1.0, max(0.0, (v[c] - lo) / (hi - lo)))
    return out


def weighted(
    shares: Mapping[str, float | None], weights: Mapping[str, float], geometric: bool
) -> float | None:
    """Skip without a value, coverage 0.6 of the weights, arithmetic or geometric mean."""
    have = {k: w for k, w in weights.items() if shares[k] is not None}
    if sum(have.values()) < 0.6 * sum(weights.values()) - 1e-12:
        return None
    values = {k: float(shares[k] or 0.0) for k in have}
    if not geometric:
        return sum(w * values[k] for k, w in have.items()) / sum(have.values())
    if min(values.values()) == 0:
        return 0.0
    return math.exp(sum(w * math.log(values[k]) for k, w in have.items()) / sum(have.values()))


def coinr_expected(impute: Imputation | None) -> dict[str, dict[str, float | None]]:
    data = coinr_filled(impute)
    out = {c: coinr_share(data, c) for w in PILLARS.values() for c in w}
    for p, weights in PILLARS.items():
        out[p] = {u: weighted({c: out[c][u] for c in weights}, weights, p == "P1") for u in data}
    size = {p: float(sum(w.values())) for p, w in PILLARS.items()}
    out[TOTAL] = {u: weighted({p: out[p][u] for p in PILLARS}, size, False) for u in data}
    return out


def coinr_units() -> list[UnitInput]:
    return [
        UnitInput(u, f"Đơn vị {u}", values={c: Value(number=x) for c, x in v.items()})
        for u, v in COINR_DATA.items()
    ]


@pytest.mark.parametrize("impute", [None, Imputation.MEDIAN, Imputation.MEAN])
def test_coinr_style_index_every_node_and_rank(impute: Imputation | None) -> None:
    expected = coinr_expected(impute)
    ev = evaluate(coinr_framework(impute), coinr_units())
    check(ev, expected)


def test_coinr_style_case_exercises_every_rule() -> None:
    """Guards the data above: the case must keep a truncated goalpost, a zero in the geometric
    pillar, a pillar dropped by coverage and a unit without total."""
    plain = coinr_expected(None)
    assert plain["p1a"]["A"] == 1.0 and plain["p1a"]["D"] == 0.0
    assert plain["P1"]["D"] == 0.0
    assert plain["P3"]["E"] is None and plain["P1"]["E"] is None
    assert plain[TOTAL]["E"] is None
    assert plain[TOTAL]["C"] is not None and plain["P1"]["C"] is not None
    ev = evaluate(coinr_framework(), coinr_units()).by_unit()
    assert ev["E"].missing == ("p1a", "p1c", "p3a", "p3b")
    assert TOTAL not in ev["E"].ranks
    imputed = evaluate(coinr_framework(Imputation.MEDIAN), coinr_units()).by_unit()
    assert imputed["E"].imputed == ("p1a", "p1c", "p3a", "p3b")
    assert imputed["E"].total.index is not None
