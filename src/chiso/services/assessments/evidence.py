"""Evidence files: kept once under the data directory by their SHA-256, limited in size and to
the types a council can open (PDF, Word, Excel, images), and for PDFs the signatures checked at
upload and shown next to the file."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.domain.signatures import SignatureCheck, Verdict
from chiso.errors import NotFound, RejectedInput
from chiso.io.pdf_signatures import check_pdf, load_trust_roots
from chiso.services.runtime import Runtime
from chiso.settings import Settings
from chiso.store import units_repo
from chiso.store.models import EvidenceFile

TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


@dataclass(frozen=True)
class Evidence:
    id: int
    filename: str
    sha256: str
    media_type: str
    size: int
    uploaded_by: str
    verdict: Verdict | None

    @property
    def is_pdf(self) -> bool:
        return self.media_type == "application/pdf"

    @classmethod
    def of(cls, row: EvidenceFile) -> Evidence:
        verdict = None
        if row.signatures is not None:
            checks = tuple(SignatureCheck.from_dict(d) for d in row.signatures["checks"])
            verdict = Verdict(checks, bool(row.signatures.get("modified")))
        return cls(
            row.id, row.filename, row.sha256, row.media_type, row.size, row.uploaded_by, verdict
        )


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


def verdict_for(settings: Settings, data: bytes, trust: Path | None = None) -> Verdict:
    return check_pdf(data, load_trust_roots(trust or settings.effective_trust_dir))


def add(session: Session, rt: Runtime, owner: str, filename: str, data: bytes) -> EvidenceFile:
    """Stores the file (once per content) and records it against `owner` ("item:12")."""
    name = Path(filename).name
    media_type = check_type(name, data, rt.settings.evidence_max_mb)
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(rt.settings, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
    signatures = None
    if media_type == "application/pdf":
        verdict = verdict_for(rt.settings, data)
        signatures = {
            "checks": [c.as_dict() for c in verdict.signatures],
            "modified": verdict.modified_after_signing,
        }
    row = EvidenceFile(
        owner=owner,
        sha256=digest,
        filename=name,
        media_type=media_type,
        size=len(data),
        signatures=signatures,
        uploaded_by=rt.actor,
    )
    session.add(row)
    session.flush()
    units_repo.audit(
        session, rt.actor, "evidence.add", "evidence", owner, None, {"file": name, "sha256": digest}
    )
    return row


def of_owners(session: Session, owners: list[str]) -> dict[str, list[Evidence]]:
    out: dict[str, list[Evidence]] = {o: [] for o in owners}
    if not owners:
        return out
    query = select(EvidenceFile).where(EvidenceFile.owner.in_(owners)).order_by(EvidenceFile.id)
    for row in session.scalars(query):
        out[row.owner].append(Evidence.of(row))
    return out


def content(rt: Runtime, evidence_id: int) -> tuple[EvidenceFile, bytes]:
    with rt.db.transaction() as session:
        row = session.get(EvidenceFile, evidence_id)
        if row is None:
            raise NotFound(f"Không có minh chứng số {evidence_id}.", "no such evidence")
        session.expunge(row)
    path = blob_path(rt.settings, row.sha256)
    if not path.exists():
        raise NotFound(
            f"Tệp minh chứng {row.filename} không còn trong thư mục dữ liệu.",
            f"evidence blob {row.sha256} missing",
            hint_vi="khôi phục thư mục evidence từ bản sao lưu.",
        )
    return row, path.read_bytes()


def unit_of(rt: Runtime, evidence_id: int) -> int | None:
    """The unit whose file or task the evidence belongs to, for scope checks."""
    from chiso.store.models import Assessment, AssessmentItem, Task, TaskUpdate

    with rt.db.transaction() as session:
        row = session.get(EvidenceFile, evidence_id)
        if row is None:
            return None
        kind, _, number = row.owner.partition(":")
        if kind == "item":
            item = session.get(AssessmentItem, int(number))
            return session.get_one(Assessment, item.assessment_id).unit_id if item else None
        update = session.get(TaskUpdate, int(number))
        return session.get_one(Task, update.task_id).lead_unit_id if update else None
