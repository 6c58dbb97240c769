"""Before any body is read: a request larger than CHISO_MAX_BODY_MB is refused with 413 (from its
Content-Length, or as soon as the bytes streamed pass the cap), and an API request from nobody
signed in is refused with 401 without reading or validating its body. Who is asking is looked
up once, in a worker thread, and kept on the request for the handlers: for a request that changes
nothing (GET, HEAD) in the endpoint's own thread (`deps.Route`), so that a page view hands off to a
thread once, not twice (under 32 users each hand-off is a wait in the thread pool's queue)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from chiso.services import stamps
from chiso.web import deps, errors
from chiso.web.errors import BodyTooLarge
from chiso.web.middleware import HttpMiddleware

UNSIGNED = ("/static", "/openapi.json", "/login")
"""Paths served to anyone, for which nobody is looked up."""


class Limits(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        cap = scope["app"].state.rt.settings.max_body_mb * 2**20
        refused = _declared_size(scope, cap)
        pinned = None
        if refused is None and _deferred(scope):
            scope.setdefault("state", {})
            token = deps.DEFERRED.set(scope)
            try:
                await self._limited(cap, scope, receive, send)
            finally:
                deps.DEFERRED.reset(token)
            return
        if refused is None:
            refused, pinned = await _signed_in(scope)
        if refused is not None:
            await refused(scope, receive, send)
            return
        if pinned is None:
            await self._limited(cap, scope, receive, send)
            return
        with stamps.pinned(pinned):
            await self._limited(cap, scope, receive, send)

    async def _limited(self, cap: int, scope: Scope, receive: Receive, send: Send) -> None:
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(cap)(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(Limits)


def _deferred(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    return scope.get("method") in READING and not path.startswith(UNSIGNED)


def _unsigned() -> JSONResponse:
    return errors.unsigned()


def _too_large(cap: int) -> JSONResponse:
    mb = cap // 2**20
    return errors.refusal(
        413,
        f"Dữ liệu gửi lên lớn hơn giới hạn {mb} MB.",
        f"request body larger than {mb} MB",
    )


def _declared_size(scope: Scope, cap: int) -> JSONResponse | None:
    headers = dict(scope.get("headers") or [])
    declared = headers.get(b"content-length")
    if declared is None:
        return None
    try:
        size = int(declared)
    except ValueError:
        return errors.refusal(400, "Độ dài dữ liệu (Content-Length) không hợp lệ.", "bad length")
    return _too_large(cap) if size > cap else None


async def _signed_in(scope: Scope) -> tuple[JSONResponse | None, stamps.Stamps | None]:
    """A refusal for an API request from nobody signed in, and the stamps a request that
    changes nothing reads at."""
    path = str(scope.get("path", ""))
    if path.startswith(UNSIGNED):
        return None, None
    request = Request(scope)
    reading = scope.get("method") in READING
    who, pinned = await run_in_threadpool(deps.who_at, request, reading)
    if who is None and path.startswith("/api/"):
        return _unsigned(), None
    return None, pinned


READING = ("GET", "HEAD")
"""Requests that change nothing: their data stamps are read once, first, and every cache they
consult is keyed on that reading (`stamps.pinned`)."""
