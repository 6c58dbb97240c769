"""`chiso evaluate` on plain files (values and, optionally, units) with no database: the files
are read into the evaluation service's `Inputs` and evaluated by `evaluations.evaluate_inputs`,
the same path stored values take."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chiso.domain.periods import Period
from chiso.errors import UsageError
from chiso.io.values_file import ValueRow
from chiso.services.periods import parse_optional as _parse_period
from chiso.services.scoring.evaluations import (
    EvaluationReport,
    Options,
    evaluate_inputs,
    file_inputs,
)

__all__ = ["EvaluationReport", "EvaluationRequest", "evaluate_files", "file_inputs"]


@dataclass(frozen=True)
class EvaluationRequest:
    framework: str
    values: Path
    units: Path | None = None
    period: str | None = None
    group: str | None = None
    uncertainty: int = 0
    noise: float = 0.0
    top_k: int = 3
    seed: int = 0
    merge_to_2025: bool = False
    weight_spread: float = 0.25


def evaluate_files(req: EvaluationRequest) -> EvaluationReport:
    wanted = _parse_period(req.period)
    inputs, rows = file_inputs(req.framework, req.values, req.units, wanted)
    period = _choose_period(rows, wanted)
    options = Options(
        group=req.group,
        draws=req.uncertainty,
        noise=req.noise,
        top_k=req.top_k,
        seed=req.seed,
        weight_spread=req.weight_spread,
        sensitivity=bool(req.uncertainty),
        merge_to_2025=req.merge_to_2025,
    )
    return evaluate_inputs(inputs, period, options)


def _choose_period(rows: list[ValueRow], wanted: Period | None) -> Period:
    periods = sorted({r.period for r in rows}, key=lambda p: (p.start, p.granularity.months))
    if wanted is not None:
        if not any(wanted.contains(p) for p in periods):
            listed = ", ".join(map(str, periods))
            raise UsageError(
                f"Tệp số liệu không có số liệu nào trong kỳ {wanted} (chỉ có: {listed}).",
                f"no values within period {wanted}",
            )
        return wanted
    if len(periods) > 1:
        listed = ", ".join(map(str, periods))
        raise UsageError(
            f"Tệp số liệu có nhiều kỳ ({listed}).",
            "several periods in file",
            hint_vi="chọn kỳ bằng --period.",
        )
    return periods[0]
