"""The self-assessment cycle through the services: each step only for its role, findings and
scores side by side, approved values locked, publication writing the official values, every
change audited; evidence refused by type and kept once by content."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from chiso.domain.access import Role
from chiso.domain.assessment import TRANSITIONS, Move, Refusal, Status, check_move
from chiso.errors import Forbidden, RejectedInput
from chiso.services.accounts import actors
from chiso.services.accounts import users as accounts
from chiso.services.assessments import cycle as assessments
from chiso.services.assessments import evidence, rounds
from chiso.services.assessments.cycle import Entry
from chiso.services.runtime import Runtime
from chiso.services.values import exchange, importer
from chiso.store import audit_repo
from tests import signing

FW, YEAR = "dti-department-500", "2026"


@pytest.mark.parametrize(("status", "move", "role"), list(itertools.product(Status, Move, Role)))
def test_every_transition_is_gated(status: Status, move: Move, role: Role) -> None:
    outcome = check_move(status, move, role, reason="lý do")
    allowed = TRANSITIONS.get((status, move))
    if allowed is not None and role in allowed[1]:
        assert outcome == allowed[0]
    else:
        assert isinstance(outcome, Refusal)


def test_reasons_and_window() -> None:
    assert isinstance(check_move(Status.SUBMITTED, Move.RETURN, Role.EVALUATOR, ""), Refusal)
    closed = check_move(Status.DRAFT, Move.SUBMIT, Role.REPORTER, window_open=False)
    assert isinstance(closed, Refusal) and "thời hạn" in closed.message_vi
    assert (
        check_move(Status.RETURNED, Move.SUBMIT, Role.REPORTER, window_open=False)
        is Status.SUBMITTED
    )


@pytest.fixture
def cycle(province_rt: Runtime) -> Any:
    today = date.today()
    rounds.open_round(province_rt, FW, YEAR, today - timedelta(days=3), today + timedelta(days=10))
    people = (
        ("soyte", "reporter", "75.SYT"),
        ("thamdinh", "evaluator", None),
        ("lanhdao", "viewer", None),
        ("quantri", "admin", None),
    )
    for name, role, unit in people:
        accounts.create_user(province_rt, name, name, "mat-khau-thu-1", role, unit)
    return {name: actors.as_user(province_rt, name) for name, _, _ in people}


def _refused(call: Any, *words: str) -> None:
    with pytest.raises(RejectedInput) as caught:
        call()
    for word in words:
        assert word in caught.value.render_vi()


def test_full_cycle(province_rt: Runtime, cycle: dict[str, Runtime], tmp_path: Path) -> None:
    rt, rep, ev, admin = province_rt, cycle["soyte"], cycle["thamdinh"], cycle["quantri"]
    pki = signing.make_pki()
    pki.write_trust(rt.settings.data_dir / "trust")
    pdf = signing.closed_loop_pdf(pki)
    entries = {
        "2.1": Entry("có", "Quyết định 12/QĐ-SYT", (("quy-che.pdf", pdf),)),
        "4.3": Entry("45/50", "45 người có chữ ký số"),
    }
    view = assessments.save_self(rep, FW, YEAR, "75.SYT", entries)
    assert view.filled == 2 and view.self_total == 15 + 18
    files = next(i for i in view.items if i.node.code == "2.1").files
    assert files[0].verdict is not None and files[0].verdict.closed_loop
    with pytest.raises(Forbidden, match="scope") as outside:
        assessments.save_self(rep, FW, YEAR, "75.SCT", entries)
    assert "ngoài phạm vi" in outside.value.message_vi
    _refused(lambda: assessments.move(rep, FW, YEAR, "75.SYT", Move.VERIFY), "không thể")
    assessments.move(rep, FW, YEAR, "75.SYT", Move.SUBMIT)
    _refused(lambda: assessments.save_self(rep, FW, YEAR, "75.SYT", entries), "Không sửa được")
    _refused(lambda: assessments.move(ev, FW, YEAR, "75.SYT", Move.APPROVE), "không thể")
    _refused(lambda: assessments.move(rep, FW, YEAR, "75.SYT", Move.RETURN), "không được")
    assessments.move(ev, FW, YEAR, "75.SYT", Move.RETURN, "Bổ sung minh chứng 4.3")
    assessments.save_self(
        rep, FW, YEAR, "75.SYT", {"4.3": Entry("47/50", "Đã bổ sung", (("ds.pdf", pdf),))}
    )
    assessments.move(rep, FW, YEAR, "75.SYT", Move.SUBMIT)
    assessments.review(ev, FW, YEAR, "75.SYT", "4.3", False, "40/50", "Chỉ 40 chứng thư còn hạn")
    _refused(lambda: assessments.move(ev, FW, YEAR, "75.SYT", Move.VERIFY), "chưa thẩm định")
    assessments.review(ev, FW, YEAR, "75.SYT", "2.1", True)
    view = assessments.move(ev, FW, YEAR, "75.SYT", Move.VERIFY)
    assert (view.self_total, view.final_total) == (15 + 18.8, 15 + 16)
    assessments.move(ev, FW, YEAR, "75.SYT", Move.APPROVE)
    _refused(lambda: assessments.move(ev, FW, YEAR, "75.SYT", Move.PUBLISH), "không được")
    _refused(lambda: assessments.move(admin, FW, YEAR, "75.SYT", Move.UNAPPROVE), "lý do")
    locked = tmp_path / "sua.csv"
    locked.write_text("unit_code,period,indicator,value\n75.SYT,2026,2.1,không\n", encoding="utf-8")
    _refused(lambda: importer.import_values(rt, locked, FW), "bị khóa")
    view = assessments.move(admin, FW, YEAR, "75.SYT", Move.PUBLISH)
    assert view.status is Status.PUBLISHED
    official = {r.indicator: r for r in exchange.stored(rt, FW, YEAR, "75.SYT")}
    assert (official["4.3"].value.numerator, official["4.3"].value.denominator) == (40, 50)
    assert official["2.1"].value.number == 1 and official["2.1"].source == "assessment"
    with rt.db.transaction() as session:
        actions = [e.action for e in audit_repo.entries(session, "assessment", 50)]
    assert actions.count("assessment.submit") == 2 and "assessment.publish" in actions
    roster = {r.unit_key: r for r in rounds.roster(rt, FW, YEAR)}
    assert roster["75.SYT"].status is Status.PUBLISHED and roster["75.SYT"].on_time
    assert roster["75.SCT"].status is Status.DRAFT and len(roster) == 14


def test_unapprove_is_for_admins_with_a_reason(
    province_rt: Runtime, cycle: dict[str, Runtime]
) -> None:
    rt, rep, ev, admin = province_rt, cycle["soyte"], cycle["thamdinh"], cycle["quantri"]
    assessments.save_self(rep, FW, YEAR, "75.SYT", {"2.1": Entry("có")})
    assessments.move(rep, FW, YEAR, "75.SYT", Move.SUBMIT)
    assessments.accept_pending(ev, FW, YEAR, "75.SYT")
    assessments.move(ev, FW, YEAR, "75.SYT", Move.VERIFY)
    assessments.move(ev, FW, YEAR, "75.SYT", Move.APPROVE)
    _refused(
        lambda: assessments.move(ev, FW, YEAR, "75.SYT", Move.UNAPPROVE, "sai"),
        "không được",
    )
    view = assessments.move(admin, FW, YEAR, "75.SYT", Move.UNAPPROVE, "Phát hiện sai sót")
    assert view.status is Status.VERIFIED and view.comment == "Phát hiện sai sót"
    with rt.db.transaction() as session:
        entry = audit_repo.entries(session, "assessment", 1)[0]
    assert entry.action == "assessment.unapprove" and entry.after == {
        "status": "verified",
        "reason": "Phát hiện sai sót",
    }


def test_closed_window_refuses_first_submission(
    province_rt: Runtime, cycle: dict[str, Runtime]
) -> None:
    today = date.today()
    rounds.open_round(province_rt, FW, YEAR, today - timedelta(days=30), today - timedelta(days=1))
    assessments.save_self(cycle["soyte"], FW, YEAR, "75.SYT", {"2.1": Entry("có")})
    _refused(
        lambda: assessments.move(cycle["soyte"], FW, YEAR, "75.SYT", Move.SUBMIT),
        "thời hạn",
    )


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("virus.exe", b"MZ\x90\x00", "không được nhận"),
        ("gia.pdf", b"PK\x03\x04 not a pdf", "nội dung không phải PDF"),
        ("rong.png", b"", "rỗng"),
        ("to.pdf", b"%PDF-1.7\n" + b"0" * (2 * 2**20), "giới hạn"),
    ],
)
def test_bad_evidence_changes_nothing(
    province_rt: Runtime, cycle: dict[str, Runtime], name: str, data: bytes, words: str
) -> None:
    province_rt.settings.evidence_max_mb = 1
    rt = province_rt
    assessments.save_self(cycle["soyte"], FW, YEAR, "75.SYT", {"2.1": Entry("có", "trước")})
    bad = {"2.1": Entry("không", "sau", ((name, data),)), "2.2": Entry("có")}
    _refused(lambda: assessments.save_self(cycle["soyte"], FW, YEAR, "75.SYT", bad), words)
    view = assessments.view(rt, FW, YEAR, "75.SYT")
    item = next(i for i in view.items if i.node.code == "2.1")
    assert (
        (item.self_value.number if item.self_value else None) == 1
        and item.explanation == "trước"
        and not item.files
    )
    assert view.filled == 1
    assert not (rt.settings.data_dir / "evidence").exists() or not any(
        (rt.settings.data_dir / "evidence").rglob("*")
    )


def test_same_file_is_stored_once(province_rt: Runtime, cycle: dict[str, Runtime]) -> None:
    data = signing.blank_pdf()
    rt = province_rt
    assessments.save_self(
        cycle["soyte"],
        FW,
        YEAR,
        "75.SYT",
        {"2.1": Entry("có", "", (("a.pdf", data),)), "2.2": Entry("có", "", (("b.pdf", data),))},
    )
    blobs = [p for p in (rt.settings.data_dir / "evidence").rglob("*") if p.is_file()]
    assert len(blobs) == 1 and blobs[0].read_bytes() == data
    view = assessments.view(rt, FW, YEAR, "75.SYT")
    first = next(i for i in view.items if i.node.code == "2.1").files[0]
    row, content = evidence.content(rt, first.id)
    assert content == data and row.filename == "a.pdf"
    assert first.verdict is not None and first.verdict.summary_vi() == "Không có chữ ký số"


def test_cli_cycle(cli: Any, province_db: str) -> None:
    today = date.today()
    opens, closes = f"{today - timedelta(days=1):%d/%m/%Y}", f"{today + timedelta(days=9)}"
    window = ("--opens", opens, "--closes", closes)
    assert cli(province_db, "assess", "open", "--framework", FW, "--period", YEAR, *window)[0] == 0
    cli(
        province_db,
        "users",
        "add",
        "soyte",
        "--name",
        "Sở Y tế",
        "--role",
        "reporter",
        "--unit",
        "75.SYT",
    )
    base = ("--framework", FW, "--period", YEAR, "--unit", "75.SYT")
    code, out, err = cli(
        province_db,
        "assess",
        "fill",
        *base,
        "--value",
        "2.1=có",
        "--value",
        "4.3=45/50",
        "--user",
        "soyte",
    )
    assert code == 0 and "tổng điểm tự chấm 33/500" in out, err
    code, _, err = cli(province_db, "assess", "approve", *base, "--user", "soyte")
    assert code == 1 and "không thể" in err
    assert cli(province_db, "assess", "submit", *base, "--user", "soyte")[0] == 0
    code, _, err = cli(province_db, "assess", "return", *base)
    assert code == 1 and "cần ghi lý do" in err
    code, out, _ = cli(
        province_db,
        "assess",
        "review",
        *base,
        "--indicator",
        "4.3",
        "--value",
        "40/50",
        "--reason",
        "thiếu",
    )
    assert code == 0 and "sau thẩm định 31" in out
    code, out, _ = cli(
        province_db, "assess", "status", "--framework", FW, "--period", YEAR, "--format", "csv"
    )
    assert '75.SYT,Sở Y tế,"Đã nộp, chờ thẩm định"' in out and "đúng hạn" in out
    code, out, _ = cli(province_db, "assess", "show", *base)
    assert "40/50 (thiếu)" in out
