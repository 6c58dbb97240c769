"""The font documents are measured and rendered with: Times New Roman from CHISO_FONT_DIR when an
office puts its licensed copy there, otherwise the metric-compatible Liberation Serif. Rules under
the motto, the agency and the title are measured in it, as the Decree sets their lengths."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

TIMES = "Times New Roman"
LIBERATION = "Liberation Serif"
PT_MM = 25.4 / 72


@dataclass(frozen=True)
class FontFiles:
    family: str
    regular: Path | None
    bold: Path | None
    folder: Path | None = None
    """CHISO_FONT_DIR when the office's Times New Roman is used."""


def _family(path: Path) -> tuple[str, bool] | None:
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(str(path), lazy=True, fontNumber=0)
    except Exception:
        return None
    names = font["name"]
    family = str(names.getDebugName(1) or "")
    bold = "bold" in str(names.getDebugName(2) or "").lower()
    return family, bold


@lru_cache(maxsize=4)
def find(font_dir: Path | None = None) -> FontFiles:
    if font_dir is not None and font_dir.is_dir():
        found: dict[bool, Path] = {}
        for path in sorted(font_dir.glob("*.[tT][tT][fF]")):
            named = _family(path)
            if named and named[0] == TIMES and "italic" not in path.stem.lower():
                found.setdefault(named[1], path)
        if found:
            return FontFiles(TIMES, found.get(False), found.get(True), font_dir)
    return FontFiles(LIBERATION, _system(f"{LIBERATION}:regular"), _system(f"{LIBERATION}:bold"))


def _system(pattern: str) -> Path | None:
    binary = shutil.which("fc-match")
    if binary is None:
        return None
    done = subprocess.run(
        [binary, "-f", "%{file}", pattern], capture_output=True, text=True, check=False
    )
    path = Path(done.stdout.strip())
    return (
        path
        if done.returncode == 0 and path.is_file() and LIBERATION.replace(" ", "") in path.name
        else None
    )


@lru_cache(maxsize=8)
def _metrics(path: Path) -> tuple[dict[int, int], int]:
    from fontTools.ttLib import TTFont

    font: Any = TTFont(str(path))
    widths = {code: font["hmtx"][glyph][0] for code, glyph in font.getBestCmap().items()}
    return widths, int(font["head"].unitsPerEm)


def width_mm(text: str, size_pt: float, bold: bool = False, font_dir: Path | None = None) -> float:
    """How wide `text` sets at `size_pt`; an estimate (0.55 em a letter, 0.65 em bold) when no
    font file is found."""
    files = find(font_dir)
    path = files.bold if bold else files.regular
    if path is None:
        return len(text) * (0.65 if bold else 0.55) * size_pt * PT_MM
    widths, em = _metrics(path)
    fallback = widths.get(ord("n"), em // 2)
    units = sum(widths.get(ord(c), fallback) for c in text)
    return units / em * size_pt * PT_MM
