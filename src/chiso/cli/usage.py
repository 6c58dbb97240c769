"""Click's own words in Vietnamese, once for every command: usage errors (a missing or unknown
option, a bad value, an unknown command) become the project's `UsageError` — Vietnamese for
people, Click's English kept for the log — and the help screens get Vietnamese headings.

Typer 0.29 vendors Click as `typer._click`; its exceptions carry the parameter, the context and
(for values Typer validates with pydantic) the validation error, which is what the Vietnamese is
built from, so nothing depends on the wording of Click's English.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from typer._click import core as click_core
from typer._click import exceptions as click_errors
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

from chiso.errors import UsageError

USAGE = "Cách dùng: "
OPTIONS_METAVAR = "[TÙY CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [THAM SỐ]..."
HELP_OPTION_HELP = "Hiện hướng dẫn này rồi thoát."

HEADINGS = {
    "ARGUMENTS_PANEL_TITLE": "Tham số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "ABORTED_TEXT": "Đã hủy.",
    "DEFAULT_STRING": "[mặc định: {}]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "DEPRECATED_STRING": "(không còn dùng) ",
    "RICH_HELP": "Xem [blue]'{command_path} {help_option}'[/] để biết cách dùng.",
}
"""Typer's help-screen words (module settings of `typer.rich_utils`, read when help is drawn;
set then, so that a command that draws no help does not load Rich's help machinery)."""


class VietnameseHelpFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE if prefix is None else prefix)


class VietnameseContext(click_core.Context):
    formatter_class = VietnameseHelpFormatter

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        option = self.command.get_help_option(self)
        if option is not None:
            option.help = HELP_OPTION_HELP
            vars(option)["display_type_rich"] = lambda ctx: None

    def get_help(self) -> str:
        from typer import rich_utils

        for name, text in HEADINGS.items():
            setattr(rich_utils, name, text)
        return super().get_help()


def localise(command: click_core.Command) -> click_core.Command:
    """`command` and every command under it drawn and parsed with Vietnamese words."""
    _localise(command)
    return command


TYPE_WORDS = {
    "str": "CHỮ",
    "int": "SỐ",
    "float": "SỐ",
    "path": "ĐƯỜNG_DẪN",
    "file": "TỆP",
    "directory": "THƯ_MỤC",
    "datetime": "NGÀY_GIỜ",
    "date": "NGÀY",
}
"""Typer's type labels (`<str>`, `<path>`) in the help column, in Vietnamese; a flag shows none,
nor an argument whose name already says it."""


def type_label(param: click_core.Parameter, ctx: click_core.Context) -> str | None:
    """What the help's type column says of `param`: its own metavar, nothing for a flag, else
    the Vietnamese word for its type (a choice keeps its values, a list ends with "...")."""
    metavar = getattr(param, "metavar", None)
    if metavar is not None:
        return None if getattr(param, "param_type_name", "") == "argument" else str(metavar)
    if getattr(param, "is_flag", False):
        return None
    shown = getattr(param, "display_type", None)
    if shown is None:
        return None
    label = str(shown(ctx)).strip("<>").removesuffix(" range")
    many = label.startswith("list[")
    label = label.removeprefix("list[").removesuffix("]")
    word = TYPE_WORDS.get(label, label)
    return f"{word}..." if many or param.nargs != 1 else word


def _localise(command: click_core.Command) -> None:
    command.context_class = VietnameseContext
    for param in command.params:
        vars(param)["display_type_rich"] = lambda ctx, param=param: type_label(param, ctx)
    if command.options_metavar:
        command.options_metavar = OPTIONS_METAVAR
    if isinstance(command, TyperGroup):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            _localise(sub)


def _path_from(root: click_core.Command, argv: Sequence[str]) -> str:
    """The command an error without a context was raised in, from the words typed."""
    words, command = ["chiso"], root
    for arg in argv:
        if not isinstance(command, TyperGroup) or arg not in command.commands:
            if arg.startswith("-"):
                continue
            break
        command = command.commands[arg]
        words.append(arg)
    return " ".join(words)


def translate(
    exc: click_errors.ClickException, argv: Sequence[str], root: click_core.Command
) -> UsageError:
    """The Vietnamese of one of Click's errors: what is wrong, where, and how to fix it."""
    english = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else _path_from(root, argv)
    where = f"lệnh «{path}»"
    message, hint = _explain(exc, ctx, argv, where)
    help_hint = f"xem «{path} --help»"
    if not hint:
        hint_vi = f"{help_hint}."
    elif hint.endswith("?"):
        hint_vi = f"{hint} {_first_up(help_hint)}."
    else:
        hint_vi = f"{hint}; {help_hint}."
    return UsageError(message, english, hint_vi=hint_vi)


