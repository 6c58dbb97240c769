"""`chiso evaluate`: on plain files (values and, optionally, units) with no database, the files
read into the evaluation service's `Inputs` and evaluated by `evaluations.evaluate_inputs`, the
same path stored values take; or, with no values file, on the stored values of a period through
`evaluations.evaluation_for`, the function every other output asks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chiso.domain.periods import Period
from chiso.errors import UsageError
from chiso.io.values_file import ValueRow
from chiso.services.periods import parse_optional as _parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring.evaluations import (
    EvaluationReport,
    Options,
    evaluate_inputs,
    evaluation_for,
    file_inputs,
)

__all__ = [
    "EvaluationReport",
    "EvaluationRequest",
    "evaluate_files",
    "evaluate_stored",
    "file_inputs",
]


@dataclass(frozen=True)
class EvaluationRequest:
    framework: str
    values: Path | None
    """The values file; None: the values stored in the database."""
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
    assert req.values is not None, "evaluate_stored evaluates without a values file"
    wanted = _parse_period(req.period)
    inputs, rows = file_inputs(req.framework, req.values, req.units, wanted)
    period = _choose_period(rows, wanted)
    return evaluate_inputs(inputs, period, _options(req))


def evaluate_stored(rt: Runtime, req: EvaluationRequest) -> EvaluationReport:
    """The evaluation of the period's stored values (a registered or shipped framework)."""
    if req.units is not None:
        raise UsageError(
            "--units chỉ dùng cùng --values: số liệu đã lưu dùng danh sách đơn vị trong cơ sở "
            "dữ liệu.",
            "--units without --values",
            hint_vi="bỏ --units, hoặc ghi thêm --values TỆP để chấm điểm trên tệp.",
        )
    period = _parse_period(req.period)
    if period is None:
        raise UsageError(
            "Chấm điểm số liệu đã lưu cần kỳ đánh giá.",
            "evaluating stored values needs --period",
            hint_vi="ghi --period (2023, 2023-H1, 2023-Q3, 2023-07), hoặc --values TỆP để "
            "chấm điểm trên tệp số liệu.",
        )
    return evaluation_for(rt, req.framework, period, _options(req))


def _options(req: EvaluationRequest) -> Options:
    return Options(
        group=req.group,
        draws=req.uncertainty,
        noise=req.noise,
        top_k=req.top_k,
        seed=req.seed,
        weight_spread=req.weight_spread,
        sensitivity=bool(req.uncertainty),
        merge_to_2025=req.merge_to_2025,
    )


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
