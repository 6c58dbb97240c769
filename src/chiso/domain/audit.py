"""One entry of the audit log: who changed what, when, from which file or request: old → new."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str | None
    source: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
