"""Rank uncertainty on 3,321 units × 50 indicators in 5 main indices × 1,000 draws (the whole
country's communes), weights perturbed at both levels of the tree.

Baseline, same run, same data: the bare computation with no ranking groups, no missing-data
handling, no ties at the published precision and no summary — per main index one matmul over
its drawn leaf weights, one weighted sum over the drawn main weights, one double argsort — so the
ratio shows what chiso adds."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from bench.verdicts import Verdict
from chiso.domain.evaluation import Evaluation, UnitInput, evaluate
from chiso.domain.frameworks import TOTAL, Framework, InputKind, Node, RankingGroup
from chiso.domain.scoring import Value
from chiso.domain.uncertainty import UncertaintySettings, rank_intervals

UNITS, MAINS, PER_MAIN, DRAWS = 3321, 5, 10, 1000


def _data() -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(7)
    matrix = rng.beta(2, 2, size=(UNITS, MAINS * PER_MAIN))
    weights = rng.integers(5, 40, size=MAINS * PER_MAIN).astype(float)
    groups = ["phuong" if i % 4 == 0 else "xa" for i in range(UNITS)]
    return matrix, weights, groups


def _evaluation(matrix: np.ndarray, weights: np.ndarray, groups: list[str]) -> Evaluation:
    mains = []
    for m in range(MAINS):
        leaves = tuple(
            Node(f"{m}.{j}", f"{m}.{j}", float(weights[m * PER_MAIN + j]), input=InputKind.INDEX)
            for j in range(PER_MAIN)
        )
        mains.append(Node(str(m), str(m), sum(n.max_points for n in leaves), leaves))
    root = Node(TOTAL, "Bench", sum(n.max_points for n in mains), tuple(mains))
    framework = Framework(
        "bench",
        "Bench",
        root,
        levels=("index", "component"),
        ranking_groups=(RankingGroup("phuong", "Phường", ("phuong",)), RankingGroup("xa", "Xã")),
    )
    units = [
        UnitInput(
            f"u{i}",
            f"u{i}",
            None,
            groups[i],
            True,
            {
                f"{m}.{j}": Value(index=float(matrix[i, m * PER_MAIN + j]))
                for m in range(MAINS)
                for j in range(PER_MAIN)
            },
        )
        for i in range(UNITS)
    ]
    return evaluate(framework, units)


def _baseline(matrix: np.ndarray, weights: np.ndarray, noise: float) -> None:
    rng = np.random.default_rng(0)
    leaf = weights * rng.uniform(0.75, 1.25, size=(DRAWS, weights.size))
    main = rng.uniform(0.75, 1.25, size=(DRAWS, MAINS))
    totals = np.zeros((UNITS, DRAWS))
    main_weight = np.zeros((DRAWS,))
    for m in range(MAINS):
        part = slice(m * PER_MAIN, (m + 1) * PER_MAIN)
        w = leaf[:, part] / leaf[:, part].sum(axis=1, keepdims=True)
        mw = weights[part].sum() * main[:, m]
        if noise:
            for d in range(DRAWS):
                noisy = np.clip(matrix[:, part] + rng.normal(0, noise, (UNITS, PER_MAIN)), 0, 1)
                totals[:, d] += (noisy @ w[d]) * mw[d]
        else:
            totals += (matrix[:, part] @ w.T) * mw
        main_weight += mw
    np.argsort(np.argsort(-(totals / main_weight), axis=0), axis=0)


def _timed(fn: object, *args: object) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak


def main() -> list[Verdict]:
    matrix, weights, groups = _data()
    evaluation = _evaluation(matrix, weights, groups)
    print(
        f"Rank uncertainty: {UNITS} units × {MAINS * PER_MAIN} indicators in {MAINS} main "
        f"indices × {DRAWS} draws"
    )
    found = []
    for noise in (0.0, 0.02):
        settings = UncertaintySettings(draws=DRAWS, noise=noise, top_k=10)
        base_s, base_mb = _timed(_baseline, matrix, weights, noise)
        ours_s, ours_mb = _timed(rank_intervals, evaluation, settings)
        label = f"weights{' + input noise 0.02' if noise else ''}"
        print(
            f"  {label:<28} chiso {ours_s:6.2f} s, peak {ours_mb:6.0f} MiB | "
            f"baseline {base_s:6.2f} s, peak {base_mb:6.0f} MiB | ratio {ours_s / base_s:4.2f}×"
        )
        found.append(
            Verdict(f"rank uncertainty, {label}", f"{ours_s / base_s:.2f}× wall", "—", None)
        )
    return found


if __name__ == "__main__":
    main()
