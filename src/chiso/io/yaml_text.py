"""YAML read through libyaml's C parser when PyYAML has it (its wheels do): the pure-Python
parser took a quarter of a second of every `chiso facts compute` to read the framework and the
records' declarations, each parsed twice (once for aliases, once for data)."""

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
