"""DOCX → PDF through LibreOffice headless, several files in one call (it is slow to start), with
the office's Times New Roman from CHISO_FONT_DIR when given (else the metric-compatible Liberation
Serif); the font the PDF really embeds is read back so the output can say it."""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from chiso.errors import ChisoError, RejectedInput
from chiso.io.bounded import seconds_vi

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


def to_pdfs(
    docs: Sequence[Path],
    font_dir: Path | None = None,
    seconds: float = 300,
    memory_mb: int | None = None,
) -> list[Path]:
    """The PDFs of `docs`, within `seconds` per file (LibreOffice and every process it starts are
    killed when the time is up) and an address space of `memory_mb` per process (RLIMIT_AS, set
    before LibreOffice starts and inherited by its children): a refusal names the limit."""
    if not docs:
        return []
    binary = libreoffice()
    if binary is None:
        raise ChisoError(
            "Máy chưa có LibreOffice nên chưa tạo được PDF.", "LibreOffice not found", hint_vi=HINT
        )
    timeout = seconds * max(1, len(docs))
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as outdir:
        env = None
        if font_dir is not None:
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
        code, stderr = _run(command, env, timeout, memory_mb)
        if code is None:
            raise RejectedInput(
                f"LibreOffice chuyển {len(docs)} tệp sang PDF quá {seconds_vi(timeout)} giây nên bị dừng.",
                f"LibreOffice stopped after {timeout:g} s",
                hint_vi="thử lại khi máy chủ bớt bận, hoặc tải bản DOCX rồi lưu thành PDF; "
                "người quản trị có thể tăng CHISO_WORK_SECONDS.",
            )
        out = []
        for docx in docs:
            produced = Path(outdir) / f"{docx.stem}.pdf"
            if code != 0 or not produced.exists():
                if memory_mb is not None and _killed(code, stderr):
                    raise RejectedInput(
                        f"LibreOffice chuyển {docx.name} sang PDF vượt giới hạn bộ nhớ "
                        f"({memory_mb} MB) nên bị dừng.",
                        f"LibreOffice exceeded {memory_mb} MB converting {docx.name}",
                        hint_vi="tải bản DOCX rồi lưu thành PDF; người quản trị có thể tăng "
                        "CHISO_WORK_MEMORY_MB.",
                    )
                raise ChisoError(
                    f"LibreOffice không chuyển được {docx.name} sang PDF.",
                    f"LibreOffice failed ({code}): {stderr.strip()[-500:]}",
                    hint_vi="thử mở tệp bằng LibreOffice hoặc Word để xem tệp có hỏng không.",
                )
            target = docx.with_suffix(".pdf")
            shutil.move(str(produced), target)
            out.append(target)
    return out


def _run(
    command: list[str], env: dict[str, str] | None, timeout: float, memory_mb: int | None
) -> tuple[int | None, str]:
    """The exit code and error output, or (None, …) when the time ran out: LibreOffice runs in a
    session of its own, so its whole process group is killed, not only the launcher."""

    def limit() -> None:
        if memory_mb is not None:
            size = memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    with subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
        preexec_fn=limit,  # noqa: PLW1509 - only setrlimit, before exec
    ) as process:
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return None, ""
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, stderr or ""


def _killed(code: int | None, stderr: str) -> bool:
    """LibreOffice stopped by a signal (an abort on a failed allocation), out of memory, or unable
    to load a file chiso has just written (under RLIMIT_AS its import filters fail that way)."""
    lowered = stderr.lower()
    signalled = code is not None and (code < 0 or code >= 128)
    return signalled or any(
        sign in lowered for sign in ("bad_alloc", "out of memory", "could not be loaded")
    )


def to_pdf(
    docx: Path, font_dir: Path | None = None, seconds: float = 300, memory_mb: int | None = None
) -> Path:
    return to_pdfs([docx], font_dir, seconds, memory_mb)[0]


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