def _explain(
    exc: click_errors.ClickException,
    ctx: click_core.Context | None,
    argv: Sequence[str],
    where: str,
) -> tuple[str, str]:
    if isinstance(exc, click_errors.BadParameter):
        return _bad_parameter(exc, argv, where)
    if isinstance(exc, click_errors.NoSuchOption):
        near = sorted(exc.possibilities or ())
        hint = f"có phải ý bạn là {' hay '.join(near)}?" if near else ""
        return f"{_first_up(where)} không có tùy chọn {exc.option_name}.", hint
    if isinstance(exc, click_errors.BadOptionUsage):
        name = exc.option_name
        if "does not take a value" in exc.message:
            return f"Tùy chọn {name} không nhận giá trị.", f"ghi {name} không kèm giá trị"
        return f"Tùy chọn {name} cần một giá trị.", f"ghi {name} GIÁ_TRỊ"
    text = exc.message if isinstance(exc, click_errors.UsageError) else str(exc)
    return _plain_usage(text, ctx, where)


def _plain_usage(text: str, ctx: click_core.Context | None, where: str) -> tuple[str, str]:
    """The usage errors Click raises with only a sentence (`ctx.fail`)."""
    if (found := re.match(r"No such command '(.*?)'\.", text)) is not None:
        typed = found.group(1)
        commands = sorted(getattr(ctx.command, "commands", {})) if ctx is not None else []
        near = difflib.get_close_matches(typed, commands)
        hint = f"có phải ý bạn là {' hay '.join(near)}?" if near else ""
        listed = f" Các lệnh có: {', '.join(commands)}." if commands else ""
        return f"{_first_up(where)} không có lệnh con '{typed}'.{listed}", hint
    if text.startswith("Missing command"):
        return f"{_first_up(where)} cần một lệnh con.", "ghi tên lệnh con sau lệnh"
    if (found := re.match(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)", text)) is not None:
        return (
            f"{_first_up(where)} không nhận thêm tham số: {found.group(1)}.",
            "bỏ các tham số thừa, hoặc đặt tên tùy chọn trước giá trị",
        )
    return f"{_first_up(where)} được gọi không đúng cách.", ""


def _bad_parameter(
    exc: click_errors.BadParameter, argv: Sequence[str], where: str
) -> tuple[str, str]:
    name = _param_name(exc.param)
    if isinstance(exc, click_errors.MissingParameter):
        if exc.param is not None and exc.param.param_type_name == "argument":
            return f"Thiếu tham số {name} của {where}.", f"thêm giá trị {name}"
        return f"Thiếu tùy chọn bắt buộc {name} của {where}.", f"thêm {name} GIÁ_TRỊ"
    given = _given(argv, exc.param)
    shown = f" '{given}'" if given is not None else ""
    return f"Giá trị{shown} của {name} không hợp lệ: {_why(exc)}.", ""


def _param_name(param: object) -> str:
    opts = getattr(param, "opts", None) or []
    longest = max(opts, key=len) if opts else getattr(param, "name", None) or "?"
    if getattr(param, "param_type_name", "") == "argument":
        return str(longest).upper()
    return str(longest)


def _given(argv: Sequence[str], param: object) -> str | None:
    """What the person typed for the option (the last time it was given)."""
    opts = set(getattr(param, "opts", None) or [])
    found = None
    for i, arg in enumerate(argv):
        name, eq, value = arg.partition("=")
        if name in opts:
            if eq:
                found = value
            elif i + 1 < len(argv):
                found = argv[i + 1]
    return found


_PLAIN_REASONS = (
    (" is a file", "đây là một tệp, cần một thư mục"),
    (" is a directory", "đây là một thư mục, cần một tệp"),
    ("not readable", "không đọc được (thiếu quyền)"),
    ("not writable", "không ghi được (thiếu quyền)"),
    ("is not one of", "không thuộc các giá trị cho phép"),
    ("is not a valid", "không thuộc các giá trị cho phép"),
)


def _why(exc: click_errors.BadParameter) -> str:
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        for error in errors():
            return _pydantic_reason(error)
    text = exc.message
    if (found := re.match(r"(File|Directory|Path) '?(.*?)'? does not exist", text)) is not None:
        return f"không có {_PATH_WORDS[found.group(1)]} {found.group(2)}"
    for english, vi in _PLAIN_REASONS:
        if english in text:
            return vi
    return "giá trị không đúng kiểu"


_PATH_WORDS = {"File": "tệp", "Directory": "thư mục", "Path": "đường dẫn"}


def _pydantic_reason(error: Any) -> str:
    kind = str(error.get("type", ""))
    limits = error.get("ctx") or {}
    for key, vi in (
        ("le", "phải nhỏ hơn hoặc bằng {}"),
        ("lt", "phải nhỏ hơn {}"),
        ("ge", "phải lớn hơn hoặc bằng {}"),
        ("gt", "phải lớn hơn {}"),
    ):
        if key in limits:
            return vi.format(_shown(limits[key]))
    if kind.startswith("int"):
        return "phải là số nguyên (ví dụ 3)"
    if kind.startswith("float") or kind.startswith("decimal"):
        return "phải là một số (ví dụ 0.25)"
    if kind.startswith("bool"):
        return "phải là có/không (true/false)"
    if kind in {"enum", "literal_error"}:
        expected = limits.get("expected")
        return f"phải là một trong: {expected}" if expected else "không thuộc các giá trị cho phép"
    return "giá trị không đúng kiểu"


def _shown(limit: object) -> str:
    """A limit the Vietnamese way (0,99), without loading the formatting module for it."""
    return f"{limit:g}".replace(".", ",") if isinstance(limit, int | float) else str(limit)


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]
