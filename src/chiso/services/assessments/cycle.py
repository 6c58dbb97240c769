"""The yearly self-assessment of one unit: it drafts and submits its values with explanations
and evidence; the council accepts or corrects each component, returns or verifies; approval
locks; publication turns the verified values into the official ones the rankings read. Every
step is audited under the acting account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from chiso.domain.access import Role
from chiso.domain.assessment import (
    Assessment,
    Item,
    Move,
    Refusal,
    Round,
    Status,
    check_move,
    moves_from,
    window_open,
)
from chiso.domain.evaluation import UnitInput, evaluate
from chiso.domain.evidence import Evidence
from chiso.domain.formatting import value_text
from chiso.domain.frameworks import Framework, InputKind, Node
from chiso.domain.scoring import Value
from chiso.domain.units import Unit
from chiso.errors import NotFound, ProblemList, RejectedInput
from chiso.io.values_file import parse_fraction, parse_value
from chiso.services.accounts.actors import ensure_reaches
from chiso.services.assessments import evidence
from chiso.services.assessments.rounds import RoundInfo, framework_period, round_info, round_or_fail
from chiso.services.runtime import Runtime
from chiso.services.units.resolver import find_unit
from chiso.services.values.changes import ImportReport, Matched, apply_values
from chiso.services.values.reporting import covered_units
from chiso.store import assessments_repo, audit_repo
from chiso.store.db import Session
from chiso.store.values_repo import fields


@dataclass(frozen=True)
class ItemView:
    node: Node
    self_value: Value | None
    explanation: str
    decision: str | None
    verified_value: Value | None
    reason: str
    self_points: float | None
    final_points: float | None
    files: list[Evidence]

    @property
    def self_text(self) -> str:
        return value_text(self.self_value, self.node.input is InputKind.YES_NO)

    @property
    def verified_text(self) -> str:
        return value_text(self.verified_value, self.node.input is InputKind.YES_NO)


@dataclass
class AssessmentView:
    round: RoundInfo
    unit_key: str
    unit_name: str
    status: Status
    comment: str
    submitted_at: datetime | None
    items: list[ItemView]
    self_total: float = 0.0
    final_total: float = 0.0
    max_total: float = 0.0
    moves: list[Move] = field(default_factory=list)

    @property
    def filled(self) -> int:
        return sum(1 for i in self.items if i.self_value is not None)


@dataclass(frozen=True)
class _File:
    """A unit's file as a use case works on it."""

    round: Round
    framework: Framework
    assessment: Assessment
    items: dict[str, Item]

    @property
    def unit(self) -> Unit:
        return self.assessment.unit

    def key(self, code: str | None = None) -> str:
        """How the audit log names the file, or one of its components."""
        base = f"{self.round.key}/{self.unit.key}"
        return f"{base}/{code}" if code else base


def _load(
    session: Session, rt: Runtime, framework: str, period: str, unit: str, create: bool = True
) -> _File:
    """The unit's file; a file never started is created only by a step that writes (`create`),
    and looked at as an empty draft otherwise."""
    chosen, when = framework_period(rt, framework, period)
    r = round_or_fail(session, chosen, when)
    target = find_unit(session, unit, when.end)
    ensure_reaches(session, rt.actor, target)
    if target.id not in {u.id for u, _ in covered_units(session, chosen, when)}:
        raise RejectedInput(
            f"{target.name} không thuộc đối tượng của bộ chỉ số {chosen.id}.",
            f"unit {target.key} not covered by {chosen.id}",
        )
    found = assessments_repo.assessment_of(session, r.id, target.id)
    if found is None and not create:
        return _File(r, chosen, _unstarted(r, target), {})
    if found is None:
        found = assessments_repo.add_assessment(session, r.id, target.id, rt.actor)
    return _reload(session, r, chosen, found)


def _unstarted(r: Round, unit: Unit) -> Assessment:
    """A file nobody has written to yet, as it would start: an empty draft (not stored)."""
    return Assessment(0, r.id, unit, Status.DRAFT, None, None, datetime.now(UTC))


def _reload(session: Session, r: Round, framework: Framework, a: Assessment) -> _File:
    current = assessments_repo.assessment_of(session, r.id, a.unit.id) or a
    items = {i.indicator: i for i in assessments_repo.items_of(session, a.id)}
    return _File(r, framework, current, items)


