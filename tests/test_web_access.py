"""Every route × every role: who may read and write what, through the real application."""

from __future__ import annotations

from typing import Any

import pytest

ROLES = [None, "admin", "evaluator", "viewer", "reporter"]
OK, REDIRECT, LOGIN, UNAUTH, FORBIDDEN = 200, 303, "login", 401, 403
OWN_UNIT = "own unit"
"""A reporter asking for the overview is sent to their unit's page (the brand link is "/")."""

# (method, path, expected status per role in ROLES order)
PAGES = [
    ("GET", "/", [LOGIN, OK, OK, OK, OWN_UNIT]),
    ("GET", "/ranking", [LOGIN, OK, OK, OK, FORBIDDEN]),
    ("GET", "/ranking.csv", [LOGIN, OK, OK, OK, FORBIDDEN]),
    ("GET", "/ranking.xlsx", [LOGIN, OK, OK, OK, FORBIDDEN]),
    ("GET", "/map", [LOGIN, OK, OK, OK, FORBIDDEN]),
    ("GET", "/indicators/signed_docs_rate", [LOGIN, OK, OK, OK, FORBIDDEN]),
    ("GET", "/units/75.SYT", [LOGIN, OK, OK, OK, OK]),
    ("GET", "/units/75.SCT", [LOGIN, OK, OK, OK, FORBIDDEN]),
    ("GET", "/units/2025:75", [LOGIN, OK, OK, OK, FORBIDDEN]),
    ("GET", "/data", [LOGIN, OK, OK, FORBIDDEN, OK]),
    ("GET", "/data/template?period=2026-10", [LOGIN, OK, OK, FORBIDDEN, OK]),
    ("GET", "/documents", [LOGIN, OK, OK, OK, FORBIDDEN]),
    ("GET", "/admin", [LOGIN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
    ("GET", "/admin/units/75.SCT", [LOGIN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
    ("GET", "/openapi.json", [OK, OK, OK, OK, OK]),
    ("GET", "/login", [OK, OK, OK, OK, OK]),
]
API_READS = [
    ("GET", "/api/v1/units?kind=department", [UNAUTH, OK, OK, OK, OK]),
    ("GET", "/api/v1/units/75.SYT", [UNAUTH, OK, OK, OK, OK]),
    ("GET", "/api/v1/frameworks", [UNAUTH, OK, OK, OK, OK]),
    ("GET", "/api/v1/frameworks/platform-usage", [UNAUTH, OK, OK, OK, OK]),
    ("GET", "/api/v1/values?unit=75.SYT", [UNAUTH, OK, OK, OK, OK]),
    ("GET", "/api/v1/values?unit=75.SCT", [UNAUTH, OK, OK, OK, FORBIDDEN]),
    ("GET", "/api/v1/values", [UNAUTH, OK, OK, OK, FORBIDDEN]),
    ("GET", "/api/v1/rankings", [UNAUTH, OK, OK, OK, FORBIDDEN]),
    ("GET", "/api/v1/evaluations", [UNAUTH, OK, OK, OK, FORBIDDEN]),
]


def _check(response: Any, expected: Any) -> None:
    if expected == LOGIN:
        assert response.status_code == REDIRECT
        assert response.headers["location"].startswith("/login")
    elif expected == OWN_UNIT:
        assert response.status_code == REDIRECT
        assert response.headers["location"] == "/units/75.SYT"
    else:
        assert response.status_code == expected, response.text[:300]


@pytest.mark.parametrize(("method", "path", "expected"), PAGES + API_READS)
def test_reads(web: Any, method: str, path: str, expected: list[Any]) -> None:
    for role, want in zip(ROLES, expected, strict=True):
        _check(web.client(role).request(method, path), want)


def _form_posts(web: Any, role: str | None) -> dict[str, Any]:
    csrf = web.csrf(role) if role else ""
    own = (
        "unit_code,period,indicator,numerator,denominator\n75.SYT,2026-10,signed_docs_rate,91,100\n"
    )
    other = (
        "unit_code,period,indicator,numerator,denominator\n75.SCT,2026-10,signed_docs_rate,31,100\n"
    )
    return {
        "upload_own": (
            "/data/upload",
            {"csrf": csrf, "framework": "platform-usage", "mode": "preview"},
            {"file": ("a.csv", own, "text/csv")},
        ),
        "upload_other": (
            "/data/upload",
            {"csrf": csrf, "framework": "platform-usage", "mode": "preview"},
            {"file": ("b.csv", other, "text/csv")},
        ),
        "entry_own": (
            "/data/entry",
            {
                "csrf": csrf,
                "unit": "75.SYT",
                "period": "2026-10",
                "n_signed_docs_rate": "92",
                "d_signed_docs_rate": "100",
            },
            None,
        ),
        "entry_other": (
            "/data/entry",
            {
                "csrf": csrf,
                "unit": "75.SCT",
                "period": "2026-10",
                "n_signed_docs_rate": "32",
                "d_signed_docs_rate": "100",
            },
            None,
        ),
        "letter": (
            "/documents/compose",
            {
                "csrf": csrf,
                "kind": "letter",
                "action": "docx",
                "text": "period: 2026-10\nfindings: [signed_docs_rate]\n",
            },
            None,
        ),
        "add_user": (
            "/admin/users",
            {
                "csrf": csrf,
                "username": f"moi-{role}",
                "full_name": "Mới",
                "password": "ba-con-meo-den-2026",
                "role": "viewer",
            },
            None,
        ),
        "unit_edit": (
            "/admin/units/75.SCT",
            {
                "csrf": csrf,
                "name": "Sở Công Thương",
                "parent_code": "2025:75",
                "short_name": "Công Thương",
                "groups": "Sở, ban, ngành; Có cung cấp dịch vụ công",
            },
            None,
        ),
        "frameworks": (
            "/admin/frameworks",
            {"csrf": csrf, "mode": "validate"},
            {
                "file": (
                    "f.yaml",
                    "id: x\nname: X\nnodes:\n  - {code: A, name: A, max: 5, input: yes_no}\n",
                    "text/yaml",
                )
            },
        ),
    }


FORMS = {
    "upload_own": [UNAUTH, OK, OK, FORBIDDEN, OK],
    "upload_other": [UNAUTH, OK, OK, FORBIDDEN, 422],
    "entry_own": [UNAUTH, OK, OK, FORBIDDEN, OK],
    "entry_other": [UNAUTH, OK, OK, FORBIDDEN, FORBIDDEN],
    "letter": [UNAUTH, OK, OK, OK, FORBIDDEN],
    "add_user": [UNAUTH, REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "frameworks": [UNAUTH, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "unit_edit": [UNAUTH, REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN],
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_form_posts(web: Any, form: str) -> None:
    for role, want in zip(ROLES, FORMS[form], strict=True):
        path, data, files = _form_posts(web, role)[form]
        response = web.client(role).post(path, data=data, files=files)
        _check(response, want)


def test_forms_without_csrf_are_refused(web: Any) -> None:
    client = web.client("admin")
    response = client.post(
        "/data/entry",
        data={
            "unit": "75.SYT",
            "period": "2026-10",
            "n_signed_docs_rate": "1",
            "d_signed_docs_rate": "2",
        },
    )
    assert response.status_code == 403
    assert "hãy tải lại trang rồi gửi lại" in response.text and "CSRF" not in response.text
    response = client.post(
        "/data/entry", data={"csrf": "sai", "unit": "75.SYT", "period": "2026-10"}
    )
    assert response.status_code == 403


API_WRITES = {
    "values_own": (
        "/api/v1/values",
        {
            "framework": "platform-usage",
            "values": [
                {
                    "unit_code": "75.SYT",
                    "period": "2026-10",
                    "indicator": "signed_docs_rate",
                    "numerator": 95,
                    "denominator": 100,
                }
            ],
        },
    ),
    "values_other": (
        "/api/v1/values",
        {
            "framework": "platform-usage",
            "values": [
                {
                    "unit_code": "75.SCT",
                    "period": "2026-10",
                    "indicator": "signed_docs_rate",
                    "numerator": 35,
                    "denominator": 100,
                }
            ],
        },
    ),
    "records": (
        "/api/v1/records/documents",
        [
            {
                "doc_id": "api-1",
                "unit_code": "75.SYT",
                "issued_at": "2026-10-02 08:00",
                "classified": False,
                "sent_online": True,
                "signed_personal": True,
                "signed_org": True,
            }
        ],
    ),
}
API_EXPECTED = {
    "values_own": [UNAUTH, OK, OK, FORBIDDEN, OK],
    "values_other": [UNAUTH, OK, OK, FORBIDDEN, FORBIDDEN],
    "records": [UNAUTH, OK, OK, FORBIDDEN, FORBIDDEN],
}


@pytest.mark.parametrize("call", sorted(API_WRITES))
def test_api_writes_with_tokens(web: Any, call: str) -> None:
    from chiso.services.accounts import sessions

    path, body = API_WRITES[call]
    for role, want in zip(ROLES, API_EXPECTED[call], strict=True):
        headers = {}
        if role is not None:
            headers["Authorization"] = "Bearer " + sessions.create_token(
                web.rt, role, f"tích hợp {call}"
            )
        response = web.client(None).post(path, json=body, headers=headers)
        _check(response, want)


def test_api_values_are_audited_and_idempotent(web: Any) -> None:
    from chiso.services.accounts import sessions

    headers = {"Authorization": "Bearer " + sessions.create_token(web.rt, "evaluator", "QLVB")}
    body = {
        "framework": "platform-usage",
        "values": [
            {
                "unit_code": "75.STC",
                "period": "2026-10",
                "indicator": "signed_docs_rate",
                "numerator": 70,
                "denominator": 100,
            }
        ],
    }
    client = web.client(None)
    first = client.post("/api/v1/values", json=body, headers=headers).json()
    assert (first["created"], first["updated"]) == (0, 1)
    again = client.post("/api/v1/values", json=body, headers=headers).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    history = client.get("/api/v1/values?unit=75.STC&period=2026-10", headers=headers).json()
    assert history[0]["numerator"] == 70
    bad = client.post(
        "/api/v1/values",
        json={
            "framework": "platform-usage",
            "values": [
                {
                    "unit_code": "75.STC",
                    "period": "2026-10",
                    "indicator": "signed_docs_rate",
                    "numerator": 170,
                    "denominator": 100,
                }
            ],
        },
        headers=headers,
    )
    assert bad.status_code == 422
    assert "tử số 170 lớn hơn mẫu số 100" in bad.json()["problems"][0]["message"]
    records = [
        {
            "doc_id": "x1",
            "unit_code": "75.STC",
            "issued_at": "2026-10-05",
            "classified": False,
            "sent_online": True,
            "signed_personal": True,
            "signed_org": False,
        }
    ]
    first_batch = client.post("/api/v1/records/documents", json=records, headers=headers).json()
    second_batch = client.post("/api/v1/records/documents", json=records, headers=headers).json()
    assert (first_batch["stored"], second_batch["stored"], second_batch["already_stored"]) == (
        1,
        0,
        1,
    )
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/values", "/api/v1/rankings", "/api/v1/records/{source}"} <= set(spec["paths"])


def test_reporter_upload_outside_scope_names_the_row_and_stores_nothing(web: Any) -> None:
    from sqlalchemy import func, select

    from chiso.store.models import IndicatorValue

    csrf = web.csrf("reporter")
    both = "unit_code,period,indicator,numerator,denominator\n75.SYT,2026-10,signed_docs_rate,93,100\n75.SCT,2026-10,signed_docs_rate,31,100\n"
    with web.rt.db.transaction() as session:
        before = session.scalar(select(func.count()).select_from(IndicatorValue))
    response = web.client("reporter").post(
        "/data/upload",
        data={"csrf": csrf, "framework": "platform-usage", "mode": "import"},
        files={"file": ("ca-hai.csv", both, "text/csv")},
    )
    assert response.status_code == 422
    assert (
        "ca-hai.csv, dòng 3, cột unit_code: Sở Công Thương nằm ngoài phạm vi tài khoản"
        in response.text
    )
    with web.rt.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(IndicatorValue)) == before


PATH_REFERENCES = [
    "/etc/passwd",
    "../../etc/passwd",
    "x.yaml",
    "/tmp/evil.yaml",
    "platform-usage/..",
]


@pytest.mark.parametrize("ref", PATH_REFERENCES)
def test_a_framework_named_by_a_path_is_refused_and_registers_nothing(
    web: Any, ref: str, tmp_path: Any
) -> None:
    from urllib.parse import quote

    from sqlalchemy import func, select

    from chiso.store.models import AuditEntry, StoredFramework

    evil = tmp_path / "evil.yaml"
    evil.write_text(
        "id: platform-usage\nname: Giả mạo\nnodes:\n  - {code: A, name: A, max: 5, input: yes_no}\n",
        encoding="utf-8",
    )
    target = str(evil) if ref == "/tmp/evil.yaml" else ref
    admin = web.client("admin")
    csrf = web.csrf("admin")
    responses = [
        admin.get("/ranking", params={"framework": target}),
        admin.get("/ranking.csv", params={"framework": target}),
        admin.get("/data/template", params={"framework": target, "period": "2026-10"}),
        admin.get("/api/v1/rankings", params={"framework": target}),
        admin.get("/api/v1/frameworks/" + quote(target, safe="")),
        admin.post(
            "/api/v1/values",
            json={"framework": target, "dry_run": True, "values": []},
        ),
        admin.post(
            "/data/upload",
            data={"csrf": csrf, "framework": target, "mode": "preview"},
            files={"file": ("a.csv", "unit_code,period,indicator,value\n", "text/csv")},
        ),
    ]
    for response in responses:
        assert response.status_code in (400, 404, 422), (response.request.url, response.text[:200])
        assert "root:" not in response.text
        assert "Giả mạo" not in response.text
    with web.rt.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(StoredFramework)) == 0
        assert (
            session.scalar(select(func.count()).where(AuditEntry.action.like("framework.%"))) == 0
        )
