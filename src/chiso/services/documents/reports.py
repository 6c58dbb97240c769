"""The steering committee's monthly or quarterly report: overall figures with charts, the
ranking, improvements, laggards, who has not reported, and overdue tasks."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chiso.documents import report as report_doc
from chiso.documents import wording
from chiso.domain import grouping
from chiso.domain.findings import analyse
from chiso.domain.periods import Period
from chiso.domain.units import letter_name
from chiso.services.documents.letters import LetterRequest, findings_for
from chiso.services.documents.options import DocumentOptions, letter_settings
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset
from chiso.services.scoring.dataset import Dataset, DataSource
from chiso.services.tasks import tracking
from chiso.services.values.reporting import completeness


@dataclass
class SummaryRequest:
    source: DataSource
    period: str
    indicators: list[str] = field(default_factory=list)
    below: dict[str, float] = field(default_factory=dict)
    group_order: list[str] = field(default_factory=list)
    options: DocumentOptions = field(default_factory=DocumentOptions)


def summary(rt: Runtime, req: SummaryRequest, out: Path) -> list[Path]:
    period = parse_period(req.period)
    data = dataset.load(rt, req.source, [period, period.previous()])
    earlier = period.previous() if period.previous() in data.values else None
    codes = req.indicators or [
        n.code
        for n in data.framework.leaves()
        if n.code in data.values.get(period, {}) and n.input in dataset.KINDS
    ]
    letter_req = LetterRequest(req.source, req.period, codes, req.below, None, req.group_order)
    found = findings_for(letter_req, data, period, earlier)
    earlier_overall = (
        {
            f.indicator.code: analyse(
                f.indicator, data.figures(f.indicator.code, earlier, req.group_order)
            ).overall
            for f in found
        }
        if earlier
        else {}
    )
    from_files = req.source.values is not None
    expected = _expected_units(rt, data, period, from_files)
    reported = {key for by_unit in data.values.get(period, {}).values() for key in by_unit}
    missing = sorted(
        letter_name(name, kind) for key, (name, kind) in expected.items() if key not in reported
    )
    content = report_doc.ReportContent(
        period,
        earlier,
        found,
        earlier_overall,
        dataset.evaluation(data, period),
        grouping.group_names(data.framework),
        len(expected),
        missing,
        [] if from_files else overdue_tasks(rt, period),
    )
    text = wording.load("summary", req.options.wording)
    with tempfile.TemporaryDirectory() as work:
        settings = letter_settings(req.options, rt.settings)
        return [report_doc.compose(content, settings, text, Path(work)).save(out)]


def _expected_units(
    rt: Runtime, data: Dataset, period: Period, from_files: bool
) -> dict[str, tuple[str, str | None]]:
    """Units that should report: those of the files, or those the framework covers in the
    database on the period's last day."""
    if from_files:
        return {key: (info.name, info.kind) for key, info in data.units.items()}
    return {
        r.unit_key: (r.unit_name, None) for r in completeness(rt, data.framework.id, str(period))
    }


def overdue_tasks(rt: Runtime, period: Period) -> list[str]:
    """Tasks overdue at the end of the period (or today, for the running period)."""
    on = min(period.end, date.today())
    return [
        f"{t.title} ({t.directive}) — {t.lead_name} chủ trì, hạn "
        f"{t.standing.due:%d/%m/%Y}, quá hạn {t.standing.overdue_days} ngày, tiến độ {t.progress}%"
        for t in tracking.list_tasks(rt, on, overdue_only=True)
        if t.standing.due is not None
    ]
