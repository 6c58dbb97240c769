"""How the one evaluation grows with the number of units: 100, 3.321 (the country's communes since
1/7/2025) and 10.035 (before), 20 indicators in 5 main indices, a previous period to compare
with, two ranking groups, 300 Monte Carlo draws (what the ranking page asks): computed once per
data version (`evaluate_inputs`, the whole report), stored (`_dumps`) and read back by a view
(`_loads`).

Baseline, same run, same data: the bare computation of the same two-level weighted sum, 300
draws of perturbed weights and one double argsort per draw, without groups, ties, missing data,
changes or the ranking table. Each figure is the best of 3; "per unit" is the time over the
number of units, relative to the smallest size, so 1,0× means linear growth."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from bench.verdicts import Verdict, growth
from chiso.domain.frameworks import TOTAL, Framework, InputKind, Node, RankingGroup
from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.domain.units import UnitInfo
from chiso.services.scoring import evaluations
from chiso.services.scoring.evaluations import Inputs, Options

SIZES = tuple(
    int(n)
    for n in os.environ.get(
        "CHISO_BENCH_EVAL_UNITS",
        "100,3321" if os.environ.get("CHISO_BENCH_QUICK") else "100,3321,10035",
    ).split(",")
)
MAINS, PER_MAIN, DRAWS = 5, 4, 300
PERIOD = Period.parse("2026-10")


def _framework(weights: np.ndarray) -> Framework:
    mains = []
    for m in range(MAINS):
        leaves = tuple(
            Node(
                f"c{m}_{j}",
                f"Chỉ số {m}.{j}",
                float(weights[m * PER_MAIN + j]),
                input=InputKind.INDEX,
            )
            for j in range(PER_MAIN)
        )
        mains.append(Node(f"c{m}", f"Nhóm {m}", sum(n.max_points for n in leaves), leaves))
    root = Node(TOTAL, "Bench", sum(n.max_points for n in mains), tuple(mains))
    groups = (RankingGroup("phuong", "Phường", ("Phường",)), RankingGroup("xa", "Xã"))
    return Framework("bench", "Bench", root, levels=("index", "component"), ranking_groups=groups)


def _inputs(units: int) -> tuple[Inputs, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    now = rng.beta(2, 2, size=(units, MAINS * PER_MAIN))
    before = np.clip(now + rng.normal(0, 0.05, size=now.shape), 0, 1)
    weights = rng.integers(5, 40, size=MAINS * PER_MAIN).astype(float)
    framework = _framework(weights)
    codes = [n.code for n in framework.leaves()]
    infos = {
        f"u{i}": UnitInfo(key=f"u{i}", name=f"Xã Số {i}", groups=("Phường",) if i % 4 else ())
        for i in range(units)
    }
    inputs = Inputs(framework, infos, scoped=False)
    for i in range(units):
        for j, code in enumerate(codes):
            inputs.stored[(f"u{i}", code)] = {
                PERIOD: Value(index=float(now[i, j])),
                PERIOD.previous(): Value(index=float(before[i, j])),
            }
    return inputs, now, weights


def _baseline(matrix: np.ndarray, weights: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    leaf = weights * rng.uniform(0.75, 1.25, size=(DRAWS, weights.size))
    main = rng.uniform(0.75, 1.25, size=(DRAWS, MAINS))
    totals = np.zeros((matrix.shape[0], DRAWS))
    for m in range(MAINS):
        part = slice(m * PER_MAIN, (m + 1) * PER_MAIN)
        w = leaf[:, part] / leaf[:, part].sum(axis=1, keepdims=True)
        totals += (matrix[:, part] @ w.T) * (weights[part].sum() * main[:, m])
    np.argsort(np.argsort(-totals, axis=0), axis=0)
    np.argsort(-(matrix @ weights))


def _best(work: Callable[[], object], runs: int = 3) -> tuple[float, float]:
    """Best wall time and best CPU time (user + sys of the process) of `runs` runs."""
    wall = cpu = float("inf")
    for _ in range(runs):
        start, used = time.perf_counter(), time.process_time()
        work()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - used)
    return wall, cpu


def main() -> list[Verdict]:
    options = Options(draws=DRAWS, top_k=3)
    found = []
    print(
        f"Evaluation by number of units ({MAINS * PER_MAIN} indicators, {DRAWS} draws, best of 3;"
        " wall / CPU, per unit from CPU)"
    )
    print(
        "  units   compute (wall/CPU)  baseline (CPU)  ratio (CPU)  per unit  |  stored"
        "   read (wall/CPU)  per unit"
    )
    first: tuple[float, float] | None = None
    costs: list[tuple[float, float]] = []
    for units in SIZES:
        inputs, matrix, weights = _inputs(units)
        report = evaluations.evaluate_inputs(inputs, PERIOD, options)
        compute = _best(lambda: evaluations.evaluate_inputs(inputs, PERIOD, options))  # noqa: B023
        base = _best(lambda: _baseline(matrix, weights))  # noqa: B023
        body = evaluations._dumps(report)
        read = _best(lambda: evaluations._loads(body))  # noqa: B023
        first = first or (compute[1] / units, read[1] / units)
        print(
            f"  {units:>6}  {compute[0]:7.2f} s / {compute[1]:5.2f} s  {base[1]:9.2f} s"
            f"  {compute[1] / base[1]:9.1f}×  {compute[1] / units / first[0]:7.2f}×  |"
            f"  {len(body) / 1024:6.0f} KiB  {read[0] * 1000:6.0f} / {read[1] * 1000:4.0f} ms"
            f"  {read[1] / units / first[1]:7.2f}×",
            flush=True,
        )
        costs.append((units, compute[1]))
        found.append(
            Verdict(
                f"evaluation at {units} units (CPU against the bare computation)",
                f"{compute[1] / base[1]:.1f}× ({compute[1]:.2f} s)",
                "—",
                None,
            )
        )
    found += growth("evaluation CPU", "units", costs)
    return found


if __name__ == "__main__":
    main()
