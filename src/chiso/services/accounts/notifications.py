"""E-mail digests: one message per person listing what changed for them since the last one —
a round opening or closing, an assessment returned or waiting for review, tasks near or past
their deadline. Each event is sent once; a run with nothing new sends nothing."""

from __future__ import annotations

import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

from chiso.domain.access import Account, Role, in_scope
from chiso.domain.assessment import Assessment, Round, Status
from chiso.domain.tasks import TaskStatus
from chiso.errors import ChisoError, UsageError
from chiso.services.runtime import Runtime
from chiso.services.tasks import tracking
from chiso.store import accounts_repo, assessments_repo, notifications_repo, units_repo
from chiso.store.db import Session


@dataclass(frozen=True)
class Event:
    key: str
    section: str
    text: str
    unit_id: int | None = None
    """The unit the event is about: reporters hear only of their own units."""
    roles: frozenset[Role] = frozenset(Role)


@dataclass
class Digest:
    recipient: str
    name: str
    events: list[Event] = field(default_factory=list)

    def body(self, public_url: str) -> str:
        lines = [f"Kính gửi {self.name},", "", "chiso xin thông báo các việc cần chú ý:", ""]
        by_section: dict[str, list[Event]] = defaultdict(list)
        for e in self.events:
            by_section[e.section].append(e)
        for section, events in by_section.items():
            lines.append(section)
            lines += [f"  - {e.text}" for e in events]
            lines.append("")
        lines += [f"Xem chi tiết: {public_url}", "", "(Thư gửi tự động, vui lòng không trả lời.)"]
        return "\n".join(lines)


_REVIEWERS = frozenset({Role.ADMIN, Role.EVALUATOR})
_UNIT = frozenset({Role.REPORTER})


def events(rt: Runtime, today: date) -> list[Event]:
    found = _round_events(rt, today)
    for t in tracking.list_tasks(rt, today):
        due = t.standing.due
        if due is None or t.status is TaskStatus.DONE:
            continue
        lead, late = t.lead_id, t.standing.overdue_days
        if t.standing.overdue:
            text = f"{t.title} ({t.directive}) — {t.lead_name}: hạn {due:%d/%m/%Y}, đã quá {late} ngày."
            found.append(Event(f"task-overdue:{t.id}:{due}", "Nhiệm vụ quá hạn", text, lead))
        elif t.standing.due_soon:
            text = f"{t.title} ({t.directive}) — {t.lead_name}: đến hạn ngày {due:%d/%m/%Y}."
            found.append(Event(f"task-soon:{t.id}:{due}", "Nhiệm vụ sắp đến hạn", text, lead))
    return found


def _round_events(rt: Runtime, today: date) -> list[Event]:
    out: list[Event] = []
    with rt.db.transaction() as session:
        for r in assessments_repo.rounds(session):
            name = f"{r.framework_id} kỳ {r.period}"
            if r.opens_on <= today <= r.closes_on:
                text = (
                    f"Đợt tự đánh giá {name} đang nhận hồ sơ đến hết ngày {r.closes_on:%d/%m/%Y}."
                )
                key = f"round-open:{r.id}:{r.opens_on}"
                out.append(Event(key, "Tự đánh giá", text, roles=_UNIT | _REVIEWERS))
            left = (r.closes_on - today).days
            soon = rt.settings.reminder_days
            for a in assessments_repo.assessments(session, r.id):
                out += _file_events(r, a, name, left, soon)
    return out


def _file_events(r: Round, a: Assessment, name: str, left: int, soon: int) -> list[Event]:
    unit = a.unit
    out = []
    if a.status is Status.RETURNED:
        text = f"Hồ sơ {name} của {unit.name} bị trả lại: {a.comment}"
        key = f"returned:{a.id}:{a.updated_at:%Y%m%d%H%M%S}"
        out.append(Event(key, "Tự đánh giá", text, unit.id, _UNIT))
    if a.status is Status.SUBMITTED and a.submitted_at is not None:
        key = f"submitted:{a.id}:{a.submitted_at:%Y%m%d%H%M%S}"
        text = f"{unit.name} đã nộp hồ sơ {name}."
        out.append(Event(key, "Hồ sơ chờ thẩm định", text, unit.id, _REVIEWERS))
    if a.status.editable_by_unit and 0 <= left <= soon:
        text = (
            f"Còn {left} ngày đến hạn nộp hồ sơ {name} ({r.closes_on:%d/%m/%Y}); hồ sơ của "
            f"{unit.name} chưa nộp."
        )
        out.append(Event(f"closing:{r.id}:{unit.id}", "Tự đánh giá", text, unit.id, _UNIT))
    return out


def digests(rt: Runtime, today: date | None = None) -> list[Digest]:
    """What each person with an e-mail address has not been told yet."""
    found = events(rt, today or date.today())
    out = []
    with rt.db.transaction() as session:
        sent = notifications_repo.told(session, [e.key for e in found])
        for account in accounts_repo.with_email(session):
            address = str(account.email)
            digest = Digest(address, account.full_name)
            for e in found:
                if account.role not in e.roles or (address, e.key) in sent:
                    continue
                if account.role is Role.REPORTER and not _concerns(session, account, e):
                    continue
                digest.events.append(e)
            if digest.events:
                out.append(digest)
    return out


def _concerns(session: Session, account: Account, e: Event) -> bool:
    if e.unit_id is None:
        return True
    lineage = units_repo.lineage_ids(session, e.unit_id)
    return in_scope(Role.REPORTER, account.unit_id, lineage)


def send(rt: Runtime, today: date | None = None, dry_run: bool = False) -> list[Digest]:
    """Sends the digests and remembers what was sent (nothing is remembered for a failed one)."""
    pending = digests(rt, today)
    if dry_run or not pending:
        return pending
    s = rt.settings
    if not s.smtp_host:
        raise UsageError(
            "Chưa cấu hình máy chủ thư.",
            "SMTP host not configured",
            hint_vi="đặt CHISO_SMTP_HOST, CHISO_SMTP_PORT "
            "(và CHISO_SMTP_USER, CHISO_SMTP_PASSWORD nếu cần).",
        )
    try:
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            for digest in pending:
                smtp.send_message(_message(rt, digest))
                _remember(rt, digest)
    except (OSError, smtplib.SMTPException) as exc:
        raise ChisoError(
            f"Không gửi được thư qua {s.smtp_host}:{s.smtp_port}: {exc}",
            f"SMTP failed: {exc}",
            hint_vi="kiểm tra máy chủ thư và cấu hình CHISO_SMTP_*; "
            "thư chưa gửi sẽ được gửi lần sau.",
        ) from exc
    return pending


def _message(rt: Runtime, digest: Digest) -> EmailMessage:
    message = EmailMessage()
    message["From"] = rt.settings.mail_from
    message["To"] = digest.recipient
    message["Subject"] = f"[chiso] {len(digest.events)} việc cần chú ý về chuyển đổi số"
    message.set_content(digest.body(rt.settings.public_url))
    return message


def _remember(rt: Runtime, digest: Digest) -> None:
    with rt.db.transaction() as session:
        notifications_repo.remember(session, digest.recipient, [e.key for e in digest.events])
