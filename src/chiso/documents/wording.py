"""The editable wording of documents: a YAML file of Jinja2 snippets (our own default text) per
document type, with a section per agency level (tinh, huyen, xa, so, bo) that overrides the
common keys; snippets read the placeholders of `documents.voice`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, TemplateError

from chiso.errors import RejectedInput

_ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_ENV.filters["lower_first"] = lambda text: text[:1].lower() + text[1:]


def load(name: str, level: str | None = None, path: Path | None = None) -> dict[str, Any]:
    """The shipped wording `name` (letter, notice, summary…) or a user's file, laid over the
    shared phrases of findings (findings.vi.yaml: a report names findings as a letter does), with
    the keys of `level` laid over the common ones."""
    shared = _parse(_shipped("findings"), "findings")
    own = _parse(path.read_text(encoding="utf-8") if path else _shipped(name), path or name)
    levels = own.pop("levels", None) or {}
    return shared | own | ((levels.get(level) or {}) if level else {})


def _shipped(name: str) -> str:
    return files("chiso.data.documents").joinpath(f"{name}.vi.yaml").read_text(encoding="utf-8")


def _parse(text: str, where: object) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RejectedInput(
            f"Tệp lời văn {where} không đúng cú pháp YAML.", f"bad wording YAML: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise RejectedInput(
            f"Tệp lời văn {where} phải là một bảng khóa: nội dung.",
            "wording is not a mapping",
        )
    return data


def render(template: str, **values: Any) -> str:
    try:
        return _ENV.from_string(template).render(**values).strip()
    except TemplateError as exc:
        raise RejectedInput(
            f"Lời văn có chỗ điền không hợp lệ: {exc}.",
            f"wording template error: {exc}",
            hint_vi="chỉ dùng các chỗ điền được liệt kê ở đầu tệp lời văn.",
        ) from exc


def lines(templates: list[str] | tuple[str, ...], **values: Any) -> list[str]:
    """Rendered lines, dropping those a condition left empty."""
    return [line for t in templates if (line := render(t, **values))]
