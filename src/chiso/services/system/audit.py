"""The audit log as people read it: who (by name), when, what (the unit, indicator and period by
their names), old → new, from which file; filtered by unit, indicator, person and dates, a page
at a time. Also one value's chain of changes for the unit page ("lịch sử số liệu")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chiso.domain.access import SYSTEM, Role
from chiso.domain.audit import AuditRecord
from chiso.domain.formatting import VIETNAM, value_text
from chiso.domain.frameworks import InputKind
from chiso.domain.periods import Period, PeriodError
from chiso.errors import ChisoError
from chiso.services.accounts.actors import ensure_reaches
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units.resolver import find_unit
from chiso.store import accounts_repo, audit_repo, units_repo
from chiso.store.db import Session
from chiso.store.values_repo import value_of

PER_PAGE = 50
NOT_ACCOUNTS = {SYSTEM.name: "Dòng lệnh trên máy chủ (cli)"}
"""Actors that are not accounts, by what they are."""
ACTIONS = {
    "value.set": "Ghi số liệu",
    "unit.create": "Thêm đơn vị",
    "unit.update": "Sửa đơn vị",
    "units.seed": "Nạp danh mục đơn vị",
    "user.create": "Tạo tài khoản",
    "user.update": "Sửa tài khoản",
    "user.role": "Đổi vai trò",
    "user.password": "Đặt mật khẩu mới",
    "user.activate": "Mở lại tài khoản",
    "user.deactivate": "Khóa tài khoản",
    "user.email": "Đổi thư điện tử",
    "token.create": "Tạo mã truy cập",
    "token.revoke": "Thu hồi mã truy cập",
    "login.success": "Đăng nhập",
    "login.failed": "Đăng nhập sai mật khẩu",
    "login.delayed": "Đăng nhập bị tạm chặn",
    "logout": "Đăng xuất",
    "framework.register": "Lưu bộ chỉ số",
    "framework.update": "Sửa bộ chỉ số",
    "round.open": "Mở đợt tự đánh giá",
    "assessment.self": "Tự đánh giá",
    "assessment.review": "Thẩm định",
    "assessment.submit": "Gửi hồ sơ tự đánh giá",
    "assessment.return": "Trả lại hồ sơ tự đánh giá",
    "assessment.verify": "Xác nhận thẩm định",
    "assessment.approve": "Phê duyệt kết quả",
    "assessment.publish": "Công bố kết quả",
    "evidence.add": "Thêm minh chứng",
    "evidence.download": "Tải minh chứng",
    "task.create": "Giao nhiệm vụ",
    "task.update": "Sửa nhiệm vụ",
    "task.progress": "Báo cáo tiến độ nhiệm vụ",
    "registry.committee": "Sổ Ban Chỉ đạo",
    "registry.teams": "Sổ Tổ công nghệ số cộng đồng",
    "agency.create": "Thêm cơ quan ban hành",
    "agency.update": "Sửa cơ quan ban hành",
    "agency.remove": "Xóa cơ quan ban hành",
    "spec.create": "Lưu yêu cầu soạn văn bản",
    "spec.update": "Sửa yêu cầu soạn văn bản",
    "export": "Tải bảng số liệu",
    "document.make": "Soạn văn bản",
    "records.ingest": "Nhận bản ghi thô",
    "refused": "Bị từ chối (không có quyền)",
}
FIELDS = {
    "full_name": "họ tên",
    "role": "vai trò",
    "unit": "đơn vị",
    "unit_id": "đơn vị",
    "email": "thư điện tử",
    "active": "đang dùng",
    "sessions_ended": "phiên đã đăng xuất",
    "name": "tên",
    "status": "trạng thái",
    "file": "tệp",
    "period": "kỳ",
    "framework": "bộ chỉ số",
    "reason": "lý do",
    "note": "ghi chú",
    "value": "giá trị",
    "explanation": "giải trình",
    "title": "tiêu đề",
    "subject": "trích yếu",
    "issued_on": "ngày ban hành",
    "due_on": "hạn",
    "deadline_text": "thời hạn theo văn bản",
    "recurrence": "lặp lại",
    "due_day": "ngày hạn hằng tháng",
    "completed_on": "ngày hoàn thành",
    "opens_on": "mở từ",
    "closes_on": "hạn nộp",
    "villages": "số thôn, ấp, khu phố",
    "with_team": "số có tổ công nghệ số",
    "expires_at": "hết hạn",
    "id": "số",
    "format": "định dạng",
    "group": "nhóm",
    "rows": "số dòng",
    "units": "số đơn vị",
    "kind": "loại",
}
PAGES = {
    "": "Tổng quan",
    "ranking": "Xếp hạng",
    "map": "Bản đồ",
    "data": "Số liệu",
    "assessments": "Tự đánh giá",
    "tasks": "Nhiệm vụ",
    "documents": "Văn bản",
    "admin": "Quản trị",
    "audit": "Nhật ký",
    "history": "Lịch sử số liệu",
    "units": "Đơn vị",
    "indicators": "Chỉ tiêu",
    "evidence": "Minh chứng",
    "api": "giao diện lập trình (API)",
}
"""The first segment of a refused request's path, by the page people know."""
REFUSALS = (
    (re.compile(r"unit (\S+) outside the scope of (\S+)"), "{0} nằm ngoài phạm vi tài khoản {1}"),
    (re.compile(r"values outside the scope of (\S+)"), "số liệu nằm ngoài phạm vi tài khoản {0}"),
    (
        re.compile(r"a reporter reads the values of one unit in scope"),
        "báo cáo viên chỉ đọc số liệu của một đơn vị trong phạm vi",
    ),
)
"""The English reasons refusals are logged with (errors.Forbidden), as people read them."""
RECURRENCE = {"monthly": "hằng tháng", "quarterly": "hằng quý", "yearly": "hằng năm"}
_ISO_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)")


