"""`chiso serve`: the web application."""

from __future__ import annotations

import typer

from chiso.cli.output import console


def run_server(host: str, port: int) -> None:
    import uvicorn

    from chiso.web.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


def serve(
    host: str = typer.Option(
        "127.0.0.1", help="Địa chỉ lắng nghe (0.0.0.0 để mở cho mạng nội bộ)."
    ),
    port: int = typer.Option(8000, help="Cổng."),
) -> None:
    """Phục vụ trang web và API (/api/v1, mô tả tại /openapi.json)."""
    console.print(f"chiso đang chạy tại http://{host}:{port}/ (Ctrl+C để dừng).")
    run_server(host, port)
