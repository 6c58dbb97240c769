"""Schemathesis over every operation of /openapi.json, in process (the app's ASGI interface, no
network), anonymous and with each role's API token: no 5xx, every status declared, every body
conforming to its declared model (the one error body for failures).

Bounded and reproducible: MAX_EXAMPLES cases per operation, mode and role (CHISO_FUZZ_EXAMPLES),
Hypothesis derandomized, no deadline. The counts of each run (requests, 5xx, violations per role)
are printed and written to test-artifacts/schemathesis-<backend>.json; docs/security.md quotes
them."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import WEB_USERS

ROLES: list[str | None] = [None, *WEB_USERS, "viewer-session"]
"""Anonymous, each role's API token, and a signed-in browser session (the cookie scheme)."""
MAX_EXAMPLES = int(os.environ.get("CHISO_FUZZ_EXAMPLES", "12"))
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]


def _fuzz(web: Any, role: str | None) -> dict[str, Any]:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis.generation import GenerationMode
    from schemathesis.python.asgi import get_client

    from chiso.services.accounts import sessions

    raw = web.client(None).get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = web.app
    # not entered: the app's lifespan already runs under the `web` fixture's client
    client = get_client(web.app)
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if role == "viewer-session":
        cookies["chiso_session"] = web.client("viewer").cookies["chiso_session"]
    elif role is not None:
        token = sessions.create_token(web.rt, WEB_USERS[role][0], f"fuzz {role}")
        headers["Authorization"] = f"Bearer {token}"
    checks = _checks()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    operations = [op.ok() for op in schema.get_all_operations()]
    for operation in operations:
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=MAX_EXAMPLES * 2,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            response = case.call(session=client, headers=headers, cookies=cookies)
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except Exception as exc:
                text = str(exc).strip().splitlines()
                failures.append(
                    f"{case.operation.label} {response.status_code}: {' | '.join(text[:6])}"
                )

        run()
    return {
        "role": role or "anonymous",
        "operations": len(operations),
        "requests": sum(statuses.values()),
        "server_errors": sum(n for s, n in statuses.items() if s >= 500),
        "violations": len(failures),
        "statuses": {str(s): n for s, n in sorted(statuses.items())},
        "failures": failures[:20],
    }


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_schemathesis_every_operation(web: Any, role: str | None, backend: str) -> None:
    start = time.perf_counter()
    found = _fuzz(web, role)
    found["seconds"] = round(time.perf_counter() - start, 1)
    found["backend"] = backend
    print(json.dumps({k: v for k, v in found.items() if k != "failures"}, ensure_ascii=False))
    ARTIFACTS.mkdir(exist_ok=True)
    record = ARTIFACTS / f"schemathesis-{backend}.json"
    runs = json.loads(record.read_text("utf-8")) if record.exists() else {}
    runs[found["role"]] = found
    record.write_text(json.dumps(runs, ensure_ascii=False, indent=1), encoding="utf-8")
    assert found["operations"] >= 9
    assert found["requests"] >= found["operations"] * MAX_EXAMPLES
    assert found["server_errors"] == 0 and not found["failures"], "\n".join(found["failures"])
    if role is None:
        assert set(found["statuses"]) <= {"401", "404", "405"}, found["statuses"]


def test_the_checks_catch_a_server_error_and_a_wrong_body(web: Any) -> None:
    """The fuzz run can fail: a real answer passes the checks, the same answer with a 500, an
    undeclared status, another error shape or a body that is not the model does not."""
    import schemathesis
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.transport import Response
    from schemathesis.python.asgi import get_client

    from chiso.services.accounts import sessions

    schema = schemathesis.openapi.from_dict(web.client(None).get("/openapi.json").json())
    schema.app = web.app
    case = schema["/api/v1/units"]["GET"].Case(query={"kind": "department"})
    headers = {"Authorization": "Bearer " + sessions.create_token(web.rt, "viewer", "probe")}
    real = case.call(session=get_client(web.app), headers=headers)
    assert real.status_code == 200 and real.json()
    case.validate_response(real, checks=_checks(), headers=headers)
    wrong = {
        "Server error": (500, b'{"error": "x", "error_en": "x", "hint": null, "problems": []}'),
        "Undocumented status code": (418, real.content),
        "Response violates schema": (404, b'{"detail": "Not Found"}'),
    }
    wrong_body = (200, b'[{"key": 1, "name": null}]')
    for name, (status, body) in [*wrong.items(), ("Response violates schema", wrong_body)]:
        response = Response(
            status, real.headers, body, real.request, real.elapsed, real.verify, "", "1.1", "utf-8"
        )
        with pytest.raises(FailureGroup) as caught:
            case.validate_response(response, checks=_checks(), headers=headers)
        assert name in {f.title for f in caught.value.exceptions}, (status, body)


def test_nul_characters_found_by_the_fuzzing_are_refused_not_500(web: Any, backend: str) -> None:
    """On PostgreSQL a NUL (0x00) in a parameter reached the driver and gave a 500; it is now a
    400 with the one error body (SQLite stores and compares it: nothing matches)."""
    from chiso.services.accounts import sessions

    headers = {"Authorization": "Bearer " + sessions.create_token(web.rt, "admin", "nul")}
    client = web.client(None)
    for params in ({"search": "\x00"}, {"parent": "a\x00"}, {"group": "\x00"}, {"kind": "\x00"}):
        response = client.get("/api/v1/units", params=params, headers=headers)
        assert response.status_code in {200, 400, 404}, (params, response.text)
        if response.status_code != 200:
            assert set(response.json()) == {"error", "error_en", "hint", "problems"}
        if backend == "postgresql" and "search" in params:
            assert response.status_code == 400 and "ký tự NUL" in response.json()["error"]
    value = {"unit_code": "75.SYT\x00", "period": "2026-10", "indicator": "signed_docs_rate"}
    body = {"framework": "platform-usage", "values": [{**value, "numerator": 1, "denominator": 2}]}
    response = client.post("/api/v1/values", json=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text
