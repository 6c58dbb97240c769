"""The decision announcing a ranking, with each group's table (DOCX) and the XLSX beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chiso.documents import decision as decision_doc
from chiso.documents import wording
from chiso.domain import grouping
from chiso.errors import UsageError
from chiso.services.documents.options import DocumentOptions, letter_settings
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset
from chiso.services.scoring.dataset import DataSource


@dataclass
class RankingRequest:
    source: DataSource
    period: str
    chair_title: str | None = None
    options: DocumentOptions = field(default_factory=DocumentOptions)


def ranking(rt: Runtime, req: RankingRequest, out: Path) -> list[Path]:
    period = parse_period(req.period)
    data = dataset.load(rt, req.source, [period])
    evaluation = dataset.evaluation(data, period)
    if not evaluation.results:
        raise UsageError(
            f"Không có số liệu {data.framework.id} kỳ {period.label_vi} để xếp hạng.",
            "nothing to rank",
        )
    settings = letter_settings(req.options, rt.settings)
    chair = req.chair_title or f"CHỦ TỊCH {settings.agency.upper()}"
    names = grouping.group_names(data.framework)
    text = wording.load("decision", req.options.wording)
    doc = decision_doc.compose(evaluation, period, names, settings, text, chair)
    return [doc.save(out), decision_doc.write_xlsx(out.with_suffix(".xlsx"), evaluation, names)]
