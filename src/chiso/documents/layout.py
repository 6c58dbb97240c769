"""Decree 30/2020/NĐ-CP, Appendix I, as python-docx: A4 portrait (landscape for wide appendices),
margins 20/20/30/15 mm, Times New Roman (Liberation Serif when rendering where it is missing),
the two-column borderless header with its rules, justified body with a first-line indent, the
distribution list bottom left and the signature bottom right, page numbers from page 2."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from chiso.documents.fonts import width_mm

FONT = "Times New Roman"
TEXT_WIDTH_MM = 210 - 30 - 15
LEFT_MM, RIGHT_MM = 68, TEXT_WIDTH_MM - 68
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RULE_LINE_PT = 1
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
XLSX_FONT: dict[str, Any] = {"font_name": FONT, "font_size": 12}
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00%"
POINTS_FORMAT = "#,##0.00"
INDEX_FORMAT = "0.0000"
"""Excel shows these with the reader's separators: 1.234 · 13,50% · 370,70 · 0,8002 in Vietnamese."""


def print_setup(ws: Any, landscape: bool, title_rows: tuple[int, int]) -> None:
    """A4, fitted to the page width, the heading rows printed on every page, page numbers."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=1.18, right=0.59, top=0.79, bottom=0.79)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(*title_rows)
    ws.set_footer('&C&"Times New Roman"&P/&N')


@dataclass(frozen=True)
class Header:
    agency: Sequence[str]
    """The issuing agency's lines, in caps ("ỦY BAN NHÂN DÂN", "HUYỆN HỚN QUẢN")."""
    number_symbol: str
    place_date: str
    superior: Sequence[str] = ()
    subject: str = ""
    """"V/v …" under the number (letters); empty for decisions, notices and reports."""


@dataclass(frozen=True)
class Closing:
    distribution: Sequence[str] = ()
    authority: Sequence[str] = ()
    """The capacity and title lines, in caps: "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"."""
    name: str = ""


RULE_SHARE = 0.4
"""Agency and title rules: between a third and a half of their line (Decree 30)."""