def _leaves(framework: Framework, unit: Unit) -> list[Node]:
    return [n for n in framework.leaves() if n.applies(unit.kind) and n.max_points > 0]


def view(rt: Runtime, framework: str, period: str, unit: str) -> AssessmentView:
    with rt.db.transaction(commit=False) as session:
        return _view(session, rt, _load(session, rt, framework, period, unit, create=False))


def _view(session: Session, rt: Runtime, f: _File) -> AssessmentView:
    leaves = _leaves(f.framework, f.unit)
    owners = [f"item:{f.items[n.code].id}" for n in leaves if n.code in f.items]
    files = evidence.of_owners(session, owners)
    self_scores = _scores(f.framework, f.unit, {c: i.self_value for c, i in f.items.items()})
    final_scores = _scores(f.framework, f.unit, {c: i.final for c, i in f.items.items()})
    rows = [_item_view(n, f.items.get(n.code), self_scores, final_scores, files) for n in leaves]
    a = f.assessment
    result = AssessmentView(
        round_info(session, f.round, f.framework, count_units=False),
        f.unit.key,
        f.unit.name,
        a.status,
        a.comment or "",
        a.submitted_at,
        rows,
        moves=moves_from(a.status, rt.actor.role),
    )
    result.self_total = sum(x for x in self_scores.values() if x is not None)
    result.final_total = sum(x for x in final_scores.values() if x is not None)
    result.max_total = sum(n.max_points for n in leaves)
    return result


def _item_view(
    node: Node,
    item: Item | None,
    self_scores: dict[str, float | None],
    final_scores: dict[str, float | None],
    files: dict[str, list[Evidence]],
) -> ItemView:
    if item is None:
        return ItemView(node, None, "", None, None, "", None, None, [])
    return ItemView(
        node,
        item.self_value,
        item.explanation or "",
        item.decision,
        item.verified_value,
        item.reason or "",
        self_scores.get(node.code),
        final_scores.get(node.code),
        files.get(f"item:{item.id}", []),
    )


def _scores(
    framework: Framework, unit: Unit, values: dict[str, Value | None]
) -> dict[str, float | None]:
    supplied = {c: v for c, v in values.items() if v is not None}
    result = evaluate(framework, [UnitInput(unit.key, unit.name, unit.kind, values=supplied)])
    scores = result.results[0].scores
    return {c: scores[c].points if scores[c].supplied else None for c in supplied if c in scores}


def parse_entry(where: str, text: str, node: Node, problems: ProblemList) -> Value | None:
    """A value typed in a form: "45/50" for a rate's numerator and denominator, otherwise as in
    an import file ("31,14%", "có", "12")."""
    if node.input is InputKind.RATE and "/" in text:
        numerator, _, denominator = text.partition("/")
        return parse_fraction(
            (where, where), (numerator.strip(), denominator.strip()), node, problems
        )
    return parse_value(where, text, node, problems)


@dataclass(frozen=True)
class Entry:
    """What a unit says about one component: a value as typed, an explanation, files. A value
    or explanation left None keeps what is stored; an empty one clears it."""

    value: str | None = ""
    explanation: str | None = ""
    files: tuple[tuple[str, bytes], ...] = ()


def save_self(
    rt: Runtime, framework: str, period: str, unit: str, entries: dict[str, Entry]
) -> AssessmentView:
    """Stores the unit's draft: everything is checked first and nothing is kept if any value or
    file is refused."""
    with evidence.staged(rt.settings) as blobs, rt.db.transaction() as session:
        f = _load(session, rt, framework, period, unit)
        a = f.assessment
        if rt.actor.role not in {Role.REPORTER, Role.ADMIN} or not a.status.editable_by_unit:
            raise RejectedInput(
                f"Không sửa được hồ sơ của {f.unit.name} khi đang '{a.status.label_vi.lower()}'.",
                f"assessment is {a.status}; self values are locked",
                hint_vi="chỉ sửa khi hồ sơ đang soạn hoặc bị trả lại; hồ sơ đã phê duyệt cần "
                "quản trị hủy phê duyệt.",
            )
        leaves = {n.code: n for n in _leaves(f.framework, f.unit)}
        problems = ProblemList()
        for code, entry in entries.items():
            _save_entry(session, rt, blobs, f, leaves.get(code), code, entry, problems)
        if problems:  # typed in a form, not a file: say what was not saved
            raise RejectedInput(
                f"Hồ sơ tự đánh giá của {f.unit.name} chưa lưu được: "
                f"{len(problems.problems)} lỗi, không có gì được lưu.",
                f"self-assessment of {f.unit.key} not saved: {len(problems.problems)} problems",
                hint_vi="sửa các ô được nêu rồi lưu lại.",
                problems=problems.problems,
            )
        blobs.write()
        assessments_repo.set_state(session, a.id, (a.status, a.comment, a.submitted_at), rt.actor)
        return _view(session, rt, _reload(session, f.round, f.framework, a))


