"""The yearly self-assessment: a window per framework and period; each unit drafts and submits
its values with explanations and evidence; the council accepts or corrects each component,
returns or verifies; approval locks; publication turns the verified values into the official
ones the rankings read. Every step is audited."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from chiso.domain.access import Role
from chiso.domain.assessment import Move, Refusal, Status, check_move, moves_from, window_open
from chiso.domain.evaluation import UnitInput, evaluate
from chiso.domain.formatting import stored_value
from chiso.domain.frameworks import Framework, InputKind, Node
from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.errors import NotFound, ProblemList, RejectedInput, UsageError
from chiso.io.values_file import parse_fraction, parse_value
from chiso.services.accounts.actors import ADMIN, Actor, reaches
from chiso.services.assessments import evidence
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units.catalogue import resolve
from chiso.services.values.common import fields_of
from chiso.services.values.exchange import covered_units
from chiso.services.values.importer import ImportReport, Matched, apply_values
from chiso.store import units_repo
from chiso.store.models import Assessment, AssessmentItem, AssessmentRound, Unit, utcnow


@dataclass(frozen=True)
class RoundInfo:
    id: int
    framework_id: str
    framework_name: str
    period: str
    opens_on: date
    closes_on: date
    counts: dict[str, int]
    units: int | None
    """Units the round covers (None where a page does not need the count)."""
    on_time: int

    def is_open(self, today: date) -> bool:
        return window_open(self.opens_on, self.closes_on, today)


@dataclass(frozen=True)
class ItemView:
    node: Node
    self_value: dict[str, Any] | None
    explanation: str
    decision: str | None
    verified_value: dict[str, Any] | None
    reason: str
    self_points: float | None
    final_points: float | None
    files: list[evidence.Evidence]

    @property
    def self_text(self) -> str:
        return stored_value(self.self_value, self.node.input is InputKind.YES_NO)

    @property
    def verified_text(self) -> str:
        return stored_value(self.verified_value, self.node.input is InputKind.YES_NO)


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


def _framework_period(rt: Runtime, framework: str, period: str) -> tuple[Framework, Period]:
    return frameworks.resolve(rt, framework), parse_period(period)


def open_round(
    rt: Runtime, framework: str, period: str, opens_on: date, closes_on: date
) -> RoundInfo:
    """Opens the window, or moves it when the round exists (audited either way)."""
    chosen, when = _framework_period(rt, framework, period)
    if closes_on < opens_on:
        raise UsageError(
            f"Ngày đóng ({closes_on:%d/%m/%Y}) trước ngày mở ({opens_on:%d/%m/%Y}).",
            "window closes before it opens",
            hint_vi="đặt --closes sau --opens.",
        )
    with rt.db.transaction() as session:
        found = _round_row(session, chosen.id, str(when))
        before = None
        if found is None:
            found = AssessmentRound(
                framework_id=chosen.id, period=str(when), created_by=rt.actor,
                opens_on=opens_on, closes_on=closes_on,
            )  # fmt: skip
            session.add(found)
        else:
            before = {"opens_on": str(found.opens_on), "closes_on": str(found.closes_on)}
            found.opens_on, found.closes_on = opens_on, closes_on
        session.flush()
        after = {"opens_on": str(opens_on), "closes_on": str(closes_on)}
        units_repo.audit(session, rt.actor, "round.open", "round", _round_key(found), before, after)
        return _round_info(session, found, chosen)


def _round_key(r: AssessmentRound) -> str:
    return f"{r.framework_id}/{r.period}"


def _round_row(session: Session, framework_id: str, period: str) -> AssessmentRound | None:
    query = select(AssessmentRound).where(
        AssessmentRound.framework_id == framework_id, AssessmentRound.period == period
    )
    return session.scalar(query)


def _round_info(
    session: Session, r: AssessmentRound, framework: Framework, count_units: bool = True
) -> RoundInfo:
    rows = list(session.scalars(select(Assessment).where(Assessment.round_id == r.id)))
    counts = Counter(a.status for a in rows)
    units = len(covered_units(session, framework, Period.parse(r.period))) if count_units else None
    on_time = sum(
        1 for a in rows if a.submitted_at is not None and a.submitted_at.date() <= r.closes_on
    )
    return RoundInfo(
        r.id, r.framework_id, framework.name, r.period, r.opens_on, r.closes_on,
        dict(counts), units, on_time,
    )  # fmt: skip


def rounds(rt: Runtime) -> list[RoundInfo]:
    with rt.db.transaction() as session:
        found = session.scalars(select(AssessmentRound).order_by(AssessmentRound.id.desc()))
        return [_round_info(session, r, frameworks.resolve(rt, r.framework_id)) for r in found]


def find_round(rt: Runtime, framework: str, period: str) -> RoundInfo:
    chosen, when = _framework_period(rt, framework, period)
    with rt.db.transaction() as session:
        return _round_info(session, _round_or_fail(session, chosen, when), chosen)


def _round_or_fail(session: Session, framework: Framework, period: Period) -> AssessmentRound:
    found = _round_row(session, framework.id, str(period))
    if found is None:
        raise NotFound(
            f"Chưa mở đợt tự đánh giá {framework.id} kỳ {period}.",
            f"no assessment round {framework.id} {period}",
            hint_vi=f"mở đợt: chiso assess open --framework {framework.id} --period {period} "
            "--opens … --closes …",
        )
    return found


@dataclass(frozen=True)
class RosterRow:
    unit_key: str
    unit_name: str
    group: str
    status: Status
    submitted_at: datetime | None
    on_time: bool | None


def roster(rt: Runtime, framework: str, period: str, actor: Actor = ADMIN) -> list[RosterRow]:
    """Every unit the round covers (a reporter sees their own), with where its file stands."""
    chosen, when = _framework_period(rt, framework, period)
    with rt.db.transaction() as session:
        r = _round_or_fail(session, chosen, when)
        rows = session.scalars(select(Assessment).where(Assessment.round_id == r.id))
        by_unit = {a.unit_id: a for a in rows}
        out = []
        for unit, group in covered_units(session, chosen, when):
            if not reaches(session, actor, unit.id):
                continue
            a = by_unit.get(unit.id)
            at = a.submitted_at if a else None
            on_time = None if at is None else at.date() <= r.closes_on
            status = Status(a.status) if a else Status.DRAFT
            out.append(RosterRow(unit.key, unit.name, group, status, at, on_time))
    return sorted(out, key=lambda r: (r.group, r.unit_name))


def _load(
    session: Session, rt: Runtime, framework: str, period: str, unit: str, actor: Actor
) -> tuple[AssessmentRound, Framework, Assessment]:
    chosen, when = _framework_period(rt, framework, period)
    r = _round_or_fail(session, chosen, when)
    target = resolve(session, unit, on=when.end)
    if not reaches(session, actor, target.id):
        raise RejectedInput(
            f"{target.name} nằm ngoài phạm vi tài khoản {actor.name}.",
            "unit outside the account's scope",
        )
    covered = {u.id for u, _ in covered_units(session, chosen, when)}
    if target.id not in covered:
        raise RejectedInput(
            f"{target.name} không thuộc đối tượng của bộ chỉ số {chosen.id}.",
            f"unit {target.key} not covered by {chosen.id}",
        )
    query = (
        select(Assessment)
        .where(Assessment.round_id == r.id, Assessment.unit_id == target.id)
        .options(selectinload(Assessment.items), selectinload(Assessment.unit))
    )
    found = session.scalar(query)
    if found is None:
        found = Assessment(
            round_id=r.id, unit_id=target.id, status=Status.DRAFT.value, updated_by=actor.name
        )
        session.add(found)
        session.flush()
        session.refresh(found)
    return r, chosen, found


def _leaves(framework: Framework, unit: Unit) -> list[Node]:
    return [n for n in framework.leaves() if n.applies(unit.kind) and n.max_points > 0]


def view(
    rt: Runtime, framework: str, period: str, unit: str, actor: Actor = ADMIN
) -> AssessmentView:
    with rt.db.transaction() as session:
        r, chosen, a = _load(session, rt, framework, period, unit, actor)
        return _view(session, r, chosen, a, actor)


def _view(
    session: Session, r: AssessmentRound, framework: Framework, a: Assessment, actor: Actor
) -> AssessmentView:
    items = {i.indicator: i for i in a.items}
    leaves = _leaves(framework, a.unit)
    files = evidence.of_owners(
        session, [f"item:{items[n.code].id}" for n in leaves if n.code in items]
    )
    self_scores = _scores(framework, a.unit, {c: i.self_value for c, i in items.items()})
    final_scores = _scores(framework, a.unit, {c: _final(i) for c, i in items.items()})
    rows = []
    for node in leaves:
        item = items.get(node.code)
        rows.append(
            ItemView(
                node,
                item.self_value if item else None,
                (item.explanation or "") if item else "",
                item.decision if item else None,
                item.verified_value if item else None,
                (item.reason or "") if item else "",
                self_scores.get(node.code),
                final_scores.get(node.code),
                files.get(f"item:{item.id}", []) if item else [],
            )
        )
    status = Status(a.status)
    view = AssessmentView(
        _round_info(session, r, framework, count_units=False), a.unit.key, a.unit.name, status, a.comment or "",
        a.submitted_at, rows, moves=moves_from(status, actor.role),
    )  # fmt: skip
    view.self_total = sum(x for x in self_scores.values() if x is not None)
    view.final_total = sum(x for x in final_scores.values() if x is not None)
    view.max_total = sum(n.max_points for n in leaves)
    return view


def _final(item: AssessmentItem) -> dict[str, Any] | None:
    return item.verified_value if item.decision == "adjusted" else item.self_value


def _scores(
    framework: Framework, unit: Unit, values: dict[str, dict[str, Any] | None]
) -> dict[str, float | None]:
    supplied = {c: _value(v) for c, v in values.items() if v is not None}
    result = evaluate(framework, [UnitInput(unit.key, unit.name, unit.kind, values=supplied)])
    scores = result.results[0].scores
    return {c: scores[c].points if scores[c].supplied else None for c in supplied if c in scores}


def _value(fields: dict[str, Any]) -> Value:
    return Value(
        fields.get("number"), fields.get("numerator"), fields.get("denominator"),
        fields.get("text"), fields.get("index_value"),
    )  # fmt: skip


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
    rt: Runtime, framework: str, period: str, unit: str, entries: dict[str, Entry],
    actor: Actor = ADMIN,
) -> AssessmentView:  # fmt: skip
    """Stores the unit's draft: everything is checked first and nothing is kept if any value or
    file is refused."""
    with rt.db.transaction() as session:
        r, chosen, a = _load(session, rt, framework, period, unit, actor)
        status = Status(a.status)
        if actor.role not in {Role.REPORTER, Role.ADMIN} or not status.editable_by_unit:
            raise RejectedInput(
                f"Không sửa được hồ sơ của {a.unit.name} khi đang '{status.label_vi.lower()}'.",
                f"assessment is {status}; self values are locked",
                hint_vi="chỉ sửa khi hồ sơ đang soạn hoặc bị trả lại; hồ sơ đã phê duyệt cần "
                "quản trị hủy phê duyệt.",
            )
        leaves = {n.code: n for n in _leaves(chosen, a.unit)}
        problems = ProblemList()
        items = {i.indicator: i for i in a.items}
        for code, entry in entries.items():
            _save_entry(session, rt, a, items, leaves, code, entry, problems, actor)
        problems.raise_if_any(f"hồ sơ tự đánh giá {a.unit.name}")
        a.updated_at, a.updated_by = utcnow(), actor.name
        session.flush()
        session.expire(a, ["items"])
        return _view(session, r, chosen, a, actor)


def _save_entry(
    session: Session, rt: Runtime, a: Assessment, items: dict[str, AssessmentItem],
    leaves: dict[str, Node], code: str, entry: Entry, problems: ProblemList, actor: Actor,
) -> None:  # fmt: skip
    node = leaves.get(code)
    if node is None:
        problems.add(code, f"chỉ số {code} không có trong bộ chỉ số cho đơn vị này", "unknown code")
        return
    value = None
    if entry.value and entry.value.strip():
        value = parse_entry(f"{code} {node.name}", entry.value.strip(), node, problems)
        if value is None:
            return
    item = items.get(code)
    if item is None:
        item = AssessmentItem(assessment_id=a.id, indicator=code, updated_by=actor.name)
        session.add(item)
        items[code] = item
    new_value = item.self_value if entry.value is None else fields_of(value) if value else None
    new_text = item.explanation if entry.explanation is None else entry.explanation.strip() or None
    before = {"value": item.self_value, "explanation": item.explanation}
    after = {"value": new_value, "explanation": new_text}
    if before != after:
        item.self_value, item.explanation = new_value, new_text
        item.updated_at, item.updated_by = utcnow(), actor.name
        units_repo.audit(session, actor.name, "assessment.self", "assessment_item",
                         f"{_round_key(a.round)}/{a.unit.key}/{code}", before, after)  # fmt: skip
    session.flush()
    for name, data in entry.files:
        try:
            evidence.add(session, rt, f"item:{item.id}", name, data)
        except RejectedInput as exc:
            problems.add(f"{code}, tệp {name}", exc.message_vi, exc.message_en, exc.hint_vi)


def review(
    rt: Runtime, framework: str, period: str, unit: str, code: str, accept: bool,
    value: str = "", reason: str = "", actor: Actor = ADMIN,
) -> AssessmentView:  # fmt: skip
    """The council's finding on one component: accepted as claimed, or a verified value and why."""
    with rt.db.transaction() as session:
        r, chosen, a = _reviewable(session, rt, framework, period, unit, actor)
        _rule(
            session, r, chosen, a, actor, code, _finding_for(chosen, a, code, accept, value, reason)
        )
        return _view(session, r, chosen, a, actor)


