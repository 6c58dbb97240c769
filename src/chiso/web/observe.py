"""One English log line per request (request id, user, method, path, status, duration), the
English text of every refusal, and the traceback of every unexpected error."""

from __future__ import annotations

import logging
import random
import time

from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from chiso import logs
from chiso.errors import ChisoError
from chiso.web.middleware import HttpMiddleware

log = logging.getLogger("chiso.web")


def user_of(request: Request) -> str:
    """The signed-in account a request ran as, once authentication has looked ("-" if none)."""
    who = getattr(request.state, "caller", None)
    return who.account.username if who is not None else "-"


def refused(request: Request, exc: ChisoError) -> None:
    text = exc.render_en().replace("\n", " | ")
    log.warning(
        "refused %s %s for %s: %s", request.method, request.url.path, user_of(request), text
    )


def refused_text(request: Request, text: str) -> None:
    log.warning(
        "refused %s %s for %s: %s", request.method, request.url.path, user_of(request), text
    )


class Observe(HttpMiddleware):
    """The request id and one access-log line per request."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = Headers(scope=scope).get("x-request-id", "")[:64] or _new_id()
        token = logs.REQUEST_ID.set(request_id)
        start = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        request = Request(scope)
        try:
            await self.app(scope, receive, sending)
            where = (user_of(request), request.method, request.url.path)
            log.info("%s %s %s %d %.1f ms", *where, status, _ms(start))
        except Exception:
            where = (user_of(request), request.method, request.url.path)
            log.error("%s %s %s 500 failed after %.1f ms", *where, _ms(start))
            raise
        finally:
            logs.REQUEST_ID.reset(token)
            # The worker has answered: its background work may start (`app._lifespan`).
            answered = getattr(scope["app"].state, "answered", None) if "app" in scope else None
            if answered is not None:
                answered.set()


def _new_id() -> str:
    """12 hex digits, as `uuid4().hex[:12]` gave, without its system call: the event loop
    handed the interpreter's lock back for it at every request and, under 32 users, waited to
    get it back from the threads rendering pages."""
    return f"{random.getrandbits(48):012x}"


def install(app: FastAPI) -> None:
    app.add_middleware(Observe)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000
