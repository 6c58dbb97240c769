"""The `chiso` command. Errors are printed in Vietnamese, logged in English, and set the exit
code: 0 success, 1 rejected input, 2 usage error."""

from __future__ import annotations

import gc
import importlib
import logging
import sys
import time

import typer
import typer.main
from typer._click import core as click_core
from typer._click import exceptions as click_errors

from chiso import __version__
from chiso.cli import usage
from chiso.cli.context import Invocation
from chiso.cli.output import err_console
from chiso.errors import ChisoError

log = logging.getLogger("chiso.cli")

GROUPS = {
    "db": "db_cmd",
    "units": "units_cmd",
    "framework": "framework_cmd",
    "data": "data_cmd",
    "facts": "facts_cmd",
    "report": "report_cmd",
    "agency": "agency_cmd",
    "assess": "assess_cmd",
    "evidence": "evidence_cmd",
    "tasks": "tasks_cmd",
    "registry": "registry_cmd",
    "users": "users_cmd",
}
COMMANDS = {
    "notify": ("notify_cmd", "notify"),
    "evaluate": ("evaluate_cmd", "evaluate"),
    "period": ("period_cmd", "period"),
    "demo": ("demo_cmd", "demo"),
    "serve": ("serve_cmd", "serve"),
    "generate": ("generate_cmd", "generate"),
}
"""Command groups and commands by module: a call naming one (`chiso facts compute …`) imports
only that module, so a command pays only for what it needs; help and docs see them all."""


def build(only: str | None = None) -> typer.Typer:
    """The command line; with `only`, just that group or command (the others are not imported)."""
    cli = typer.Typer(
        name="chiso",
        help="chiso — đo lường, chấm điểm, xếp hạng và đôn đốc chuyển đổi số của các đơn vị.",
        no_args_is_help=True,
        rich_markup_mode="rich",
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    cli.callback()(root)
    for name, module in GROUPS.items():
        if only in (None, name):
            cli.add_typer(importlib.import_module(f"chiso.cli.{module}").app, name=name)
    for name, (module, function) in COMMANDS.items():
        if only in (None, name):
            cli.command(name)(getattr(importlib.import_module(f"chiso.cli.{module}"), function))
    return cli


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole command line (chiso.docs_gen)
        return build()
    raise AttributeError(name)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chiso {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="In phiên bản rồi thoát."
    ),
) -> None:
    """chiso — đo lường, chấm điểm, xếp hạng và đôn đốc chuyển đổi số."""
    if not isinstance(ctx.obj, Invocation):
        ctx.obj = Invocation()
        ctx.call_on_close(ctx.obj.close)


def command(only: str | None = None) -> click_core.Command:
    """The Click command behind `build(only)`, with Click's words in Vietnamese."""
    return usage.localise(typer.main.get_command(build(only)))


def run(argv: list[str] | None = None) -> int:
    """Runs the command line and returns the exit code (tests call this directly)."""
    call = Invocation()
    start = time.perf_counter()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        chosen = args[0] if args and (args[0] in GROUPS or args[0] in COMMANDS) else None
        cli = command(chosen)
        try:
            result = cli.main(args=args, prog_name="chiso", standalone_mode=False, obj=call)
        except click_errors.NoArgsIsHelpError:
            raise
        except click_errors.UsageError as exc:
            raise usage.translate(exc, args, cli) from exc
    except ChisoError as exc:
        err_console.print(f"[bold red]Lỗi:[/] {exc.render_vi()}", highlight=False, markup=True)
        call.settings()
        log.warning("refused: %s", exc.render_en().replace("\n", " | "))
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            err_console.print(f"Lỗi: {exc.format_message()}")
        return exc.exit_code
    except typer.Abort:
        err_console.print("Đã hủy.")
        return 1
    except Exception:
        call.settings()
        log.exception("unexpected error running chiso %s", " ".join(argv or sys.argv[1:]))
        raise
    finally:
        call.close()
    code = result if isinstance(result, int) else 0
    if call.configured:
        took = (time.perf_counter() - start) * 1000
        log.info("chiso %s: exit %d in %.0f ms", " ".join(argv or sys.argv[1:]), code, took)
    return code


SERVING = ("serve", "demo")
"""Commands that keep running (a web server): they keep Python's collection thresholds."""
YOUNG = 100_000
"""Allocations between collections of the youngest generation while a short command runs."""


def main() -> None:
    """The `chiso` program. A short command allocates mostly while importing (SQLAlchemy's ORM,
    pydantic, the ORM models) and frees little: with Python's default threshold (700) the
    young generation is collected thousands of times for nothing, ≈ 10 % of the CPU of
    `chiso facts compute` (docs/benchmarks.md); a long-running command keeps the defaults."""
    if not set(sys.argv[1:2]) & set(SERVING):
        gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
    sys.exit(run())