def accept_pending(
    rt: Runtime, framework: str, period: str, unit: str, actor: Actor = ADMIN
) -> AssessmentView:
    """Accepts, as claimed, every filled component the council has not ruled on yet."""
    with rt.db.transaction() as session:
        r, chosen, a = _reviewable(session, rt, framework, period, unit, actor)
        pending = [i.indicator for i in a.items if i.self_value is not None and i.decision is None]
        for code in pending:
            _rule(session, r, chosen, a, actor, code, _finding_for(chosen, a, code, True, "", ""))
        return _view(session, r, chosen, a, actor)


def _reviewable(
    session: Session, rt: Runtime, framework: str, period: str, unit: str, actor: Actor
) -> tuple[AssessmentRound, Framework, Assessment]:
    r, chosen, a = _load(session, rt, framework, period, unit, actor)
    status = Status(a.status)
    if actor.role not in {Role.EVALUATOR, Role.ADMIN} or status is not Status.SUBMITTED:
        raise RejectedInput(
            f"Chỉ hội đồng thẩm định được xét hồ sơ đã nộp ({a.unit.name} đang "
            f"'{status.label_vi.lower()}').",
            "only evaluators review submitted assessments",
        )
    return r, chosen, a


def _finding_for(
    framework: Framework, a: Assessment, code: str, accept: bool, value: str, reason: str
) -> dict[str, Any]:
    node = {n.code: n for n in _leaves(framework, a.unit)}.get(code)
    if node is None:
        raise NotFound(f"Không có chỉ số {code} trong hồ sơ.", f"no component {code}")
    return _finding(node, accept, value, reason)


