"""Charts for pages: a Vega-Lite specification drawn to SVG on the server with vl-convert, then
cleaned to drawing elements only, so pages need no chart script and the CSP no 'unsafe-eval'.

`chart_svg(spec)` is the one way a page draws a chart (also a template global): the same
specification gives the same SVG from a bounded cache, and a specification is built from page data
that is itself cached per data stamp, so a chart is drawn once per change of the data it shows;
drawn charts are also kept as files (`share`: under the data directory) that every worker reads."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import logging
import os
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from functools import cache
from pathlib import Path
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
_shared: list[Path] = []
"""The folder where every worker keeps the charts it drew (set by `share`)."""
SHARED_FILES = 4096
"""Charts kept in the shared folder; the oldest go first."""
_writes = itertools.count(1)


def share(folder: Path) -> None:
    """Keep drawn charts in `folder` too, so that the other workers and the next start read a
    chart instead of drawing it again (a fifth of a second each; a unit page has eight)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("charts not shared between workers: %s", exc)
        return
    _shared[:] = [folder]


@cache
def _version() -> str:
    """What a drawing depends on besides its specification: this module and vl-convert."""
    import vl_convert

    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(str(getattr(vl_convert, "__version__", "")).encode())
    return digest.hexdigest()[:16]


def _read_shared(key: str) -> Markup | None:
    if not _shared:
        return None
    try:
        text = (_shared[0] / f"{key}.svg").read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        return Markup(clean(text))  # cleaned again: a file on disk is not trusted as markup
    except (ET.ParseError, ValueError):
        return None


def _write_shared(key: str, svg: str) -> None:
    if not _shared:
        return
    folder = _shared[0]
    try:
        partial = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        partial.write_text(svg, encoding="utf-8")
        partial.replace(folder / f"{key}.svg")
        if next(_writes) % 256 == 0:
            _prune_shared(folder)
    except OSError as exc:
        log.warning("chart not shared: %s", exc)


def _prune_shared(folder: Path) -> None:
    found = sorted(folder.glob("*.svg"), key=lambda p: p.stat().st_mtime)
    for old in found[: max(0, len(found) - SHARED_FILES)]:
        old.unlink(missing_ok=True)


def chart_svg(spec: dict[str, Any]) -> Markup:
    """The chart of a Vega-Lite specification as inline SVG markup (safe to put in a page):
    numbers in Vietnamese (31,14 · 1.000), scaled to its container (viewBox, width 100%)."""
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True, default=str)
    key = hashlib.sha256((_version() + text).encode("utf-8")).hexdigest()
    with _guard:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    drawn = _read_shared(key)
    if drawn is None:
        drawn = Markup(clean(_draw(spec)))
        _write_shared(key, str(drawn))
    with _guard:
        _cache[key] = drawn
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return drawn


_warming = threading.Lock()
_warmed: list[bool] = []


def warm_up() -> None:
    """Starts vl-convert's JavaScript engine (about a second) before the first page needs it.
    Once a process: `chiso demo` starts it beside the build, so the server's own call at its
    start returns at once (or waits for the one under way) instead of drawing again."""
    with _warming:
        if _warmed:
            return
        try:
            _draw(
                {"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x"}}}
            )
        except Exception:
            log.warning("chart engine warm-up failed", exc_info=True)
        _warmed.append(True)


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
