"""The life of one unit's self-assessment, and who may move it: the ranking decides leaders'
appraisal, so every step is taken by the role answerable for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chiso.domain.access import Role


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