def _rule(
    session: Session, r: AssessmentRound, framework: Framework, a: Assessment, actor: Actor,
    code: str, after: dict[str, Any],
) -> None:  # fmt: skip
    item = next((i for i in a.items if i.indicator == code), None)
    if item is None:
        item = AssessmentItem(assessment_id=a.id, indicator=code, updated_by=actor.name)
        session.add(item)
    before = {"decision": item.decision, "value": item.verified_value, "reason": item.reason}
    item.decision, item.verified_value, item.reason = (
        after["decision"],
        after["value"],
        after["reason"],
    )
    item.updated_at, item.updated_by = utcnow(), actor.name
    units_repo.audit(session, actor.name, "assessment.review", "assessment_item",
                     f"{_round_key(r)}/{a.unit.key}/{code}", before, after)  # fmt: skip
    session.flush()
    session.expire(a, ["items"])


def _finding(node: Node, accept: bool, value: str, reason: str) -> dict[str, Any]:
    if accept:
        return {"decision": "accepted", "value": None, "reason": reason.strip() or None}
    problems = ProblemList()
    parsed = parse_entry(f"{node.code} {node.name}", value.strip(), node, problems)
    problems.raise_if_any("kết quả thẩm định")
    if not reason.strip():
        raise RejectedInput(
            f"Cần ghi lý do khi điều chỉnh giá trị chỉ số {node.code}.", "adjustment needs a reason"
        )
    assert parsed is not None
    return {"decision": "adjusted", "value": fields_of(parsed), "reason": reason.strip()}


