"""The decision announcing a ranking, with each group's table (DOCX) and the XLSX beside it,
for an agency profile and a date; its bases are the spec's, or the law in force on that date."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chiso.documents import decision as decision_doc
from chiso.documents.spec import DocumentSpec
from chiso.domain import grouping
from chiso.errors import UsageError
from chiso.services.documents.drafts import draft
from chiso.services.documents.letters import period_of
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset
from chiso.services.scoring.dataset import DataSource


@dataclass
class RankingRequest:
    spec: DocumentSpec
    source: DataSource
    wording: Path | None = None


def ranking(rt: Runtime, req: RankingRequest, out: Path) -> list[Path]:
    d = draft(rt, req.spec, "decision", req.wording)
    period = period_of(req.spec)
    d.values |= {"period_label": period.label_vi}
    data = dataset.load(rt, req.source, [period])
    evaluation = dataset.evaluation(data, period).restricted(
        lambda r: not d.voice.profile.refers_to(r.unit.code, r.unit.name)
    )
    if not evaluation.results:
        raise UsageError(
            f"Kỳ {period.label_vi} chưa có số liệu của đơn vị nào cho bộ chỉ số "
            f"{data.framework.id}; không lập quyết định xếp hạng từ kỳ trống.",
            "nothing to rank",
            hint_vi="nhập số liệu trước hoặc chọn kỳ khác.",
        )
    names = grouping.group_names(data.framework)
    doc = decision_doc.compose(evaluation, names, d)
    return [doc.save(out), decision_doc.write_xlsx(out.with_suffix(".xlsx"), evaluation, names)]