def _save_entry(
    session: Session,
    rt: Runtime,
    blobs: evidence.Blobs,
    f: _File,
    node: Node | None,
    code: str,
    entry: Entry,
    problems: ProblemList,
) -> None:
    if node is None:
        problems.add(code, f"chỉ số {code} không có trong bộ chỉ số cho đơn vị này", "unknown code")
        return
    value = None
    if entry.value and entry.value.strip():
        value = parse_entry(f"{code} {node.name}", entry.value.strip(), node, problems)
        if value is None:
            return
    item = f.items.get(code)
    old_value, old_text = (item.self_value, item.explanation) if item else (None, None)
    new_value = old_value if entry.value is None else value
    new_text = old_text if entry.explanation is None else entry.explanation.strip() or None
    if item is None or (old_value, old_text) != (new_value, new_text):
        item = assessments_repo.save_claim(
            session, f.assessment.id, code, (new_value, new_text), rt.actor
        )
    if (old_value, old_text) != (new_value, new_text):
        before = {"value": _json(old_value), "explanation": old_text}
        after = {"value": _json(new_value), "explanation": new_text}
        audit_repo.record(
            session, rt.actor, "assessment.self", "assessment_item", f.key(code), before, after
        )
    for name, data in entry.files:
        try:
            evidence.add(session, rt, blobs, f"item:{item.id}", name, data)
        except RejectedInput as exc:
            problems.add(f"{code}, tệp {name}", exc.message_vi, exc.message_en, exc.hint_vi)


def _json(value: Value | None) -> dict[str, Any] | None:
    return fields(value) if value else None


def review(
    rt: Runtime,
    framework: str,
    period: str,
    unit: str,
    code: str,
    accept: bool,
    value: str = "",
    reason: str = "",
) -> AssessmentView:
    """The council's finding on one component: accepted as claimed, or a verified value and why."""
    with rt.db.transaction() as session:
        f = _reviewable(session, rt, framework, period, unit)
        _rule(session, rt, f, code, _finding_for(f, code, accept, value, reason))
        return _view(session, rt, _reload(session, f.round, f.framework, f.assessment))


def accept_pending(rt: Runtime, framework: str, period: str, unit: str) -> AssessmentView:
    """Accepts, as claimed, every filled component the council has not ruled on yet."""
    with rt.db.transaction() as session:
        f = _reviewable(session, rt, framework, period, unit)
        pending = [c for c, i in f.items.items() if i.self_value is not None and i.decision is None]
        for code in pending:
            _rule(session, rt, f, code, _finding_for(f, code, True, "", ""))
        return _view(session, rt, _reload(session, f.round, f.framework, f.assessment))


def _reviewable(session: Session, rt: Runtime, framework: str, period: str, unit: str) -> _File:
    f = _load(session, rt, framework, period, unit)
    status = f.assessment.status
    if rt.actor.role not in {Role.EVALUATOR, Role.ADMIN} or status is not Status.SUBMITTED:
        raise RejectedInput(
            f"Chỉ hội đồng thẩm định được xét hồ sơ đã nộp ({f.unit.name} đang "
            f"'{status.label_vi.lower()}').",
            "only evaluators review submitted assessments",
        )
    return f


Finding = tuple[str, Value | None, str | None]
"""(decision, verified value, reason)."""


def _finding_for(f: _File, code: str, accept: bool, value: str, reason: str) -> Finding:
    node = {n.code: n for n in _leaves(f.framework, f.unit)}.get(code)
    if node is None:
        raise NotFound(f"Không có chỉ số {code} trong hồ sơ.", f"no component {code}")
    if accept:
        return ("accepted", None, reason.strip() or None)
    problems = ProblemList()
    parsed = parse_entry(f"{node.code} {node.name}", value.strip(), node, problems)
    problems.raise_if_any("kết quả thẩm định")
    if not reason.strip():
        raise RejectedInput(
            f"Cần ghi lý do khi điều chỉnh giá trị chỉ số {node.code}.", "adjustment needs a reason"
        )
    return ("adjusted", parsed, reason.strip())