def move(
    rt: Runtime, framework: str, period: str, unit: str, step: Move, reason: str = "",
    actor: Actor = ADMIN, today: date | None = None,
) -> AssessmentView:  # fmt: skip
    """One step of the cycle, refused with the reason when the state or the role does not allow it."""
    today = today or date.today()
    with rt.db.transaction() as session:
        r, chosen, a = _load(session, rt, framework, period, unit, actor)
        status = Status(a.status)
        outcome = check_move(
            status, step, actor.role, reason, window_open(r.opens_on, r.closes_on, today)
        )
        if isinstance(outcome, Refusal):
            raise RejectedInput(
                f"{a.unit.name}: {outcome.message_vi}.", outcome.message_en,
                hint_vi=_hint(status, actor.role),
            )  # fmt: skip
        _precondition(a, chosen, step)
        a.status = outcome.value
        if step is Move.SUBMIT:
            a.submitted_at, a.comment = utcnow(), None
        if step in {Move.RETURN, Move.UNAPPROVE}:
            a.comment = reason.strip()
        a.updated_at, a.updated_by = utcnow(), actor.name
        if step is Move.PUBLISH:
            _publish_values(session, actor, chosen, r, a)
        units_repo.audit(session, actor.name, f"assessment.{step.value}", "assessment",
                         f"{_round_key(r)}/{a.unit.key}", {"status": status.value},
                         {"status": outcome.value, "reason": reason.strip() or None})  # fmt: skip
        session.flush()
        return _view(session, r, chosen, a, actor)


