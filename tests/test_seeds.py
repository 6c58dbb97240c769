"""The five seed letters rebuilt from data typed from them, through the commands a user runs
(`chiso agency import`, `chiso units import`, `chiso report … --spec`): the facts, the voice of
the level and date, the grouping and order, and the Decree 30 layout read back from the DOCX XML;
one LibreOffice run makes every PDF, and each PDF keeps the signer's name on the page of
"Nơi nhận"."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from chiso.documents import pdf
from chiso.documents.fonts import width_mm
from chiso.documents.layout import LEFT_MM, MOTTO, RIGHT_MM

SEEDS = Path(__file__).parent / "data" / "seeds"
NAMES = ("000", "001", "002", "003", "004")
SIGNERS = {
    "000": "Nguyễn Văn Hạ",
    "001": "Trần Tuyết Minh",
    "002": "Trần Tuyết Minh",
    "003": "Võ Thị Hương",
    "004": "Nguyễn Thành Vạn",
}


def seed(name: str) -> str:
    return str(SEEDS / name)


def commands(out: dict[str, Path]) -> list[list[str]]:
    def letter(n: str, units: str, kind: str = "letter") -> list[str]:
        data = ["--values", seed(f"seed-{n}-values.csv"), "--units", seed(units)]
        return ["report", kind, "--spec", seed(f"seed-{n}.yaml"), *data, "--out", str(out[n])]

    return [
        *[["agency", "import", seed(f"{a}-agency.yaml")] for a in ("hon-quan", "binh-phuoc")],
        *[["agency", "import", seed(f"{a}-agency.yaml")] for a in ("ly-son", "ninh-giang")],
        ["units", "import", seed("ly-son-units.csv")],
        letter("000", "hon-quan-units.csv"),
        letter("001", "binh-phuoc-units.csv"),
        letter("002", "binh-phuoc-units.csv"),
        ["report", "notice", "--spec", seed("seed-003.yaml"), "--out", str(out["003"])],
        [
            *letter("004", "ninh-giang-units.csv", "result"),
            *["--framework", seed("dti-district-570.yaml")],
            *["--other-index", seed("par-egov-district-9.yaml")],
        ],
    ]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every seed document, made once in one SQLite database through the command line."""
    from chiso.cli.main import run
    from chiso.settings import get_settings

    work = tmp_path_factory.mktemp("seeds")
    mp = pytest.MonkeyPatch()
    mp.setenv("CHISO_DATA_DIR", str(work / "data"))
    mp.delenv("CHISO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    out = {n: work / f"seed-{n}.docx" for n in NAMES}
    try:
        for args in commands(out):
            assert run(args) == 0, args
    finally:
        mp.undo()
        get_settings.cache_clear()
    out["data"] = work / "data"
    return out


def text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs if p.text.strip())


def closing_cells(path: Path) -> tuple[str, str]:
    left, right = Document(str(path)).tables[-1].rows[0].cells
    return left.text, right.text


def test_seed_000_district_letter_of_2023(made: dict[str, Path]) -> None:
    body = text(made["000"])
    assert (
        "Phòng Tài nguyên - Môi trường (31,14%); Thanh tra huyện (27,35%); Phòng Nội vụ (9,31%); "
        "các xã: Phước An (47,31%); Tân Hưng (46,08%); Minh Tâm (33,95%); Thanh Bình (31,61%); "
        "Đồng Nơ (26,62%); Minh Đức (22,19%); Thanh An (13,86%); Tân Quan (7,95%); "
        "An Khương (0,79%); Tân Hiệp (0%)."
    ) in body
    assert "cấp huyện còn ít (02 cuộc họp)" in body
    assert "Chủ tịch UBND huyện yêu cầu" in body and "2. Phòng Văn hóa – Thông tin huyện" in body
    assert "trước ngày 20/11/2023" in body
    assert "tỉnh" not in body.replace("của UBND tỉnh", "")
    assert "UBND huyện Hớn Quản (" not in body and "phước An" not in body
    recipients = [p for p in body.splitlines() if p.startswith("- ")][:2]
    assert recipients == ["- Các cơ quan, ban, ngành, đoàn thể huyện;", "- UBND các xã, thị trấn."]
    where, sign = closing_cells(made["000"])
    assert "CT, các PCT UBND huyện;" in where and where.endswith("Lưu: VT, VX.")
    assert "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" in sign and sign.endswith("Nguyễn Văn Hạ")
    assert not re.search(r":[^;(]*:", body.split("có tỷ lệ thấp")[1].split("\n")[0])


