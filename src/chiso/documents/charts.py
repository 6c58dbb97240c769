"""Charts for documents: Vega-Lite specifications rendered to PNG offline with vl-convert."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chiso.domain.formatting import percent_points

FONT = "Liberation Serif"
VI_NUMBERS = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}


def rates_chart(rows: Sequence[tuple[str, float, float | None]], title: str) -> dict[str, Any]:
    """Horizontal bars of overall rates (0–1) with their targets as ticks; Vietnamese labels."""
    data = [
        {
            "chi_so": name,
            "ty_le": percent_points(value),
            "chi_tieu": None if target is None else percent_points(target),
        }
        for name, value, target in rows
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "font": FONT, "fontSize": 15},
        "config": {
            "font": FONT,
            "axis": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 12,
                "titleFontSize": 13,
            },
            "legend": {"labelFont": FONT, "titleFont": FONT},
        },
        "width": 460,
        "height": {"step": 26},
        "data": {"values": data},
        "layer": [
            {
                "mark": {"type": "bar", "color": "#2F5597"},
                "encoding": {
                    "y": {
                        "field": "chi_so",
                        "type": "nominal",
                        "sort": None,
                        "title": None,
                        "axis": {"labelLimit": 320},
                    },
                    "x": {
                        "field": "ty_le",
                        "type": "quantitative",
                        "title": "Tỷ lệ (%)",
                        "scale": {"domain": [0, 100]},
                    },
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 3, "font": FONT},
                "encoding": {
                    "y": {"field": "chi_so", "type": "nominal", "sort": None},
                    "x": {"field": "ty_le", "type": "quantitative"},
                    "text": {"field": "ty_le", "type": "quantitative", "format": ".2~f"},
                },
            },
            {
                "mark": {"type": "tick", "color": "#C00000", "thickness": 3, "size": 22},
                "encoding": {
                    "y": {"field": "chi_so", "type": "nominal", "sort": None},
                    "x": {"field": "chi_tieu", "type": "quantitative"},
                },
            },
        ],
    }


def render_png(spec: dict[str, Any], path: Path, scale: float = 2.0) -> Path:
    import vl_convert

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        vl_convert.vegalite_to_png(vl_spec=spec, scale=scale, format_locale=VI_NUMBERS)
    )
    return path
