"""The letter about the unit's own index result (seed 004): its points out of the maximum and the
share, its rank among its peers and the change since the earlier period, the main indices under a
share of their maximum, the units under it below a target, and the directives with deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chiso.documents import wording
from chiso.documents.layout import OfficialDocument
from chiso.documents.letter import (
    Draft,
    count,
    default_instructions,
    finish,
    instructions,
    listed,
)
from chiso.domain.findings import Findings, ListStyle, clerk_list, show
from chiso.domain.formatting import number, percent_as_written


@dataclass(frozen=True)
class UnitStanding:
    framework_name: str
    unit_name: str
    points: float
    max_points: float
    rank: int | None
    of: int
    group_name: str
    rank_change: int | None
    weak: list[tuple[str, float]]
    """Main indices under the line: (name, share of the maximum)."""
    mains: int


def change_text(change: int | None) -> str:
    if change is None:
        return ""
    if change == 0:
        return "giữ nguyên thứ hạng"
    return f"{'tăng' if change > 0 else 'giảm'} {count(abs(change))} bậc"


def standing_values(s: UnitStanding) -> dict[str, object]:
    return {
        "framework_name": s.framework_name,
        "unit_name": s.unit_name,
        "points": number(s.points, 3),
        "max_points": number(s.max_points, 3),
        "share": percent_as_written(s.points / s.max_points if s.max_points else 0, 2),
        "rank": s.rank if s.rank is not None else "—",
        "of": s.of,
        "group_name": s.group_name,
        "change": change_text(s.rank_change),
    }


def compose(
    draft: Draft,
    standing: UnitStanding,
    subordinates: Findings | None,
    others: Sequence[UnitStanding] = (),
) -> OfficialDocument:
    """`others` are results of the same unit in other frameworks, each stated as its own score."""
    d, spec, s = draft, draft.spec, standing
    d.values |= standing_values(s)
    doc = OfficialDocument(font_dir=d.font_dir)
    subject = spec.subject or d.say("subject")
    doc.header(d.voice.header("letter", "V/v " + subject.removeprefix("V/v ").strip(), spec.number))
    doc.recipients(d.recipients())
    for basis in d.lines(spec.bases, "bases"):
        doc.paragraph(basis)
    doc.paragraph(wording.render(spec.opening, **d.values) if spec.opening else d.say("opening"))
    for other in others:
        doc.paragraph(d.say("score", **standing_values(other)))
    doc.paragraph(d.say("score"))
    weak: list[str] = []
    if s.weak:
        names = "; ".join(f"{name} ({percent_as_written(share, 0)})" for name, share in s.weak)
        lead = d.say(
            "weak",
            count=count(len(s.weak)),
            total=count(s.mains),
            line=percent_as_written(spec.weak_below / 100, 0),
        )
        weak.append(f"{lead}: {names}")
    if subordinates is not None and subordinates.below:
        f = subordinates
        lead = d.say(
            "subordinates",
            indicator=f.indicator.name,
            overall=show(f.indicator, f.overall, 1),
            count=count(len(f.below)),
            threshold=show(f.indicator, f.threshold, 0),
        )
        style = ListStyle(True, "; ", True, spec.percent_decimals)
        weak.append(listed(lead, clerk_list(f.below, f.indicator, style)))
    if weak:
        doc.paragraph(d.say("weak_intro"))
        for line in weak:
            doc.paragraph(f"- {line}.")
    doc.paragraph(d.say("request_intro"))
    parts = spec.instructions if spec.instructions is not None else default_instructions(d)
    instructions(doc, d, parts)
    closing = (
        wording.render(spec.closing, **d.values) if spec.closing else d.say("closing_sentence")
    )
    finish(doc, d, closing)
    return doc
