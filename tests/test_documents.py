"""Documents beyond the seeds: no document without an agency profile or from an empty period,
profiles checked and audited, the district level ended by the reform, the lists and percent format
as clerks write them, the committee report counting against the target, the ranking decision's
bases, annex caption and margins, the XLSX page setup, and the web composer's preview."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from chiso.domain.agency import AgencyLevel, AgencyProfile, date_problem, problems
from chiso.domain.findings import Indicator, ListStyle, clerk_list, unit_figure
from chiso.domain.formatting import percent_as_written
from chiso.domain.frameworks import InputKind
from chiso.domain.units import letter_name

SEEDS = Path(__file__).parent / "data" / "seeds"
DTI = Path(__file__).parent / "data" / "dti-2022-top5.csv"
RATE = Indicator("signed_docs_rate", "Tỷ lệ văn bản điện tử được ký số", InputKind.RATE, 0.95)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.135, "13,50%"),
        (0.917, "91,70%"),
        (0.49, "49%"),
        (0.0, "0%"),
        (0.0033, "0,33%"),
        (1.0, "100%"),
    ],
)
def test_percent_as_the_seeds_write_it(value: float, shown: str) -> None:
    assert percent_as_written(value) == shown


@pytest.mark.parametrize(
    ("name", "kind", "letter"),
    [
        ("Phước An", "commune", "UBND xã Phước An"),
        ("Xã Phước An", "commune", "UBND xã Phước An"),
        ("Thị trấn Tân Khai", "commune", "UBND thị trấn Tân Khai"),
        ("Thị xã Chơn Thành", "district", "UBND thị xã Chơn Thành"),
        ("Sở Y tế", "department", "Sở Y tế"),
    ],
)
def test_proper_names_are_never_recased(name: str, kind: str, letter: str) -> None:
    assert letter_name(name, kind) == letter


def test_clerk_lists_grouped_flat_and_with_a_heading_first() -> None:
    units = [
        unit_figure("a", "Phòng Nội vụ", "office", "Huyện", 0.0931),
        unit_figure("b", "Sơn Hà", "commune", "Xã", 0.4731),
        unit_figure("c", "Xã Sơn Hạ", "commune", "Xã", 0.1),
        unit_figure("d", "Thị trấn Di Lăng", "commune", "Xã", 0.2),
    ]
    grouped = clerk_list(units, RATE)
    assert grouped.text == (
        "Phòng Nội vụ (9,31%); các xã, thị trấn: Sơn Hà (47,31%); Sơn Hạ (10%); Di Lăng (20%)"
    )
    assert not grouped.headed
    assert clerk_list(units[1:], RATE).headed
    flat = clerk_list(units, RATE, ListStyle(grouped=False, figures=False))
    assert flat.text == "Phòng Nội vụ; UBND xã Sơn Hà; UBND xã Sơn Hạ; UBND thị trấn Di Lăng"


def profile(**changes: object) -> AgencyProfile:
    base = {
        "code": "ubnd-huyen-son-ha",
        "level": AgencyLevel.DISTRICT,
        "name": "Ủy ban nhân dân huyện Sơn Hà",
        "place": "Sơn Hà",
        "symbol": "UBND",
        "office_code": "VX",
    }
    return AgencyProfile(**(base | changes))  # type: ignore[arg-type]


def test_profiles_are_checked_and_districts_end_with_the_reform() -> None:
    assert problems(profile()) == []
    wrong = dict(
        problems(profile(name="ỦY BAN NHÂN DÂN HUYỆN SƠN HÀ", symbol="ubnd vx", code="Sơn Hà"))
    )
    assert set(wrong) == {"name", "symbol", "code"}
    assert date_problem(profile(), date(2025, 6, 30)) is None
    assert "30/06/2025" in (date_problem(profile(), date(2025, 7, 1)) or "")
    p = profile()
    assert (p.short_name, p.locality, p.letterhead) == (
        "UBND huyện Sơn Hà",
        "huyện",
        ["ỦY BAN NHÂN DÂN", "HUYỆN SƠN HÀ"],
    )
    assert p.refers_to("x", "UBND huyện Sơn Hà") and not p.refers_to("x", "UBND huyện Sơn Hạ")


def test_no_profile_no_document_and_no_document_from_an_empty_period(
    cli, database_url: str, tmp_path: Path
) -> None:
    letter = [
        "report",
        "letter",
        "--indicator",
        "signed_docs_rate",
        "--values",
        str(SEEDS / "seed-002-values.csv"),
        "--units",
        str(SEEDS / "binh-phuoc-units.csv"),
        "--out",
        str(tmp_path / "cv.docx"),
    ]
    code, _, err = cli(database_url, *letter, "--period", "2023-07")
    assert code == 2 and "Chưa có hồ sơ cơ quan ban hành" in err and "chiso agency" in err
    assert not (tmp_path / "cv.docx").exists()
    assert cli(database_url, "agency", "import", str(SEEDS / "binh-phuoc-agency.yaml"))[0] == 0
    code, _, err = cli(database_url, *letter, "--period", "2023-09")
    assert code == 2 and "chưa có số liệu" in err and "kỳ trống" in err
    summary = ["report", "summary", *letter[4:-1], str(tmp_path / "bc.docx")]
    code, _, err = cli(database_url, *summary, "--period", "2023-09")
    assert code == 2 and "Kỳ tháng 9/2023 chưa có số liệu" in err and "kỳ trống" in err
    assert not (tmp_path / "bc.docx").exists()
    code, _, err = cli(database_url, *letter, "--period", "2023-07")
    assert code == 0, err


def test_agency_from_the_seeded_province_and_its_audit(province_rt, tmp_path: Path) -> None:
    from chiso.services.documents import agencies
    from chiso.store import audit_repo

    demo = agencies.list_profiles(province_rt)
    assert [p.code for p in demo] == ["ubnd-tinh-dong-nai"]
    dong_nai = demo[0]
    assert dong_nai.lead_on(date(2024, 12, 1)).name == "Sở Thông tin và Truyền thông"  # type: ignore[union-attr]
    assert dong_nai.lead_on(date(2025, 10, 1)).name == "Sở Khoa học và Công nghệ"  # type: ignore[union-attr]
    text = agencies.as_yaml(dong_nai).replace("Nguyễn Văn An", "Hồ Văn Hà")
    agencies.import_file(province_rt, text, "sua.yaml")
    assert agencies.get(province_rt, "ubnd-tinh-dong-nai").signer("pct").name == "Hồ Văn Hà"  # type: ignore[union-attr]
    with province_rt.db.transaction() as session:
        actions = [
            e.action for e in audit_repo.entries(session, None, 10_000) if e.entity == "agency"
        ]
    assert actions[-2:] == ["agency.create", "agency.update"] or actions[:2] == [
        "agency.update",
        "agency.create",
    ]


def test_summary_counts_against_the_target(cli, database_url: str, tmp_path: Path) -> None:
    assert cli(database_url, "agency", "import", str(SEEDS / "binh-phuoc-agency.yaml"))[0] == 0
    out = tmp_path / "bc.docx"
    code, _, err = cli(
        database_url,
        "report",
        "summary",
        "--period",
        "2023-07",
        "--values",
        str(SEEDS / "seed-002-values.csv"),
        "--units",
        str(SEEDS / "binh-phuoc-units.csv"),
        "--out",
        str(out),
    )
    assert code == 0, err
    doc = Document(str(out))
    row = [c.text for c in doc.tables[1].rows[1].cells]
    assert row[1:5] == ["Tỷ lệ văn bản điện tử được ký số", "73,30%", "71,71%", "95%"]
    assert row[5:] == ["2", "26"]
    headings = [
        p.text.split(".")[0]
        for p in doc.paragraphs
        if p.text[:3] in ("I. ", "II.", "III", "IV.", "V. ", "VI.")
    ]
    assert headings == ["I", "II", "III", "IV", "V"][: len(headings)]
    texts = [p.text for p in doc.paragraphs]
    start = next(i for i, t in enumerate(texts) if t.startswith("III."))
    end = next(i for i, t in enumerate(texts) if t.startswith("IV."))
    findings = [t for t in texts[start:end] if t.startswith("-")]
    assert findings  # the findings name the indicator and the units, as the letter's do
    for line in findings:
        assert line.startswith("- Tỷ lệ văn bản điện tử được ký số") and "đơn vị" in line, line


def test_an_appendix_without_indicators_covers_every_indicator_with_values(
    cli, database_url: str, tmp_path: Path
) -> None:
    """Like the summary: no --indicator and no findings in the spec means every indicator with
    values in the period (it used to write nothing and say nothing)."""
    assert cli(database_url, "agency", "import", str(SEEDS / "binh-phuoc-agency.yaml"))[0] == 0
    out = tmp_path / "pl.docx"
    code, shown, err = cli(
        database_url,
        *("report", "appendix", "--period", "2023-07", "--out", str(out)),
        *("--values", str(SEEDS / "seed-002-values.csv")),
        *("--units", str(SEEDS / "binh-phuoc-units.csv")),
    )
    assert code == 0, err
    assert f"Đã tạo {out}" in shown.replace("\n", "")
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "TỶ LỆ VĂN BẢN ĐIỆN TỬ ĐƯỢC KÝ SỐ" in text.upper()
    empty = tmp_path / "trong.docx"
    code, _, err = cli(
        database_url,
        *("report", "appendix", "--period", "2023-09", "--out", str(empty)),
        *("--values", str(SEEDS / "seed-002-values.csv")),
        *("--units", str(SEEDS / "binh-phuoc-units.csv")),
    )
    assert code == 2 and "chưa có số liệu" in err and "kỳ trống" in err  # said, not silent
    assert not empty.exists()


def test_ranking_decision_bases_caption_and_xlsx(cli, database_url: str, tmp_path: Path) -> None:
    agency = tmp_path / "bo.yaml"
    agency.write_text(
        "code: bo-ttt\nlevel: bo\nname: Bộ Thông tin và Truyền thông\nplace: Hà Nội\nsymbol: BTTTT\n"
        "office_code: CĐSQG\nsigners: [{code: bt, name: Nguyễn Mạnh Hùng, title: Bộ trưởng}]\n",
        encoding="utf-8",
    )
    assert cli(database_url, "agency", "import", str(agency))[0] == 0
    spec = tmp_path / "qd.yaml"
    spec.write_text(
        "type: ranking\ndate: 2023-10-12\nperiod: '2022'\nframework: dti-province-922\n",
        encoding="utf-8",
    )
    out = tmp_path / "qd.docx"
    code, _, err = cli(
        database_url,
        "report",
        "ranking",
        "--spec",
        str(spec),
        "--values",
        str(DTI),
        "--out",
        str(out),
    )
    assert code == 0, err
    doc = Document(str(out))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Căn cứ chiso" not in body and "Căn cứ Theo" not in body
    assert (
        "Căn cứ quy định về chức năng, nhiệm vụ" in body
        and "BỘ TRƯỞNG BỘ THÔNG TIN VÀ TRUYỀN THÔNG" in body
    )
    assert (
        "(Kèm theo Quyết định số      /QĐ-BTTTT ngày      tháng      năm 2023 của Bộ Thông tin và Truyền thông)"
        in body
    )
    annex = doc.sections[-1]
    assert annex.page_width > annex.page_height and round(annex.left_margin.mm) == 30
    header = [c.text for c in doc.tables[-1].rows[0].cells]
    assert "Nhận thức số" in header and not any(h[:2] in ("1.", "2.") for h in header)
    sheet = load_workbook(out.with_suffix(".xlsx")).worksheets[0]
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet["C2"].number_format == "#,##0.00" and sheet["C2"].font.name == "Times New Roman"


def test_web_composer_previews_saves_and_downloads(web) -> None:
    client = web.client("admin")
    page = client.get("/documents?kind=letter")
    assert page.status_code == 200 and "agency: ubnd-tinh-dong-nai" in page.text
    csrf = web.csrf("admin")
    spec = (
        "type: letter\nagency: ubnd-tinh-dong-nai\ndate: 2026-11-05\nperiod: 2026-10\n"
        "findings: [{indicator: signed_docs_rate, below: 50}]\n"
    )
    saved = client.post(
        "/documents/compose",
        data={
            "kind": "letter",
            "text": spec,
            "action": "save",
            "name": "ky-so-thang",
            "csrf": csrf,
        },
    )
    assert saved.status_code == 200 and "Đã lưu" in saved.text
    assert "ky-so-thang" in client.get("/documents").text
    docx = client.post(
        "/documents/compose", data={"kind": "letter", "text": spec, "action": "docx", "csrf": csrf}
    )
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    refused = client.post(
        "/documents/compose",
        data={
            "kind": "letter",
            "text": spec.replace("2026-10", "2019-10"),
            "action": "docx",
            "csrf": csrf,
        },
    )
    assert refused.status_code == 422 and "kỳ trống" in refused.text
    forged = client.post(
        "/documents/compose", data={"kind": "letter", "text": spec, "action": "docx", "csrf": "x"}
    )
    assert forged.status_code == 403
    import shutil

    if shutil.which("soffice") and shutil.which("pdftoppm"):
        preview = client.post(
            "/documents/compose",
            data={"kind": "letter", "text": spec, "action": "preview", "csrf": csrf},
        )
        assert preview.status_code == 200 and "data:image/png;base64," in preview.text
    agencies_page = client.get("/admin/agencies")
    assert agencies_page.status_code == 200 and "ubnd-tinh-dong-nai" in agencies_page.text


def test_a_long_list_of_gains_names_the_largest_and_counts_the_rest(
    cli, database_url: str, tmp_path: Path
) -> None:
    spec = tmp_path / "cv.yaml"
    spec.write_text((SEEDS / "seed-002.yaml").read_text(encoding="utf-8") + "max_list: 2\n")
    assert cli(database_url, "agency", "import", str(SEEDS / "binh-phuoc-agency.yaml"))[0] == 0
    out = tmp_path / "cv"
    code, stdout, err = cli(
        database_url,
        *["report", "letter", "--spec", str(spec), "--out", str(out)],
        *["--values", str(SEEDS / "seed-002-values.csv")],
        *["--units", str(SEEDS / "binh-phuoc-units.csv")],
    )
    assert code == 0, err
    assert "cv.docx" in stdout
    body = "\n".join(p.text for p in Document(str(tmp_path / "cv.docx")).paragraphs)
    assert (
        "UBND huyện Bù Gia Mập (từ 5% lên 43,33%); UBND thành phố Đồng Xoài (từ 82% lên 86%); "
        "và 01 đơn vị khác" in body
    )
    assert "Sở Khoa học và Công nghệ (từ 91,70%" not in body


def _renamed_font(source: Path, target: Path, family: str, style: str) -> None:
    """A metric twin under another family name: Liberation Serif is what Times New Roman's
    licence lets us ship, renamed here to stand for the office's own copy."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(source))
    names = font["name"]
    postscript = family.replace(" ", "") + ("PS-BoldMT" if style == "Bold" else "PSMT")
    for record in list(names.names):
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID in (4,):
            record.string = f"{family} {style}" if style != "Regular" else family
        elif record.nameID == 6:
            record.string = postscript
        elif record.nameID in (2, 17):
            record.string = style
    font.save(str(target))


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("fc-match") is None,
    reason="LibreOffice and fontconfig are installed by make test",
)
def test_an_office_font_dir_sets_the_pdf_in_its_times_new_roman(
    cli, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chiso.documents import fonts, pdf

    fonts_dir = tmp_path / "fonts"
    fonts_dir.mkdir()
    for style in ("Regular", "Bold"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", f"Liberation Serif:{style.lower()}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        _renamed_font(
            Path(found), fonts_dir / f"times-{style.lower()}.ttf", "Times New Roman", style
        )
    monkeypatch.setenv("CHISO_FONT_DIR", str(fonts_dir))
    fonts.find.cache_clear()
    assert cli(database_url, "agency", "import", str(SEEDS / "binh-phuoc-agency.yaml"))[0] == 0
    out = tmp_path / "cv.docx"
    code, stdout, err = cli(
        database_url,
        *["report", "letter", "--spec", str(SEEDS / "seed-002.yaml"), "--out", str(out), "--pdf"],
        *["--values", str(SEEDS / "seed-002-values.csv")],
        *["--units", str(SEEDS / "binh-phuoc-units.csv")],
    )
    fonts.find.cache_clear()
    assert code == 0, err
    assert "Times New Roman (từ CHISO_FONT_DIR)" in stdout
    used = pdf.fonts_of(out.with_suffix(".pdf"))
    assert any(n.startswith("TimesNewRoman") for n in used) and not any(
        n.startswith("LiberationSerif") for n in used
    ), used
