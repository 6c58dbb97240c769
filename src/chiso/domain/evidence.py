"""An evidence file as the council sees it: name, type, size, who uploaded it, and for a PDF what
its signatures say."""

from __future__ import annotations

from dataclasses import dataclass

from chiso.domain.signatures import Verdict

PDF = "application/pdf"


@dataclass(frozen=True)
class Evidence:
    id: int
    owner: str
    """What the file is attached to: "item:12" (an assessment component) or "update:7" (a task
    progress report)."""
    filename: str
    sha256: str
    media_type: str
    size: int
    uploaded_by: str
    verdict: Verdict | None
