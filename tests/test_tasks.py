"""Tasks from directives: deadlines as written, idempotent import, a corpus of bad files that
change nothing, overdue detection, progress reports, the reminder letter and the committee
report; registries as indicator inputs; e-mail digests through a local SMTP sink."""

from __future__ import annotations

import calendar
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from hypothesis import given
from hypothesis import strategies as st

from chiso.documents.spec import DocumentSpec
from chiso.domain.access import Actor, Role
from chiso.domain.deadlines import DeadlineError, Recurrence, parse_deadline
from chiso.domain.tasks import TaskStatus, standing
from chiso.errors import NotFound, RejectedInput, UsageError
from chiso.services.accounts import actors, notifications
from chiso.services.accounts import users as accounts
from chiso.services.documents import reminders, reports
from chiso.services.runtime import Runtime
from chiso.services.scoring.dataset import DataSource
from chiso.services.tasks import importer, tracking
from chiso.services.units import registries
from chiso.services.values import exchange
from chiso.store import audit_repo
from tests import signing
from tests.browsing import free_port

DEMO = files("chiso.data") / "demo"
TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("trước ngày 28/02/2023", date(2023, 2, 28)),
        ("Hoàn thành trong tháng 6/2023", date(2023, 6, 30)),
        ("trong tháng 3 năm 2024", date(2024, 3, 31)),
        ("quý III/2023", date(2023, 9, 30)),
        ("năm 2023", date(2023, 12, 31)),
        ("2026-05-15", date(2026, 5, 15)),
    ],
)
def test_deadlines_as_written(text: str, due: date) -> None:
    assert parse_deadline(text).due_on == due


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_within_month_is_its_last_day(year: int, month: int) -> None:
    due = parse_deadline(f"trong tháng {month}/{year}").due_on
    assert due == date(year, month, calendar.monthrange(year, month)[1])


def test_recurring_duties() -> None:
    monthly = parse_deadline("Hằng tháng, trước ngày 25")
    assert (monthly.recurrence, monthly.day) == (Recurrence.MONTHLY, 25)
    assert monthly.due_for(date(2026, 11, 22)) == date(2026, 10, 25)
    late = standing(
        monthly, TaskStatus.IN_PROGRESS, date(2026, 11, 22), last_report_on=date(2026, 9, 20)
    )
    assert late.overdue_days == 28
    fine = standing(
        monthly, TaskStatus.IN_PROGRESS, date(2026, 11, 22), last_report_on=date(2026, 10, 24)
    )
    assert not fine.overdue
    quarterly = parse_deadline("hằng quý")
    assert quarterly.due_for(date(2026, 11, 22)) == date(2026, 9, 30)
    for bad in ("sớm nhất có thể", "trước ngày 31/02/2023"):
        with pytest.raises(DeadlineError):
            parse_deadline(bad)


def _import_demo(rt: Runtime) -> importer.TaskImportReport:
    return importer.import_tasks(rt, Path(str(DEMO / "nhiem-vu.csv")))


def test_import_is_idempotent_and_finds_overdue(province_rt: Runtime) -> None:
    first = _import_demo(province_rt)
    assert (first.created, first.directives) == (6, 1)
    again = _import_demo(province_rt)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    late = tracking.list_tasks(province_rt, TODAY, overdue_only=True)
    assert [(t.code, t.standing.overdue_days) for t in late] == [
        ("2", 145),
        ("3", 53),
        ("4", 53),
        ("5", 28),
    ]
    partners = next(t for t in late if t.code == "3").partners
    assert set(partners) == {"Sở Khoa học và Công nghệ", "Sở Giáo dục và Đào tạo"}
    assert [t.code for t in tracking.list_tasks(province_rt, TODAY, unit="75.SYT")] == ["6"]


BAD_FILES = {
    "thieu-cot.csv": ("Số ký hiệu,Nhiệm vụ\n1/TB,Việc\n", "thiếu cột"),
    "han-sai.csv": (None, "không đọc được thời hạn"),
    "don-vi-la.csv": (None, "Sở Không Có"),
    "trang-thai.csv": (None, "trạng thái"),
    "trung.csv": (None, "đã có ở"),
    "rong.csv": ("", "tệp rỗng"),
}


