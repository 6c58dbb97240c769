"""Writes the documentation that is made from the code, so it cannot go stale: `docs/cli.md`
(every command with its options and help) and the settings table of the README (every CHISO_*
setting with its default and meaning). `python -m chiso.docs_gen` rewrites both; `--check`
only says which differ (the tests run it)."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import typer

ROOT = Path(__file__).resolve().parents[2]
CLI_DOC = ROOT / "docs" / "cli.md"
README = ROOT / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"
COMMAND = "python -m chiso.docs_gen"


def commands() -> Iterator[tuple[str, Any]]:
    """Every command of `chiso`, with its full name ("chiso units list"), groups first."""
    from chiso.cli.main import app

    yield from _walk("chiso", typer.main.get_command(app))


def _walk(name: str, command: Any) -> Iterator[tuple[str, Any]]:
    yield name, command
    subcommands = getattr(command, "commands", {})
    for sub in sorted(subcommands):
        yield from _walk(f"{name} {sub}", subcommands[sub])


def cli_markdown() -> str:
    lines = [
        "# The `chiso` command",
        "",
        f"Generated from the code by `{COMMAND}` (`make docs`); `make test` fails when this file",
        "differs from the code. Exit codes: 0 success, 1 input refused (with the reasons),",
        "2 the command was called wrongly.",
        "",
    ]
    for name, command in commands():
        lines += _command(name, command)
    return "\n".join(lines).rstrip() + "\n"


def _command(name: str, command: Any) -> list[str]:
    level = "#" * min(name.count(" ") + 2, 4)
    out = [f"{level} `{name}`", "", _help(command), ""]
    params = [p for p in command.params if p.name != "help" and not getattr(p, "hidden", False)]
    if params:
        out += ["| | mặc định | ý nghĩa |", "|---|---|---|"]
        out += [_param(p) for p in params]
        out.append("")
    return out


def _help(command: Any) -> str:
    text = (command.help or command.short_help or "").strip()
    return " ".join(text.split()) or "—"


def _param(p: Any) -> str:
    meaning = _cell(p.help or "")
    if p.param_type_name == "argument":
        shown = p.metavar or p.name.upper()
        return f"| `{shown}` | {'bắt buộc' if p.required else '—'} | {meaning} |"
    names = " / ".join(p.opts + p.secondary_opts)
    kind = "" if p.is_flag else f" {_kind(p)}"
    repeat = " (lặp lại được)" if p.multiple else ""
    default = "bắt buộc" if p.required else _default(p.default)
    return f"| `{names}{kind}` | {default} | {meaning}{repeat} |"


NAMES = {str: "TEXT", int: "INTEGER", float: "NUMBER", Path: "PATH", bool: "BOOLEAN"}


def _kind(p: Any) -> str:
    if p.metavar:
        return str(p.metavar)
    annotation = p.type_descriptor.annotation
    while get_origin(annotation) in (list, Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)).upper())


def _default(value: Any) -> str:
    if value is None or value in ("", [], ()):
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, list | tuple):
        return ", ".join(f"`{v}`" for v in value)
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def settings_table() -> str:
    from chiso.settings import Settings

    lines = ["| biến | mặc định | ý nghĩa |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        shown = extra.get("shown_default")
        default = f"`{shown}`" if shown else _default(field.get_default(call_default_factory=False))
        lines.append(f"| `CHISO_{name.upper()}` | {default} | {_cell(field.description or '')} |")
    return "\n".join(lines)


def readme_with_settings(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{settings_table()}\n{END}{tail}"


def outdated() -> list[Path]:
    """The generated files that differ from what the code says now."""
    wanted = {CLI_DOC: cli_markdown(), README: readme_with_settings(README.read_text("utf-8"))}
    return [path for path, text in wanted.items() if path.read_text("utf-8") != text]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = outdated()
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run `{COMMAND}`")
        return 1 if stale else 0
    CLI_DOC.write_text(cli_markdown(), encoding="utf-8")
    README.write_text(readme_with_settings(README.read_text("utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
