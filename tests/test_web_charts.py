"""Charts drawn on the server as SVG from Python (web/charts.py's positions, chart.html's drawing):
pages embed an <svg> of drawing elements with data marks, no chart script is served, no chart
engine runs at a view, and the CSP allows neither 'unsafe-eval' nor 'unsafe-inline'."""

from __future__ import annotations

import itertools
import re
import sys
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from markupsafe import Markup

from chiso.web import charts
from chiso.web.render import TEMPLATES

SVG_RE = re.compile(r'<div class="chart"[^>]*>(<svg.*?</svg>)</div>', re.S)
DRAWING = {"svg", "g", "path", "rect", "line", "circle", "text", "title"}


def _charts(html: str) -> list[str]:
    return SVG_RE.findall(html)


def _draw(chart: charts.Chart, kind: str = "line") -> str:
    return str(TEMPLATES.env.get_template("chart.html").module.chart(chart, kind))  # type: ignore[attr-defined]


def _safe(svg: str) -> ET.Element:
    """Only drawing elements, no handler, link or inline style (read as XML, not as text);
    sized by its container (a viewBox, no width)."""
    root = ET.fromstring(svg)
    assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
    for element in root.iter():
        assert element.tag.rpartition("}")[2] in DRAWING, element.tag
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on") and "href" not in name, name
            assert name != "style" and "javascript:" not in value.lower(), name
            assert "url(" not in value, (name, value)
    return root


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_csp_has_no_unsafe_eval_or_inline(web: Any) -> None:
    for role in (None, "admin"):
        response = web.client(role).get("/" if role else "/login")
        csp = response.headers["content-security-policy"]
        assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
        assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert web.client("admin").get("/static-gen/vega.js").status_code == 404
    assert web.client("admin").get("/static/charts.js").status_code == 404