def _bad(name: str) -> str:
    good = (DEMO / "nhiem-vu.csv").read_text(encoding="utf-8").splitlines()
    header, row = good[0], good[2]
    if name == "han-sai.csv":
        return header + "\n" + row.replace("trong tháng 6/2026", "sớm") + "\n"
    if name == "don-vi-la.csv":
        return header + "\n" + row.replace(",Sở Nội vụ,", ",Sở Không Có,") + "\n"
    if name == "trang-thai.csv":
        return header + "\n" + row.replace("Đang thực hiện", "Tạm dừng") + "\n"
    return header + "\n" + row + "\n" + row + "\n"


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_task_files_change_nothing(province_rt: Runtime, tmp_path: Path, name: str) -> None:
    _import_demo(province_rt)
    text, words = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(_bad(name) if text is None else text, encoding="utf-8")
    with province_rt.db.transaction() as session:
        before = len(audit_repo.entries(session, None, 10_000))
    with pytest.raises(RejectedInput) as caught:
        importer.import_tasks(province_rt, path)
    assert words in caught.value.render_vi()
    with province_rt.db.transaction() as session:
        assert len(audit_repo.entries(session, None, 10_000)) == before
    assert len(tracking.list_tasks(province_rt, TODAY)) == 6


def test_progress_reports_and_scope(province_rt: Runtime) -> None:
    _import_demo(province_rt)
    accounts.create_user(province_rt, "soyte", "Sở Y tế", "mat-khau-thu-1", "reporter", "75.SYT")
    reporter = actors.as_user(province_rt, "soyte")
    own = tracking.list_tasks(reporter, TODAY)
    assert [t.code for t in own] == ["6"]
    with pytest.raises(NotFound, match="scope"):
        tracking.report_progress(reporter, own[0].id - 4, "done", 100, "xong")
    with pytest.raises(NotFound, match="scope"):
        tracking.get(reporter, own[0].id - 4)
    viewer = province_rt.acting(Actor("lanhdao", Role.VIEWER))
    with pytest.raises(RejectedInput):
        tracking.report_progress(viewer, own[0].id, "done", 100, "x")
    files = (("qd.pdf", signing.blank_pdf()),)
    note = "Đã phê duyệt cấp độ 2"
    view = tracking.report_progress(reporter, own[0].id, "done", 80, note, files, TODAY)
    assert view.progress == 100 and view.standing.label_vi == "Hoàn thành đúng hạn"
    detail, evidence = tracking.get(province_rt, own[0].id, TODAY)
    assert detail.updates[0].note == "Đã phê duyệt cấp độ 2"
    assert [f.filename for f in evidence[detail.updates[0].id]] == ["qd.pdf"]


def _text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_reminder_letter_and_committee_report(province_rt: Runtime, tmp_path: Path) -> None:
    _import_demo(province_rt)
    with pytest.raises(UsageError, match="no overdue task"):
        reminders.reminder(
            province_rt, reminders.ReminderRequest(on=date(2026, 2, 25)), tmp_path / "x.docx"
        )
    out = reminders.reminder(
        province_rt, reminders.ReminderRequest(on=TODAY), tmp_path / "don-doc.docx"
    )[0]
    text = _text(out)
    assert "V/v đôn đốc thực hiện nhiệm vụ chuyển đổi số đã quá hạn" in text
    assert "còn 04 nhiệm vụ" in text and "Văn bản số 15/TB-UBND ngày 20/02/2026" in text
    for name in ("Sở Khoa học và Công nghệ;", "Sở Văn hóa, Thể thao và Du lịch;", "Sở Nội vụ."):
        assert name in text
    assert "Tổ chức Hội thi tìm hiểu" in text and "145" in text and "30/06/2026" in text
    assert "Phê duyệt hồ sơ đề xuất cấp độ" not in text
    values = tmp_path / "v.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator\n75.SYT,2026-10,signed_docs_rate,9,10\n",
        encoding="utf-8",
    )
    from chiso.services.values.importer import import_values

    import_values(province_rt, values, "platform-usage")
    spec = DocumentSpec("summary", period="2026-10", date=date(2026, 11, 5))
    report = reports.summary(
        province_rt, reports.SummaryRequest(spec, DataSource()), tmp_path / "bc.docx"
    )[0]
    summary = _text(report)
    assert "NHIỆM VỤ QUÁ HẠN" in summary.upper()
    assert (
        "Rà soát, kiện toàn Tổ công nghệ số cộng đồng" in summary and "quá hạn 123 ngày" in summary
    )


