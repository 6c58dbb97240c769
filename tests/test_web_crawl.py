"""Every page of `chiso demo`'s province as each demo account reaches it by following links: what
a person reads is names, never codes, periods in Vietnamese, no English and no command to run;
nothing the CSP would block (no inline script, handler, style or javascript: link); a print
stylesheet on every page; the static assets compressed and cached under a content hash."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx
import pytest

from tests.browsing import DEMO_USERS, PASSWORD, DemoSite, record

SHAPES_PER_ROUTE = 3
"""Pages visited per route shape (/units/{key}, /indicators/{code}…): the same template with
other data adds time, not coverage."""
MAX_PAGES = 90


def _cli_commands() -> list[str]:
    from chiso.cli.main import app

    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    return sorted({n for n in names + [g.name or "" for g in app.registered_groups] if n})


CODE_LIKE = {
    "an identifier": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
    "a slug": re.compile(r"(?<![\w/.@-])[a-z][a-z0-9]*(?:-[a-z0-9]+){2,}(?![\w/.-])"),
    "a period code": re.compile(r"\b(?:19|20)\d\d-(?:0[1-9]|1[0-2]|Q[1-4]|H[12])\b"),
    "a bare year as a period": re.compile(r"\b[Kk]ỳ (?:19|20)\d\d\b"),
    "a unit key": re.compile(r"\b(?:2025|legacy):\w+|\b\d\d\.[A-Z]{2,}\b"),
    "English": re.compile(
        r"\b(?:Forbidden|CSRF|Not Found|Unauthorized|Internal Server Error|None|null|nan|inf)\b"
    ),
    "a command": re.compile(rf"\bchiso (?:{'|'.join(_cli_commands())})\b"),
}
FILE_NAME = re.compile(r"[\w.-]+\.(?:csv|xlsx|docx|pdf|yaml|yml|png|jpe?g)\b")
"""A file's own name (xep-hang-platform-usage-2026-10.csv) is what the person will find on disk."""
VISIBLE_ATTRS = ("title", "placeholder", "aria-label", "alt")
EVENT_ATTR = re.compile(r"^on[a-z]+$")