def test_seed_001_province_letter_of_2023(made: dict[str, Path]) -> None:
    body = text(made["001"])
    assert "02 đơn vị chưa ban hành Kế hoạch chuyển đổi số năm 2023 (*" not in body
    assert (
        "02 đơn vị chưa ban hành Kế hoạch chuyển đổi số năm 2023 (các sở, ban, ngành: "
        "Nông nghiệp và Phát triển nông thôn; Tài nguyên và Môi trường)."
    ) in body
    fifteen = body.split("15 đơn vị chưa tổ chức họp trên phần mềm họp không giấy (")[1].split(")")[
        0
    ]
    assert fifteen.startswith("các sở, ban, ngành: ")
    assert (
        "Công an tỉnh; " in fifteen
        and "UBND các huyện, thị xã: Bù Đốp; Đồng Phú; Chơn Thành" in fifteen
    )
    assert (
        "dưới 40%: Sở Giao thông Vận tải (0%); Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch (0%); "
        "UBND huyện Bù Gia Mập (0%); UBND huyện Bù Đốp (0,33%); UBND huyện Đồng Phú (24,39%); "
        "Thanh tra tỉnh (39,51%)."
    ) in body
    assert "UBND thành phố Đồng Xoài (49%)" in body
    assert "Xét đề nghị của Sở Thông tin và Truyền thông" in body
    assert "2. Sở Thông tin và Truyền thông" in body and "Khoa học và Công nghệ" not in body
    assert "- UBND các huyện, thị xã, thành phố." in body
    assert closing_cells(made["001"])[0].endswith("Lưu: VT, KGVX, TD337.")


def test_seed_002_progress_target_and_appendix(made: dict[str, Path]) -> None:
    body = text(made["002"])
    good, bad = body.split("Bên cạnh đó")
    assert (
        "UBND huyện Bù Gia Mập (từ 5% lên 43,33%); UBND thành phố Đồng Xoài (từ 82% lên 86%); "
        "Sở Khoa học và Công nghệ (từ 91,70% lên 93,78%)"
    ) in good
    assert "đạt 100% ở các đơn vị: Ban Dân tộc tỉnh; Ban Quản lý Khu kinh tế" in good
    assert "(13,50%)" in bad and "43,33" not in bad
    assert "tối thiểu 95%" in bad
    last = [p for p in body.splitlines() if p.strip()][-1]
    assert last == "(Kèm theo Phụ lục số liệu của các cơ quan, đơn vị)./."
    appendix = Document(str(made["002"].with_name("seed-002-phu-luc.docx")))
    section = appendix.sections[0]
    assert section.page_width < section.page_height and round(section.left_margin.mm) == 30
    caption = [p.text for p in appendix.paragraphs if p.text.startswith("(Kèm theo")]
    assert caption == [
        "(Kèm theo Công văn số      /UBND-KGVX ngày      tháng      năm 2023 của UBND tỉnh Bình Phước)"
    ]
    table = appendix.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "STT",
        "Cơ quan, đơn vị",
        "Tỷ lệ",
        "Đạt chỉ tiêu (95%)",
        "Xếp hạng trong nhóm",
    ]
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["Sở Giao thông Vận tải"][2:4] == ["13,50%", "Chưa đạt"]
    for row in table.rows:
        assert row._tr.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None
    assert table.rows[0]._tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None


def test_seed_003_notice_and_its_tasks(made: dict[str, Path]) -> None:
    body = text(made["003"])
    assert (
        body.index("THÔNG BÁO")
        < body.index("I. Đánh giá chung")
        < body.index("II. Nhiệm vụ năm 2023")
    )
    assert "2. Giao Phòng Văn hóa và Thông tin" in body and "4. Đề nghị Huyện đoàn: " in body
    assert "hoàn thành trước ngày 28/02/2023" in body and "(thường xuyên):" in body
    assert "(khi có yêu cầu)." in body
    sign = closing_cells(made["003"])[1]
    assert sign.startswith("TL. CHỦ TỊCH\nKT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG")
    from chiso.services.runtime import open_runtime
    from chiso.services.tasks import tracking
    from chiso.settings import Settings

    rt = open_runtime(Settings(data_dir=made["data"]))
    try:
        tasks = {t.code: t for t in tracking.list_tasks(rt, date(2023, 4, 1))}
    finally:
        rt.close()
    assert len(tasks) == 8
    assert tasks["2.2.1"].standing.overdue_days == 32
    assert tasks["2.2.2"].standing.label_vi == "Thường xuyên"
    assert not tasks["2.5.1"].standing.overdue
    assert tasks["2.4.1"].standing.label_vi == "Không có thời hạn"
    assert tasks["2.3.1"].deadline.due_on == date(2023, 6, 30)


