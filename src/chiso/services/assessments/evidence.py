"""Evidence files: kept once under the data directory by their SHA-256, limited in size and to
the types a council can open (PDF, Word, Excel, images), and for PDFs the signatures checked at
upload and shown next to the file."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chiso.domain.evidence import PDF, Evidence
from chiso.domain.signatures import Verdict
from chiso.errors import NotFound, RejectedInput
from chiso.io import bounded
from chiso.io.pdf_signatures import check_pdf, load_trust_roots, warm
from chiso.services.accounts.actors import reaches
from chiso.services.runtime import Runtime
from chiso.settings import Settings
from chiso.store import audit_repo, evidence_repo
from chiso.store.db import Session

TYPES = {
    ".pdf": PDF,
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def check_type(filename: str, data: bytes, max_mb: int) -> str:
    """The media type of an acceptable file; refuses by name what the council could not open."""
    suffix = Path(filename).suffix.lower()
    if suffix not in TYPES:
        raise RejectedInput(
            f"Tệp {filename}: loại tệp '{suffix or 'không có đuôi'}' không được nhận làm minh chứng.",
            f"evidence {filename}: type {suffix!r} refused",
            hint_vi="chỉ nhận PDF, DOCX, XLSX, PNG, JPG; hãy chuyển tệp sang PDF.",
        )
    if len(data) > max_mb * 2**20:
        raise RejectedInput(
            f"Tệp {filename} lớn hơn giới hạn {max_mb} MB.",
            f"evidence {filename} larger than {max_mb} MB",
            hint_vi="nén hoặc tách tệp, hoặc nộp bản PDF nhẹ hơn.",
        )
    if not data:
        raise RejectedInput(f"Tệp {filename} rỗng.", f"evidence {filename} is empty")
    if not _content_matches(suffix, data):
        raise RejectedInput(
            f"Tệp {filename}: nội dung không phải {suffix.lstrip('.').upper()} như đuôi tệp ghi.",
            f"evidence {filename}: content does not match {suffix}",
            hint_vi="mở và lưu lại tệp bằng phần mềm gốc rồi tải lên lại.",
        )
    return TYPES[suffix]


def _content_matches(suffix: str, data: bytes) -> bool:
    if suffix == ".pdf":
        return data[:1024].lstrip().startswith(b"%PDF-")
    if suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in {".jpg", ".jpeg"}:
        return data.startswith(b"\xff\xd8\xff")
    part = "word/" if suffix == ".docx" else "xl/"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(n.startswith(part) for n in archive.namelist())
    except zipfile.BadZipFile:
        return False


def blob_path(settings: Settings, sha256: str) -> Path:
    return settings.data_dir / "evidence" / sha256[:2] / sha256


def verdict_for(
    settings: Settings, data: bytes, trust: Path | None = None, name: str = "PDF"
) -> Verdict:
    """The signatures of a PDF, checked by pyHanko in a child process within CHISO_WORK_SECONDS
    and CHISO_WORK_MEMORY_MB: a hostile PDF is refused by name, the server is not held."""
    roots = load_trust_roots(trust or settings.effective_trust_dir)
    warm()
    return bounded.run(
        lambda: check_pdf(data, roots),
        f"Tệp {name}",
        settings.work_seconds,
        settings.work_memory_mb,
    )


class Blobs:
    """The files a unit of work will keep: nothing is written while its checks run; `write()`
    comes last, inside the transaction, and what it wrote is removed again if the transaction
    then fails (see `staged`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pending: dict[str, bytes] = {}
        self.written: list[Path] = []

    def stage(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.pending[digest] = data
        return digest

    def write(self) -> None:
        for digest, data in self.pending.items():
            path = blob_path(self.settings, digest)
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{digest}.part")
            partial.write_bytes(data)
            partial.replace(path)
            self.written.append(path)
        self.pending.clear()

    def discard(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written.clear()
        self.pending.clear()


@contextmanager
def staged(settings: Settings) -> Iterator[Blobs]:
    """Files for one unit of work: open it around the transaction, call `write()` once every
    check has passed; a failure (the checks, the commit) leaves no file behind."""
    blobs = Blobs(settings)
    try:
        yield blobs
    except BaseException:
        blobs.discard()
        raise


def add(
    session: Session, rt: Runtime, blobs: Blobs, owner: str, filename: str, data: bytes
) -> Evidence:
    """Records the file against `owner` ("item:12") after its checks; its content is kept once
    per SHA-256 when the unit of work calls `blobs.write()`."""
    name = Path(filename).name
    media_type = check_type(name, data, rt.settings.evidence_max_mb)
    verdict = verdict_for(rt.settings, data, name=name) if media_type == PDF else None
    digest = blobs.stage(data)
    blob = (name, digest, media_type, len(data))
    found = evidence_repo.add(session, owner, blob, verdict, rt.actor)
    after = {"file": name, "sha256": digest}
    audit_repo.record(session, rt.actor, "evidence.add", "evidence", owner, None, after)
    return found


def of_owners(session: Session, owners: list[str]) -> dict[str, list[Evidence]]:
    return evidence_repo.of_owners(session, owners)


def content(rt: Runtime, evidence_id: int) -> tuple[Evidence, bytes]:
    """A file and its bytes; evidence of a unit outside the acting reporter's scope (or of no
    unit) is not found, as if it did not exist."""
    with rt.db.transaction() as session:
        found = evidence_repo.get(session, evidence_id)
        unit_id = evidence_repo.unit_of(session, evidence_id)
        if unit_id is None or not reaches(session, rt.actor, unit_id):
            found = None
    if found is None:
        raise NotFound(f"Không có minh chứng số {evidence_id}.", "no such evidence")
    path = blob_path(rt.settings, found.sha256)
    if not path.exists():
        raise NotFound(
            f"Tệp minh chứng {found.filename} không còn trong thư mục dữ liệu.",
            f"evidence blob {found.sha256} missing",
            hint_vi="khôi phục thư mục evidence từ bản sao lưu.",
        )
    return found, path.read_bytes()
