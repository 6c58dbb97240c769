"""The decision announcing a ranking, with each group's table (DOCX) and the XLSX beside it,
for an agency profile and a date; its bases are the spec's, or the law in force on that date."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chiso.documents import decision as decision_doc
from chiso.documents.spec import DocumentSpec
from chiso.domain.periods import Period
from chiso.errors import UsageError
from chiso.services.documents.drafts import draft
from chiso.services.documents.letters import period_of
from chiso.services.runtime import Runtime
from chiso.services.scoring.evaluations import DataSource, evaluation_for


@dataclass
class RankingRequest:
    spec: DocumentSpec
    source: DataSource
    wording: Path | None = None
    all_groups: bool = False
    """Also the groups nobody is ranked in ("Ngoài các nhóm xếp hạng"…)."""


def ranking(rt: Runtime, req: RankingRequest, out: Path) -> list[Path]:
    d = draft(rt, req.spec, "decision", req.wording)
    period = period_of(req.spec)
    d.values |= {"period_label": period.label_vi}
    try:
        report = evaluation_for(rt, req.source, period)
    except UsageError as exc:
        raise _empty(period, req.source.framework) from exc
    profile = d.voice.profile
    table = report.without(profile.refers_to).table.shown(req.all_groups)
    if not table.rows:
        raise _empty(period, report.framework.id)
    doc = decision_doc.compose(table, d)
    return [doc.save(out), decision_doc.write_xlsx(out.with_suffix(".xlsx"), table)]


def _empty(period: Period, framework: str) -> UsageError:
    return UsageError(
        f"Kỳ {period.label_vi} chưa có số liệu của đơn vị nào cho bộ chỉ số "
        f"{framework}; không lập quyết định xếp hạng từ kỳ trống.",
        "nothing to rank",
        hint_vi="nhập số liệu trước hoặc chọn kỳ khác.",
    )
