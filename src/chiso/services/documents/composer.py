"""The web composer's work: a spec typed or loaded on the page made into its document (from the
database only: a spec never names a file), previewed as page images (PDF via LibreOffice, PNG
via pdftoppm), and saved under a name to be reused next month."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

from chiso.documents import pdf
from chiso.documents import spec as spec_file
from chiso.documents.spec import DocumentSpec
from chiso.domain.periods import Period
from chiso.domain.text import fold, slug
from chiso.errors import ChisoError, NotFound, RejectedInput
from chiso.services.documents import decisions, letters, notices, reports, results
from chiso.services.documents.drafts import starter
from chiso.services.runtime import Runtime
from chiso.services.scoring.dataset import DataSource
from chiso.store import agency_repo, audit_repo, values_repo

KINDS = {
    "letter": "Công văn đôn đốc",
    "appendix": "Phụ lục số liệu",
    "summary": "Báo cáo Ban Chỉ đạo",
    "ranking": "Quyết định công bố xếp hạng",
    "notice": "Thông báo kết luận cuộc họp",
    "result": "Công văn kết quả của đơn vị",
}


def make(rt: Runtime, kind: str, text: str, out: Path) -> list[Path]:
    """The document of a spec's text; a notice's assignments are tracked as tasks."""
    if kind not in KINDS:
        raise NotFound(f"Không có loại văn bản '{kind}'.", f"no document kind {kind!r}")
    spec = spec_file.parse(text, "tệp văn bản", kind)
    source = DataSource(spec.framework)
    if kind == "letter":
        return letters.letter(rt, letters.LetterRequest(spec, source), out)
    if kind == "appendix":
        return letters.appendix(rt, letters.LetterRequest(spec, source), out)
    if kind == "summary":
        return reports.summary(rt, reports.SummaryRequest(spec, source), out)
    if kind == "ranking":
        return decisions.ranking(rt, decisions.RankingRequest(spec, source), out)
    if kind == "notice":
        return notices.notice(rt, notices.NoticeRequest(spec), out).paths
    return results.result(rt, results.ResultRequest(spec, source), out)


def preview(rt: Runtime, kind: str, text: str, dpi: int = 60) -> list[bytes]:
    """Every page of the document as a PNG, so the clerk sees it before downloading."""
    binary = shutil.which("pdftoppm")
    if binary is None:
        raise ChisoError(
            "Máy chủ chưa có pdftoppm nên chưa xem trước được trang.",
            "pdftoppm not found",
            hint_vi="cài poppler-utils (Debian: `apt-get install poppler-utils`).",
        )
    with tempfile.TemporaryDirectory() as work:
        made = make(rt, kind, text, Path(work) / f"{kind}.docx")
        limits = rt.settings.work_seconds, rt.settings.work_memory_mb
        first = pdf.to_pdf(made[0], rt.settings.font_dir, *limits)
        subprocess.run(
            [binary, "-png", "-r", str(dpi), str(first), str(Path(work) / "trang")],
            capture_output=True,
            check=True,
            timeout=120,
        )
        return [p.read_bytes() for p in sorted(Path(work).glob("trang-*.png"))]


def saved(rt: Runtime) -> list[tuple[str, str, str]]:
    with rt.db.transaction() as session:
        return agency_repo.specs(session)


def load(rt: Runtime, name: str) -> tuple[str, str]:
    with rt.db.transaction() as session:
        found = agency_repo.spec(session, name)
    if found is None:
        raise NotFound(f"Chưa lưu tệp văn bản '{name}'.", f"no saved spec {name!r}")
    return found


def save(rt: Runtime, name: str, kind: str, text: str) -> None:
    """Checked before it is kept (a spec that does not parse is refused), and audited."""
    clean = name.strip()
    if not clean or len(clean) > 120:
        raise RejectedInput("Tên tệp văn bản cần từ 1 đến 120 ký tự.", "bad spec name")
    spec_file.parse(text, clean, kind)
    with rt.db.transaction() as session:
        created = agency_repo.save_spec(session, clean, kind, text, rt.actor)
        action = "spec.create" if created else "spec.update"
        audit_repo.record(session, rt.actor, action, "document_spec", clean, None, {"kind": kind})


FILE_NAMES = {
    "letter": "Công văn",
    "appendix": "Phụ lục",
    "summary": "Báo cáo Ban Chỉ đạo",
    "ranking": "Quyết định xếp hạng",
    "notice": "Thông báo kết luận",
    "result": "Công văn kết quả",
}


def download_name(kind: str, text: str, suffix: str) -> tuple[str, str]:
    """The file's name in Vietnamese with the period (or the date when the document has none):
    ASCII ("cong-van-thang-11-2026.docx") and with diacritics ("Công văn tháng 11-2026.docx")."""
    spec = spec_file.parse(text, "tệp văn bản", kind)
    when = Period.parse(spec.period).label_vi if spec.period else f"ngày {spec.date:%d-%m-%Y}"
    title = f"{FILE_NAMES.get(kind, 'Văn bản')} {when}".replace("/", "-")
    return slug(title) + suffix, title + suffix


def starter_for(rt: Runtime, kind: str) -> str:
    """The shipped example, pointed at the first agency profile there is and at the newest
    period of its framework with values (its subject and date following)."""
    text = starter(kind)
    with rt.db.transaction() as session:
        profiles = agency_repo.profiles(session)
        framework = _key(text, "framework") or DocumentSpec(kind).framework
        periods = values_repo.periods_with_values(session, framework)
    lines = [_for_the_web(line) for line in text.splitlines()]
    if profiles:
        lines = [_set(line, "agency", profiles[0].code) for line in lines]
    shown = _key(text, "period")
    if shown and periods:
        old = Period.parse(shown)
        same = [p for p in periods if p.granularity is old.granularity]
        if same and same[-1] != old:
            new = same[-1]
            on = max(new.end + timedelta(days=1), date.today())
            lines = [
                _set(line, "period", f'"{new}"')
                if fold(line).startswith("period:")
                else _set(line, "date", on.isoformat())
                if fold(line).startswith("date:")
                else line.replace(old.label_vi, new.label_vi)
                if fold(line).startswith("subject:")
                else line
                for line in lines
            ]
    return "\n".join(lines) + "\n"


WEB_HINT = "sửa các khóa dưới đây, bấm Xem trước rồi Tải DOCX hoặc PDF; Lưu để dùng lại kỳ sau"


def _for_the_web(line: str) -> str:
    """The starter's command-line hints in web wording: on the page the clerk edits the text
    and presses a button, and the codes to pick are listed beside the editor."""
    line = line.replace("(`chiso agency list`)", "(danh sách bên dưới)")
    return _CLI_HINT.sub(f" ({WEB_HINT})", line)


_CLI_HINT = re.compile(r" *\(`chiso report [^`]*`\)")


def _key(text: str, key: str) -> str:
    """The value of a top-level `key:` line of the starter, without its comment or quotes."""
    for line in text.splitlines():
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].split("#", 1)[0].strip().strip("\"'")
    return ""


def _set(line: str, key: str, value: str) -> str:
    """A top-level `key:` line with its value replaced, its comment kept."""
    if not line.startswith(f"{key}:"):
        return line
    comment = line.split("#", 1)[1] if "#" in line else ""
    head = f"{key}: {value}"
    return f"{head.ljust(32)}# {comment.strip()}" if comment else head
