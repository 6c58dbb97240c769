"""What the browser tests share (registered as a pytest plugin by conftest): the full demo province
(`chiso demo`'s data: 24 months, the yearly evaluation, the open self-assessment round, the four
demo accounts) served by one uvicorn server per backend and test session, one Debian chromium per
session, axe-core from the npm registry, and the checks every page gets: no horizontal overflow,
no console error or CSP violation, no serious or critical accessibility issue."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chiso.settings import Settings

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_VERSION = "4.14.1"
AXE_DIR = ROOT / ".tools" / "npm"
"""Where `make test` (scripts/ensure-axe.sh) installs axe-core; git-ignored like .tools/."""
PASSWORD = "mat-khau-thu-1"
WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
DEMO_USERS = {"admin": "admin", "evaluator": "thamdinh", "viewer": "lanhdao", "reporter": "soyte"}
"""Role → the demo account `chiso demo` creates for it."""

needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian chromium is installed by make test"
)


def free_port() -> int:
    """A port nobody holds now (the kernel's choice), for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any, **options: Any) -> Iterator[str]:
    """`app` served by uvicorn in a thread on a socket bound here (so no other test can take the
    port between choosing and listening); yields the base URL, stops the server on exit."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@dataclass
class DemoSite:
    base: str
    settings: Settings
    app: Any
    year: int
    """The year of the open self-assessment round (the demo opens it around today)."""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Role → the signed-in browser storage state, so each role logs in once per session."""

    @property
    def rt(self) -> Any:
        return self.app.state.rt


@pytest.fixture(scope="session")
def demo_site(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """`chiso demo`'s province, built once per backend and served on a free port."""
    from chiso.services.accounts import users
    from chiso.services.runtime import open_runtime
    from chiso.services.system.demo import build_full_demo
    from chiso.web.app import create_app
    from tests.conftest import _database

    directory = tmp_path_factory.mktemp(f"demo-site-{backend}")
    for url in _database(backend, directory):
        settings = Settings(database_url=url, data_dir=directory / "data", cookie_secure=False)
        rt = open_runtime(settings)
        report = build_full_demo(rt)
        for username in DEMO_USERS.values():
            users.set_password(rt, username, PASSWORD)
        rt.close()
        app = create_app(settings)
        assert report.months
        with serving(app) as base:
            yield DemoSite(base, settings, app, date.today().year)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One Debian chromium per test file (never `playwright install`). Not per session: a running
    sync Playwright keeps an event loop on the worker's thread, so the next file's own
    `sync_playwright()` or `asyncio.run()` (pyHanko signing) would refuse to start."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium: Any) -> Any:
    """The file's chromium under the name the journey tests use."""
    return chromium


def axe_script() -> str:
    """axe.min.js from the npm registry, installed by `make test` (or here, the same way)."""
    path = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure-axe.sh")], check=True, cwd=ROOT)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def axe() -> str:
    return axe_script()


CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


class Watched:
    """A page whose console errors, uncaught exceptions and CSP violations are collected."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def open(self, base: str, path: str) -> Any:
        """Goes to the page, waits for its scripts and charts, and returns the response."""
        self.errors.clear()
        response = self.page.goto(base + path)
        self.page.wait_for_load_state("networkidle")
        return response


def context(
    browser: Any, site: DemoSite, role: str | None, width: str, bypass_csp: bool = False
) -> Any:
    """A browser context at one of the two widths, signed in as the demo account of `role`."""
    w, h = WIDTHS[width]
    if role is not None and role not in site.sessions:
        site.sessions[role] = _sign_in(browser, site, role)
    ctx = browser.new_context(
        viewport={"width": w, "height": h},
        storage_state=site.sessions[role] if role else None,
        bypass_csp=bypass_csp,
        locale="vi-VN",
        accept_downloads=True,
    )
    ctx.add_init_script(CSP_LISTENER)
    return ctx


def _sign_in(browser: Any, site: DemoSite, role: str) -> dict[str, Any]:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(site.base + "/login")
    page.fill("input[name=username]", DEMO_USERS[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, f"{role} could not sign in"
    state: dict[str, Any] = ctx.storage_state()
    ctx.close()
    return state


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


def wide_elements(page: Any) -> list[str]:
    """The elements sticking out to the right of the window, to say what overflows."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1
                   && !e.closest('.scroll'))
          .slice(0, 8)
          .map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                      + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""
    )
    return found


def axe_violations(page: Any, script: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (WCAG 2.1 A and AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=script)
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(n["target"]) for n in v["nodes"][:4]]
        lines.append(f"{v['impact']} {v['id']}: {v['help']} — {len(v['nodes'])} × {targets}")
    return "\n".join(lines)


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def record(name: str, data: Any) -> None:
    """Figures a test measured, kept beside the screenshots for the report."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
    )


os.environ.setdefault("CHISO_PASSWORD_HASH_COST", "fast")
