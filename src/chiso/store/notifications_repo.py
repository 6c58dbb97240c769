"""What each recipient has already been told, so the next digest does not repeat it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.store.models import NotificationSent


def told(session: Session, event_keys: Sequence[str]) -> set[tuple[str, str]]:
    """(recipient, event key) pairs already sent among these events."""
    query = select(NotificationSent.recipient, NotificationSent.event_key).where(
        NotificationSent.event_key.in_(sorted(set(event_keys)))
    )
    return {(r, k) for r, k in session.execute(query)}


def remember(session: Session, recipient: str, event_keys: Sequence[str]) -> None:
    for key in event_keys:
        session.add(NotificationSent(recipient=recipient, event_key=key))
