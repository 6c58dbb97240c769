"""`chiso serve`: the web application, in CHISO_WEB_WORKERS processes sharing one database."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import invocation
from chiso.cli.output import console

if TYPE_CHECKING:
    from chiso.domain.periods import Period
    from chiso.settings import Settings

APP_FACTORY = "chiso.web.app:create_app"
"""What every worker process imports and calls: the app built from the environment's settings."""


def run_server(
    settings: Settings,
    host: str,
    port: int,
    workers: int | None = None,
    first: Sequence[tuple[str, Period]] = (),
) -> None:
    """uvicorn over the app factory, so that it can start several workers. Each worker reads its
    settings from the environment (CHISO_*), as this call did; pages agree across workers because
    their cache is stamped by the database's audit counters (`audit_repo.newest`). Idle connections are kept
    CHISO_WEB_KEEPALIVE_SECONDS (uvicorn's 5 s reset the connections of a browser or proxy that
    waits longer between requests, and of 64 users queued behind two workers).

    With one worker it runs in this process, as an app object (`chiso demo`: the modules it
    imported while building are not imported again); `first` (evaluations the background
    thread stores before the others) is for that case only."""
    import uvicorn

    count = workers or settings.web_workers
    if count == 1:
        from chiso.web.app import create_app

        app: object = create_app(settings, first)
    else:
        if first:
            raise ValueError("first evaluations are stored by a server of one worker only")
        app = APP_FACTORY
    os.environ.setdefault("CHISO_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        os.environ.setdefault("CHISO_DATABASE_URL", settings.database_url)
    uvicorn.run(
        app,  # type: ignore[arg-type]
        factory=app == APP_FACTORY,
        host=host,
        port=port,
        workers=count,
        log_level="warning",
        timeout_keep_alive=settings.web_keepalive_seconds,
    )


def serve(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1", help="Địa chỉ lắng nghe (0.0.0.0 để mở cho mạng nội bộ)."
    ),
    port: int = typer.Option(8000, help="Cổng."),
    workers: int | None = typer.Option(
        None, min=1, help="Số tiến trình phục vụ (mặc định: CHISO_WEB_WORKERS)."
    ),
) -> None:
    """Phục vụ trang web và API (/api/v1, mô tả tại /openapi.json)."""
    settings = invocation(ctx).settings()
    count = workers or settings.web_workers
    console.print(
        f"chiso đang chạy tại http://{host}:{port}/ với {count} tiến trình (Ctrl+C để dừng)."
    )
    run_server(settings, host, port, count)
