"""The life of one unit's self-assessment, and who may move it: the ranking decides leaders'
appraisal, so every step is taken by the role answerable for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from chiso.domain.access import Role
from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.domain.units import Unit


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VERIFIED = "verified"
    APPROVED = "approved"
    PUBLISHED = "published"

    @property
    def label_vi(self) -> str:
        return STATUS_LABELS[self]

    @property
    def editable_by_unit(self) -> bool:
        return self in {Status.DRAFT, Status.RETURNED}


STATUS_LABELS = {
    Status.DRAFT: "Đang soạn",
    Status.SUBMITTED: "Đã nộp, chờ thẩm định",
    Status.RETURNED: "Bị trả lại để bổ sung",
    Status.VERIFIED: "Đã thẩm định",
    Status.APPROVED: "Đã phê duyệt (khóa)",
    Status.PUBLISHED: "Đã công bố",
}


class Move(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    VERIFY = "verify"
    APPROVE = "approve"
    UNAPPROVE = "unapprove"
    PUBLISH = "publish"

    @property
    def label_vi(self) -> str:
        return MOVE_LABELS[self]


MOVE_LABELS = {
    Move.SUBMIT: "Nộp để thẩm định",
    Move.RETURN: "Trả lại để bổ sung",
    Move.VERIFY: "Xác nhận đã thẩm định",
    Move.APPROVE: "Phê duyệt kết quả",
    Move.UNAPPROVE: "Hủy phê duyệt",
    Move.PUBLISH: "Công bố",
}

_UNIT = frozenset({Role.REPORTER, Role.ADMIN})
_COUNCIL = frozenset({Role.EVALUATOR, Role.ADMIN})

TRANSITIONS: dict[tuple[Status, Move], tuple[Status, frozenset[Role]]] = {
    (Status.DRAFT, Move.SUBMIT): (Status.SUBMITTED, _UNIT),
    (Status.RETURNED, Move.SUBMIT): (Status.SUBMITTED, _UNIT),
    (Status.SUBMITTED, Move.RETURN): (Status.RETURNED, _COUNCIL),
    (Status.VERIFIED, Move.RETURN): (Status.RETURNED, _COUNCIL),
    (Status.SUBMITTED, Move.VERIFY): (Status.VERIFIED, _COUNCIL),
    (Status.VERIFIED, Move.APPROVE): (Status.APPROVED, _COUNCIL),
    (Status.APPROVED, Move.UNAPPROVE): (Status.VERIFIED, frozenset({Role.ADMIN})),
    (Status.APPROVED, Move.PUBLISH): (Status.PUBLISHED, frozenset({Role.ADMIN})),
}

NEEDS_REASON = frozenset({Move.RETURN, Move.UNAPPROVE})


@dataclass(frozen=True)
class Refusal:
    message_vi: str
    message_en: str


def moves_from(status: Status, role: Role) -> list[Move]:
    """The buttons a person with `role` sees on an assessment in `status`."""
    return [m for (s, m), (_to, roles) in TRANSITIONS.items() if s is status and role in roles]


def check_move(
    status: Status, move: Move, role: Role, reason: str = "", window_open: bool = True
) -> Status | Refusal:
    """The next status, or why the move is refused."""
    found = TRANSITIONS.get((status, move))
    if found is None:
        return Refusal(
            f"không thể '{move.label_vi.lower()}' khi hồ sơ đang ở trạng thái "
            f"'{status.label_vi.lower()}'",
            f"cannot {move} an assessment that is {status}",
        )
    target, roles = found
    if role not in roles:
        allowed = ", ".join(r.label_vi for r in sorted(roles))
        return Refusal(
            f"vai trò {role.label_vi} không được '{move.label_vi.lower()}' (chỉ: {allowed})",
            f"role {role} may not {move}",
        )
    if move in NEEDS_REASON and not reason.strip():
        return Refusal("cần ghi lý do", f"{move} needs a reason")
    if move is Move.SUBMIT and status is Status.DRAFT and not window_open and role is Role.REPORTER:
        return Refusal(
            "đã hết hoặc chưa đến thời hạn nộp hồ sơ tự đánh giá",
            "submission window is closed",
        )
    return target


def window_open(opens_on: date, closes_on: date, today: date) -> bool:
    return opens_on <= today <= closes_on


@dataclass(frozen=True)
class Round:
    """One framework's self-assessment for one period, with its submission window."""

    id: int
    framework_id: str
    period: Period
    opens_on: date
    closes_on: date

    @property
    def key(self) -> str:
        """How the audit log names the round."""
        return f"{self.framework_id}/{self.period}"


@dataclass(frozen=True)
class Assessment:
    """One unit's file in a round."""

    id: int
    round_id: int
    unit: Unit
    status: Status
    comment: str | None
    submitted_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class Item:
    """One component: what the unit claims (self) and what the council found (verified)."""

    id: int
    indicator: str
    self_value: Value | None
    explanation: str | None
    decision: str | None
    verified_value: Value | None
    reason: str | None

    @property
    def final(self) -> Value | None:
        """The value that counts: the council's where it adjusted, the unit's otherwise."""
        return self.verified_value if self.decision == "adjusted" else self.self_value