def test_registries_feed_indicators(province_rt: Runtime, tmp_path: Path) -> None:
    committee = Path(str(DEMO / "ban-chi-dao.csv"))
    assert registries.import_committee(province_rt, committee).changed == 2
    assert registries.import_committee(province_rt, committee).changed == 0
    registries.import_teams(province_rt, Path(str(DEMO / "to-cong-nghe-so.csv")))
    found = registries.registry(province_rt, "Phường Bình Phước")
    assert (
        found.chair == "Chủ tịch làm Trưởng Ban"
        and found.villages_with_team == 2
        and len(found.teams) == 3
    )
    report = registries.store_values(province_rt, "commune-example", "2026", "1.1", "4.4")
    assert report.created > 90
    records = exchange.stored(province_rt, "commune-example", "2026", "Phường Bình Phước")
    got = {r.indicator: r.value for r in records}
    assert got["1.1"].text == "chu-tich" and (got["4.4"].numerator, got["4.4"].denominator) == (
        2,
        3,
    )
    records = exchange.stored(province_rt, "commune-example", "2026", "Phường Đồng Xoài")
    assert {r.indicator: r.value.text for r in records}["1.1"] == "pho-chu-tich"
    bad = tmp_path / "bcd.csv"
    bad.write_text(
        "Đơn vị,Họ tên,Chức vụ,Vai trò trong Ban\nPhường Không Có,A,B,Trưởng Ban\n",
        encoding="utf-8",
    )
    with pytest.raises(RejectedInput, match=r"bcd\.csv"):
        registries.import_committee(province_rt, bad)
    assert registries.registry(province_rt, "Phường Bình Phước").committee == found.committee


@pytest.fixture
def smtp_sink() -> Any:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[Any] = []

    class Keep(Message):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            received.append(message)

    port = free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


def test_digest_by_email(province_rt: Runtime, smtp_sink: Any) -> None:
    from datetime import timedelta

    from chiso.domain.assessment import Move
    from chiso.services.assessments import cycle, rounds
    from chiso.services.assessments.cycle import Entry

    port, received = smtp_sink
    province_rt.settings.smtp_host, province_rt.settings.smtp_port = "127.0.0.1", port
    _import_demo(province_rt)
    accounts.create_user(
        province_rt, "soyte", "Sở Y tế", "mat-khau-thu-1", "reporter", "75.SYT", "soyte@example.vn"
    )
    accounts.create_user(
        province_rt, "khcn", "Sở KH&CN", "mat-khau-thu-1", "reporter", "75.SKHCN", "khcn@example.vn"
    )
    accounts.create_user(
        province_rt, "thamdinh", "Thẩm định", "mat-khau-thu-1", "evaluator", None, "td@example.vn"
    )
    today = date.today()
    rounds.open_round(
        province_rt,
        "dti-department-500",
        "2026",
        today - timedelta(days=5),
        today + timedelta(days=3),
    )
    rep = actors.as_user(province_rt, "soyte")
    cycle.save_self(rep, "dti-department-500", "2026", "75.SYT", {"2.1": Entry("có")})
    cycle.move(rep, "dti-department-500", "2026", "75.SYT", Move.SUBMIT)
    council = actors.as_user(province_rt, "thamdinh")
    cycle.move(council, "dti-department-500", "2026", "75.SYT", Move.RETURN, "Thiếu minh chứng")
    sent = notifications.send(province_rt, today)
    assert sorted(d.recipient for d in sent) == [
        "khcn@example.vn",
        "soyte@example.vn",
        "td@example.vn",
    ]
    mails = {m["To"]: m for m in received}
    assert len(received) == 3
    soyte = mails["soyte@example.vn"].get_payload(decode=True).decode()
    assert "bị trả lại: Thiếu minh chứng" in soyte and "Còn 3 ngày đến hạn nộp" in soyte
    assert "Tổ chức Hội thi" not in soyte
    khcn = mails["khcn@example.vn"].get_payload(decode=True).decode()
    assert "Rà soát, kiện toàn Tổ công nghệ số" in khcn and "Sở Y tế" not in khcn
    assert notifications.send(province_rt, today) == [] and len(received) == 3