@dataclass(frozen=True)
class AuditQuery:
    unit: str | None = None
    """A unit by key, code or name."""
    indicator: str | None = None
    """An indicator's code (from the page's list of names)."""
    user: str | None = None
    since: date | None = None
    until: date | None = None
    """Inclusive: the whole day."""
    page: int = 1


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    who: str
    action: str
    what: str
    before: str
    after: str
    source: str


@dataclass(frozen=True)
class AuditPage:
    query: AuditQuery
    lines: list[AuditLine]
    total: int
    pages: int
    unit_name: str | None = None
    indicator_name: str | None = None
    error: ChisoError | None = None


def _names(rt: Runtime) -> dict[str, dict[str, tuple[str, InputKind | None]]]:
    """framework id → node code → (name, input kind)."""
    out = {}
    for f in frameworks.available(rt):
        out[f.id] = {n.code: (n.name, n.input) for n in f.nodes()}
    return out


def _shown_names(rt: Runtime) -> dict[str, str]:
    """What else an entry's key or value may hold, by the name people know: frameworks, and the
    categories of category indicators (a value "pho-chu-tich" is "Phó Chủ tịch")."""
    out = {}
    for f in frameworks.available(rt):
        out[f.id] = f.name
        for n in f.nodes():
            out |= {c.code: c.label for c in n.categories}
    return out


def indicators(rt: Runtime) -> list[tuple[str, list[tuple[str, str]]]]:
    """(framework name, [(code, name)]) of each framework's leaves, for the filter's list."""
    return [(f.name, [(n.code, n.name) for n in f.leaves()]) for f in frameworks.available(rt)]


def people(rt: Runtime) -> list[tuple[str, str]]:
    """(username, "Full Name (username)") of everyone in the log or with an account."""
    with rt.db.transaction() as session:
        found = set(audit_repo.actors(session))
        names = {a.username: a.full_name for a in accounts_repo.all_accounts(session)}
    found |= set(names)
    return sorted(
        ((u, f"{names[u]} ({u})" if u in names else u) for u in found), key=lambda x: x[1]
    )


