"""The letter on the unit's own result: the one evaluation of the framework for the period (and
the earlier one for the change of rank), the unit's main indices under the spec's line, and the
units under it below the target of an indicator (from the same data)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from chiso.documents import result as result_doc
from chiso.documents.spec import DocumentSpec
from chiso.domain import grouping
from chiso.domain.comparison import change_of
from chiso.domain.evaluation import Evaluation, UnitResult
from chiso.domain.findings import Findings, analyse, in_figures
from chiso.domain.frameworks import TOTAL
from chiso.domain.periods import Period
from chiso.domain.text import fold
from chiso.errors import UsageError
from chiso.services.documents.drafts import draft
from chiso.services.documents.letters import period_of
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset, frameworks
from chiso.services.scoring.dataset import Dataset, DataSource


@dataclass
class ResultRequest:
    spec: DocumentSpec
    source: DataSource
    units: Path | None = None
    wording: Path | None = None


def result(rt: Runtime, req: ResultRequest, out: Path) -> list[Path]:
    spec = req.spec
    d = draft(rt, spec, "result", req.wording)
    period = period_of(spec)
    earlier = parse_period(spec.earlier) if spec.earlier else period.previous()
    sub_period = parse_period(str(spec.subordinates.get("period") or period))
    source = replace(req.source, others=_codes(req)) if req.source.values else req.source
    data = dataset.load(rt, source, [period, earlier, sub_period])
    key = _unit_key(data, spec.unit or d.voice.profile.unit_key or "")
    standing = _standing(data, key, period, earlier, spec.weak_below)[1]
    others = [
        _standing(
            dataset.load(rt, source, [period, earlier]), key, period, earlier, spec.weak_below
        )[1]
        for source in _other_sources(req)
    ]
    d.values |= {
        "period_label": period.label_vi,
        "earlier_label": earlier.label_vi,
        "framework_name": data.framework.name,
        "sub_period": sub_period.label_vi,
    }
    doc = result_doc.compose(d, standing, _subordinates(spec, data, key, sub_period), others)
    return [doc.save(out)]


def _codes(req: ResultRequest) -> frozenset[str]:
    """From one values file, each framework leaves the rows of the others."""
    refs = [req.source.framework, *req.spec.other_indices]
    return frozenset(n.code for ref in refs for n in frameworks.load_local(ref).nodes())


def _other_sources(req: ResultRequest) -> list[DataSource]:
    others = _codes(req) if req.source.values and req.spec.other_indices else frozenset()
    return [replace(req.source, framework=ref, others=others) for ref in req.spec.other_indices]


def _standing(
    data: Dataset, key: str, period: Period, earlier: Period, weak_below: float
) -> tuple[UnitResult, result_doc.UnitStanding]:
    ev = _evaluated(data, period)
    mine = ev.by_unit().get(key) if ev is not None else None
    if ev is None or mine is None or mine.total.index is None:
        raise UsageError(
            f"Kỳ {period.label_vi} chưa có kết quả đánh giá của đơn vị '{key}' "
            f"(bộ chỉ số {data.framework.id}); không lập công văn từ kỳ trống.",
            "no result for the unit",
        )
    change = None
    before = _evaluated(data, earlier) if earlier in data.values else None
    if before is not None:
        change = change_of(ev, before, key, TOTAL)
    mains = [n for n in data.framework.main_indices() if n.max_points > 0]
    weak = [(n.name, mine.scores[n.code].index or 0.0) for n in mine.below(mains, weak_below / 100)]
    standing = result_doc.UnitStanding(
        data.framework.name,
        data.unit(key).letter_name,
        mine.total.points,
        mine.total.max_points,
        mine.ranks.get(TOTAL),
        ev.group_sizes().get(mine.unit.group, 0),
        grouping.group_names(data.framework).get(mine.unit.group, "").lower(),
        change.rank_change if change else None,
        weak,
        len(mains),
    )
    return mine, standing


def _evaluated(data: Dataset, period: Period) -> Evaluation | None:
    """The one evaluation of the period (`evaluations.evaluate_inputs`), None when empty."""
    try:
        return data.evaluation(period).evaluation
    except UsageError:
        return None


def _unit_key(data: Dataset, ref: str) -> str:
    if ref in data.units:
        return ref
    found = [
        k
        for k, u in data.units.items()
        if fold(u.name) == fold(ref) or fold(u.letter_name) == fold(ref)
    ]
    if len(found) != 1:
        raise UsageError(
            f"Không xác định được đơn vị '{ref}' trong số liệu.",
            "unit of the result letter not found",
            hint_vi="ghi unit: MÃ_ĐƠN_VỊ trong tệp văn bản.",
        )
    return found[0]


def _subordinates(spec: DocumentSpec, data: Dataset, key: str, period: Period) -> Findings | None:
    code = str(spec.subordinates.get("indicator") or "")
    if not code:
        return None
    indicator = data.indicator(code)
    units = [u for u in data.figures(code, period, []) if u.parent_key == key]
    below = spec.subordinates.get("below")
    line = None if below is None else in_figures(indicator, float(below))
    return analyse(indicator, units, (), line, [], "value")
