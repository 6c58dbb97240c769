"""The API's one error body, the request-body cap, sign-in before any body is read, bounded work
on hostile files, and a server that keeps answering while a slow request runs (issue 11)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chiso.errors import RejectedInput
from chiso.io import bounded
from chiso.services.accounts import sessions
from chiso.settings import Settings
from tests.browsing import serving
from tests.conftest import login

KEYS = {"error", "error_en", "hint", "problems"}


def _body(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:400]
    found: dict[str, Any] = response.json()
    assert set(found) == KEYS, found
    assert all(set(p) == {"where", "message", "message_en"} for p in found["problems"])
    return found


def _token(web: Any, role: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + sessions.create_token(web.rt, role, f"thử {role}")}


def test_every_failure_has_one_body(web: Any) -> None:
    anonymous, admin = web.client(None), _token(web, "admin")
    client = web.client(None)
    # anonymous: 401 before the body is looked at, malformed or not
    for payload in ({"values": "không phải danh sách"}, {"x": 1}, None):
        _body(anonymous.post("/api/v1/values", json=payload), 401)
    _body(anonymous.post("/api/v1/values", content=b"{not json"), 401)
    _body(anonymous.get("/api/v1/units?on=hôm-qua"), 401)
    # bad parameters: 400 in Vietnamese, naming the parameter
    bad_date = _body(client.get("/api/v1/units?on=hom-qua", headers=admin), 400)
    assert bad_date["problems"][0]["where"] == "on" and "ngày" in bad_date["problems"][0]["message"]
    for path in ("/api/v1/rankings?period=bad", "/api/v1/evaluations?period=2026-13"):
        assert "không phải kỳ báo cáo" in _body(client.get(path, headers=admin), 400)["error"]
    assert "kỳ" in _body(client.get("/api/v1/values?period=x", headers=admin), 400)["error"]
    # not found: 404
    _body(client.get("/api/v1/units/khong-co-don-vi-nay", headers=admin), 404)
    _body(client.get("/api/v1/frameworks/khong-co", headers=admin), 404)
    _body(client.get("/api/v1/khong-co", headers=admin), 404)
    # body validation: 422 naming JSON paths
    wrong = {"values": [{"unit_code": "75.SYT", "period": "2026-10", "indicator": "x"},
                        {"unit_code": "75.SYT", "period": "2026-10", "indicator": "signed_docs_rate",
                         "numerator": "abc", "denominator": 10}]}  # fmt: skip
    paths = {
        p["where"]
        for p in _body(client.post("/api/v1/values", json=wrong, headers=admin), 422)["problems"]
    }
    assert "values[1].numerator" in paths
    # content refused by the values service: JSON paths, never a file the client did not send
    rows = [
        {"unit_code": "75.SYT", "period": "2026-10", "indicator": "signed_docs_rate", "numerator": 5, "denominator": 10},
        {"unit_code": "75.SYT", "period": "", "indicator": "signed_docs_rate", "numerator": 5, "denominator": 10},
        {"unit_code": "khong-co", "period": "2026-10", "indicator": "signed_docs_rate", "numerator": 1, "denominator": 2},
        {"unit_code": "75.SCT", "period": "2026-10", "indicator": "signed_docs_rate", "numerator": 9, "denominator": 2},
    ]  # fmt: skip
    refused = _body(client.post("/api/v1/values", json={"values": rows}, headers=admin), 422)
    where = {p["where"] for p in refused["problems"]}
    assert {"values[1].period", "values[2].unit_code", "values[3].numerator"} <= where, where
    assert "api.csv" not in str(refused) and "Tệp" not in refused["error"]
    # a source name no file system would take, an empty batch
    long_source = "x" * 300
    assert client.post(
        f"/api/v1/records/{long_source}", json=[{"a": 1}], headers=admin
    ).status_code in {400, 404, 422}
    _body(client.post("/api/v1/records/documents", json=[], headers=admin), 400)
    # forbidden: 403
    _body(client.get("/api/v1/rankings", headers=_token(web, "reporter")), 403)


def test_an_unexpected_error_is_a_500_body_with_the_traceback_logged(
    web: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi.testclient import TestClient

    from chiso.services.scoring import frameworks

    def broken(*_args: Any) -> None:
        raise RuntimeError("hỏng bất ngờ")

    monkeypatch.setattr(frameworks, "list_frameworks", broken)
    client = TestClient(web.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="chiso.web"):
        answer = _body(client.get("/api/v1/frameworks", headers=_token(web, "admin")), 500)
    assert "hỏng bất ngờ" not in str(answer) and answer["error_en"] == "Internal server error."
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and "unexpected error on GET /api/v1/frameworks" in logged[0].getMessage()


@pytest.fixture
def capped(province_db: str, tmp_path: Path) -> Iterator[Any]:
    """The app with a 1 MB body cap."""
    from fastapi.testclient import TestClient

    from chiso.services.accounts import users
    from chiso.web.app import create_app

    settings = Settings(database_url=province_db, data_dir=tmp_path / "data", max_body_mb=1)
    app = create_app(settings)
    with TestClient(app) as client:
        users.create_user(app.state.rt, "quantri", "Quản trị", "mat-khau-thu-1", "admin")
        token = sessions.create_token(app.state.rt, "quantri", "thử")
        yield client, {"Authorization": f"Bearer {token}"}


def test_bodies_over_the_cap_are_refused_before_reading(capped: Any) -> None:
    client, admin = capped
    big = b'{"values": [' + b'{"unit_code": "75.SYT"},' * 60_000 + b"{}]}"
    assert len(big) > 2**20
    for headers in ({}, admin):
        started = time.perf_counter()
        _body(client.post("/api/v1/values", content=big, headers=headers), 413)
        assert time.perf_counter() - started < 2

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 50_000

    _body(client.post("/api/v1/values", content=chunks(), headers=admin), 413)
    # below the cap, anonymous and malformed: 401 quickly, the body never parsed
    half = b"[" * 500_000
    started = time.perf_counter()
    _body(client.post("/api/v1/values", content=half), 401)
    assert time.perf_counter() - started < 2


def _nested_pdf(depth: int = 100_000) -> bytes:
    """A PDF whose form fields are arrays nested `depth` deep (400 KB of brackets)."""
    body = b"[" * depth + b"]" * depth
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields " + body + b" >> >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_a_pdf_of_nested_arrays_is_refused_cleanly(web: Any) -> None:
    from chiso.services.assessments import evidence

    with pytest.raises(RejectedInput, match="unreadable PDF"):
        evidence.verdict_for(web.rt.settings, _nested_pdf(), name="long.pdf")


def test_bounded_work_stops_at_its_time_and_memory() -> None:
    started = time.perf_counter()
    with pytest.raises(RejectedInput, match=r"stopped after 0\.5 s"):
        bounded.run(lambda: time.sleep(30), "Tệp chậm.pdf", 0.5, 200)
    assert time.perf_counter() - started < 3
    with pytest.raises(RejectedInput, match=r"limit|exceeded"):
        bounded.run(lambda: len(bytearray(600 * 2**20)), "Tệp lớn.pdf", 20, 100)
    with pytest.raises(RejectedInput, match=r"^refused$"):
        bounded.run(_refuse, "Tệp", 20, 100)
    assert bounded.run(lambda: sum(range(10)), "Tệp", 20, 100) == 45


def _refuse() -> None:
    raise RejectedInput("Tệp bị từ chối.", "refused")


def test_a_slow_request_does_not_hold_the_others(
    province_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A served app (uvicorn): while one upload takes 3 s, the login page answers at once."""
    from chiso.services.accounts import users
    from chiso.services.values import importer
    from chiso.web.app import create_app

    def slow(*_args: Any, **_kwargs: Any) -> Any:
        time.sleep(3)
        raise RejectedInput("Tệp chậm bị từ chối.", "slow refusal")

    monkeypatch.setattr(importer, "import_values", slow)
    settings = Settings(database_url=province_db, data_dir=tmp_path / "data", cookie_secure=False)
    app = create_app(settings)
    with serving(app) as base:
        users.create_user(app.state.rt, "quantri", "Quản trị", "mat-khau-thu-1", "admin")
        session = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        assert login(session, "quantri", "mat-khau-thu-1").status_code == 303
        csrf = session.get("/data").text.split('name="csrf" value="')[1].split('"')[0]
        upload = {"file": ("a.csv", b"unit_code,period,indicator,value\n")}
        results: dict[str, Any] = {}

        def post() -> None:
            results["upload"] = session.post(
                "/data/upload", data={"csrf": csrf, "framework": "platform-usage"}, files=upload
            )

        background = threading.Thread(target=post)
        background.start()
        time.sleep(0.5)
        started = time.perf_counter()
        other = httpx.get(f"{base}/login", timeout=30)
        waited = time.perf_counter() - started
        background.join()
        assert other.status_code == 200 and waited < 1.0, waited
        assert results["upload"].status_code == 422


def test_a_page_view_hands_off_to_a_thread_once(web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller is looked up and the data stamps read in the endpoint's own thread: a cached
    view waits in the thread pool's queue once, not twice; a page, the API, an anonymous API
    request (still 401) and a missing page (still the error page, naming who asked)."""
    import anyio.to_thread

    admin = web.client("admin")
    for path in ("/ranking", "/api/v1/rankings", "/units/75.SYT"):
        assert admin.get(path).status_code == 200
    real = anyio.to_thread.run_sync
    calls: list[object] = []

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    for path in ("/ranking", "/api/v1/rankings", "/units/75.SYT", "/"):
        calls.clear()
        response = admin.get(path)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
        assert len(calls) == 1, (path, calls)
    _body(web.client(None).get("/api/v1/rankings"), 401)
    _body(web.client(None).get("/api/v1/khong-co?x=1"), 401)
    _body(web.client(None).get("/api/v1/units?on=hôm-qua"), 401)
    missing = admin.get("/khong-co-trang-nay")
    assert missing.status_code == 404 and missing.headers["cache-control"] == "no-store"
