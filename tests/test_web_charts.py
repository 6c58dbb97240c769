"""Charts drawn on the server: pages embed a cleaned <svg> with data marks, no chart script is
served, and the CSP allows neither 'unsafe-eval' nor 'unsafe-inline'."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from chiso.web import charts
from chiso.web.charts import chart_svg, clean

SVG_RE = re.compile(r'<div class="chart"[^>]*>(<svg.*?</svg>)</div>', re.S)


def _charts(html: str) -> list[str]:
    return SVG_RE.findall(html)


def _safe(svg: str) -> None:
    """Only drawing elements, no handler, link or inline style (read as XML, not as text)."""
    root = ET.fromstring(svg)
    assert root.get("viewBox") and root.get("width") is None
    for element in root.iter():
        tag = element.tag.rpartition("}")[2]
        assert tag not in {"script", "foreignObject", "a", "use", "image", "style"}, tag
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on") and "href" not in name, name
            assert name != "style" and "javascript:" not in value.lower(), name


def test_csp_has_no_unsafe_eval_or_inline(web: Any) -> None:
    for role in (None, "admin"):
        response = web.client(role).get("/" if role else "/login")
        csp = response.headers["content-security-policy"]
        assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
        assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert web.client("admin").get("/static-gen/vega.js").status_code == 404
    assert web.client("admin").get("/static/charts.js").status_code == 404


def test_pages_with_charts_embed_svg_with_data_marks(web: Any) -> None:
    client = web.client("admin")
    pages = {
        "/": "mark-line",
        "/units/75.SYT": "mark-line",
        "/indicators/signed_docs_rate?period=2026-10": "mark-rect",
    }
    for url, mark in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert "vega" not in html.lower() and "data-spec" not in html, url
        charts = _charts(html)
        assert charts, url
        for svg in charts:
            _safe(svg)
        assert any(mark in svg for svg in charts), (url, charts[0][:500])
        drawn = next(svg for svg in charts if mark in svg)
        marks = re.search(r'<g class="mark-\w+ role-mark[^"]*"[^>]*>(.*?)</g>', drawn, re.S)
        assert marks and re.search(r"<(path|circle|rect)\b", marks.group(1)), url


def test_unit_chart_numbers_are_vietnamese(web: Any) -> None:
    svg = chart_svg(
        {
            "width": 300,
            "height": 80,
            "data": {"values": [{"x": "a", "y": 1234.5}, {"x": "b", "y": 31.14}]},
            "mark": "bar",
            "encoding": {
                "x": {"field": "x", "type": "nominal"},
                "y": {"field": "y", "type": "quantitative"},
            },
        }
    )
    assert ">1.000<" in svg or ">1.200<" in svg, svg[:2000]


def test_hostile_names_are_text_not_markup() -> None:
    name = '</text><script>alert(1)</script><a href="javascript:x">'
    svg = chart_svg(
        {
            "width": 300,
            "height": 80,
            "data": {"values": [{"x": name, "y": 1}, {"x": "=HYPERLINK(1)", "y": 2}]},
            "mark": "bar",
            "encoding": {
                "x": {"field": "x", "type": "nominal", "axis": {"labelLimit": 0}},
                "y": {"field": "y", "type": "quantitative"},
            },
        }
    )
    _safe(svg)
    assert "&lt;/text&gt;&lt;script&gt;" in svg


def test_cleaner_drops_scripts_handlers_links_and_styles() -> None:
    dirty = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="10" height="20" onload="x()"><script>alert(1)</script>'
        '<g style="fill:red" onclick="y()"><rect width="3" height="4" fill="url(http://e/x)"/>'
        '<path d="M0,0" clip-path="url(#c1)"/></g><foreignObject><p>hi</p></foreignObject>'
        '<a xlink:href="javascript:z()"><text>t</text></a><use xlink:href="#a"/></svg>'
    )
    svg = clean(dirty)
    _safe(svg)
    assert 'viewBox="0 0 10 20"' in svg
    assert 'clip-path="url(#c1)"' in svg and "http://e" not in svg
    assert "<rect" in svg and "<path" in svg and "<text" not in svg and "<use" not in svg


def test_chart_is_drawn_once_per_data(web: Any) -> None:
    client = web.client("admin")
    client.get("/units/75.SYT")
    start = time.perf_counter()
    again = client.get("/units/75.SYT")
    took = time.perf_counter() - start
    assert again.status_code == 200 and _charts(again.text)
    assert took < 1.0, took


def test_distribution_counts_units_in_whole_numbers(web: Any) -> None:
    html = web.client("admin").get("/indicators/signed_docs_rate?period=2026-10").text
    svg = _charts(html)[0]
    groups = re.findall(r'class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg, re.S)
    counts = re.findall(r">([^<]*)</text>", groups[-1])
    assert counts and all(re.fullmatch(r"\d+", c) for c in counts), counts


def test_drawn_charts_are_shared_between_workers_and_cleaned_when_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chart drawn by one worker is a file another worker reads instead of drawing it; what
    it reads is cleaned again, so a file changed on disk cannot put markup in a page."""
    monkeypatch.setattr(charts, "_shared", [])
    charts.share(tmp_path)
    spec = {"data": {"values": [{"x": 1, "y": 7}]}, "mark": "bar",
            "encoding": {"x": {"field": "x"}, "y": {"field": "y", "type": "quantitative"}}}  # fmt: skip
    drawn = chart_svg(spec)
    (kept,) = tmp_path.glob("*.svg")
    charts._cache.clear()  # another process: nothing in memory

    def refuse(_spec: Any) -> str:
        raise AssertionError("drawn again")

    monkeypatch.setattr(charts, "_draw", refuse)
    assert chart_svg(spec) == drawn
    charts._cache.clear()
    kept.write_text(str(drawn).replace("</svg>", "<script>alert(1)</script></svg>"), "utf-8")
    read = chart_svg(spec)
    assert "<script" not in read
    _safe(str(read))


def test_a_changed_units_charts_are_drawn_before_its_view(
    web: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What the background does for a unit whose values changed: its page and the pages above
    it are made and their charts drawn, so the first view draws none."""
    from chiso.web import app as web_app

    monkeypatch.setattr(charts, "_shared", [])
    charts.share(tmp_path / "shared")
    charts._cache.clear()
    web_app._unit_charts(web.rt, ["75.SYT"])
    assert len(list((tmp_path / "shared").glob("*.svg"))) >= 2

    def refuse(spec: dict[str, Any]) -> str:
        raise AssertionError("drawn at the view")

    monkeypatch.setattr(charts, "_draw", refuse)
    charts._cache.clear()  # another worker: the files only
    page = web.client("admin").get("/units/75.SYT")
    assert page.status_code == 200 and len(_charts(page.text)) >= 2
