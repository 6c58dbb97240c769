"""The reminder letter (công văn đôn đốc) for tasks past their deadline: addressed to the units
that lead them, with a table of what is late and by how much."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from chiso.documents import wording
from chiso.documents.layout import OfficialDocument
from chiso.documents.letter import Draft, finish


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
    tasks: Sequence[LateTask], today: date, draft: Draft, report_days: int = 7
) -> OfficialDocument:
    d = draft
    directives = sorted({(t.directive_date, t.directive) for t in tasks})
    d.values |= {
        "today": f"{today:%d/%m/%Y}",
        "count": f"{len(tasks):02d}" if len(tasks) < 10 else str(len(tasks)),
        "directives": "; ".join(f"Văn bản số {n} ngày {day:%d/%m/%Y}" for day, n in directives),
        "report_by": f"{today + timedelta(days=report_days):%d/%m/%Y}",
    }
    doc = OfficialDocument(font_dir=d.font_dir)
    doc.header(d.voice.header("letter", d.spec.subject or d.say("subject"), d.spec.number))
    leads = list(dict.fromkeys(t.lead_letter_name for t in tasks))
    named = [f"{name};" for name in leads[:-1]] + [f"{leads[-1]}."]
    doc.recipients(d.lines(d.spec.recipients, "") if d.spec.recipients is not None else named)
    for basis in d.lines(d.spec.bases, "bases"):
        doc.paragraph(basis)
    doc.paragraph(d.say("opening"))
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
    doc.paragraph(d.say("request_intro"))
    for item in wording.lines(list(d.text.get("requests") or []), **d.values):
        doc.paragraph(f"- {item}")
    finish(doc, d, d.say("closing_sentence"))
    return doc
