"""One English log line per request (request id, user, method, path, status, duration), the
English text of every refusal, and the traceback of every unexpected error."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from chiso import logs
from chiso.errors import ChisoError

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


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex[:12]
        token = logs.REQUEST_ID.set(request_id)
        start = time.perf_counter()
        try:
            response = await call_next(request)
            response.headers["X-Request-ID"] = request_id
            where = (user_of(request), request.method, request.url.path)
            log.info("%s %s %s %d %.1f ms", *where, response.status_code, _ms(start))
            return response
        except Exception:
            where = (user_of(request), request.method, request.url.path)
            log.error("%s %s %s 500 failed after %.1f ms", *where, _ms(start))
            raise
        finally:
            logs.REQUEST_ID.reset(token)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000
