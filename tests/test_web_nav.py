"""Finding a unit and going down to it: the header's search (diacritics-insensitive, the exact
spelling first, old units marked), province → group → unit with breadcrumbs, the unit page's
figures per indicator with one chart each on its own scale, manual entry of every indicator of
a framework prefilled with what is stored, and a reporter's checklist of what is due."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from chiso.domain.periods import Period


def _visible(page: str) -> str:
    """The text a person reads: no tags, no attributes, no scripts."""
    body = page.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", body))


def _hits(page: str) -> list[str]:
    return re.findall(r'<li data-key="([^"]+)"><a href="/units/[^"]+">', page)


def _full_months(web: Any) -> None:
    """The fixture's three departments with every indicator for September and October 2026, so
    that each has a total index and a rank (the signed-document rates differ; the rest tie)."""
    from chiso.services.values.importer import import_records

    records: list[dict[str, Any]] = []
    for unit in ("75.SYT", "75.SCT", "75.STC"):
        for month, meetings in (("2026-09", 5), ("2026-10", 6)):
            base = {"unit_code": unit, "period": month}
            records += [
                {**base, "indicator": code, "numerator": a, "denominator": b}
                for code, a, b in (
                    ("online_docs_rate", 50, 100),
                    ("official_email_rate", 40, 50),
                    ("online_applications_rate", 30, 40),
                    ("digitised_results_rate", 20, 40),
                    ("reports_on_system_rate", 3, 4),
                )
            ]
            records.append({**base, "indicator": "paperless_meetings", "value": meetings})
    import_records(web.rt, records, "platform-usage")


def _add_son_ha(web: Any, tmp_path: Path) -> None:
    """Two communes of the province whose names differ only by a diacritic (Hà / Hạ)."""
    from chiso.services.units.importer import import_units

    units = tmp_path / "son-ha.csv"
    units.write_text(
        "code,name,kind,parent_code,groups\n"
        "99001,Xã Sơn Hạ,commune,2025:75,UBND cấp xã\n"
        "99002,Xã Sơn Hà,commune,2025:75,UBND cấp xã\n",
        encoding="utf-8",
    )
    import_units(web.rt, units)


def test_search_folds_diacritics_and_puts_the_exact_spelling_first(
    web: Any, tmp_path: Path
) -> None:
    _add_son_ha(web, tmp_path)
    client = web.client("viewer")
    folded = client.get("/search", params={"q": "son ha"})
    assert folded.status_code == 200
    names = re.findall(r'<li data-key="[^"]+"><a href="/units/[^"]+">([^<]+)</a>', folded.text)
    assert {"Xã Sơn Hà", "Xã Sơn Hạ"} <= set(names[:2]), names
    for exact, other in (("Sơn Hạ", "Xã Sơn Hà"), ("sơn hà", "Xã Sơn Hạ"), ("Xã Sơn Hà", "")):
        page = client.get("/search", params={"q": exact}).text
        first = re.findall(r'<a href="/units/[^"]+">([^<]+)</a>', page.split('class="hits"')[1])
        assert first[0].lower().endswith(exact.lower()), (exact, first)
        if other:
            assert other in first, (exact, first)
    # the header carries the search on every page, as a plain GET form
    ranking = client.get("/ranking").text
    assert re.search(r'<form method="get" action="/search" class="search" role="search">', ranking)
    assert 'name="q"' in ranking and "onsubmit" not in ranking


def test_old_scheme_units_are_marked_with_their_dates(web: Any) -> None:
    page = web.client("admin").get("/search", params={"q": "phuoc an"}).text
    keys = _hits(page)
    assert keys[0] == "2025:26503", keys  # the commune in force comes first
    assert {"legacy:25351", "legacy:26503"} <= set(keys)
    old = page.split('data-key="legacy:26503"')[1].split("</li>")[0]
    assert "đơn vị trước sắp xếp" in old and "30/06/2025" in old
    current = page.split('data-key="2025:26503"')[1].split("</li>")[0]
    assert "trước sắp xếp" not in current and "01/07/2025" in current
    # the province among its units: typed with its kind, it is the first hit
    province = _hits(web.client("admin").get("/search", params={"q": "tỉnh đồng nai"}).text)
    assert province[0] == "2025:75" and "legacy:75" in province
    # too short, or nothing matching: an answer, not an error
    assert "ít nhất 2 chữ cái" in web.client("admin").get("/search?q=x").text
    assert "Không tìm thấy" in web.client("admin").get("/search?q=zzqq").text


def test_a_reporter_finds_only_the_units_of_their_scope(web: Any) -> None:
    found = web.client("reporter").get("/search", params={"q": "sở"}).text
    assert _hits(found) == ["75.SYT"]
    assert '<a href="/units/75.SYT">Đơn vị của tôi</a>' in found.split('class="crumbs"')[1]
    assert _hits(web.client("admin").get("/search", params={"q": "sở"}).text).count("75.SCT") == 1


def test_province_group_unit_with_breadcrumbs_and_figures(web: Any) -> None:
    from chiso.services.dashboard import pages as dashboard

    _full_months(web)
    client = web.client("viewer")
    province = client.get("/units/2025:75", params={"period": "2026-10"})
    assert province.status_code == 200
    text = _visible(province.text)
    assert "Đơn vị trực thuộc — tháng 10/2026" in text
    ranking = dashboard.ranking(web.rt, "platform-usage", Period.parse("2026-10"))
    assert ranking is not None
    ranked = {r.unit_code: r for r in ranking.table.rows if r.total.rank is not None}
    assert set(ranked) == {"75.SYT", "75.STC", "75.SCT"}
    for code, row in ranked.items():
        line = province.text.split(f'<tr data-key="{code}">')[1].split("</tr>")[0]
        cells = [_visible(f"<main>{c}</main>").strip() for c in line.split("</td>")[:3]]
        assert cells[0].startswith(str(row.total.rank)), (code, cells)
        assert cells[2] == f"{row.total.index:.4f}".replace(".", ","), (code, cells)
    group_link = '/units/2025:75/groups/so-ban-nganh?period=2026-10"'
    assert group_link in province.text
    # the 95 communes are listed too, without figures for a month they did not report
    assert province.text.count("<tr data-key=") >= 14 + 95

    group = client.get("/units/2025:75/groups/so-ban-nganh", params={"period": "2026-10"})
    assert group.status_code == 200
    rows = re.findall(r'<tr data-key="([^"]+)">', group.text)
    assert rows[:3] == ["75.SYT", "75.STC", "75.SCT"] and all(r.startswith("75.") for r in rows)
    assert len(rows) == 14 and group.text.count("chưa có số liệu kỳ này") == 11
    assert client.get("/units/2025:75/groups/khong-co").status_code == 404

    unit = client.get("/units/75.SYT", params={"period": "2026-10"}).text
    crumbs = re.search(r'<nav aria-label="Đường dẫn" class="crumbs"><ol>(.*?)</ol></nav>', unit)
    assert crumbs
    trail = [t.strip() for t in re.findall(r">([^<>]+)</(?:a|span)>", crumbs.group(1))]
    assert trail == ["Tổng quan", "Tỉnh Đồng Nai", "Sở, ban, ngành", "Sở Y tế"]
    assert '<span aria-current="page">Sở Y tế</span>' in crumbs.group(1)
    # breadcrumbs below the overview on the other pages too, none on the overview
    assert 'class="crumbs"' in client.get("/ranking").text
    assert 'class="crumbs"' not in client.get("/").text


def test_unit_page_rank_value_target_change_and_a_chart_per_indicator(web: Any) -> None:
    from chiso.services.values.importer import import_records

    _full_months(web)
    import_records(
        web.rt,
        [
            {
                "unit_code": "75.SYT",
                "period": "2026-09",
                "indicator": "paperless_meetings",
                "value": "9",
            },
            {
                "unit_code": "75.SYT",
                "period": "2026-10",
                "indicator": "paperless_meetings",
                "value": "12",
            },
        ],
        "platform-usage",
    )
    page = web.client("viewer").get("/units/75.SYT", params={"period": "2026-10"}).text
    text = _visible(page)
    assert "Các chỉ số tháng 10/2026" in text
    signed = page.split('data-code="signed_docs_rate"')[1].split("</section>")[0]
    fields = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", signed))
    assert fields["Giá trị"] == "90% (90/100)"
    assert fields["Chỉ tiêu"] == "tối thiểu 95%"
    assert fields["So với tháng 9/2026"] == "+10 điểm %"
    assert fields["Hạng trong nhóm"] == "1/3"
    # its chart on a percent scale with the target drawn; the count's on its own, from zero
    from chiso.services.dashboard import pages as dashboard
    from chiso.web.render import indicator_chart

    data = dashboard.unit_page(web.rt, "75.SYT", Period.parse("2026-10"))
    lines = {line.code: line for line in data.indicators}
    chart = indicator_chart(lines["signed_docs_rate"])
    assert [t.label for t in chart.y_ticks] == ["0", "20", "40", "60", "80", "100"]
    assert chart.y_title == "%" and chart.plot_height == 90
    assert [d.title for d in chart.dots] == ["tháng 9/2026: 80%", "tháng 10/2026: 90%"]
    assert chart.target == round(90 - 95 / 100 * 90, 2) and not chart.legend
    drawn = re.search(r'<div class="chart"[^>]*>(<svg.*?</svg>)</div>', signed, re.S)
    assert drawn and "mark-line" in drawn.group(1) and 'class="target"' in drawn.group(1)
    ticks = re.findall(r"<text[^>]*>([^<]+)</text>", drawn.group(1))
    assert {"0", "100", "9/2026", "10/2026"} <= set(ticks), ticks
    assert 'class="legend"' not in drawn.group(1)

    meetings = page.split('data-code="paperless_meetings"')[1].split("</section>")[0]
    counted = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", meetings))
    assert counted["Giá trị"] == "12 cuộc họp" and counted["So với tháng 9/2026"] == "+3"
    chart = indicator_chart(lines["paperless_meetings"])
    assert chart.y_title == "cuộc họp" and chart.target is None
    assert chart.y_ticks[0].label == "0" and chart.y_ticks[-1].label != "100"
    assert [d.title for d in chart.dots] == [
        "tháng 9/2026: 9 cuộc họp",
        "tháng 10/2026: 12 cuộc họp",
    ]
    drawn = re.search(r'<div class="chart"[^>]*>(<svg.*?</svg>)</div>', meetings, re.S)
    assert drawn
    ticks = re.findall(r"<text[^>]*>([^<]+)</text>", drawn.group(1))
    assert "cuộc họp" in ticks and "100" not in ticks, ticks
    # one chart per indicator with values; the total standing with its rank among the ranked
    assert page.count('class="chart"') == 8
    assert (
        re.search(r'class="standing" data-rank="1"', page) and "Hạng <strong>1</strong>/3" in page
    )
    # a fall reads with a true minus sign
    sct = web.client("viewer").get("/units/75.SCT", params={"period": "2026-10"}).text
    fell = sct.split('data-code="signed_docs_rate"')[1].split("</section>")[0]
    assert (
        dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", fell))["So với tháng 9/2026"]
        == "−10 điểm %"
    )
    # the people who write values go from the page to its manual entry, prefilled
    link = "/data?framework=platform-usage&amp;unit=75.SYT&amp;period=2026-10#nhap-tay"
    assert link not in page
    assert link in web.client("admin").get("/units/75.SYT", params={"period": "2026-10"}).text
    # names and Vietnamese periods, never codes
    for code in ("signed_docs_rate", "platform-usage", "75.SYT", "2026-10", "(2025:"):
        assert code not in text, code


def test_manual_entry_covers_every_indicator_prefilled_and_is_audited(web: Any) -> None:
    from chiso.store.models import AuditEntry, IndicatorValue

    client = web.client("admin")
    form = client.get(
        "/data",
        params={"framework": "platform-usage", "unit": "Sở Y tế", "period": "tháng 10/2026"},
    ).text
    rows = re.findall(r'<tr data-code="([^"]+)">', form)
    assert len(rows) == 8 and rows[0] == "signed_docs_rate" and rows[-1] == "dx_plan_issued"
    assert 'name="n_signed_docs_rate" id="f_1" value="90"' in form
    assert 'name="d_signed_docs_rate" value="100"' in form
    assert re.search(r'<select name="v_dx_plan_issued"[^>]*>.*?<option selected>có</option>', form)
    assert '<input type="hidden" name="unit" value="75.SYT">' in form

    typed = {
        "csrf": web.csrf("admin"),
        "framework": "platform-usage",
        "unit": "75.SYT",
        "period": "2026-10",
        "n_signed_docs_rate": "91",
        "d_signed_docs_rate": "100",
        "n_online_docs_rate": "1.000",
        "d_online_docs_rate": "1.250",
        "v_paperless_meetings": "14",
        "n_official_email_rate": "31,0",
        "d_official_email_rate": "40",
        "n_online_applications_rate": "28",
        "d_online_applications_rate": "35",
        "n_digitised_results_rate": "20",
        "d_digitised_results_rate": "35",
        "n_reports_on_system_rate": "5",
        "d_reports_on_system_rate": "6",
        "v_dx_plan_issued": "có",
    }
    saved = client.post("/data/entry", data=typed)
    assert saved.status_code == 200, saved.text[:500]
    assert "Đã lưu" in saved.text
    with web.rt.db.transaction() as session:
        stored = {
            v.indicator: v
            for v in session.scalars(
                select(IndicatorValue).where(
                    IndicatorValue.period == "2026-10",
                    IndicatorValue.framework_id == "platform-usage",
                )
            )
            if v.unit_id == _unit_id(session, "75.SYT")
        }
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "value", AuditEntry.source.like("form%"))
        ).all()
    assert len(stored) == 8
    assert (stored["signed_docs_rate"].numerator, stored["signed_docs_rate"].denominator) == (
        91,
        100,
    )
    assert (stored["online_docs_rate"].numerator, stored["online_docs_rate"].denominator) == (
        1000,
        1250,
    )
    assert stored["official_email_rate"].numerator == 31  # "31,0": a whole count
    assert stored["paperless_meetings"].number == 14
    assert stored["dx_plan_issued"].number == 1
    assert len(audited) >= 7  # every created or changed value, each with old → new
    # the form opened again shows what is now stored
    again = client.get("/data", params={"unit": "75.SYT", "period": "2026-10"}).text
    assert 'name="n_online_docs_rate" id="f_2" value="1000"' in again
    assert 'name="n_official_email_rate" id="f_4" value="31"' in again


def _unit_id(session: Any, key: str) -> int:
    from chiso.store.models import Unit

    return int(session.scalar(select(Unit.id).where(Unit.key == key)))


def test_manual_entry_of_a_yearly_framework_with_categories_keeps_values_on_error(
    web: Any,
) -> None:
    from chiso.store.models import IndicatorValue

    client = web.client("admin")
    form = client.get(
        "/data", params={"framework": "dti-department-500", "unit": "75.SCT", "period": "năm 2027"}
    ).text
    codes = re.findall(r'<tr data-code="([^"]+)">', form)
    assert len(codes) == 27, codes
    assert re.search(
        r'<select name="v_1.1"[^>]*><option value="">—</option><option value="Thủ trưởng cơ quan">',
        form,
    )
    typed = {
        "csrf": web.csrf("admin"),
        "framework": "dti-department-500",
        "unit": "75.SCT",
        "period": "2027",
        "v_1.1": "Cấp phó",
        "v_2.1": "có",
        "n_4.3": "47",
        "d_4.3": "50",
        "n_3.1": "inf",
        "d_3.1": "50",
    }
    refused = client.post("/data/entry", data=typed)
    assert refused.status_code == 422
    page = refused.text
    assert '<option value="Cấp phó" selected>Cấp phó</option>' in page
    assert 'value="47"' in page and 'value="50"' in page and 'value="inf"' in page
    row = page.split('<tr data-code="3.1">')[1].split("</tr>")[0]
    assert 'aria-invalid="true"' in row and 'class="error field-error"' in row
    other = page.split('<tr data-code="4.3">')[1].split("</tr>")[0]
    assert "field-error" not in other
    # the list at the top names the indicator, not the request's JSON path
    top = page.split('<ul class="problems">')[1].split("</ul>")[0]
    assert "Tỷ lệ cán bộ, công chức được trang bị máy tính:" in top and "nhap_tay" not in top
    with web.rt.db.transaction() as session:
        assert not session.scalars(
            select(IndicatorValue).where(
                IndicatorValue.framework_id == "dti-department-500", IndicatorValue.period == "2027"
            )
        ).all()
    typed["n_3.1"] = "45"
    saved = client.post("/data/entry", data=typed)
    assert saved.status_code == 200, _visible(saved.text)[:600]
    with web.rt.db.transaction() as session:
        kept = {
            v.indicator: v
            for v in session.scalars(
                select(IndicatorValue).where(
                    IndicatorValue.framework_id == "dti-department-500",
                    IndicatorValue.period == "2027",
                )
            )
        }
    assert set(kept) == {"1.1", "2.1", "4.3", "3.1"}
    assert kept["1.1"].text in ("cap-pho", "Cấp phó")
    reopened = client.get(
        "/data", params={"framework": "dti-department-500", "unit": "75.SCT", "period": "2027"}
    ).text
    assert '<option value="Cấp phó" selected>Cấp phó</option>' in reopened


def test_a_reporter_cannot_open_another_units_entry_form(web: Any) -> None:
    page = web.client("reporter").get("/data", params={"unit": "75.SCT", "period": "2026-10"})
    assert "ngoài phạm vi" in page.text and 'id="entry-form"' not in page.text
    own = web.client("reporter").get("/data").text
    assert '<input type="hidden" name="unit" value="75.SYT">' in own


def test_reporter_checklist_lists_what_is_due_and_by_when(web: Any) -> None:
    from chiso.services.assessments import rounds
    from chiso.services.dashboard.checklist import due_period
    from chiso.services.values.importer import import_records

    today = date.today()
    due = due_period(today)
    year = str(today.year)
    rounds.open_round(
        web.rt, "dti-department-500", year, today - timedelta(days=2), today + timedelta(days=5)
    )
    from chiso.services.tasks import importer as tasks_importer

    demo = Path(__file__).parent.parent / "src" / "chiso" / "data" / "demo"
    tasks_importer.import_tasks(web.rt, demo / "nhiem-vu.csv")
    client = web.client("reporter")
    landing = client.get("/units/75.SYT").text
    box = landing.split('id="checklist-title"')[1].split("</section>")[0]
    values = box.split('data-item="values"')[1].split("</li>")[0]
    deadline = date(due.next().year, due.next().number, 5).strftime("%d/%m/%Y")
    assert f"Báo cáo số liệu {due.label_vi}" in values and f"Hạn {deadline}" in values
    assert "còn thiếu 8/8 chỉ số" in values
    assessment = box.split('data-item="assessment"')[1].split("</li>")[0]
    assert f"năm {year}" in assessment and "đã nhập 0/27" in assessment
    assert (today + timedelta(days=5)).strftime("%d/%m/%Y") in assessment
    assert f'href="/data?framework=platform-usage&amp;unit=75.SYT&amp;period={due}#nhap-tay"' in box
    tasks = [t.split("</li>")[0] for t in box.split('data-item="task"')[1:]]
    assert len(tasks) == 1, tasks  # the one task of the directive it leads
    assert "Phê duyệt hồ sơ đề xuất cấp độ an toàn" in tasks[0] and "Hạn 31/12/2026" in tasks[0]

    import_records(
        web.rt,
        [{"unit_code": "75.SYT", "period": str(due), "indicator": "dx_plan_issued", "value": "có"}],
        "platform-usage",
    )
    again = client.get("/units/75.SYT").text
    assert (
        "còn thiếu 7/8 chỉ số" in again
        and "Ban hành kế hoạch chuyển đổi số năm"
        not in again.split('data-item="values"')[1].split("</li>")[0]
    )
    # the checklist is the reporter's: the other roles read the unit page without it
    assert 'id="checklist-title"' not in web.client("viewer").get("/units/75.SYT").text


def test_an_abolished_district_and_an_empty_period_read_plainly(web: Any) -> None:
    client = web.client("viewer")
    district = client.get("/units/legacy:688")
    assert district.status_code == 200
    text = _visible(district.text)
    assert "Thị xã Phước Long" in text and "hiệu lực đến 30/06/2025" in text
    assert "Đơn vị trực thuộc" in text and "Phường Long Phước" in text  # its old communes
    trail = re.search(r'class="crumbs"><ol>(.*?)</ol>', district.text)
    assert trail and "Tỉnh Bình Phước" in trail.group(1)
    empty = client.get("/units/75.SYT", params={"period": "2025-01"})
    assert empty.status_code == 200
    shown = _visible(empty.text)
    assert "Các chỉ số tháng 1/2025" in shown and shown.count("chưa có số liệu") == 8
    assert 'class="chart"' not in empty.text
    assert client.get("/units/75.SYT", params={"period": "tháng mười"}).status_code == 400


def test_who_may_open_the_new_pages(web: Any) -> None:
    anonymous = web.client(None)
    for url in ("/search?q=son+ha", "/units/2025:75/groups/so-ban-nganh"):
        response = anonymous.get(url)
        assert response.status_code == 303 and "/login" in response.headers["location"], url
    reporter = web.client("reporter")
    assert reporter.get("/units/2025:75/groups/so-ban-nganh").status_code == 403
    assert reporter.get("/units/2025:75").status_code == 403
    assert reporter.get("/search?q=son+ha").status_code == 200
