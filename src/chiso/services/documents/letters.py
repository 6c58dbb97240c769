"""Letters naming the units below the line, not using a platform, improving or best, and the
appendices of figures that go with them (DOCX, and XLSX beside each appendix): made from a spec
for an agency profile and a date, never from an empty period, never naming the issuer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chiso.documents import appendix as appendix_doc
from chiso.documents import letter as letter_doc
from chiso.documents import pdf
from chiso.documents.layout import OfficialDocument
from chiso.documents.letter import Draft, count
from chiso.documents.spec import DocumentSpec, Finding
from chiso.domain.findings import Findings, Indicator, UnitFigure, analyse, in_figures, order
from chiso.domain.frameworks import InputKind, Rollup
from chiso.domain.periods import Period
from chiso.domain.rollup import rollup_of
from chiso.errors import UsageError
from chiso.services.documents.drafts import draft
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset
from chiso.services.scoring.dataset import Dataset, DataSource


@dataclass
class LetterRequest:
    spec: DocumentSpec
    source: DataSource
    wording: Path | None = None


def period_of(spec: DocumentSpec) -> Period:
    if not spec.period:
        raise UsageError(
            "Văn bản cần kỳ số liệu.", "no period", hint_vi="ghi period: 2023-H1 hoặc --period."
        )
    return parse_period(spec.period)


def figures(d: Draft, data: Dataset, code: str, period: Period) -> list[UnitFigure]:
    """The units of the period for the indicator, without the issuing agency itself."""
    found = data.figures(code, period, d.spec.group_order)
    return [u for u in found if not d.voice.profile.refers_to(u.key, u.own_name or u.name)]


def findings_for(
    d: Draft, data: Dataset, period: Period, earlier: Period | None
) -> list[tuple[Finding, Findings]]:
    out = []
    for part in d.spec.findings:
        indicator = data.indicator(part.indicator)
        threshold = None if part.below is None else in_figures(indicator, part.below)
        current = figures(d, data, part.indicator, period)
        before = figures(d, data, part.indicator, earlier) if earlier else []
        sort = part.sort
        out.append((part, analyse(indicator, current, before, threshold, d.spec.group_order, sort)))
    refuse_empty(out, data, period)
    return out


def refuse_empty(found: list[tuple[Finding, Findings]], data: Dataset, period: Period) -> None:
    """No document from a period without figures: the clerk is told which, and why."""
    empty = [part.indicator for part, f in found if f.reported == 0]
    if empty or not found:
        which = f" cho {', '.join(empty)}" if empty else ""
        raise UsageError(
            f"Kỳ {period.label_vi} chưa có số liệu của đơn vị nào{which} "
            f"(bộ chỉ số {data.framework.id}); không lập văn bản từ kỳ trống.",
            f"no values for {empty} in {period}",
            hint_vi="nhập số liệu trước (`chiso data import`, `chiso facts compute`) hoặc chọn kỳ khác.",
        )


def sources_note(d: Draft, data: Dataset, period: Period, codes: list[str]) -> str:
    """How the period's figures were obtained, when some were added up from shorter periods:
    which indicators were rolled up and by which rule, and which units' values were entered for
    the period itself (those win over their months). Empty when nothing was rolled up."""
    rolled_by_code = data.rolled.get(period, {})
    cited = list(dict.fromkeys(c for c in codes if c))
    ways = []
    rolled: set[str] = set()
    whole: set[str] = set()
    for code in cited:
        units = {u.key for u in figures(d, data, code, period)}
        mine = units & rolled_by_code.get(code, set())
        if not mine:
            whole |= units
            continue
        rolled |= mine
        whole |= units - mine
        ways.append(f"{data.indicator(code).name.lower()}: {_how(data, code)}")
    if not rolled:
        return ""
    names = sorted(data.unit(k).letter_name for k in whole)
    many = len(names) > d.spec.max_list
    stored = f"{count(len(names))} cơ quan, đơn vị" if many else "; ".join(names)
    return d.say(
        "rolled_note",
        period_label=period.label_vi,
        rolled_count=count(len(rolled)),
        how="; ".join(ways),
        stored=stored,
        stored_count=count(len(whole)),
    )


_HOW = {
    Rollup.SUM: "cộng các tháng",
    Rollup.MEAN: "trung bình các tháng có số liệu",
    Rollup.LAST: "giá trị của tháng gần nhất có số liệu",
}


def _how(data: Dataset, code: str) -> str:
    node = data.framework.node(code)
    rule = rollup_of(node) if node is not None else None
    if rule is None or node is None:
        return "tổng hợp các tháng"
    if rule is Rollup.SUM and node.input is InputKind.RATE:
        return "cộng tử số và cộng mẫu số của các tháng"
    return _HOW[rule]


def letter(rt: Runtime, req: LetterRequest, out: Path) -> list[Path]:
    spec = req.spec
    if not spec.findings:
        raise UsageError(
            "Công văn cần ít nhất một chỉ số để nêu.",
            "no findings",
            hint_vi="ghi findings: trong tệp văn bản hoặc --indicator MÃ.",
        )
    d = draft(rt, spec, "letter", req.wording)
    period = period_of(spec)
    earlier = parse_period(spec.earlier) if spec.earlier else None
    data = dataset.load(rt, req.source, [p for p in (period, earlier or period.previous()) if p])
    if earlier is None and data.has(period.previous()):
        earlier = period.previous()
    d.values |= {
        "period_label": period.label_vi,
        "earlier_label": earlier.label_vi if earlier else "kỳ trước",
    }
    found = findings_for(d, data, period, earlier)
    cited = [part.indicator for part, _ in found] + ([spec.appendix] if spec.appendix else [])
    note = sources_note(d, data, period, cited)
    doc, said = letter_doc.compose(d, found, bool(spec.appendix), note)
    paths = [doc.save(out)]
    wanted = spec.appendix or (said.to_appendix[0] if said.to_appendix else "")
    if wanted:
        units = order(figures(d, data, wanted, period), spec.group_order, "name")
        target = out.with_name(f"{out.stem}-phu-luc.docx")
        note = sources_note(d, data, period, [wanted])
        paths += write_appendix(d, data.indicator(wanted), units, period, target, "letter", note)
    return paths


def write_appendix(
    d: Draft,
    indicator: Indicator,
    units: list[UnitFigure],
    period: Period,
    out: Path,
    kind: str,
    note: str = "",
) -> list[Path]:
    doc = OfficialDocument(landscape=appendix_doc.with_parts(indicator, units), font_dir=d.font_dir)
    appendix_doc.add_to(
        doc, indicator, units, period, d.voice.caption(kind), d.spec.percent_decimals, note
    )
    return [
        doc.save(out),
        appendix_doc.write_xlsx(out.with_suffix(".xlsx"), indicator, units, period, note),
    ]


def appendix(rt: Runtime, req: LetterRequest, out: Path) -> list[Path]:
    """One appendix per indicator the spec names, else per indicator with values in the period."""
    spec = req.spec
    d = draft(rt, spec, "letter", req.wording)
    period = period_of(spec)
    data = dataset.load(rt, req.source, [period])
    codes = spec.indicators or [f.indicator for f in spec.findings] or data.measured(period)
    if not codes:
        refuse_empty([], data, period)
    paths: list[Path] = []
    for index, code in enumerate(codes):
        target = out.with_name(f"{out.stem}-{index + 1}-{code}.docx") if len(codes) > 1 else out
        units = order(figures(d, data, code, period), spec.group_order, "name")
        if not units:
            refuse_empty([(Finding(code), Findings(data.indicator(code), None))], data, period)
        note = sources_note(d, data, period, [code])
        paths += write_appendix(d, data.indicator(code), units, period, target, "letter", note)
    return paths


def to_pdfs(rt: Runtime, docs: list[Path]) -> tuple[list[Path], str]:
    """Every DOCX of one call in one LibreOffice run, and the sentence saying which font; the run
    has CHISO_WORK_SECONDS per file and CHISO_WORK_MEMORY_MB of address space."""
    limits = rt.settings.work_seconds, rt.settings.work_memory_mb
    made = pdf.to_pdfs(docs, rt.settings.font_dir, *limits)
    return made, pdf.font_note(made)
