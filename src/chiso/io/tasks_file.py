"""The spreadsheet of tasks a DX office keeps: one row per task with its directive, lead and
cooperating units, and deadline as the directive wrote it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from chiso.domain.deadlines import Deadline, DeadlineError, parse_deadline
from chiso.domain.tasks import TaskStatus
from chiso.domain.text import fold
from chiso.errors import ProblemList
from chiso.io.tables import Row, Sheet, first_nonempty, read_table, reject
from chiso.io.values import ColumnMark, DecimalMark, column_marks

ALIASES = {
    "so_ky_hieu": "directive",
    "so_hieu": "directive",
    "so_van_ban": "directive",
    "van_ban": "directive",
    "van_ban_giao": "directive",
    "ngay_ban_hanh": "issued_on",
    "ngay_van_ban": "issued_on",
    "trich_yeu": "subject",
    "co_quan_ban_hanh": "issuer",
    "noi_ban_hanh": "issuer",
    "stt": "code",
    "ma": "code",
    "ma_nhiem_vu": "code",
    "nhiem_vu": "title",
    "noi_dung": "title",
    "noi_dung_nhiem_vu": "title",
    "don_vi_chu_tri": "lead",
    "chu_tri": "lead",
    "don_vi_phoi_hop": "partners",
    "phoi_hop": "partners",
    "thoi_han": "deadline",
    "han": "deadline",
    "han_hoan_thanh": "deadline",
    "trang_thai": "status",
    "tien_do": "progress",
    "ngay_hoan_thanh": "completed_on",
}
REQUIRED = ("directive", "issued_on", "subject", "code", "title", "lead")
"""Columns every row fills; the deadline column must exist but may be empty (a standing duty)."""
EXPORT_HEADER = (
    "Số ký hiệu",
    "Ngày ban hành",
    "Trích yếu",
    "Cơ quan ban hành",
    "STT",
    "Nhiệm vụ",
    "Đơn vị chủ trì",
    "Đơn vị phối hợp",
    "Thời hạn",
    "Trạng thái",
    "Tiến độ",
    "Ngày hoàn thành",
)
"""The office's own column titles, in the order of the import, so an export reads back as is."""
STATUS_WORDS = {
    "da hoan thanh": TaskStatus.DONE,
    "hoan thanh": TaskStatus.DONE,
    "done": TaskStatus.DONE,
    "dang thuc hien": TaskStatus.IN_PROGRESS,
    "dang trien khai": TaskStatus.IN_PROGRESS,
    "in_progress": TaskStatus.IN_PROGRESS,
    "chua thuc hien": TaskStatus.NOT_STARTED,
    "chua trien khai": TaskStatus.NOT_STARTED,
    "not_started": TaskStatus.NOT_STARTED,
}


@dataclass(frozen=True)
class TaskRow:
    where: str
    directive: str
    issued_on: date
    subject: str
    issuer: str
    code: str
    title: str
    lead: str
    partners: tuple[str, ...]
    deadline: Deadline
    status: TaskStatus | None
    progress: int | None
    completed_on: date | None


def read_tasks_file(
    path: Path, decimal: DecimalMark | None = None
) -> tuple[list[TaskRow], ProblemList]:
    sheet = first_nonempty(read_table(path, ALIASES))
    missing = [c for c in (*REQUIRED, "deadline") if c not in sheet.header]
    if missing:
        raise reject(
            path,
            f"thiếu cột {', '.join(missing)}.",
            f"missing columns {missing}",
            "dòng tiêu đề cần: Số ký hiệu, Ngày ban hành, Trích yếu, STT, Nhiệm vụ, "
            "Đơn vị chủ trì, Thời hạn (tùy chọn: Cơ quan ban hành, Đơn vị phối hợp, Trạng thái, "
            "Tiến độ, Ngày hoàn thành)",
        )
    problems = ProblemList()
    mark = column_marks({"progress": [r.values.get("progress") for r in sheet.rows]}, decimal)
    rows = [
        r for row in sheet.rows if (r := _row(sheet, row, mark["progress"], problems)) is not None
    ]
    seen: dict[tuple[str, str], str] = {}
    for r in rows:
        key = (fold(r.directive), r.code)
        if key in seen:
            problems.add(
                r.where,
                f"nhiệm vụ {r.code} của {r.directive} đã có ở {seen[key]}",
                "duplicate task",
            )
        seen[key] = r.where
    return rows, problems


