"""Vietnamese first, English switchable: the templates' Vietnamese strings are the message ids and
the English catalog (locale/en/LC_MESSAGES/chiso.po, read with Babel) translates them."""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("vi", "en")
CURRENT: ContextVar[str] = ContextVar("chiso_language", default="vi")
_LOCALE = Path(__file__).parent / "locale"


@cache
def translations(language: str) -> NullTranslations:
    path = _LOCALE / language / "LC_MESSAGES" / "chiso.po"
    if language == "vi" or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(message: str) -> str:
    return str(translations(CURRENT.get()).gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    return str(translations(CURRENT.get()).ngettext(singular, plural, n))