def test_pages_with_charts_embed_svg_with_data_marks(
    web: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # no chart engine at a view
    client = web.client("admin")
    pages = {
        "/": ("mark-line", "path"),
        "/units/75.SYT": ("mark-line", "path"),
        "/indicators/signed_docs_rate?period=2026-10": ("mark-rect", "rect"),
    }
    for url, (mark, drawn) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert "vega" not in html.lower() and "data-spec" not in html, url
        found = _charts(html)
        assert found, url
        for svg in found:
            _safe(svg)
        marked = [svg for svg in found if f'class="{mark}"' in svg]
        assert marked, (url, found[0][:500])
        marks = re.search(rf'<g class="{mark}"[^>]*>(.*?)</g>', marked[0], re.S)
        assert marks and re.search(rf"<{drawn}\b", marks.group(1)), url


def test_numbers_are_vietnamese_and_points_say_their_month() -> None:
    chart = charts.line_chart(
        [("9/2026", "tháng 9/2026", 1234.5), ("10/2026", "tháng 10/2026", 31.14)],
        share=False,
        unit="lượt",
    )
    root = _safe(_draw(chart))
    assert {"0", "200", "1.000", "1.400"} <= set(_texts(root)), _texts(root)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert titles == ["tháng 9/2026: 1.234,5 lượt", "tháng 10/2026: 31,14 lượt"]
    rate = charts.line_chart([("10/2026", "tháng 10/2026", 31.14)], share=True, target=95.0)
    drawn = _draw(rate)
    assert "<title>tháng 10/2026: 31,14%</title>" in drawn
    assert re.search(r'<line class="target"[^>]*stroke="#1a7f37" stroke-dasharray="4 3"', drawn)
    assert rate.target == round(90 - 0.95 * 90, 2)


def test_a_month_without_a_value_is_a_gap() -> None:
    from chiso.web.render import _months

    points = _months([("2026-07", 0.5), ("2026-08", None), ("2026-10", 0.7)], share=True)
    assert [p[0] for p in points] == ["7/2026", "8/2026", "9/2026", "10/2026"]
    assert [p[2] for p in points] == [50.0, None, None, 70.0]
    chart = charts.line_chart(points, share=True)
    assert len(chart.lines) == 2 and len(chart.dots) == 2


def test_a_count_scale_holds_zero_and_every_value() -> None:
    chart = charts.line_chart([("1/2026", "", -3.0), ("2/2026", "", 7.0)], share=False)
    labels = [t.label for t in chart.y_ticks]
    assert "0" in labels and labels[0] == "-4" and labels[-1] == "8"
    assert all(0 <= d.y <= chart.plot_height for d in chart.dots)


def test_period_labels_do_not_overlap() -> None:
    months = [(f"{m}/2026", f"tháng {m}/2026", 50.0) for m in range(1, 13)] * 2
    for width in (300, 220):
        chart = charts.line_chart(months, share=True, width=width)
        ticks = chart.x_ticks
        assert 2 <= len(ticks) < len(months) and ticks[0].label == "1/2026"
        for a, b in itertools.pairwise(ticks):
            assert a.at + charts.text_width(a.label) / 2 < b.at - charts.text_width(b.label) / 2
        assert all(0 <= t.at <= width for t in ticks)
        assert chart.left + chart.plot_width < chart.width


def test_hostile_names_are_text_not_markup() -> None:
    name = '</text><script>alert(1)</script><a href="javascript:x">'
    chart = charts.histogram(
        [(name, 10.0), ("=HYPERLINK(1)", 20.0)], x_title=name, percent=True, legend_title=name
    )
    drawn = _draw(chart, "bars")
    root = _safe(drawn)
    assert "&lt;/text&gt;&lt;script&gt;" in drawn and "<script" not in drawn
    assert name in _texts(root)
    unit = charts.line_chart([("1/2026", name, 3.0)], share=False, unit=name)
    assert "<script" not in _draw(unit)
    assert not isinstance(chart.legend[0].label, Markup)


def test_histogram_bins_as_vega_and_groups_in_its_palette() -> None:
    assert charts.bins(0.0, 100.0) == (0.0, 100.0, 5.0)
    assert charts.bins(3.0, 12.0) == (3.0, 12.0, 0.5)
    values = [
        ("UBND cấp xã", 100.0),
        ("UBND cấp xã", 87.0),
        ("Sở, ban, ngành", 88.0),
        ("Sở, ban, ngành", 0.0),
    ]
    chart = charts.histogram(values, x_title="Tỷ lệ (%)", percent=True)
    assert [(k.label, k.colour) for k in chart.legend] == [
        ("Sở, ban, ngành", "#4c78a8"),
        ("UBND cấp xã", "#f58518"),
    ]
    tops = {b.title: b for b in chart.bars}
    assert set(tops) == {
        "Sở, ban, ngành, 0–5%: 1 đơn vị",
        "Sở, ban, ngành, 85–90%: 1 đơn vị",
        "UBND cấp xã, 85–90%: 1 đơn vị",
        "UBND cấp xã, 95–100%: 1 đơn vị",
    }
    stacked_on = tops["UBND cấp xã, 85–90%: 1 đơn vị"]
    first = tops["Sở, ban, ngành, 85–90%: 1 đơn vị"]
    assert first.y + first.height == pytest.approx(stacked_on.y)  # the first group on top
    assert [t.label for t in chart.x_ticks][::5] == ["0", "50", "100"]


def test_chart_is_drawn_once_per_data(web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unit page's charts are laid out with the page's kept fragment: a second view of
    unchanged data lays out none of them again and shows the same SVG."""
    client = web.client("admin")
    first = client.get("/units/75.SYT")
    drawn: list[int] = []
    line_chart = charts.line_chart

    def counted(*args: Any, **kwargs: Any) -> charts.Chart:
        drawn.append(1)
        return line_chart(*args, **kwargs)

    monkeypatch.setattr(charts, "line_chart", counted)
    again = client.get("/units/75.SYT")
    assert again.status_code == 200 and _charts(again.text)
    assert _charts(again.text) == _charts(first.text)
    assert drawn == []


def test_long_names_are_shortened_to_the_chart() -> None:
    """A group name or a unit longer than the chart is cut with "…" (the whole group name in
    the legend's tooltip), instead of running past the chart's edge."""
    group = "Ủy ban nhân dân các xã, phường, đặc khu thuộc tỉnh " * 3
    chart = charts.histogram([(group, 10.0), ("Sở", 20.0)], x_title="Tỷ lệ (%)", percent=True)
    long_key = next(k for k in chart.legend if k.title == group)
    assert long_key.label.endswith("…") and group.startswith(long_key.label[:-1])
    assert charts.text_width(long_key.label) <= chart.plot_width - 18
    assert [k.label for k in chart.legend if k.title == "Sở"] == ["Sở"]
    root = _safe(_draw(chart, "bars"))
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert group in titles
    unit = "lượt truy cập cổng dịch vụ công trực tuyến của tỉnh trong tháng"
    line = charts.line_chart([("1/2026", "tháng 1/2026", 3.0)], share=False, unit=unit)
    assert line.y_title.endswith("…") and charts.text_width(line.y_title) <= line.plot_height
    assert f"tháng 1/2026: 3 {unit}" in [d.title for d in line.dots]


def test_distribution_counts_units_in_whole_numbers(web: Any) -> None:
    html = web.client("admin").get("/indicators/signed_docs_rate?period=2026-10").text
    svg = _charts(html)[0]
    labels = re.search(r'<g class="axis-label axis-label-y"[^>]*>(.*?)</g>', svg, re.S)
    assert labels
    counts = re.findall(r">([^<]*)</text>", labels.group(1))
    assert counts and all(re.fullmatch(r"\d+", c) for c in counts), counts
    few = charts.histogram([("a", 1.0), ("a", 2.0)], x_title="Giá trị", percent=False)
    assert [t.label for t in few.y_ticks] == ["0", "1"]


def test_a_changed_units_page_is_made_before_its_view(web: Any) -> None:
    """What the background does for a unit whose values changed: its page's data and those of
    the units above it are made, so its first view reads them."""
    from chiso.services.dashboard import pages
    from chiso.web import app as web_app

    made: list[str] = []
    real = pages.unit_page_shared

    def spy(rt: Any, key: str, period: Any = None) -> Any:
        made.append(key)
        return real(rt, key, period)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages, "unit_page_shared", spy)
        web_app._unit_pages(web.rt, ["75.SYT"])
    assert made[0] == "75.SYT" and len(made) >= 2
    page = web.client("admin").get("/units/75.SYT")
    assert page.status_code == 200 and len(_charts(page.text)) >= 2


def test_one_value_for_every_unit_sits_on_the_whole_scale() -> None:
    """All units at 100 % (or all at 0 meetings) is one bar on the whole scale, not a bin
    0,05 wide or one reading past 100 %."""
    full = charts.histogram([("a", 100.0), ("b", 100.0)], x_title="Tỷ lệ (%)", percent=True)
    assert [b.title for b in full.bars] == ["b, 95–100%: 1 đơn vị", "a, 95–100%: 1 đơn vị"]
    assert (full.x_ticks[0].label, full.x_ticks[-1].label) == ("0", "100")
    none = charts.histogram([("a", 0.0)] * 3, x_title="Giá trị", percent=False)
    assert [b.title for b in none.bars] == ["a, 0–1: 3 đơn vị"]
    assert all("," not in t.label for t in none.x_ticks)
