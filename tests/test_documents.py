"""Official documents from the data: the seed situations reproduced, the Decree 30 layout read
back from the DOCX, the appendix and ranking XLSX, and the PDF rendered and rasterised."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

SEEDS = Path(__file__).parent / "data" / "seeds"
DTI = Path(__file__).parent / "data" / "dti-2022-top5.csv"
BINH_PHUOC = [
    "--agency",
    "Ủy ban nhân dân tỉnh Bình Phước",
    "--place",
    "Bình Phước",
    "--year",
    "2023",
]
ORDER = ["--group-order", "Sở, ban, ngành|UBND cấp huyện"]


def text_of(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def body(path: Path) -> str:
    return " ".join(p.text for p in Document(str(path)).paragraphs)


def test_seed_000_district_letter(cli, database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "hon-quan.docx"
    code, _, err = cli(
        database_url,
        "report",
        "letter",
        "--values",
        str(SEEDS / "seed-000-values.csv"),
        "--units",
        str(SEEDS / "hon-quan-units.csv"),
        "--period",
        "2023-H1",
        "--indicator",
        "signed_docs_rate",
        "--below",
        "50",
        "--sort",
        "value_desc",
        "--group-order",
        "Cơ quan, ban, ngành huyện|UBND các xã, thị trấn",
        "--agency",
        "Ủy ban nhân dân huyện Hớn Quản",
        "--place",
        "Hớn Quản",
        "--symbol",
        "UBND-VX",
        "--year",
        "2023",
        "--out",
        str(out),
    )
    assert code == 0, err
    text = body(out)
    expected = (
        "Phòng Tài nguyên - Môi trường (31,14%), Thanh tra huyện (27,35%), Phòng Nội vụ (9,31%)",
        "UBND xã Phước An (47,31%), UBND xã Tân Hưng (46,08%), UBND xã Minh Tâm (33,95%), UBND xã Thanh Bình (31,61%), "
        "UBND xã Đồng Nơ (26,62%), UBND xã Minh Đức (22,19%), UBND xã Thanh An (13,86%), UBND xã Tân Quan (7,95%), "
        "UBND xã An Khương (0,79%), UBND xã Tân Hiệp (0%)",
    )
    for part in expected:
        assert part in text
    assert "Phòng Văn hóa" not in text.split("dưới 50%")[1].split(".")[0]
    assert "6 tháng đầu năm 2023" in text


def test_seed_001_provincial_letter(cli, database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "binh-phuoc.docx"
    code, _, err = cli(
        database_url,
        "report",
        "letter",
        "--values",
        str(SEEDS / "seed-001-values.csv"),
        "--units",
        str(SEEDS / "binh-phuoc-units.csv"),
        "--period",
        "2023-H1",
        "--indicator",
        "dx_plan_issued",
        "--indicator",
        "paperless_meetings",
        "--indicator",
        "signed_docs_rate",
        "--indicator",
        "official_email_rate",
        "--below",
        "signed_docs_rate=40",
        "--below",
        "official_email_rate=50",
        *ORDER,
        *BINH_PHUOC,
        "--signer",
        "Trần Tuyết Minh",
        "--out",
        str(out),
    )
    assert code == 0, err
    text = body(out)
    assert (
        "02 đơn vị chưa ban hành Kế hoạch chuyển đổi số năm 2023: Sở Nông nghiệp và Phát triển nông thôn, Sở Tài nguyên và Môi trường"
        in text
    )
    assert "15 đơn vị chưa triển khai họp trên phần mềm họp không giấy" in text
    for name in (
        "Công an tỉnh",
        "Ban Quản lý Khu kinh tế",
        "UBND huyện Đồng Phú",
        "UBND huyện Bù Đốp",
        "UBND thị xã Chơn Thành",
    ):
        assert name in text.split("15 đơn vị")[1].split(".")[0]
    assert (
        "Sở, ban, ngành: Sở Giao thông Vận tải (0%), Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch (0%), Thanh tra tỉnh (39,51%); "
        "UBND cấp huyện: UBND huyện Bù Gia Mập (0%), UBND huyện Bù Đốp (0,33%), UBND huyện Đồng Phú (24,39%)"
    ) in text
    assert (
        "Sở, ban, ngành: Công an tỉnh (41,01%); UBND cấp huyện: UBND huyện Hớn Quản (40,43%), UBND huyện Bù Đăng (46,49%), "
        "UBND thành phố Đồng Xoài (49%)"
    ) in text
    assert "Trần Tuyết Minh" in text_of(out)


def test_seed_002_progress_letter_and_appendix(cli, database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "ky-so.docx"
    code, _stdout, err = cli(
        database_url,
        "report",
        "letter",
        "--values",
        str(SEEDS / "seed-002-values.csv"),
        "--units",
        str(SEEDS / "binh-phuoc-units.csv"),
        "--period",
        "2023-07",
        "--indicator",
        "signed_docs_rate",
        "--below",
        "20",
        "--with-appendix",
        *ORDER,
        *BINH_PHUOC,
        "--out",
        str(out),
    )
    assert code == 0, err
    text = body(out)
    assert (
        "so với tháng 6/2023: UBND huyện Bù Gia Mập (từ 5% lên 43,33%), UBND thành phố Đồng Xoài (từ 82% lên 86%), Sở Khoa học và Công nghệ (từ 91,7% lên 93,78%)"
        in text
    )
    assert "đạt 100%: Ban Dân tộc tỉnh, Ban Quản lý Khu kinh tế" in text
    assert (
        "dưới 20%: Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch (1,72%), Sở Giao thông Vận tải (13,5%)"
        in text
    )
    assert "Kèm theo Phụ lục" in text
    appendix = tmp_path / "ky-so-phu-luc.docx"
    doc = Document(str(appendix))
    assert doc.sections[0].page_width > doc.sections[0].page_height
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "STT",
        "Cơ quan, đơn vị",
        "Tử số",
        "Mẫu số",
        "Tỷ lệ",
        "Đạt chỉ tiêu (95%)",
        "Xếp hạng trong nhóm",
    ]
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["Sở Giao thông Vận tải"][4:] == ["13,5%", "Chưa đạt", "16"]
    assert rows["Ban Dân tộc tỉnh"][4:] == ["100%", "Đạt", "1"]
    assert rows["Ban Quản lý Khu kinh tế"][6] == "1"
    assert "UBND cấp huyện" in rows
    sheet = load_workbook(tmp_path / "ky-so-phu-luc.xlsx")["Phụ lục"]
    assert sheet.freeze_panes == "C4"
    assert [c.value for c in sheet[3]][:5] == ["STT", "Cơ quan, đơn vị", "Tử số", "Mẫu số", "Tỷ lệ"]
    by_name = {sheet.cell(r, 2).value: r for r in range(4, sheet.max_row + 1)}
    cell = sheet.cell(by_name["UBND huyện Bù Gia Mập"], 5)
    assert cell.value == pytest.approx(0.4333)
    assert cell.number_format == "0.00%"


def test_decree_30_layout(cli, database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "cv.docx"
    cli(
        database_url,
        "report",
        "letter",
        "--values",
        str(SEEDS / "seed-002-values.csv"),
        "--units",
        str(SEEDS / "binh-phuoc-units.csv"),
        "--period",
        "2023-07",
        "--indicator",
        "signed_docs_rate",
        *BINH_PHUOC,
        "--signer",
        "Trần Tuyết Minh",
        "--out",
        str(out),
    )
    doc = Document(str(out))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    assert section.different_first_page_header_footer
    assert 'instr="PAGE"' in section.header._element.xml or "PAGE" in section.header._element.xml
    assert doc.styles["Normal"].font.name == "Times New Roman"
    header = doc.tables[0]
    left, right = header.rows[0].cells
    assert header.style is None or "Grid" not in (header.style.name or "")

    def run(cell, text: str):  # type: ignore[no-untyped-def]
        return next(r for p in cell.paragraphs for r in p.runs if text in r.text)

    title = run(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert (title.font.size.pt, title.font.bold) == (12, True)
    motto = run(right, "Độc lập - Tự do - Hạnh phúc")
    assert (motto.font.size.pt, motto.font.bold) == (13, True)
    date = run(right, "Bình Phước, ngày")
    assert (date.font.size.pt, date.font.italic) == (14, True)
    assert "năm 2023" in date.text
    agency = run(left, "ỦY BAN NHÂN DÂN")
    assert (agency.font.size.pt, agency.font.bold) == (13, True)
    assert "TỈNH BÌNH PHƯỚC" in left.text
    assert "Số:" in left.text and "/UBND-KGVX" in left.text
    assert run(left, "V/v").font.size.pt == 12
    rules = [p for c in (left, right) for p in c.paragraphs if "w:pBdr" in p._p.xml]
    assert len(rules) == 2
    paragraphs = [p for p in doc.paragraphs if p.text.startswith("- Tỷ lệ văn bản")]
    assert paragraphs
    assert paragraphs[0].alignment == 3
    assert abs(paragraphs[0].paragraph_format.first_line_indent.cm - 1.27) < 0.01
    assert all(
        r.font.size.pt == 14 and r.font.name == "Times New Roman" for r in paragraphs[0].runs
    )
    closing = doc.tables[-1]
    where, sign = closing.rows[0].cells
    received = run(where, "Nơi nhận:")
    assert (received.font.size.pt, received.font.bold, received.font.italic) == (12, True, True)
    assert run(where, "- Như trên;").font.size.pt == 11
    authority = run(sign, "KT. CHỦ TỊCH")
    assert (authority.font.size.pt, authority.font.bold) == (14, True)
    assert run(sign, "Trần Tuyết Minh").font.bold


def test_summary_report(cli, database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "bao-cao.docx"
    code, _, err = cli(
        database_url,
        "report",
        "summary",
        "--values",
        str(SEEDS / "seed-002-values.csv"),
        "--units",
        str(SEEDS / "binh-phuoc-units.csv"),
        "--period",
        "2023-07",
        *ORDER,
        *BINH_PHUOC,
        "--out",
        str(out),
    )
    assert code == 0, err
    doc = Document(str(out))
    text = text_of(out)
    for heading in (
        "I. KẾT QUẢ CHUNG",
        "II. XẾP HẠNG CÁC CƠ QUAN, ĐƠN VỊ",
        "III. ĐƠN VỊ TIẾN BỘ, ĐƠN VỊ CHƯA ĐẠT",
        "IV. TÌNH HÌNH BÁO CÁO SỐ LIỆU",
    ):
        assert heading in text
    assert "Số liệu của 28/28 cơ quan, đơn vị" in text
    assert "từ 5% lên 43,33%" in text
    assert len(doc.inline_shapes) == 1
    results = doc.tables[1]
    assert [c.text for c in results.rows[1].cells][1:5] == [
        "Tỷ lệ văn bản điện tử được ký số",
        "73,3%",
        "71,71%",
        "95%",
    ]


def test_ranking_decision_with_ties(cli, database_url: str, tmp_path: Path) -> None:
    values = tmp_path / "dti.csv"
    lines = DTI.read_text(encoding="utf-8").splitlines()
    extra = [
        line.replace("92,TP. Cần Thơ", "38,Thanh Hóa") for line in lines if line.startswith("92,")
    ]
    values.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    out = tmp_path / "quyet-dinh.docx"
    code, _, err = cli(
        database_url,
        "report",
        "ranking",
        "--framework",
        "dti-province-922",
        "--values",
        str(values),
        "--period",
        "2022",
        "--chair-title",
        "BỘ TRƯỞNG BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
        "--agency",
        "Bộ Thông tin và Truyền thông",
        "--out",
        str(out),
    )
    assert code == 0, err
    doc = Document(str(out))
    text = text_of(out)
    assert (
        "QUYẾT ĐỊNH" in text
        and "Điều 1." in text
        and "BỘ TRƯỞNG BỘ THÔNG TIN VÀ TRUYỀN THÔNG" in text
    )
    assert doc.sections[-1].page_width > doc.sections[-1].page_height
    table = doc.tables[-1]
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["TP. Đà Nẵng"][:4] == ["1", "TP. Đà Nẵng", "800,18", "0,8002"]
    assert rows["TP. Cần Thơ"][0] == rows["Thanh Hóa"][0] == "5"
    assert rows["TP. Cần Thơ"][3] == "0,6924"
    sheet = load_workbook(tmp_path / "quyet-dinh.xlsx").active
    assert sheet["E2"].value == 0.8002
    assert sheet["E2"].number_format == "0.0000"


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice and poppler are installed by make test",
)
def test_pdf_is_rendered_and_rasterised(cli, database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "cv.docx"
    code, _stdout, err = cli(
        database_url,
        "report",
        "letter",
        "--values",
        str(SEEDS / "seed-001-values.csv"),
        "--units",
        str(SEEDS / "binh-phuoc-units.csv"),
        "--period",
        "2023-H1",
        "--indicator",
        "signed_docs_rate",
        "--below",
        "40",
        *BINH_PHUOC,
        "--pdf",
        "--out",
        str(out),
    )
    assert code == 0, err
    pdf = tmp_path / "cv.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Thanh tra tỉnh (39,51%)" in " ".join(text.split())
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "LiberationSerif" in fonts or "TimesNewRoman" in fonts
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 1
    assert all(p.stat().st_size > 5000 for p in pages)


def test_pdf_without_libreoffice_says_how(tmp_path: Path) -> None:
    chiso = Path(sys.executable).with_name("chiso")
    env = {**os.environ, "PATH": str(tmp_path), "CHISO_DATA_DIR": str(tmp_path / "d")}
    done = subprocess.run(
        [
            str(chiso),
            "report",
            "letter",
            "--values",
            str(SEEDS / "seed-001-values.csv"),
            "--period",
            "2023-H1",
            "--indicator",
            "signed_docs_rate",
            "--pdf",
            "--out",
            str(tmp_path / "cv.docx"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert "chưa có LibreOffice" in done.stderr
    assert "libreoffice-writer-nogui" in done.stderr
    assert (tmp_path / "cv.docx").exists()


def test_letter_from_the_database(cli, province_db: str, tmp_path: Path) -> None:
    values = tmp_path / "v.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator\nlegacy:25361,2023-07,signed_docs_rate,0,40\n"
        "legacy:25357,2023-07,signed_docs_rate,39,40\nlegacy:25348,2023-07,signed_docs_rate,9,40\n",
        encoding="utf-8",
    )
    assert cli(province_db, "data", "import", str(values), "--framework", "platform-usage")[0] == 0
    out = tmp_path / "cv.docx"
    code, _, err = cli(
        province_db,
        "report",
        "letter",
        "--period",
        "2023-07",
        "--indicator",
        "signed_docs_rate",
        "--out",
        str(out),
    )
    assert code == 0, err
    text = body(out)
    assert "UBND xã Tân Hiệp (0%), UBND xã Minh Đức (22,5%)" in text
    assert "Tân Khai (97,5%)" not in text
