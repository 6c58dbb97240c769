"""The notice of a meeting's conclusions (thông báo kết luận): the meeting, the assessment, and the
numbered assignments ("Giao…", "Đề nghị…") with their deadlines, signed as the profile says
(TL. CHỦ TỊCH / KT. CHÁNH VĂN PHÒNG / PHÓ CHÁNH VĂN PHÒNG)."""

from __future__ import annotations

from chiso.documents import wording
from chiso.documents.layout import OfficialDocument
from chiso.documents.letter import Draft, finish, instructions
from chiso.documents.report import ROMAN


def compose(draft: Draft) -> OfficialDocument:
    d, spec = draft, draft.spec
    meeting = {k: str(v) for k, v in spec.meeting.items()}
    d.values |= {
        "meeting_date": meeting.get("date", f"{spec.date:%d/%m/%Y}"),
        "chair_person": meeting.get("chair", d.values["chair"]),
        "purpose": meeting.get("purpose", ""),
        "attendees": meeting.get("attendees", ""),
        "heard": meeting.get("heard", ""),
    }
    doc = OfficialDocument(font_dir=d.font_dir)
    doc.header(d.voice.header("notice", "", spec.number))
    doc.title(d.say("title"), spec.subject or "")
    doc.paragraph(d.say("meeting"))
    doc.paragraph(d.say("heard"))
    for n, section in enumerate(spec.sections):
        doc.heading(f"{ROMAN[n]}. {section.heading}")
        for text in section.paragraphs:
            doc.paragraph(wording.render(text, **d.values))
        if section.intro:
            doc.paragraph(wording.render(section.intro, **d.values))
        instructions(doc, d, section.instructions)
    closing = (
        wording.render(spec.closing, **d.values) if spec.closing else d.say("closing_sentence")
    )
    finish(doc, d, closing)
    return doc
