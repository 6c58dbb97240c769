"""Decree 30/2020/NĐ-CP, Appendix I, as python-docx: A4 portrait (landscape for wide appendices),
margins 20/20/30/15 mm, Times New Roman (Liberation Serif when rendering where it is missing),
the two-column borderless header with its rules, justified body with a first-line indent, the
distribution list bottom left and the signature bottom right, page numbers from page 2."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"
TEXT_WIDTH_MM = 210 - 30 - 15
LEFT_MM, RIGHT_MM = 57, TEXT_WIDTH_MM - 57
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
_MARKUP = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*)")


HEADING = {
    "bold": True,
    "text_wrap": True,
    "align": "center",
    "valign": "vcenter",
    "border": 1,
    "bg_color": "#DDEBF7",
}
"""The heading row of the XLSX tables beside documents."""


@dataclass(frozen=True)
class Header:
    agency: str
    superior: str = ""
    number_symbol: str = "Số:      /UBND-VX"
    place: str = ""
    subject: str = ""
    """"V/v …" under the number (letters); empty for decisions and reports."""
    year: int | None = None


@dataclass(frozen=True)
class Signature:
    authority: str = "KT. CHỦ TỊCH"
    title: str = "PHÓ CHỦ TỊCH"
    name: str = ""


@dataclass
class Closing:
    distribution: Sequence[str] = ()
    signature: Signature = field(default_factory=Signature)


def date_line(place: str, year: int | None) -> str:
    """ "Đồng Nai, ngày    tháng    năm 2023": day and month left blank for the clerk."""
    return f"{place}, ngày    tháng    năm {year}" if year else f"{place}, ngày    tháng    năm    "


def agency_short(agency: str) -> str:
    """ "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI" → "UBND tỉnh Đồng Nai", as a caption names the issuer."""
    upper = agency.upper()
    for head in ("ỦY BAN NHÂN DÂN ", "UỶ BAN NHÂN DÂN "):
        if upper.startswith(head):
            rest = agency[len(head) :]
            rest = rest.title() if rest.isupper() else rest
            return f"UBND {rest[:1].lower()}{rest[1:]}"
    return agency


def agency_lines(agency: str) -> str:
    """ "ỦY BAN NHÂN DÂN TỈNH BÌNH PHƯỚC" is set on two lines, the committee over the place."""
    upper = agency.upper()
    for head in ("ỦY BAN NHÂN DÂN ", "UỶ BAN NHÂN DÂN "):
        if upper.startswith(head) and len(upper) > len(head):
            return f"{head.strip()}\n{upper[len(head) :]}"
    return upper


class OfficialDocument:
    def __init__(self, landscape: bool = False) -> None:
        self.doc = Document()
        self._page(landscape)
        self._styles()

    def _page(self, landscape: bool) -> None:
        section = self.doc.sections[0]
        section.page_width, section.page_height = (
            (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
        )
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.header_distance = Mm(10)
        section.different_first_page_header_footer = True
        _page_number(section.header.paragraphs[0])

    def _styles(self) -> None:
        style = self.doc.styles["Normal"]
        style.font.name = FONT
        style.font.size = Pt(14)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.space_before = Pt(0)

    # --- header ---------------------------------------------------------------------------
    def header(self, h: Header) -> None:
        table = self._borderless(2, [LEFT_MM, RIGHT_MM])
        left, right = table.rows[0].cells
        first = left.paragraphs[0]
        if h.superior:
            self._line(first, h.superior.upper(), 13)
            first = left.add_paragraph()
        self._line(first, agency_lines(h.agency), 13, bold=True)
        _rule(left.add_paragraph(), LEFT_MM, 22)
        self._line(left.add_paragraph(), h.number_symbol, 13, space_before=6)
        if h.subject:
            self._line(left.add_paragraph(), h.subject, 12, space_before=4)
        self._line(right.paragraphs[0], NATIONAL_TITLE, 12, bold=True)
        self._line(right.add_paragraph(), MOTTO, 13, bold=True)
        _rule(right.add_paragraph(), RIGHT_MM, 60)
        self._line(
            right.add_paragraph(), date_line(h.place, h.year), 14, italic=True, space_before=6
        )
        self.doc.add_paragraph()

    def _line(
        self,
        p: Any,
        text: str,
        size: float,
        bold: bool = False,
        italic: bool = False,
        space_before: float = 0,
        align: Any = WD_ALIGN_PARAGRAPH.CENTER,
    ) -> Any:
        p.alignment = align
        p.paragraph_format.space_before = Pt(space_before)
        for line_number, line in enumerate(text.split("\n")):
            if line_number:
                p.add_run().add_break()
            run = p.add_run(line)
            _font(run, size, bold, italic)
        return p

    # --- body -----------------------------------------------------------------------------
    def title(self, text: str, subtitle: str = "", size: float = 14) -> None:
        self._line(self.doc.add_paragraph(), text, size, bold=True, space_before=6)
        if subtitle:
            self._line(self.doc.add_paragraph(), subtitle, 14, bold=True)
            _rule(self.doc.add_paragraph(), TEXT_WIDTH_MM, 35)

    def recipients(self, names: Sequence[str]) -> None:
        if len(names) == 1:
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(f"Kính gửi: {names[0]}"), 14)
        else:
            p = self.doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(3)
            _font(p.add_run("Kính gửi:"), 14)
            for name in names:
                item = self.doc.add_paragraph()
                item.paragraph_format.left_indent = Cm(5)
                _font(item.add_run(f"- {name}"), 14)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(6)

    def paragraph(
        self,
        text: str,
        indent: bool = True,
        size: float = 14,
        align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
        bold: bool = False,
        italic: bool = False,
    ) -> Any:
        """A body paragraph; **bold** and *italic* spans in the text are honoured."""
        p = self.doc.add_paragraph()
        p.alignment = align
        fmt = p.paragraph_format
        fmt.first_line_indent = Cm(1.27) if indent else None
        fmt.space_after = Pt(6)
        fmt.line_spacing = 1.1
        for part in _MARKUP.split(text):
            if not part:
                continue
            if part.startswith("**"):
                _font(p.add_run(part[2:-2]), size, True, italic)
            elif part.startswith("*"):
                _font(p.add_run(part[1:-1]), size, bold, True)
            else:
                _font(p.add_run(part), size, bold, italic)
        return p

    def heading(self, text: str) -> Any:
        return self.paragraph(text, indent=True, bold=True)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths_mm: Sequence[float],
        size: float = 11,
        group_rows: Sequence[int] = (),
    ) -> Any:
        """A bordered table with a bold repeated header; `group_rows` are indices of rows shown
        bold across the table (group titles)."""
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            self._cell(cell, str(text), size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _repeat_header(table.rows[0])
        for index, row in enumerate(rows):
            cells = table.add_row().cells
            if index in group_rows:
                merged = cells[0].merge(cells[-1])
                self._cell(merged, str(row[0]), size, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
                continue
            for col, (cell, value) in enumerate(zip(cells, row, strict=True)):
                align = WD_ALIGN_PARAGRAPH.LEFT if col == 1 else WD_ALIGN_PARAGRAPH.CENTER
                self._cell(cell, "" if value is None else str(value), size, align=align)
        for column, width in zip(table.columns, widths_mm, strict=False):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm, strict=False):
                cell.width = Mm(width)
        self.doc.add_paragraph()
        return table

    def _cell(
        self,
        cell: Any,
        text: str,
        size: float,
        bold: bool = False,
        align: Any = WD_ALIGN_PARAGRAPH.LEFT,
    ) -> None:
        p = cell.paragraphs[0]
        p.alignment = align
        _font(p.add_run(text), size, bold)

    def picture(self, path: Path, width_mm: float = 150) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run().add_picture(str(path), width=Mm(width_mm))

    def landscape_section(self) -> None:
        """A new page in landscape for a wide table (the rest of the document stays portrait)."""
        from docx.enum.section import WD_SECTION

        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.left_margin, section.right_margin = Mm(20), Mm(15)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)

    # --- closing --------------------------------------------------------------------------
    def closing(self, closing: Closing) -> None:
        table = self._borderless(2, [TEXT_WIDTH_MM * 0.5, TEXT_WIDTH_MM * 0.5])
        left, right = table.rows[0].cells
        if closing.distribution:
            p = left.paragraphs[0]
            _font(p.add_run("Nơi nhận:"), 12, bold=True, italic=True)
            for item in closing.distribution:
                line = left.add_paragraph()
                _font(line.add_run(f"- {item}"), 11)
        s = closing.signature
        first = right.paragraphs[0]
        for index, text in enumerate(t for t in (s.authority, s.title) if t):
            self._line(first if index == 0 else right.add_paragraph(), text.upper(), 14, bold=True)
        for _ in range(4):
            right.add_paragraph()
        if s.name:
            self._line(right.add_paragraph(), s.name, 14, bold=True)

    def _borderless(self, cols: int, widths_mm: Sequence[float]) -> Any:
        table = self.doc.add_table(rows=1, cols=cols)
        table.autofit = False
        _no_cell_margins(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for column, cell, width in zip(table.columns, table.rows[0].cells, widths_mm, strict=True):
            column.width = Mm(width)
            cell.width = Mm(width)
        return table

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))
        return path


def _font(run: Any, size: float, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), FONT)


def _rule(p: Any, cell_width_mm: float, rule_mm: float) -> None:
    """A centred horizontal rule `rule_mm` long: a bottom border on an empty, indented paragraph."""
    side = max(0.0, (cell_width_mm - rule_mm) / 2)
    fmt = p.paragraph_format
    fmt.left_indent, fmt.right_indent = Mm(side), Mm(side)
    fmt.space_after = Pt(0)
    run = p.add_run()
    run.font.size = Pt(2)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def _page_number(p: Any) -> None:
    """PAGE field centred in the top margin; the first page has its own (empty) header."""
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "26")
    rpr.append(size)
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(rpr)
    run.append(text)
    field.append(run)
    p._p.append(field)


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def _no_cell_margins(table: Any) -> None:
    """The header columns use the whole text width, as typed letters do."""
    tblpr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        node = OxmlElement(f"w:{side}")
        node.set(qn("w:w"), "0")
        node.set(qn("w:type"), "dxa")
        margins.append(node)
    tblpr.append(margins)
