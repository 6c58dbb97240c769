"""The one shape of chiso's middlewares: pure ASGI. Starlette's `BaseHTTPMiddleware` ran every
request's app in a task of its own and passed the response through memory streams, a cost per
request and per middleware that the baseline app does not pay."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """Passes anything but HTTP (the lifespan, websockets) through untouched; `http` handles
    each request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
