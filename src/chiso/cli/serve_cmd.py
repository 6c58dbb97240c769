"""`chiso serve`: the web application."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from chiso.cli.context import invocation
from chiso.cli.output import console

if TYPE_CHECKING:
    from chiso.settings import Settings


def run_server(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from chiso.web.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def serve(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1", help="Địa chỉ lắng nghe (0.0.0.0 để mở cho mạng nội bộ)."
    ),
    port: int = typer.Option(8000, help="Cổng."),
) -> None:
    """Phục vụ trang web và API (/api/v1, mô tả tại /openapi.json)."""
    console.print(f"chiso đang chạy tại http://{host}:{port}/ (Ctrl+C để dừng).")
    run_server(invocation(ctx).settings(), host, port)
