"""Writes that stay true under concurrency: two `chiso data import` processes updating the same
values, many API and service writers on one key, concurrent inserts of a new key, a writer that
holds the lock too long; afterwards every audit step of every value starts from the previous
step's `after` and the last one is what is stored (`verify_audit_chain`, `chiso db check`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from chiso.errors import ConflictError
from chiso.services.runtime import Runtime, open_runtime
from chiso.services.values.changes import verify_audit_chain
from chiso.services.values.importer import import_values
from chiso.settings import Settings
from chiso.store.models import AuditEntry, IndicatorValue

INDICATORS = 5
FRAMEWORK = "id: race-5\nname: Năm chỉ số\nlevels: [index]\nnodes:\n" + "".join(
    f"  - {{code: r{i}, name: Chỉ số {i}, max: 5, input: count, rule: relative_to_best}}\n"
    for i in range(1, INDICATORS + 1)
)
PERIOD = "2026-10"
KEY = ("75.SYT", PERIOD, "signed_docs_rate")


def _filled(template: Path, out: Path, salt: int) -> int:
    """The template with every cell filled with a number that depends on `salt`; returns the
    number of values."""
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb["Số liệu"]
    count = 0
    for r in range(3, ws.max_row + 1):
        for c in range(3, 3 + INDICATORS):
            ws.cell(r, c, (r * 7 + c * 13 + salt * 31) % 97)
            count += 1
    wb.save(out)
    return count


def _prepare(cli: Any, url: str, tmp_path: Path) -> tuple[Path, Path, int]:
    (tmp_path / "race.yaml").write_text(FRAMEWORK, encoding="utf-8")
    assert cli(url, "framework", "register", str(tmp_path / "race.yaml"))[0] == 0
    template = tmp_path / "template.xlsx"
    code, out, err = cli(
        url, "data", "template", "--framework", "race-5", "--period", PERIOD,
        "--group", "UBND cấp xã", "--out", str(template),
    )  # fmt: skip
    assert code == 0, out + err
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    count = _filled(template, a, 1)
    assert _filled(template, b, 2) == count
    return a, b, count


WORKER = textwrap.dedent(
    """
    import sys
    from chiso.cli.main import run
    codes = [run(["data", "import", f]) for f in sys.argv[1:]]
    print(" ".join(map(str, codes)))
    """
)


def _stored(rt: Runtime, framework_id: str) -> dict[tuple[int, str], float | None]:
    from chiso.store.db import Session

    def read(session: Session) -> dict[tuple[int, str], float | None]:
        rows = session.execute(
            select(IndicatorValue.unit_id, IndicatorValue.indicator, IndicatorValue.number).where(
                IndicatorValue.framework_id == framework_id
            )
        )
        return {(u, i): n for u, i, n in rows}

    with rt.db.transaction() as session:
        return read(session)


def _audit_count(rt: Runtime, prefix: str) -> int:
    with rt.db.transaction() as session:
        return len(
            session.scalars(
                select(AuditEntry.id).where(
                    AuditEntry.entity == "value", AuditEntry.entity_key.like(f"{prefix}%")
                )
            ).all()
        )


def test_two_import_processes_keep_the_audit_chain(
    cli: Any, province_db: str, tmp_path: Path
) -> None:
    a, b, count = _prepare(cli, province_db, tmp_path)
    env = {
        **os.environ,
        "CHISO_DATABASE_URL": province_db,
        "CHISO_DATA_DIR": str(tmp_path / "data"),
    }
    rounds = [str(a), str(b)] * 3
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *order],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for order in (rounds, rounds[::-1])
    ]
    results = [w.communicate(timeout=600) for w in workers]
    for w, (out, err) in zip(workers, results, strict=True):
        assert w.returncode == 0, err
        assert out.split()[-len(rounds) :] == ["0"] * len(rounds), out + err
        assert "Traceback" not in err
    rt = open_runtime(Settings(database_url=province_db, data_dir=tmp_path / "data"))
    try:
        report = verify_audit_chain(rt)
        assert report.ok, report.breaks[:5]
        assert report.entities >= count
        steps = _audit_count(rt, "race-5/")
        # The first import creates every value; each later one changes all of them or nothing.
        assert steps % count == 0 and count <= steps <= count * 2 * len(rounds)
        stored = _stored(rt, "race-5")
        assert len(stored) == count
    finally:
        rt.close()
    # The last import committed wins whole: every stored value comes from one of the files.
    code, out, _ = cli(province_db, "data", "import", str(a), "--dry-run")
    assert code == 0
    summary = out.splitlines()[0]
    assert f"giữ nguyên {count}" in summary or f"sửa {count}," in summary
    code, out, _ = cli(province_db, "db", "check")
    assert code == 0 and "khớp hoàn toàn" in out, out


def _post_each(client: Any, bodies: list[dict[str, Any]]) -> list[Any]:
    responses: list[Any] = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def post(i: int) -> None:
        start.wait()
        responses[i] = client.post("/api/v1/values", json=bodies[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return responses


def _one(unit: str, period: str, indicator: str, numerator: float) -> dict[str, Any]:
    return {
        "framework": "platform-usage",
        "values": [
            {
                "unit_code": unit,
                "period": period,
                "indicator": indicator,
                "numerator": numerator,
                "denominator": 200,
            }
        ],
    }


def test_concurrent_api_updates_of_one_key(web: Any) -> None:
    client = web.client("admin")
    bodies = [_one(*KEY, numerator=100 + i) for i in range(24)]
    responses = _post_each(client, bodies)
    assert [r.status_code for r in responses] == [200] * 24, [r.text for r in responses]
    assert sum(r.json()["updated"] for r in responses) == 24
    report = verify_audit_chain(web.rt, "platform-usage")
    assert report.ok, report.breaks[:5]
    history = client.get("/api/v1/values", params={"unit": "75.SYT", "period": PERIOD})
    assert history.status_code == 200


def test_concurrent_inserts_of_a_new_key(web: Any) -> None:
    client = web.client("admin")
    bodies = [_one("75.SYT", "2026-11", "online_docs_rate", 50 + i % 3) for i in range(24)]
    responses = _post_each(client, bodies)
    assert [r.status_code for r in responses] == [200] * 24, [r.text for r in responses]
    created = sum(r.json()["created"] for r in responses)
    updated = sum(r.json()["updated"] for r in responses)
    unchanged = sum(r.json()["unchanged"] for r in responses)
    assert created == 1 and created + updated + unchanged == 24
    report = verify_audit_chain(web.rt, "platform-usage")
    assert report.ok, report.breaks[:5]
    assert _audit_count(web.rt, "platform-usage/75.SYT/2026-11/online_docs_rate") == 1 + updated


def _values_file(tmp_path: Path, name: str, numerator: int, period: str = "2026-12") -> Path:
    path = tmp_path / name
    path.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        f"75.SCT,{period},signed_docs_rate,{numerator},300\n",
        encoding="utf-8",
    )
    return path


def test_service_writers_on_one_key(province_rt: Runtime, tmp_path: Path) -> None:
    files = [_values_file(tmp_path, f"v{i}.csv", 100 + i) for i in range(20)]
    files += [_values_file(tmp_path, f"w{i}.csv", 100 + i, "2027-01") for i in range(6)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(files))

    def work(path: Path) -> None:
        start.wait()
        try:
            import_values(province_rt, path, "platform-usage")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    report = verify_audit_chain(province_rt, "platform-usage")
    assert report.ok, report.breaks[:5]
    assert _audit_count(province_rt, "platform-usage/75.SCT/2026-12/") == 20
    assert _audit_count(province_rt, "platform-usage/75.SCT/2027-01/") == 6


def _hold_write_lock(url: str) -> Callable[[], None]:
    """Another writer that holds the lock on the values until the returned function is called."""
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE indicator_values SET updated_by = 'other' WHERE id > 0")

        def release_sqlite() -> None:
            connection.execute("ROLLBACK")
            connection.close()

        return release_sqlite
    engine = create_engine(url)
    conn = engine.connect()
    conn.execute(update(IndicatorValue).values(updated_by="other"))

    def release() -> None:
        conn.rollback()
        conn.close()
        engine.dispose()

    return release


def test_a_writer_holding_the_lock_too_long_is_a_clean_refusal(
    cli: Any, monkeypatch: pytest.MonkeyPatch, web: Any, tmp_path: Path
) -> None:
    url = web.rt.settings.effective_database_url
    path = _values_file(tmp_path, "late.csv", 7, PERIOD)
    before = verify_audit_chain(web.rt).steps
    release = _hold_write_lock(url)
    try:
        monkeypatch.setenv("CHISO_DB_LOCK_TIMEOUT", "1")
        code, out, err = cli(url, "data", "import", str(path), "--framework", "platform-usage")
        assert code == 1, out + err
        assert "đang bận ghi" in out + err and "Traceback" not in out + err
        rt = open_runtime(Settings(database_url=url, data_dir=tmp_path, db_lock_timeout=1))
        try:
            with pytest.raises(ConflictError):
                import_values(rt, path, "platform-usage")
        finally:
            rt.close()
    finally:
        release()
    report = verify_audit_chain(web.rt)
    assert report.ok and report.steps == before


def test_api_conflict_is_409(web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chiso.services.values import importer

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise ConflictError("Có người khác đang ghi cùng số liệu.", "conflict", retryable=True)

    monkeypatch.setattr(importer, "import_records", refuse)
    response = web.client("admin").post("/api/v1/values", json=_one(*KEY, numerator=1))
    assert response.status_code == 409
    assert response.json()["error"].startswith("Có người khác")


def test_db_check_names_a_broken_chain(cli: Any, province_db: str, tmp_path: Path) -> None:
    path = _values_file(tmp_path, "one.csv", 10)
    assert cli(province_db, "data", "import", str(path), "--framework", "platform-usage")[0] == 0
    assert (
        cli(
            province_db,
            "data",
            "import",
            "--framework",
            "platform-usage",
            str(_values_file(tmp_path, "two.csv", 11)),
        )[0]
        == 0
    )
    assert cli(province_db, "db", "check")[0] == 0
    engine = create_engine(province_db)
    with engine.begin() as conn:
        last = conn.execute(
            select(AuditEntry.id)
            .where(AuditEntry.entity == "value")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        assert last is not None
        conn.execute(text("UPDATE audit_log SET before = NULL WHERE id = :id"), {"id": last})
    engine.dispose()
    code, out, _ = cli(province_db, "db", "check")
    assert code == 1
    assert "platform-usage/75.SCT/2026-12/signed_docs_rate" in out and "không khớp" in out
