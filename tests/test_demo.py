from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from chiso.domain.periods import Granularity, Period
from chiso.services.dashboard import pages, precompute
from chiso.services.facts import DEFAULT_FRAMEWORK
from chiso.services.generate import default_end
from chiso.services.runtime import open_runtime
from chiso.services.scoring import evaluations
from chiso.services.system.demo import DemoReport, build_demo, store_first_views
from chiso.services.units.catalogue import show_unit
from chiso.settings import Settings


def test_demo_province_is_real_and_rebuilds_harmlessly(rt) -> None:
    first = build_demo(rt)
    assert first.units.created["province"] == 3
    assert len(first.departments.created) == 14
    detail = show_unit(rt, "2025:75")
    assert detail.children == 95 + 14
    again = build_demo(rt)
    assert not again.units.changed
    assert again.departments.created == []
    assert again.departments.unchanged == 14


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_serves_then_stores_the_first_views(tmp_path: Path) -> None:
    """`chiso demo` as a user runs it: /login answers, the admin printed signs in, the overview
    and the rankings the demo names answer before or while the server stores them in the
    background, and once it has they are read, not computed, by the next view."""
    port = _free_port()
    env = {**os.environ, "CHISO_DATA_DIR": str(tmp_path), "CHISO_COOKIE_SECURE": "false"}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("CHISO_DATABASE_URL", None)
    chiso = Path(sys.executable).parent / "chiso"
    proc = subprocess.Popen(
        [str(chiso), "demo", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        logins: dict[str, str] = {}
        for line in proc.stdout:
            found = re.search(r"Tài khoản (\w+) / mật khẩu (\S+)", line)
            if found:
                logins[found[1]] = found[2]
            if "Mở trình duyệt" in line:
                break
        assert set(logins) == {"admin", "thamdinh", "lanhdao", "soyte"}, logins
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    form = client.get("/login")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the demo never served /login"
                    time.sleep(0.05)
            assert form.status_code == 200
            token = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert token is not None
            signed = client.post(
                "/login",
                data={"username": "admin", "password": logins["admin"], "csrf": token[1]},
            )
            assert signed.status_code == 303, signed.text
            last = default_end()
            overview = client.get("/")
            assert overview.status_code == 200
            assert "Đăng xuất" in overview.text
            assert f"Tổng quan sử dụng nền tảng dùng chung — {last.label_vi}" in overview.text
            year = Period.year_of(last.year - 1)
            for url, period in (("/ranking", last), (f"/ranking?period={year}", year)):
                page = client.get(url)
                assert page.status_code == 200, url
                assert f"Theo dõi sử dụng nền tảng dùng chung, {period.label_vi}" in page.text
                assert "Sở Y tế" in page.text, url
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
    with sqlite3.connect(tmp_path / "chiso.sqlite3") as db:
        by_source = dict(db.execute("SELECT source, count(*) FROM indicator_values GROUP BY 1"))
        (audited,) = db.execute("SELECT count(*) FROM audit_log WHERE entity = 'value'").fetchone()
    # every value the demo stored was audited once; nothing else wrote values while it served
    assert set(by_source) == {"computed", "generated", "registry"}
    assert audited == sum(by_source.values()) > 30_000
    settings = Settings(data_dir=tmp_path, database_url=None)
    rt = open_runtime(settings)
    try:
        report = DemoReport("75", None, None)  # type: ignore[arg-type]
        report.first_views = [(DEFAULT_FRAMEWORK, last), (DEFAULT_FRAMEWORK, year)]
        evaluations.COUNTS.clear()
        for framework_id, period in report.first_views:
            pages.ranking(rt, framework_id, period)
        assert evaluations.COUNTS["computed"] == 0
        assert evaluations.COUNTS["read"] == 2
        # `--no-serve` also stores each framework's newest period and those holding it
        # (the server may have stored some of them before it stopped)
        store_first_views(rt, report)
        heads = [h for h in precompute.heads(rt) if h not in report.first_views]
        assert {(DEFAULT_FRAMEWORK, last.enclosing(Granularity.QUARTER))} <= set(heads)
        evaluations.COUNTS.clear()
        options = evaluations.Options(draws=300, top_k=3)  # as the ranking page asks
        for framework_id, period in report.first_views + heads:
            evaluations.evaluation_for(rt, framework_id, period, options)
        assert evaluations.COUNTS["computed"] == 0
        assert evaluations.COUNTS["read"] == 2 + len(heads)
    finally:
        rt.close()
