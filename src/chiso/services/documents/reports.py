"""The steering committee's monthly or quarterly report: overall figures against the targets
with a chart, the ranking, improvements, laggards, who has not reported, and overdue tasks;
never counting the issuing agency or a roll-up among its units, never from an empty period."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chiso.documents import report as report_doc
from chiso.documents.letter import Draft
from chiso.documents.spec import DocumentSpec, Finding
from chiso.domain.findings import overall
from chiso.domain.periods import Period
from chiso.domain.units import letter_name
from chiso.services.documents.drafts import draft
from chiso.services.documents.letters import figures, findings_for, period_of, sources_note
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset, evaluations
from chiso.services.scoring.dataset import Dataset, DataSource
from chiso.services.tasks import tracking
from chiso.services.values.reporting import completeness


@dataclass
class SummaryRequest:
    spec: DocumentSpec
    source: DataSource
    wording: Path | None = None


def summary(rt: Runtime, req: SummaryRequest, out: Path) -> list[Path]:
    spec = req.spec
    d = draft(rt, spec, "summary", req.wording)
    period = period_of(spec)
    data = dataset.load(rt, req.source, [period, period.previous()])
    earlier = period.previous() if data.has(period.previous()) else None
    d.values |= {
        "period_label": period.label_vi,
        "earlier_label": earlier.label_vi if earlier else "kỳ trước",
    }
    if not spec.findings:
        codes = spec.indicators or data.measured(period)
        spec.findings = [Finding(code) for code in codes]
    found = findings_for(d, data, period, earlier)
    earlier_overall = {}
    if earlier is not None:
        for _, f in found:
            now = {u.key for u in f.units}
            before = [
                u
                for u in figures(d, data, f.indicator.code, earlier)
                if u.key in now and u.value is not None
            ]
            earlier_overall[f.indicator.code] = (overall(f.indicator, before), len(before))
    from_files = req.source.values is not None
    expected = _expected_units(d, rt, data, period, from_files)
    reported = {key for by_unit in data.values.get(period, {}).values() for key in by_unit}
    reported &= set(expected)
    missing = sorted(name for key, name in expected.items() if key not in reported)
    table = data.evaluation(period).without(d.voice.profile.refers_to).table.shown()
    content = report_doc.ReportContent(
        period,
        earlier,
        found,
        earlier_overall,
        table,
        len(expected),
        missing,
        [] if from_files else overdue_tasks(rt, period),
        sources_note(d, data, period, [part.indicator for part, _ in found]),
    )
    with tempfile.TemporaryDirectory() as work:
        return [report_doc.compose(d, content, Path(work)).save(out)]


def _expected_units(
    d: Draft, rt: Runtime, data: Dataset, period: Period, from_files: bool
) -> dict[str, str]:
    """Units that should report (by their letter name): those of the files, or those the
    framework covers in the database on the period's last day, in the framework's scope (never
    a roll-up parent such as the province over its units); never the issuer."""
    profile = d.voice.profile
    if from_files:
        kept, _ = evaluations.in_scope(data.inputs, period)
        found = {key: info.letter_name for key, info in kept.items()}
    else:
        found = {
            r.unit_key: letter_name(r.unit_name, None)
            for r in completeness(rt, data.framework.id, str(period))
        }
    return {key: name for key, name in found.items() if not profile.refers_to(key, name)}


def overdue_tasks(rt: Runtime, period: Period) -> list[str]:
    """Tasks overdue at the end of the period (or today, for the running period)."""
    on = min(period.end, date.today())
    return [
        f"{t.title} ({t.directive}) — {t.lead_name} chủ trì, hạn "
        f"{t.standing.due:%d/%m/%Y}, quá hạn {t.standing.overdue_days} ngày, tiến độ {t.progress}%"
        for t in tracking.list_tasks(rt, on, overdue_only=True)
        if t.standing.due is not None
    ]
