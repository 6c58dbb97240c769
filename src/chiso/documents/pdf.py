"""DOCX → PDF through LibreOffice headless (Times New Roman falls back to the metric-compatible
Liberation Serif where it is not installed)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from chiso.errors import ChisoError

HINT = (
    "cài LibreOffice (Debian/Ubuntu: `sudo apt-get install libreoffice-writer-nogui fonts-liberation`; "
    "`make test` tự cài), hoặc mở tệp DOCX bằng Word và chọn Lưu thành PDF."
)


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: Path, timeout: float = 180) -> Path:
    binary = libreoffice()
    if binary is None:
        raise ChisoError(
            "Máy chưa có LibreOffice nên chưa tạo được PDF.", "LibreOffice not found", hint_vi=HINT
        )
    target = docx.with_suffix(".pdf")
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as outdir:
        command = [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            outdir,
            str(docx),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ChisoError(
                f"LibreOffice chuyển {docx.name} sang PDF quá {timeout:.0f} giây.",
                "LibreOffice timeout",
            ) from exc
        produced = Path(outdir) / f"{docx.stem}.pdf"
        if done.returncode != 0 or not produced.exists():
            raise ChisoError(
                f"LibreOffice không chuyển được {docx.name} sang PDF.",
                f"LibreOffice failed: {done.stderr.strip()[:500]}",
                hint_vi="thử mở tệp bằng LibreOffice hoặc Word để xem tệp có hỏng không.",
            )
        shutil.move(str(produced), target)
    return target
