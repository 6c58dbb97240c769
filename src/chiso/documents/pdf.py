"""DOCX → PDF through LibreOffice headless, several files in one call (it is slow to start), with
the office's Times New Roman from CHISO_FONT_DIR when given (else the metric-compatible Liberation
Serif); the font the PDF really embeds is read back so the output can say it."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from chiso.errors import ChisoError

HINT = (
    "cài LibreOffice (Debian/Ubuntu: `sudo apt-get install libreoffice-writer-nogui fonts-liberation`; "
    "`make test` tự cài), hoặc mở tệp DOCX bằng Word và chọn Lưu thành PDF."
)
_FONT = re.compile(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([A-Za-z0-9-]+)")


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _fontconfig(folder: Path, work: Path) -> Path:
    conf = work / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{folder.resolve()}</dir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def to_pdfs(docs: Sequence[Path], font_dir: Path | None = None, timeout: float = 300) -> list[Path]:
    binary = libreoffice()
    if binary is None:
        raise ChisoError(
            "Máy chưa có LibreOffice nên chưa tạo được PDF.", "LibreOffice not found", hint_vi=HINT
        )
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as outdir:
        env = None
        if font_dir is not None:
            import os

            env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig(font_dir, Path(profile)))}
        command = [
            binary,
            f"-env:UserInstallation=file://{profile}/lo",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            outdir,
            *[str(d) for d in docs],
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False, env=env
            )
        except subprocess.TimeoutExpired as exc:
            raise ChisoError(
                f"LibreOffice chuyển {len(docs)} tệp sang PDF quá {timeout:.0f} giây.",
                "LibreOffice timeout",
            ) from exc
        out = []
        for docx in docs:
            produced = Path(outdir) / f"{docx.stem}.pdf"
            if done.returncode != 0 or not produced.exists():
                raise ChisoError(
                    f"LibreOffice không chuyển được {docx.name} sang PDF.",
                    f"LibreOffice failed: {done.stderr.strip()[:500]}",
                    hint_vi="thử mở tệp bằng LibreOffice hoặc Word để xem tệp có hỏng không.",
                )
            target = docx.with_suffix(".pdf")
            shutil.move(str(produced), target)
            out.append(target)
    return out


def to_pdf(docx: Path, font_dir: Path | None = None) -> Path:
    return to_pdfs([docx], font_dir)[0]


def fonts_of(path: Path) -> list[str]:
    """The font families a PDF embeds ("LiberationSerif", "TimesNewRomanPS-BoldMT"…)."""
    names = {m.group(1).decode() for m in _FONT.finditer(path.read_bytes())}
    return sorted(names)


def font_note(paths: Sequence[Path]) -> str:
    """One sentence for the output about the font the PDFs were set in."""
    used = {name for p in paths for name in fonts_of(p)}
    if any(n.startswith("TimesNewRoman") for n in used):
        return "Bản PDF dùng phông Times New Roman (từ CHISO_FONT_DIR)."
    if any(n.startswith("LiberationSerif") for n in used):
        return (
            "Bản PDF dùng phông Liberation Serif (cùng kích thước chữ với Times New Roman); "
            "đặt CHISO_FONT_DIR là thư mục có phông Times New Roman của cơ quan để dùng phông này."
        )
    return f"Bản PDF dùng phông: {', '.join(sorted(used)) or 'không rõ'}."