def _rule(session: Session, rt: Runtime, f: _File, code: str, finding: Finding) -> None:
    item = f.items.get(code)
    before = {
        "decision": item.decision if item else None,
        "value": _json(item.verified_value) if item else None,
        "reason": item.reason if item else None,
    }
    f.items[code] = assessments_repo.save_finding(session, f.assessment.id, code, finding, rt.actor)
    decision, value, reason = finding
    after = {"decision": decision, "value": _json(value), "reason": reason}
    audit_repo.record(
        session, rt.actor, "assessment.review", "assessment_item", f.key(code), before, after
    )


def move(
    rt: Runtime,
    framework: str,
    period: str,
    unit: str,
    step: Move,
    reason: str = "",
    today: date | None = None,
) -> AssessmentView:
    """One step of the cycle, refused with the reason when the state or the role does not allow it."""
    today = today or date.today()
    with rt.db.transaction(write=step is Move.PUBLISH) as session:
        f = _load(session, rt, framework, period, unit)
        status, role = f.assessment.status, rt.actor.role
        is_open = window_open(f.round.opens_on, f.round.closes_on, today)
        outcome = check_move(status, step, role, reason, is_open)
        if isinstance(outcome, Refusal):
            raise RejectedInput(
                f"{f.unit.name}: {outcome.message_vi}.",
                outcome.message_en,
                hint_vi=_hint(status, role),
            )
        _precondition(f, step)
        assessments_repo.set_state(
            session, f.assessment.id, _state(f, step, outcome, reason), rt.actor
        )
        if step is Move.PUBLISH:
            _publish_values(session, rt, f)
        audit_repo.record(
            session,
            rt.actor,
            f"assessment.{step.value}",
            "assessment",
            f.key(),
            {"status": status.value},
            {"status": outcome.value, "reason": reason.strip() or None},
        )
        return _view(session, rt, _reload(session, f.round, f.framework, f.assessment))


def _state(
    f: _File, step: Move, outcome: Status, reason: str
) -> tuple[Status, str | None, datetime | None]:
    """The file's status, comment and submission time after the step."""
    a = f.assessment
    if step is Move.SUBMIT:
        return outcome, None, datetime.now(UTC)
    if step in {Move.RETURN, Move.UNAPPROVE}:
        return outcome, reason.strip(), a.submitted_at
    return outcome, a.comment, a.submitted_at


def _hint(status: Status, role: Role) -> str:
    allowed = moves_from(status, role)
    if not allowed:
        return "tài khoản này không có bước nào được làm ở trạng thái hiện tại."
    return "các bước được làm lúc này: " + ", ".join(m.label_vi.lower() for m in allowed) + "."


def _precondition(f: _File, step: Move) -> None:
    filled = [i for i in f.items.values() if i.self_value is not None]
    if step is Move.SUBMIT and not filled:
        raise RejectedInput(
            f"{f.unit.name}: hồ sơ chưa có giá trị tự đánh giá nào.",
            "nothing to submit",
            hint_vi="nhập giá trị và giải trình cho các chỉ số rồi nộp.",
        )
    if step is Move.VERIFY:
        pending = [i.indicator for i in filled if i.decision is None]
        if pending:
            raise RejectedInput(
                f"{f.unit.name}: còn {len(pending)} chỉ số chưa thẩm định ({', '.join(pending[:8])}).",
                "components without a finding",
                hint_vi="chấp nhận hoặc điều chỉnh từng chỉ số trước khi xác nhận.",
            )


def _publish_values(session: Session, rt: Runtime, f: _File) -> None:
    unit = f.unit
    matched = [
        Matched(unit.id, unit.key, unit.name, f.round.period, code, final)
        for code, item in f.items.items()
        if (final := item.final) is not None
    ]
    report = ImportReport(f"assessment {f.round.id}", f.framework.id, len(matched))
    ref = f"Tự đánh giá {f.framework.id} {f.round.period}, đã thẩm định và phê duyệt"
    # The verified values are the evaluator's decision: they replace computed ones too.
    apply_values(session, rt.actor, f.framework, matched, ref, "assessment", report, replace=True)
