"""English is switchable: every message id used by the templates has an English translation,
and a page asked for in English is served in English."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

WEB = Path(__file__).parent.parent / "src" / "chiso" / "web"


def test_every_template_message_is_translated() -> None:
    with (WEB / "locale" / "en" / "LC_MESSAGES" / "chiso.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    translated = {m.id for m in catalog if m.id and m.string}
    used: set[str] = set()
    for template in (WEB / "templates").glob("*.html"):
        used |= set(re.findall(r'_\("([^"]+)"\)', template.read_text(encoding="utf-8")))
    assert len(used) > 100
    assert used - translated == set()


def test_pages_switch_to_english(web: Any) -> None:
    client = web.client("admin")
    vietnamese = client.get("/ranking")
    assert (
        'lang="vi"' in vietnamese.text
        and "Tải CSV" in vietnamese.text
        and ">Xếp hạng<" in vietnamese.text
    )
    english = client.get("/ranking?lang=en")
    assert 'lang="en"' in english.text
    assert "Download CSV" in english.text and ">Ranking<" in english.text and "Sort" in english.text
    assert client.get("/").text.count("Overview") >= 1
    assert "Tiếng Việt" in client.get("/map").text
    back = client.get("/map?lang=vi")
    assert "Bản đồ chỉ số" in back.text
