"""Evidence files recorded against assessment components and task reports (their bytes live
once under the data directory, named by their SHA-256)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.domain.access import Actor
from chiso.domain.evidence import Evidence
from chiso.domain.signatures import SignatureCheck, Verdict
from chiso.store import models


def _evidence(row: models.EvidenceFile) -> Evidence:
    verdict = None
    if row.signatures is not None:
        checks = tuple(SignatureCheck.from_dict(d) for d in row.signatures["checks"])
        verdict = Verdict(checks, bool(row.signatures.get("modified")))
    return Evidence(
        row.id,
        row.owner,
        row.filename,
        row.sha256,
        row.media_type,
        row.size,
        row.uploaded_by,
        verdict,
    )


def add(
    session: Session,
    owner: str,
    blob: tuple[str, str, str, int],
    verdict: Verdict | None,
    actor: Actor,
) -> Evidence:
    """Records a stored file: `blob` is (file name, SHA-256, media type, size)."""
    filename, sha256, media_type, size = blob
    signatures: dict[str, Any] | None = None
    if verdict is not None:
        checks = [c.as_dict() for c in verdict.signatures]
        signatures = {"checks": checks, "modified": verdict.modified_after_signing}
    row = models.EvidenceFile(
        owner=owner,
        sha256=sha256,
        filename=filename,
        media_type=media_type,
        size=size,
        signatures=signatures,
        uploaded_by=actor.name,
    )
    session.add(row)
    session.flush()
    return _evidence(row)


def of_owners(session: Session, owners: Sequence[str]) -> dict[str, list[Evidence]]:
    out: dict[str, list[Evidence]] = {o: [] for o in owners}
    if not owners:
        return out
    query = (
        select(models.EvidenceFile)
        .where(models.EvidenceFile.owner.in_(owners))
        .order_by(models.EvidenceFile.id)
    )
    for row in session.scalars(query):
        out[row.owner].append(_evidence(row))
    return out


def get(session: Session, evidence_id: int) -> Evidence | None:
    row = session.get(models.EvidenceFile, evidence_id)
    return _evidence(row) if row else None


def unit_of(session: Session, evidence_id: int) -> int | None:
    """The unit whose file or task the evidence belongs to, for scope checks."""
    row = session.get(models.EvidenceFile, evidence_id)
    if row is None:
        return None
    kind, _, number = row.owner.partition(":")
    if kind == "item":
        item = session.get(models.AssessmentItem, int(number))
        return session.get_one(models.Assessment, item.assessment_id).unit_id if item else None
    update = session.get(models.TaskUpdate, int(number))
    return session.get_one(models.Task, update.task_id).lead_unit_id if update else None