class Page(HTMLParser):
    """What a person reads on a page, its links, and what the CSP would refuse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self.inline: list[str] = []
        self.stylesheets: list[tuple[str, str]] = []
        self.scripts: list[str] = []
        self._hidden = 0
        self._editable = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._refused(tag, a)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "script" and "src" in a:
            self.scripts.append(a["src"])
        if tag in ("textarea", "code", "pre"):
            self._editable += 1  # what a person typed or edits (YAML), or a marked identifier
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append((a.get("href", ""), a.get("media", "all")))
        self.text += [a[k] for k in VISIBLE_ATTRS if a.get(k)]
        if tag == "input" and a.get("type", "text") in ("submit", "button"):
            self.text.append(a.get("value", ""))
        if tag == "input" and a.get("name") == "period" and a.get("type", "text") == "text":
            self.text.append(
                a.get("value", "")
            )  # a period offered to be changed, as people write it

    def _refused(self, tag: str, a: dict[str, str]) -> None:
        """What the page's CSP (script-src 'self', style-src 'self') would block."""
        self.inline += [f"<{tag} {name}=…>" for name in a if EVENT_ATTR.match(name)]
        if "style" in a:
            self.inline.append(f"<{tag} style=…>")
        if tag == "script" and "src" not in a:
            self.inline.append("<script> without src")
        if tag == "style":
            self.inline.append("<style>")
        for key in ("href", "src", "action", "formaction"):
            if a.get(key, "").strip().lower().startswith("javascript:"):
                self.inline.append(f"<{tag} {key}=javascript:…>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1
        if tag in ("textarea", "code", "pre"):
            self._editable -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and not self._editable and data.strip():
            self.text.append(" ".join(data.split()))


def signed_in(site: DemoSite, role: str) -> httpx.Client:
    client = httpx.Client(base_url=site.base, follow_redirects=False, timeout=60)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    answer = client.post(
        "/login",
        data={"username": DEMO_USERS[role], "password": PASSWORD, "csrf": csrf.group(1)},
    )
    assert answer.status_code == 303, answer.text
    return client


def _shape(path: str) -> str:
    """/units/2025:26098 and /units/75.SYT are one shape; so are ?period=2026-10 and 2026-09."""
    parsed = urlparse(path)
    parts = [p if p.isalpha() else "{}" for p in parsed.path.split("/")]
    keys = sorted(k.split("=")[0] for k in parsed.query.split("&") if k)
    return "/".join(parts) + "?" + "&".join(keys)


def crawl(site: DemoSite, role: str) -> dict[str, tuple[int, Page]]:
    client = signed_in(site, role)
    seen: dict[str, tuple[int, Page]] = {}
    shapes: dict[str, int] = {}
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        answer = client.get(path)
        if answer.status_code in (301, 302, 303, 307):
            queue.appendleft(answer.headers["location"])
            continue
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        parsed = Page()
        parsed.feed(answer.text)
        seen[path] = (answer.status_code, parsed)
        for link in parsed.links:
            target = urlparse(urljoin(site.base + path, link))
            if target.netloc != urlparse(site.base).netloc:
                continue
            found = target.path + (f"?{target.query}" if target.query else "")
            if found.startswith(("/logout", "/static", "/evidence")) or "lang=" in found:
                continue
            if found.endswith((".csv", ".xlsx", ".docx", ".pdf")) or "/template" in found:
                continue
            shape = _shape(found)
            if found not in seen and shapes.get(shape, 0) < SHAPES_PER_ROUTE:
                shapes[shape] = shapes.get(shape, 0) + 1
                queue.append(found)
    client.close()
    return seen


@pytest.fixture(scope="module")
def crawled(demo_site: DemoSite) -> dict[str, dict[str, tuple[int, Page]]]:
    """What each role reads, after a refusal and a token with an expiry are in the audit log
    (their details are stored in English and as ISO moments, and shown in Vietnamese)."""
    from chiso.services.accounts import sessions

    reporter = signed_in(demo_site, "reporter")
    assert reporter.get("/units/2025:75").status_code == 403  # the province, above Sở Y tế
    reporter.close()
    sessions.create_token(demo_site.rt, DEMO_USERS["admin"], "QLVB", days=90)
    return {role: crawl(demo_site, role) for role in DEMO_USERS}


def test_every_role_reaches_its_pages(crawled: dict[str, dict[str, tuple[int, Any]]]) -> None:
    """Each account's links lead to pages it may open: no link to a refusal or a dead end."""
    broken = [
        f"{role}: {path} → {status}"
        for role, pages in crawled.items()
        for path, (status, _page) in pages.items()
        if status != 200
    ]
    counts = {role: len(pages) for role, pages in crawled.items()}
    record("crawl-counts", counts)
    assert all(n >= 5 for n in counts.values()), counts
    assert not broken, "\n".join(broken)


def test_pages_show_names_and_vietnamese_periods(
    crawled: dict[str, dict[str, tuple[int, Page]]],
) -> None:
    found: dict[str, set[str]] = {}
    for role, pages in crawled.items():
        for path, (_status, page) in pages.items():
            for shown in page.text:
                text = FILE_NAME.sub("", shown)
                for what, pattern in CODE_LIKE.items():
                    for match in pattern.finditer(text):
                        start = max(0, match.start() - 30)
                        key = f"{what}: {match.group(0)!r} in «{text[start : match.end() + 30]}»"
                        found.setdefault(key, set()).add(f"{role} {path}")
    lines = [f"{k}\n    on {', '.join(sorted(v)[:3])}" for k, v in sorted(found.items())]
    record("crawl-codes", lines)
    assert not lines, f"{len(lines)} codes or English strings shown:\n" + "\n".join(lines[:60])


def test_nothing_inline_and_a_print_stylesheet_everywhere(
    crawled: dict[str, dict[str, tuple[int, Page]]],
) -> None:
    problems = []
    for role, pages in crawled.items():
        for path, (_status, page) in pages.items():
            problems += [f"{role} {path}: {what}" for what in page.inline]
            if not any(media == "print" for _href, media in page.stylesheets):
                problems.append(f"{role} {path}: no print stylesheet")
            for src in page.scripts + [href for href, _m in page.stylesheets]:
                if not re.search(r"[?&]v=[0-9a-f]{16}$", src):
                    problems.append(f"{role} {path}: {src} has no content hash")
    assert not problems, "\n".join(problems[:40])


def test_static_assets_are_compressed_and_cached(
    crawled: dict[str, dict[str, tuple[int, Page]]], demo_site: DemoSite
) -> None:
    urls = set()
    for path in ("/", "/ranking"):
        _status, seen = crawled["viewer"][path]
        urls |= {href for href, _m in seen.stylesheets} | set(seen.scripts)
    # The ranking's labels sheet is a signed-in page of its own (tests/test_web_ranking.py).
    urls = {url for url in urls if url.startswith("/static/")}
    assert len(urls) >= 4, urls  # style, print, forms, and the ranking's styles
    with httpx.Client(base_url=demo_site.base, timeout=60) as client:
        for url in sorted(urls):
            name = urlparse(url).path.rsplit("/", 1)[-1]
            raw = client.get(url, headers={"Accept-Encoding": "identity"})
            packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
            assert raw.status_code == packed.status_code == 200, url
            assert "content-encoding" not in raw.headers
            assert packed.headers["content-encoding"] == "gzip"
            assert packed.headers["vary"] == "Accept-Encoding"
            assert packed.content == raw.content  # httpx has unpacked it
            if len(raw.content) > 1000:
                assert int(packed.headers["content-length"]) < len(raw.content) * 0.6, name
            assert packed.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert "no-store" not in raw.headers["cache-control"]
            etag = raw.headers["etag"]
            again = client.get(url, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.content == b""
            stale = client.get(f"/static/{name}?v=0000000000000000")
            assert stale.status_code == 200
            assert stale.headers["cache-control"] == "public, max-age=0, must-revalidate"
        for bad in ("/static/../app.py", "/static/%2e%2e%2fapp.py", "/static/nothing.css"):
            assert client.get(bad).status_code == 404, bad