def test_seed_004_unit_result(made: dict[str, Path]) -> None:
    body = text(made["004"])
    assert (
        "chính quyền số năm 2023, UBND huyện Ninh Giang đạt 8,682/9 điểm (96,47%), xếp thứ 4/12 "
        "huyện, thị xã, thành phố, tăng 02 bậc so với năm 2022"
    ) in body
    assert (
        "đạt 370,7/570 điểm (65,04%), xếp thứ 8/12 huyện, thị xã, thành phố, tăng 02 bậc so với năm 2022"
        in body
    )
    assert (
        "Còn 05/08 chỉ số chính đạt dưới 80% số điểm tối đa: Hạ tầng số (75%); Nhân lực số (77%); "
        "An toàn thông tin mạng (34%); Hoạt động kinh tế số (17%); Hoạt động xã hội số (58%)."
    ) in body
    assert (
        "còn 03 đơn vị dưới 90% (các xã: Hồng Đức (85,10%); Tân Quang (87,90%); Kiến Quốc (88%))"
        in body
    )
    assert "hoàn thành trước ngày 31/5/2024" in body and "tỉnh" not in body.replace(
        "Sở Thông tin", ""
    )
    assert closing_cells(made["004"])[0].endswith("Lưu: VT, VHTT.")


@pytest.mark.parametrize("name", NAMES)
def test_decree_30_layout_in_the_xml(made: dict[str, Path], name: str) -> None:
    doc = Document(str(made[name]))
    section = doc.sections[0]
    assert [
        round(m.mm)
        for m in (
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ] == [20, 20, 30, 15]
    header = doc.tables[0]
    left, right = header.rows[0].cells
    rules = {
        id(c): [
            p
            for p in c.paragraphs
            if p._p.find(qn("w:pPr")) is not None and p._p.pPr.find(qn("w:pBdr")) is not None
        ]
        for c in (left, right)
    }
    motto_rule = rules[id(right)][0]
    length = RIGHT_MM - 2 * motto_rule.paragraph_format.left_indent.mm
    assert length == pytest.approx(width_mm(MOTTO, 13, True), abs=0.5)
    agency_rule = rules[id(left)][0]
    agency_line = max(
        width_mm(p.text, 13, True) for p in left.paragraphs if p.text and p.runs[0].font.bold
    )
    share = (LEFT_MM - 2 * agency_rule.paragraph_format.left_indent.mm) / agency_line
    assert 1 / 3 <= share <= 1 / 2
    for rule in (motto_rule, agency_rule):
        assert (
            rule.paragraph_format.line_spacing.pt <= 2
            and rule.paragraph_format.space_before.pt == 0
        )
    number, place = header.rows[1].cells
    assert number.text.startswith("Số:") and ", ngày" in place.text
    closing = doc.tables[-1]
    assert closing.rows[0]._tr.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None
    last = [p for p in doc.paragraphs if p.text.strip()][-1]
    assert last.text.endswith("./.") and last.paragraph_format.keep_with_next
    for p in doc.paragraphs:
        if (
            re.match(r"^(\d+|[IVX]+)\. ", p.text)
            and p.runs
            and p.runs[0].font.bold
            and len(p.text) < 120
        ):
            assert p.paragraph_format.keep_with_next, p.text


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and poppler are installed by make test",
)
def test_pdf_keeps_the_signer_with_the_distribution(made: dict[str, Path]) -> None:
    pdfs = pdf.to_pdfs([made[n] for n in NAMES])
    assert "Liberation Serif" in pdf.font_note(pdfs) or "Times New Roman" in pdf.font_note(pdfs)
    for name, path in zip(NAMES, pdfs, strict=True):
        pages = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout.split("\f")
        with_distribution = [i for i, page in enumerate(pages) if "Nơi nhận:" in page]
        with_signer = [i for i, page in enumerate(pages) if SIGNERS[name] in page]
        assert with_distribution and with_distribution == with_signer[-1:], name
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0]
