"""Charts for pages: a Vega-Lite specification drawn to SVG on the server with vl-convert, then
cleaned to drawing elements only, so pages need no chart script and the CSP no 'unsafe-eval'.

`chart_svg(spec)` is the one way a page draws a chart (also a template global): the same
specification gives the same SVG from a bounded cache, and a specification is built from page data
that is itself cached per data stamp, so a chart is drawn once per change of the data it shows."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from typing import Any

from markupsafe import Markup

from chiso.documents.charts import VI_NUMBERS

log = logging.getLogger("chiso.web.charts")

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)
FONT_SIZE = 13
"""Axis and legend text at the drawn width: a chart scaled to a 390 px screen keeps it near 10 px."""
CACHE_SIZE = 256

ELEMENTS = {
    "svg",
    "g",
    "path",
    "rect",
    "line",
    "circle",
    "ellipse",
    "polygon",
    "polyline",
    "text",
    "tspan",
    "defs",
    "clipPath",
    "linearGradient",
    "radialGradient",
    "stop",
}
"""What a drawn chart is made of; anything else (script, foreignObject, image, a, style, use,
animate…) is dropped with its content."""
ATTRIBUTES = {
    "class",
    "d",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "dx",
    "dy",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "width",
    "height",
    "viewBox",
    "transform",
    "points",
    "offset",
    "id",
    "version",
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "font-variant",
    "text-anchor",
    "dominant-baseline",
    "letter-spacing",
    "pointer-events",
    "display",
    "visibility",
    "clip-path",
    "stop-color",
    "stop-opacity",
    "gradientUnits",
    "gradientTransform",
    "shape-rendering",
    "paint-order",
}
"""Presentation attributes only: no event handler, no style, no link; a `url(...)` value may
only point inside the chart (`url(#clip3)`)."""

_cache: OrderedDict[str, Markup] = OrderedDict()
_guard = threading.Lock()


def chart_svg(spec: dict[str, Any]) -> Markup:
    """The chart of a Vega-Lite specification as inline SVG markup (safe to put in a page):
    numbers in Vietnamese (31,14 · 1.000), scaled to its container (viewBox, width 100%)."""
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True, default=str)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with _guard:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    drawn = Markup(clean(_draw(spec)))
    with _guard:
        _cache[key] = drawn
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return drawn


def warm_up() -> None:
    """Starts vl-convert's JavaScript engine (about a second) before the first page needs it."""
    try:
        _draw({"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x"}}})
    except Exception:
        log.warning("chart engine warm-up failed", exc_info=True)


def _draw(spec: dict[str, Any]) -> str:
    import vl_convert

    styled = copy.deepcopy(spec)
    config = styled.setdefault("config", {})
    config.setdefault("aria", False)
    config.setdefault("background", None)
    for part in ("axis", "legend"):
        config.setdefault(part, {}).update({"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE})
    return str(vl_convert.vegalite_to_svg(vl_spec=styled, format_locale=VI_NUMBERS))


def clean(svg: str) -> str:
    """The SVG with only drawing elements and presentation attributes, sized by its container."""
    root = ET.fromstring(svg)  # drawn by vl-convert, not a request body
    if root.tag != f"{{{SVG}}}svg":
        raise ValueError("not an SVG document")
    _prune(root)
    width, height = root.get("width"), root.get("height")
    if root.get("viewBox") is None and width and height:
        root.set("viewBox", f"0 0 {width} {height}")
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("class", "chart-svg")
    root.set("aria-hidden", "true")
    root.set("focusable", "false")
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def _prune(element: ET.Element) -> None:
    for child in list(element):
        if _local(child.tag) not in ELEMENTS:
            element.remove(child)
            continue
        _prune(child)
    for name, value in list(element.attrib.items()):
        compact = value.replace(" ", "")
        outside = "url(" in compact and not compact.startswith("url(#")
        if _local(name) not in ATTRIBUTES or name.startswith("{") or outside:
            del element.attrib[name]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
