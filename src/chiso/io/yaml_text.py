"""YAML read through libyaml's C parser when PyYAML has it (its wheels do): a framework is
parsed twice (once for aliases, once for data) on every command that reads it, and the
pure-Python parser took half of the 13 ms of reading the shipped one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The safe loader: no tags beyond YAML's own types, whichever parser runs it."""


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=LOADER)


def events(text: str) -> Iterator[yaml.Event]:
    """The parse events of `text`, without building anything (to refuse aliases before data)."""
    return yaml.parse(text, Loader=LOADER)
