"""Agency profiles and saved document specs: rows ↔ `domain.agency.AgencyProfile`."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.domain.access import Actor
from chiso.domain.agency import AgencyLevel, AgencyProfile, LeadDepartment, Signer
from chiso.store.models import AgencyProfileRow, DocumentSpecRow


def details(profile: AgencyProfile) -> dict[str, Any]:
    """The parts of a profile kept as JSON (also what the audit log records)."""
    return {
        "signers": [
            {"code": s.code, "name": s.name, "title": s.title, "authority": list(s.authority)}
            for s in profile.signers
        ],
        "leads": [
            {
                "name": d.name,
                "from": d.valid_from.isoformat() if d.valid_from else None,
                "to": d.valid_to.isoformat() if d.valid_to else None,
            }
            for d in profile.leads
        ],
        "recipients": list(profile.recipients),
        "distribution": list(profile.distribution),
    }


def columns(profile: AgencyProfile) -> dict[str, Any]:
    return {
        "level": profile.level.value,
        "name": profile.name,
        "place": profile.place,
        "symbol": profile.symbol,
        "office_code": profile.office_code,
        "superior": profile.superior,
        "unit_key": profile.unit_key,
    }


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _profile(row: AgencyProfileRow) -> AgencyProfile:
    d = row.details
    return AgencyProfile(
        code=row.code,
        level=AgencyLevel(row.level),
        name=row.name,
        place=row.place,
        symbol=row.symbol,
        office_code=row.office_code,
        superior=row.superior,
        unit_key=row.unit_key,
        signers=tuple(
            Signer(s["code"], s["name"], s["title"], tuple(s.get("authority", ())))
            for s in d.get("signers", [])
        ),
        leads=tuple(
            LeadDepartment(x["name"], _day(x.get("from")), _day(x.get("to")))
            for x in d.get("leads", [])
        ),
        recipients=tuple(d.get("recipients", ())),
        distribution=tuple(d.get("distribution", ())),
    )


def profiles(session: Session) -> list[AgencyProfile]:
    rows = session.scalars(select(AgencyProfileRow).order_by(AgencyProfileRow.code))
    return [_profile(r) for r in rows]


def profile(session: Session, code: str) -> AgencyProfile | None:
    row = session.scalar(select(AgencyProfileRow).where(AgencyProfileRow.code == code))
    return None if row is None else _profile(row)


def save(session: Session, profile: AgencyProfile, actor: Actor) -> None:
    row = session.scalar(select(AgencyProfileRow).where(AgencyProfileRow.code == profile.code))
    if row is None:
        row = AgencyProfileRow(code=profile.code)
        session.add(row)
    for key, value in columns(profile).items():
        setattr(row, key, value)
    row.details = details(profile)
    row.updated_by = actor.name
    session.flush()


def remove(session: Session, code: str) -> bool:
    row = session.scalar(select(AgencyProfileRow).where(AgencyProfileRow.code == code))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def specs(session: Session) -> list[tuple[str, str, str]]:
    """(name, kind, text) of every saved spec, by name."""
    rows = session.scalars(select(DocumentSpecRow).order_by(DocumentSpecRow.name))
    return [(r.name, r.kind, r.text) for r in rows]


def spec(session: Session, name: str) -> tuple[str, str] | None:
    row = session.scalar(select(DocumentSpecRow).where(DocumentSpecRow.name == name))
    return None if row is None else (row.kind, row.text)


def save_spec(session: Session, name: str, kind: str, text: str, actor: Actor) -> bool:
    """True when the spec is new."""
    row = session.scalar(select(DocumentSpecRow).where(DocumentSpecRow.name == name))
    created = row is None
    if row is None:
        row = DocumentSpecRow(name=name)
        session.add(row)
    row.kind, row.text, row.updated_by = kind, text, actor.name
    session.flush()
    return created
