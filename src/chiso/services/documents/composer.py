"""The web composer's work: a spec typed or loaded on the page made into its document (from the
database only: a spec never names a file), previewed as page images (PDF via LibreOffice, PNG
via pdftoppm), and saved under a name to be reused next month."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from chiso.documents import pdf
from chiso.documents import spec as spec_file
from chiso.domain.text import fold
from chiso.errors import ChisoError, NotFound, RejectedInput
from chiso.services.documents import decisions, letters, notices, reports, results
from chiso.services.documents.drafts import starter
from chiso.services.runtime import Runtime
from chiso.services.scoring.dataset import DataSource
from chiso.store import agency_repo, audit_repo

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


def starter_for(rt: Runtime, kind: str) -> str:
    """The shipped example, pointed at the first agency profile there is."""
    text = starter(kind)
    with rt.db.transaction() as session:
        profiles = agency_repo.profiles(session)
    if profiles:
        first = profiles[0]
        text = "\n".join(
            f"agency: {first.code}" if fold(line).startswith("agency:") else line
            for line in text.splitlines()
        )
    return text + "\n"