def _hint(status: Status, role: Role) -> str:
    allowed = moves_from(status, role)
    if not allowed:
        return "tài khoản này không có bước nào được làm ở trạng thái hiện tại."
    return "các bước được làm lúc này: " + ", ".join(m.label_vi.lower() for m in allowed) + "."


def _precondition(a: Assessment, framework: Framework, step: Move) -> None:
    filled = [i for i in a.items if i.self_value is not None]
    if step is Move.SUBMIT and not filled:
        raise RejectedInput(
            f"{a.unit.name}: hồ sơ chưa có giá trị tự đánh giá nào.", "nothing to submit",
            hint_vi="nhập giá trị và giải trình cho các chỉ số rồi nộp.",
        )  # fmt: skip
    if step is Move.VERIFY:
        pending = [i.indicator for i in filled if i.decision is None]
        if pending:
            raise RejectedInput(
                f"{a.unit.name}: còn {len(pending)} chỉ số chưa thẩm định ({', '.join(pending[:8])}).",
                "components without a finding",
                hint_vi="chấp nhận hoặc điều chỉnh từng chỉ số trước khi xác nhận.",
            )


def _publish_values(
    session: Session, actor: Actor, framework: Framework, r: AssessmentRound, a: Assessment
) -> None:
    period = Period.parse(r.period)
    matched = [
        Matched(a.unit_id, a.unit.key, a.unit.name, period, i.indicator, _value(final))
        for i in a.items
        if (final := _final(i)) is not None
    ]
    report = ImportReport(f"assessment {r.id}", framework.id, len(matched))
    ref = f"Tự đánh giá {framework.id} {r.period}, đã thẩm định và phê duyệt"
    apply_values(session, actor.name, framework, matched, ref, "assessment", report)
