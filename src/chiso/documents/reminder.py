"""The reminder letter (công văn đôn đốc) for tasks past their deadline: addressed to the units
that lead them, with a table of what is late and by how much."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chiso.documents import wording
from chiso.documents.layout import Closing, OfficialDocument
from chiso.documents.letter import LetterSettings, letter_header


@dataclass(frozen=True)
class LateTask:
    title: str
    directive: str
    directive_date: date
    lead: str
    lead_letter_name: str
    deadline: str
    due: date | None
    progress: int
    overdue_days: int


def compose(
    tasks: Sequence[LateTask],
    today: date,
    settings: LetterSettings,
    text: dict[str, Any],
    report_days: int = 7,
) -> OfficialDocument:
    directives = sorted({(t.directive_date, t.directive) for t in tasks})
    values = {
        "today": f"{today:%d/%m/%Y}",
        "count": f"{len(tasks):02d}" if len(tasks) < 10 else str(len(tasks)),
        "directives": "; ".join(f"Văn bản số {n} ngày {d:%d/%m/%Y}" for d, n in directives),
        "report_by": f"{today + timedelta(days=report_days):%d/%m/%Y}",
        "office_code": settings.office_code,
    }
    doc = OfficialDocument()
    doc.header(letter_header(settings, wording.render(text["subject"], **values)))
    leads = list(dict.fromkeys(t.lead_letter_name for t in tasks))
    doc.recipients(settings.recipients or [f"{name};" for name in leads[:-1]] + [f"{leads[-1]}."])
    for basis in settings.bases:
        doc.paragraph(basis)
    doc.paragraph(wording.render(text["opening"], **values))
    rows = [
        [
            i,
            t.title,
            f"{t.directive}\nngày {t.directive_date:%d/%m/%Y}",
            t.lead,
            t.deadline if t.due is None else f"{t.due:%d/%m/%Y}",
            f"{t.progress}%",
            t.overdue_days,
        ]
        for i, t in enumerate(tasks, 1)
    ]
    doc.table(
        [
            "STT",
            "Nhiệm vụ",
            "Văn bản giao",
            "Đơn vị chủ trì",
            "Thời hạn",
            "Tiến độ",
            "Số ngày quá hạn",
        ],
        rows,
        [11, 51, 25, 27, 21, 14, 16],
        size=10,
    )
    doc.paragraph(wording.render(text["request_intro"], **values))
    for item in text.get("requests", []):
        doc.paragraph(f"- {wording.render(item, **values)}")
    doc.paragraph(wording.render(text["closing_sentence"], **values))
    distribution = [wording.render(d, **values) for d in text.get("distribution", [])]
    doc.closing(Closing(distribution, settings.signature))
    return doc