def _row(sheet: Sheet, row: Row, mark: ColumnMark, problems: ProblemList) -> TaskRow | None:
    before = len(problems.problems)
    for column in REQUIRED:
        if not row.text(column):
            problems.add(
                sheet.where(row.number, column), "ô bắt buộc bị trống", "required cell empty"
            )
    if len(problems.problems) > before:
        return None
    issued = _date(sheet, row, "issued_on", problems)
    completed = _date(sheet, row, "completed_on", problems) if row.text("completed_on") else None
    deadline = _deadline(sheet, row, problems)
    status = _status(sheet, row, problems)
    progress = _progress(sheet, row, mark, problems)
    if issued is None or deadline is None or len(problems.problems) > before:
        return None
    partners = tuple(
        p.strip() for p in row.text("partners").replace("\n", ";").split(";") if p.strip()
    )
    return TaskRow(
        sheet.where(row.number),
        row.text("directive"),
        issued,
        row.text("subject"),
        row.text("issuer"),
        row.text("code"),
        row.text("title"),
        row.text("lead"),
        partners,
        deadline,
        status,
        progress,
        completed,
    )


def _date(sheet: Sheet, row: Row, column: str, problems: ProblemList) -> date | None:
    raw = row.get(column)
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        found = parse_deadline(str(raw)).due_on
    except DeadlineError:
        found = None
    if found is None:
        problems.add(
            sheet.where(row.number, column),
            f"'{raw}' không phải ngày",
            "not a date",
            "ghi dạng 09/01/2023",
        )
    return found


def _deadline(sheet: Sheet, row: Row, problems: ProblemList) -> Deadline | None:
    raw = row.get("deadline")
    if isinstance(raw, datetime | date):
        day = raw.date() if isinstance(raw, datetime) else raw
        return Deadline(f"{day:%d/%m/%Y}", due_on=day)
    try:
        return parse_deadline("" if raw is None else str(raw))
    except DeadlineError as exc:
        problems.add(sheet.where(row.number, "deadline"), str(exc), "bad deadline")
        return None


def _status(sheet: Sheet, row: Row, problems: ProblemList) -> TaskStatus | None:
    text = fold(row.text("status"))
    if not text:
        return None
    if text not in STATUS_WORDS:
        problems.add(
            sheet.where(row.number, "status"),
            f"trạng thái '{row.text('status')}' không rõ",
            "unknown status",
            "ghi: Chưa thực hiện, Đang thực hiện hoặc Đã hoàn thành",
        )
        return None
    return STATUS_WORDS[text]


def _progress(sheet: Sheet, row: Row, mark: ColumnMark, problems: ProblemList) -> int | None:
    """ "40%", "40", or a share as a percent-formatted cell holds it (0,4 · 0.4)."""
    raw = row.get("progress")
    text = raw.strip() if isinstance(raw, str) else raw
    if text is None or text == "":
        return None
    where = sheet.where(row.number, "progress")
    percent = isinstance(text, str) and text.endswith("%")
    value = mark.read(where, text.removesuffix("%") if isinstance(text, str) else text, problems)
    if value is None:
        return None
    written_as_share = (isinstance(text, float) and not text.is_integer()) or (
        isinstance(text, str) and any(sep in text for sep in ",.")
    )
    if not percent and written_as_share and 0 <= value <= 1:
        value *= 100
    if not 0 <= value <= 100:
        problems.add(where, f"tiến độ '{raw}' phải từ 0 đến 100%", "bad progress")
        return None
    return round(value)