class OfficialDocument:
    def __init__(self, landscape: bool = False, font_dir: Path | None = None) -> None:
        self.doc = Document()
        self.font_dir = font_dir
        self._page(self.doc.sections[0], landscape)
        self._styles()
        _page_number(self.doc.sections[0].header.paragraphs[0])

    @staticmethod
    def _page(section: Any, landscape: bool) -> None:
        """A4; the 30 mm binding margin stays on the left in landscape too."""
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (
            (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
        )
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.header_distance = Mm(10)
        section.different_first_page_header_footer = True

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

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return width_mm(text, size, bold, self.font_dir)

    # --- header ---------------------------------------------------------------------------
    def header(self, h: Header) -> None:
        """Three rows, so "Số" is level with the date line whatever stands above them."""
        table = self._borderless(2, [LEFT_MM, RIGHT_MM], rows=3 if h.subject else 2)
        left, right = table.rows[0].cells
        first = left.paragraphs[0]
        for line in h.superior:
            self._line(first, line.upper(), 13)
            first = left.add_paragraph()
        for index, line in enumerate(h.agency):
            self._line(first if index == 0 else left.add_paragraph(), line, 13, bold=True)
        widest = max(self.width(line, 13, True) for line in h.agency)
        self.rule(left.add_paragraph(), LEFT_MM, widest * RULE_SHARE)
        self._line(right.paragraphs[0], NATIONAL_TITLE, 12, bold=True)
        self._line(right.add_paragraph(), MOTTO, 13, bold=True)
        self.rule(right.add_paragraph(), RIGHT_MM, self.width(MOTTO, 13, True))
        number, place = table.rows[1].cells
        self._line(number.paragraphs[0], h.number_symbol, 13, space_before=6)
        self._line(place.paragraphs[0], h.place_date, 14, italic=True, space_before=6)
        if h.subject:
            self._line(table.rows[2].cells[0].paragraphs[0], h.subject, 12, space_before=6)
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

    @staticmethod
    def rule(p: Any, box_mm: float, length_mm: float) -> None:
        """A centred rule `length_mm` long directly under the line above: the bottom border of
        a paragraph one point high, indented to that length."""
        side = max(0.0, (box_mm - length_mm) / 2)
        fmt = p.paragraph_format
        fmt.left_indent, fmt.right_indent = Mm(side), Mm(side)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(RULE_LINE_PT)
        fmt.keep_with_next = True
        ppr = p._p.get_or_add_pPr()
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0")):
            bottom.set(qn(key), value)
        border.append(bottom)
        ppr.insert_element_before(
            border, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc"
        )
        mark, size = OxmlElement("w:rPr"), OxmlElement("w:sz")
        size.set(qn("w:val"), "2")
        mark.append(size)
        ppr.append(mark)

    # --- body -----------------------------------------------------------------------------
    def title(self, text: str, subtitle: str = "", size: float = 14) -> None:
        """A document's name and its summary (trích yếu), with the rule under the summary."""
        named = self._line(self.doc.add_paragraph(), text, size, bold=True, space_before=6)
        named.paragraph_format.keep_with_next = True
        if subtitle:
            p = self._line(self.doc.add_paragraph(), subtitle, 14, bold=True)
            p.paragraph_format.keep_with_next = True
            widest = max(self.width(line, 14, True) for line in subtitle.split("\n"))
            self.rule(self.doc.add_paragraph(), self.text_width, widest * RULE_SHARE)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(6)

    def caption(self, text: str) -> None:
        """ "(Kèm theo Công văn số …)" under an appendix's title."""
        p = self._line(self.doc.add_paragraph(), text, 14, italic=True)
        p.paragraph_format.keep_with_next = True
        self.rule(self.doc.add_paragraph(), self.text_width, self.width(text, 14) * RULE_SHARE)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(6)

    @property
    def text_width(self) -> float:
        section = self.doc.sections[-1]
        width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
        return float(width) / 36000

    def recipients(self, names: Sequence[str]) -> None:
        if len(names) == 1:
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(f"Kính gửi: {names[0]}"), 14)
        else:
            p = self.doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(3)
            p.paragraph_format.keep_with_next = True
            _font(p.add_run("Kính gửi:"), 14)
            for name in names:
                item = self.doc.add_paragraph()
                item.paragraph_format.left_indent = Cm(5)
                item.paragraph_format.keep_with_next = True
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
        fmt.widow_control = True
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

    def heading(self, text: str, bold: bool = True) -> Any:
        """A heading stays on the page of what follows it."""
        p = self.paragraph(text, indent=True, bold=bold)
        p.paragraph_format.keep_with_next = True
        return p

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths_mm: Sequence[float],
        size: float = 11,
        group_rows: Sequence[int] = (),
    ) -> Any:
        """A bordered table: the heading row repeated on every page, no row split across pages,
        group titles (`group_rows`, bold across the table) kept with their first unit."""
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            self._cell(cell, str(text), size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _repeat_header(table.rows[0])
        _cant_split(table.rows[0])
        for index, row in enumerate(rows):
            added = table.add_row()
            _cant_split(added)
            cells = added.cells
            if index in group_rows:
                merged = cells[0].merge(cells[-1])
                self._cell(merged, str(row[0]), size, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
                merged.paragraphs[0].paragraph_format.keep_with_next = True
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
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._page(section, landscape=True)

    # --- closing --------------------------------------------------------------------------
    def closing(self, closing: Closing) -> None:
        """Distribution bottom left, signature bottom right, on one page with the last line of
        the text above them."""
        body = [p for p in self.doc.paragraphs if p.text.strip()]
        if body:
            body[-1].paragraph_format.keep_with_next = True
        table = self._borderless(2, [TEXT_WIDTH_MM * 0.5, TEXT_WIDTH_MM * 0.5])
        _cant_split(table.rows[0])
        left, right = table.rows[0].cells
        if closing.distribution:
            p = left.paragraphs[0]
            p.paragraph_format.space_before = Pt(6)
            _font(p.add_run("Nơi nhận:"), 12, bold=True, italic=True)
            for item in closing.distribution:
                line = left.add_paragraph()
                _font(line.add_run(f"- {item}"), 11)
        first = right.paragraphs[0]
        for index, text in enumerate(t for t in closing.authority if t):
            self._line(first if index == 0 else right.add_paragraph(), text.upper(), 14, bold=True)
        for _ in range(4):
            right.add_paragraph()
        if closing.name:
            self._line(right.add_paragraph(), closing.name, 14, bold=True)

    def _borderless(self, cols: int, widths_mm: Sequence[float], rows: int = 1) -> Any:
        table = self.doc.add_table(rows=rows, cols=cols)
        table.autofit = False
        _no_cell_margins(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(width)
        return table

    def save(self, path: Path) -> Path:
        """A name typed without its suffix still gives a file Word opens by double-click."""
        if path.suffix.lower() != ".docx":
            path = path.with_name(path.name + ".docx")
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


def _page_number(p: Any) -> None:
    """PAGE field centred in the top margin; the first page has its own (empty) header."""
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "28")
    rpr.append(size)
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(rpr)
    run.append(text)
    field.append(run)
    p._p.append(field)


def _cant_split(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


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
