"""What one `chiso …` call shares between the root callback and its command: the settings and the
runtime, each built when first needed (so `chiso --help` and `chiso period` load neither, and a
command that needs no database never opens one) and closed when the call ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from chiso.domain.access import Actor
    from chiso.services.runtime import Runtime
    from chiso.settings import Settings


def cli_actor() -> Actor:
    """The command line acts as the administrator, recorded in the audit log as
    `cli:<os user>` (who ran the command on the server)."""
    import getpass
    import os

    from chiso.domain.access import SYSTEM, Actor

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "?"
    return Actor(f"{SYSTEM.name}:{user}", SYSTEM.role, SYSTEM.unit_id)


def audited(rt: Runtime, action: str, entity: str, key: str | None, **details: object) -> None:
    """An access-log entry for what a command took out of chiso (an export, a document, an
    evidence file, ingested records), like the web's, under the command's actor."""
    from chiso.services.accounts import access_log

    if rt.connection is not None and not rt.connection.is_open:
        return  # the work read files only (`--values`, `--units`), nothing from the database
    access_log.note(rt, action, entity, key, {**details, "via": "cli"})


class Invocation:
    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._runtime: Runtime | None = None

    def settings(self) -> Settings:
        """The settings, with logging configured from them (once per call)."""
        if self._settings is None:
            from chiso import logs
            from chiso.settings import Settings

            self._settings = Settings()
            logs.configure(self._settings)
        return self._settings

    @property
    def configured(self) -> bool:
        """Whether the call loaded its settings (and so configured logging)."""
        return self._settings is not None

    def runtime(self) -> Runtime:
        if self._runtime is None:
            from chiso.services.runtime import Runtime

            self._runtime = Runtime(self.settings(), cli_actor())
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None


def invocation(ctx: typer.Context) -> Invocation:
    found = ctx.find_root().obj
    assert isinstance(found, Invocation), "the root callback sets ctx.obj"
    return found


def runtime(ctx: typer.Context, user: str | None = None) -> Runtime:
    """The call's runtime, acting as the named account when `--user` is given."""
    rt = invocation(ctx).runtime()
    if user is None:
        return rt
    from chiso.services.accounts.actors import as_user

    return as_user(rt, user)
