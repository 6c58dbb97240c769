"""Vietnamese text folding, so that "tan hiep", "TÂN HIỆP" and "Tân Hiệp" find each other."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z ]+")

# Prefixes that name the kind of a unit rather than the unit itself, longest first.
_UNIT_PREFIXES = tuple(
    sorted(
        (
            "uy ban nhan dan",
            "ubnd",
            "thanh pho",
            "thi tran",
            "thi xa",
            "dac khu",
            "phuong",
            "huyen",
            "quan",
            "tinh",
            "xa",
            "tp.",
            "tp",
        ),
        key=len,
        reverse=True,
    )
)


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case ASCII with single spaces: diacritics removed and đ read as d. Kept for the same
    text: a page folds the same few thousand unit names tens of thousands of times."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _SPACES.sub(" ", stripped.lower()).strip()


def fold_words(text: str) -> str:
    """Folded text with punctuation turned into spaces (for matching names typed by hand)."""
    return _SPACES.sub(" ", _NON_WORD.sub(" ", fold(text))).strip()


def strip_unit_prefix(folded: str) -> str:
    """Drop leading "ubnd", "xa", "phuong"… from an already folded name, repeatedly."""
    changed = True
    while changed:
        changed = False
        for prefix in _UNIT_PREFIXES:
            if folded.startswith(prefix + " "):
                folded = folded[len(prefix) + 1 :].lstrip()
                changed = True
                break
    return folded


def name_key(name: str) -> str:
    """The comparable core of a unit name: folded, no punctuation, no kind prefix."""
    return strip_unit_prefix(fold_words(name))


def exact_words(text: str) -> str:
    """Lower-case words with their diacritics (NFC), punctuation turned into spaces: "Xã Sơn Hà"
    and "xã  Sơn Hà," are the same, "Sơn Hạ" is not."""
    composed = unicodedata.normalize("NFC", text).lower()
    words = "".join(c if c.isalnum() or c.isspace() else " " for c in composed)
    return _SPACES.sub(" ", words).strip()


def exact_name_key(name: str) -> str:
    """The unit's name without its kind prefix ("UBND xã Sơn Hà" → "sơn hà"), diacritics kept."""
    words = exact_words(name).split(" ")
    bare = strip_unit_prefix(fold(" ".join(words))).split(" ") if words != [""] else []
    return " ".join(words[len(words) - len(bare) :]) if bare != [""] else ""


def slug(text: str) -> str:
    """An ASCII identifier made from a Vietnamese name ("Sở, ban, ngành" → "so-ban-nganh")."""
    return fold_words(text).replace(" ", "-")
