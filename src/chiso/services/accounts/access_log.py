"""Audit entries for what people take out of chiso or are refused: exports (CSV/XLSX),
generated documents, evidence downloads, raw-record ingestion and refusals (403). Changes are
audited where they happen; this module records the reads and refusals that matter, under the
acting account, in a unit of work of their own."""

from __future__ import annotations

from typing import Any

from chiso.services.runtime import Runtime
from chiso.store import audit_repo

EXPORT = "export"
DOCUMENT = "document.make"
EVIDENCE = "evidence.download"
INGEST = "records.ingest"
REFUSED = "refused"
READS = frozenset({EXPORT, DOCUMENT, EVIDENCE, REFUSED})


def note(rt: Runtime, action: str, entity: str, key: str | None, details: dict[str, Any]) -> None:
    """One audit entry: who (the runtime's actor), what, about which thing, with its details."""
    with rt.db.transaction() as session:
        audit_repo.record(session, rt.actor, action, entity, key, None, details)
