"""The letter naming laggards (công văn đôn đốc): the good news under its own lead-in, the
shortfalls under theirs, lists in the seeds' style, instructions to named recipients with their
deadlines, the appendix referenced before "./.", composed from the spec and the wording."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chiso.documents import wording
from chiso.documents.layout import OfficialDocument
from chiso.documents.spec import DocumentSpec, Finding, Instruction, Item
from chiso.documents.voice import Voice
from chiso.domain.findings import (
    ClerkList,
    Findings,
    ListStyle,
    clerk_list,
    flat,
    show,
)
from chiso.domain.formatting import number
from chiso.domain.text import fold

END = "./."


@dataclass
class Draft:
    """What every composer works from: the spec, the agency's voice on the date, the wording of
    its level, and the placeholders (the voice's, the period's, the target sentence)."""

    spec: DocumentSpec
    voice: Voice
    text: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    font_dir: Path | None = None

    def say(self, key: str, **more: Any) -> str:
        return wording.render(str(self.text.get(key, "")), **(self.values | more))

    def lines(self, given: Sequence[str] | None, key: str) -> list[str]:
        """The spec's lines when it gives them (they replace the defaults), else the wording's."""
        chosen = list(given) if given is not None else list(self.text.get(key) or [])
        return wording.lines(chosen, **self.values)

    def recipients(self) -> list[str]:
        given = self.spec.recipients
        if given is None and self.voice.profile.recipients:
            given = list(self.voice.profile.recipients)
        return self.lines(given, "recipients")

    def distribution(self) -> list[str]:
        given = self.spec.distribution
        if given is None and self.voice.profile.distribution:
            given = list(self.voice.profile.distribution)
        return [*self.lines(given, "distribution"), self.voice.filed()]


def count(n: int) -> str:
    """Small counts with two digits, as letters write them: 02 đơn vị, 15 đơn vị."""
    return f"{n:02d}" if n < 10 else number(n)


def listed(lead: str, units: ClerkList) -> str:
    """The list after its lead-in: after a colon, or in brackets when it opens with a group
    heading (never two colons in a row)."""
    lead = lead.rstrip(" :.")
    return f"{lead} (*{units.text}*)" if units.headed else f"{lead}: {units.text}"


@dataclass
class Said:
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    to_appendix: list[str] = field(default_factory=list)
    """Indicators whose list was too long for the text."""


def say_finding(draft: Draft, part: Finding, f: Findings, said: Said) -> None:
    ind = f.indicator
    style = ListStyle(part.grouped, "; ", True, draft.spec.percent_decimals)
    values = {"indicator": ind.name}
    if part.show == "total":
        _total(draft, part, f, said)
        return
    if part.show == "overall":
        _overall(draft, part, f, said)
        return
    if f.improved:
        said.positive.append(draft.say("improved", units=_gains(draft, f, style), **values))
    if f.best:
        names = clerk_list(f.best, ind, ListStyle(part.grouped, "; ", False))
        said.positive.append(listed(draft.say("best", units="", **values), names))
    plain = ListStyle(part.grouped, "; ", False, style.decimals)
    for units, key, extra in (
        (f.not_done, "not_done", {"action": _named(draft, "actions", ind.code, ind.name)}),
        (f.not_using, "not_using", {"platform": _named(draft, "platforms", ind.code, ind.name)}),
    ):
        if units:
            lead = part.lead or draft.say(key, count=count(len(units)), **values, **extra)
            counted = not part.lead
            said.negative.append(_list_or_appendix(draft, lead, units, f, plain, said, counted))
    if f.below and f.threshold is not None:
        lead = part.lead or draft.say("below", threshold=show(ind, f.threshold, 2), **values)
        ordered = f.below if part.grouped else flat(f.below, part.sort)
        said.negative.append(_list_or_appendix(draft, lead, ordered, f, style, said))


def _gains(draft: Draft, f: Findings, style: ListStyle) -> str:
    """The largest gains by name; a clerk does not list sixty units, the rest are counted."""
    shown = f.improved[: draft.spec.max_list]
    gains = "; ".join(
        f"{new.name} (từ {show(f.indicator, old.value, style.decimals)} lên "
        f"{show(f.indicator, new.value, style.decimals)})"
        for old, new in shown
    )
    rest = len(f.improved) - len(shown)
    return gains + (draft.say("improved_more", count=count(rest)) if rest else "")


def _list_or_appendix(
    draft: Draft,
    lead: str,
    units: list[Any],
    f: Findings,
    style: ListStyle,
    said: Said,
    counted: bool = False,
) -> str:
    """`counted`: the lead already says how many ("16 đơn vị chưa …"), so a list sent to the
    appendix is only pointed at, its count not said twice."""
    if len(units) > draft.spec.max_list:
        said.to_appendix.append(f.indicator.code)
        if counted:
            see = draft.say("see_appendix") or "chi tiết tại Phụ lục"
            return f"{lead.rstrip(' :.')} ({see})"
        return f"{lead.rstrip(' :.')}: {draft.say('in_appendix', count=count(len(units)))}"
    return listed(lead, clerk_list(units, f.indicator, style))


def _named(draft: Draft, table: str, code: str, name: str) -> str:
    found = (draft.text.get(table) or {}).get(code)
    return wording.render(found, **draft.values) if found else name[:1].lower() + name[1:]


def _total(draft: Draft, part: Finding, f: Findings, said: Said) -> None:
    wanted = fold(part.group)
    members = [u for u in f.units if not wanted or fold(u.group) == wanted]
    total = sum(u.value or 0 for u in members)
    word = (draft.text.get("unit_words") or {}).get(f.indicator.code, "")
    figure = f"{count(round(total))} {word}".strip() if total == round(total) else number(total)
    if part.lead:
        said.negative.append(f"{part.lead.rstrip(' .')} ({figure})")
        return
    line = draft.say(
        "total",
        indicator=f.indicator.name,
        group=part.group or "toàn bộ",
        total=figure.split()[0],
        unit_word=word,
    )
    said.negative.append(line)


def _overall(draft: Draft, part: Finding, f: Findings, said: Said) -> None:
    ind = f.indicator
    figure = show(ind, f.overall, draft.spec.percent_decimals)
    good = ind.target is not None and f.overall is not None and f.overall >= ind.target - 1e-12
    line = (
        f"{part.lead.rstrip(' .')} ({figure})"
        if part.lead
        else draft.say("overall", indicator=ind.name, overall=figure)
    )
    (said.positive if good else said.negative).append(line)


def instructions(doc: OfficialDocument, draft: Draft, parts: Sequence[Instruction]) -> None:
    """ "1. Thủ trưởng …" then its items ("- …", "+ …" under them), deadlines in bold."""
    for n, part in enumerate(parts, start=1):
        to = wording.render(part.to, **draft.values)
        head = f"{n}. {part.verb + ' ' if part.verb else ''}{to}"
        if part.text:
            doc.paragraph(f"{head}: {wording.render(part.text, **draft.values)}")
            continue
        doc.heading(head)
        for item in part.items:
            _item(doc, draft, item, "-")


def _item(doc: OfficialDocument, draft: Draft, item: Item, mark: str) -> None:
    doc.paragraph(
        f"{mark} {with_deadline(wording.render(item.text, **draft.values), item.deadline)}"
    )
    for sub in item.items:
        _item(doc, draft, sub, "+")


def with_deadline(text: str, deadline: str) -> str:
    """The deadline in bold at the end of the item: "…, hoàn thành **trước ngày 20/11/2023**."."""
    if not deadline:
        return text
    if fold(deadline).startswith(("thuong xuyen", "hang ", "moi ", "khi co yeu cau")):
        if text.rstrip().endswith(":"):
            return f"{text.rstrip(' :')} (**{deadline}**):"
        return f"{text.rstrip(' .;')} (**{deadline}**)."
    shown = deadline if not deadline[:1].isdigit() else f"trước ngày {deadline}"
    return f"{text.rstrip(' .;')}, hoàn thành **{shown}**."


def default_instructions(draft: Draft) -> list[Instruction]:
    out = []
    for raw in draft.text.get("requests") or []:
        items = tuple(Item(str(t)) for t in raw.get("items", []))
        out.append(Instruction(str(raw.get("to", "")), items, str(raw.get("verb", ""))))
    return out


def finish(doc: OfficialDocument, draft: Draft, closing: str, appendix_note: str = "") -> None:
    """The last sentence, the appendix reference inside the body, then "./."; Nơi nhận and the
    signature kept together with that last line."""
    last = appendix_note or closing
    if appendix_note:
        doc.paragraph(closing)
    doc.paragraph(last.rstrip(" .") + END if not last.endswith(END) else last, indent=True)
    doc.closing(draft.voice.closing(draft.distribution()))


def compose(
    draft: Draft,
    parts: Sequence[tuple[Finding, Findings]],
    appendix: bool,
    sources: str = "",
) -> tuple[OfficialDocument, Said]:
    """`sources`: the sentence saying how the period's figures were obtained (rolled up from
    months, or entered for the period), after the opening; empty when every figure was
    entered for the period itself."""
    spec = draft.spec
    doc = OfficialDocument(font_dir=draft.font_dir)
    subject = spec.subject or draft.say("subject")
    doc.header(
        draft.voice.header("letter", "V/v " + subject.removeprefix("V/v ").strip(), spec.number)
    )
    doc.recipients(draft.recipients())
    for basis in draft.lines(spec.bases, "bases"):
        doc.paragraph(basis)
    doc.paragraph(
        wording.render(spec.opening, **draft.values) if spec.opening else draft.say("opening")
    )
    if sources:
        doc.paragraph(sources)
    said = Said()
    for part, f in parts:
        say_finding(draft, part, f, said)
    if said.positive:
        doc.paragraph(draft.say("positive_intro"))
        for line in said.positive:
            doc.paragraph(f"- {line}.")
    if said.negative:
        doc.paragraph(draft.say("negative_intro"))
        for line in said.negative:
            doc.paragraph(f"- {line}.")
    elif parts:
        doc.paragraph(draft.say("all_met"))
    doc.paragraph(draft.say("request_intro"))
    instructions(
        doc,
        draft,
        spec.instructions if spec.instructions is not None else default_instructions(draft),
    )
    closing = (
        wording.render(spec.closing, **draft.values)
        if spec.closing
        else draft.say("closing_sentence")
    )
    note = draft.say("appendix_note") if appendix or said.to_appendix else ""
    finish(doc, draft, closing, note)
    return doc, said
