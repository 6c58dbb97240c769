"""The `chiso` command. Errors are printed in Vietnamese, logged in English, and set the exit
code: 0 success, 1 rejected input, 2 usage error."""

from __future__ import annotations

import logging
import sys
import time

import typer

from chiso import __version__
from chiso.cli import (
    agency_cmd,
    assess_cmd,
    data_cmd,
    db_cmd,
    demo_cmd,
    evaluate_cmd,
    evidence_cmd,
    facts_cmd,
    framework_cmd,
    generate_cmd,
    notify_cmd,
    period_cmd,
    registry_cmd,
    report_cmd,
    serve_cmd,
    tasks_cmd,
    units_cmd,
    users_cmd,
)
from chiso.cli.context import Invocation
from chiso.cli.output import err_console
from chiso.errors import ChisoError

log = logging.getLogger("chiso.cli")

app = typer.Typer(
    name="chiso",
    help="chiso — đo lường, chấm điểm, xếp hạng và đôn đốc chuyển đổi số của các đơn vị.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(units_cmd.app, name="units")
app.add_typer(framework_cmd.app, name="framework")
app.add_typer(data_cmd.app, name="data")
app.add_typer(facts_cmd.app, name="facts")
app.add_typer(report_cmd.app, name="report")
app.add_typer(agency_cmd.app, name="agency")
app.add_typer(assess_cmd.app, name="assess")
app.add_typer(evidence_cmd.app, name="evidence")
app.add_typer(tasks_cmd.app, name="tasks")
app.add_typer(registry_cmd.app, name="registry")
app.add_typer(users_cmd.app, name="users")
app.command("notify")(notify_cmd.notify)
app.command("evaluate")(evaluate_cmd.evaluate)
app.command("period")(period_cmd.period)
app.command("demo")(demo_cmd.demo)
app.command("serve")(serve_cmd.serve)
app.command("generate")(generate_cmd.generate)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chiso {__version__}")
        raise typer.Exit()


@app.callback()
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


def run(argv: list[str] | None = None) -> int:
    """Runs the command line and returns the exit code (tests call this directly)."""
    call = Invocation()
    start = time.perf_counter()
    try:
        result = app(args=argv, prog_name="chiso", standalone_mode=False, obj=call)
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


def main() -> None:
    sys.exit(run())
