"""Rank uncertainty on 3,321 units × 50 indicators × 1,000 draws (the whole country's communes).

Baseline, same run, same data: the bare computation with no ranking groups, no chunking and no
summary — one weight matrix, one matmul, one argsort — so the ratio shows what chiso adds."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from chiso.domain.uncertainty import UncertaintySettings, simulate

UNITS, INDICATORS, DRAWS = 3321, 50, 1000


def _data() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    matrix = rng.beta(2, 2, size=(UNITS, INDICATORS))
    weights = rng.integers(5, 40, size=INDICATORS).astype(float)
    units = [f"u{i}" for i in range(UNITS)]
    groups = ["phuong" if i % 4 == 0 else "xa" for i in range(UNITS)]
    return units, groups, matrix, weights


def _baseline(matrix: np.ndarray, weights: np.ndarray, noise: float) -> None:
    rng = np.random.default_rng(0)
    drawn = weights * rng.uniform(0.75, 1.25, size=(DRAWS, weights.size))
    if noise:
        totals = np.empty((matrix.shape[0], DRAWS))
        for d in range(DRAWS):
            noisy = np.clip(matrix + rng.normal(0, noise, size=matrix.shape), 0, 1)
            totals[:, d] = noisy @ drawn[d]
    else:
        totals = matrix @ drawn.T
    np.argsort(np.argsort(-totals, axis=0), axis=0)


def _timed(fn: object, *args: object) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    units, groups, matrix, weights = _data()
    print(f"Rank uncertainty: {UNITS} units × {INDICATORS} indicators × {DRAWS} draws")
    for noise in (0.0, 0.02):
        settings = UncertaintySettings(draws=DRAWS, noise=noise, top_k=10)
        base_s, base_mb = _timed(_baseline, matrix, weights, noise)
        ours_s, ours_mb = _timed(simulate, units, groups, matrix, weights, settings)
        label = f"weights{' + input noise 0.02' if noise else ''}"
        print(
            f"  {label:<28} chiso {ours_s:6.2f} s, peak {ours_mb:6.0f} MiB | "
            f"baseline {base_s:6.2f} s, peak {base_mb:6.0f} MiB | ratio {ours_s / base_s:4.2f}×"
        )


if __name__ == "__main__":
    main()