def _day(d: date) -> datetime:
    """Midnight in Vietnam of a day, in UTC (the log stores UTC)."""
    return datetime.combine(d, time(), VIETNAM).astimezone(UTC)


def search(rt: Runtime, q: AuditQuery, entity: str | None = None) -> AuditPage:
    page = max(q.page, 1)
    patterns: list[str] = []
    unit_name = indicator_name = None
    with rt.db.transaction() as session:
        if q.unit:
            try:
                unit = find_unit(session, q.unit)
            except ChisoError as exc:
                return AuditPage(q, [], 0, 0, error=exc)
            ensure_reaches(session, rt.actor, unit)
            unit_name = unit.name
            patterns = [unit.key, f"%/{unit.key}/%", f"%/{unit.key}"]
            if q.indicator:
                patterns = [f"%/{unit.key}/%/{q.indicator}", f"%/{unit.key}/{q.indicator}"]
        elif q.indicator:
            patterns = [f"%/{q.indicator}"]
        records, total = audit_repo.search(
            session,
            entity=entity,
            key_patterns=patterns,
            actor=q.user or None,
            since=_day(q.since) if q.since else None,
            until=_day(q.until + timedelta(days=1)) if q.until else None,
            offset=(page - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
        lines = _lines(rt, session, records)
    if q.indicator:
        indicator_name = next(
            (n for f in _names(rt).values() for c, (n, _) in f.items() if c == q.indicator),
            q.indicator,
        )
    pages = (total + PER_PAGE - 1) // PER_PAGE
    return AuditPage(q, lines, total, pages, unit_name, indicator_name)


def value_history(rt: Runtime, unit: str, indicator: str, page: int = 1) -> AuditPage:
    """The chain of changes of one unit's value of one indicator (every period), newest first:
    the unit page's "lịch sử số liệu", in the acting reporter's scope only."""
    return search(rt, AuditQuery(unit=unit, indicator=indicator, page=page), entity="value")


def _lines(rt: Runtime, session: Session, records: list[AuditRecord]) -> list[AuditLine]:
    names = _names(rt)
    shown = _shown_names(rt)
    keys = {p for r in records for p in (r.entity_key or "").split("/")}
    units = {k: u.name for k, u in units_repo.by_keys(session, sorted(keys)).items()}
    people = {a.username: a.full_name for a in accounts_repo.all_accounts(session)}
    out = []
    for r in records:
        who = (
            f"{people[r.actor]} ({r.actor})"
            if r.actor in people
            else NOT_ACCOUNTS.get(r.actor, r.actor)
        )
        action = ACTIONS.get(r.action) or (
            f"Tự đánh giá: {r.action.split('.', 1)[1]}"
            if r.action.startswith("assessment.")
            else "Thay đổi khác"
        )
        what, before, after = _describe(r, names, {**shown, **units})
        source = _source(rt, r.source or "")
        out.append(AuditLine(r.id, r.at, who, action, what, before, after, source))
    return out


_PERIOD_CODE = re.compile(r"\b(?:19|20)\d\d(?:-(?:0[1-9]|1[0-2]|Q[1-4]|H[12]))?\b")


def _source(rt: Runtime, text: str) -> str:
    """Where a value came from, as people read it: "bản ghi văn bản, thư điện tử — tháng 12/2024
    (khép kín)" for the stored "facts documents, email — 2024-12 (khép kín)"."""
    if not text.startswith("facts "):
        return text
    from chiso.services.facts import source_labels

    labels = source_labels(rt)
    body, _, rest = text.removeprefix("facts ").partition(" — ")
    names = ", ".join(labels.get(n.strip(), n.strip()) for n in body.split(","))
    return f"bản ghi {names} — {_PERIOD_CODE.sub(lambda m: _period(m.group(0)), rest)}"


def _period(text: str) -> str:
    try:
        return Period.parse(text).label_vi
    except PeriodError:
        return text


def _describe(
    r: AuditRecord,
    names: dict[str, dict[str, tuple[str, InputKind | None]]],
    units: dict[str, str],
) -> tuple[str, str, str]:
    parts = (r.entity_key or "").split("/")
    if r.entity == "value" and len(parts) == 4:
        fw, unit, period, code = parts
        name, kind = names.get(fw, {}).get(code, (code, None))
        what = f"{units.get(unit, unit)} · {name} · {_period(period)}"
        yes_no = kind is InputKind.YES_NO
        before = value_text(value_of(r.before), yes_no) if r.before else "—"
        after = value_text(value_of(r.after), yes_no) if r.after else "—"
        return what, units.get(before, before), units.get(after, after)
    if r.entity == "assessment_item" and len(parts) >= 4:
        fw, unit, code = parts[0], parts[-2], parts[-1]
        name = names.get(fw, {}).get(code, (code, None))[0]
        what = f"{units.get(unit, unit)} · {code} {name} · {_period(parts[1])}"
        return what, _fields(r.before, units), _fields(r.after, units)
    if r.action == "refused":
        return _refusal(r, units)
    if r.entity in ("user", "login"):
        return f"Tài khoản {r.entity_key}", _fields(r.before, units), _fields(r.after, units)
    if r.entity == "unit":
        return (
            units.get(r.entity_key or "", r.entity_key or ""),
            _fields(r.before, units),
            _fields(r.after, units),
        )
    readable = " · ".join(units.get(p, _period(p) if p[:1].isdigit() else p) for p in parts if p)
    return readable, _fields(r.before, units), _fields(r.after, units)


def _refusal(r: AuditRecord, names: dict[str, str]) -> tuple[str, str, str]:
    """A refused request as people read it: "Truy cập bị từ chối: trang Sở Y tế" and why, in
    Vietnamese (the log keeps the method, path and English reason as they were)."""
    details = r.after or {}
    path = str(details.get("path") or r.entity_key or "")
    parts = [p for p in path.split("/") if p]
    page = PAGES.get(parts[0] if parts else "", "")
    if len(parts) >= 2 and parts[0] in ("units", "history") and parts[1] in names:
        page = names[parts[1]]
    elif len(parts) >= 2 and parts[0] == "indicators" and parts[1] in names:
        page = f"{page} {names[parts[1]]}"
    what = f"Truy cập bị từ chối: trang {page}" if page else "Truy cập bị từ chối"
    reason = str(details.get("reason") or "")
    for pattern, vi in REFUSALS:
        if found := pattern.fullmatch(reason):
            reason = vi.format(*(names.get(g, g) for g in found.groups()))
            break
    else:
        if reason.isascii():  # an English reason not listed above: say what it means
            reason = "tài khoản không có quyền với trang này"
    return what, "—", f"lý do: {reason}" if reason else "—"


def _fields(data: dict[str, Any] | None, names: dict[str, str] | None = None) -> str:
    if not data:
        return "—"
    shown = []
    for key, value in data.items():
        if isinstance(value, dict | list) or (key.endswith("_id") and key != "unit_id"):
            continue  # a row number of another table tells a reader nothing
        text = _field_value(key, value)
        shown.append(f"{FIELDS.get(key, key)}: {(names or {}).get(text, text)}")
    return "; ".join(shown) or "—"


def _field_value(key: str, value: Any) -> str:
    if value is None:
        return "không có"
    if isinstance(value, bool):
        return "có" if value else "không"
    text = str(value)
    if key == "role":
        text = next((r.label_vi for r in Role if r.value == text), text)
    elif key == "recurrence":
        text = RECURRENCE.get(text, text)
    elif key == "period":
        text = _period(text)
    elif _ISO_MOMENT.fullmatch(text):  # a moment (expires_at) by its day in Vietnam
        text = datetime.fromisoformat(text).astimezone(VIETNAM).strftime("%d/%m/%Y")
    elif found := _ISO_DATE.fullmatch(text):  # a date as people write it
        text = f"{found.group(3)}/{found.group(2)}/{found.group(1)}"
    return text
