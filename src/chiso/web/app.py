"""The FastAPI application: pages, API, static files from the package, errors in Vietnamese."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI, Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from chiso import logs
from chiso.domain.access import Actor
from chiso.domain.periods import Period
from chiso.services.dashboard import precompute
from chiso.services.runtime import Runtime
from chiso.services.system import database
from chiso.settings import Settings, get_settings
from chiso.web import (
    api,
    assets,
    errors,
    i18n,
    limits,
    observe,
    pages_admin,
    pages_agency,
    pages_assess,
    pages_auth,
    pages_data,
    pages_documents,
    pages_main,
    pages_ranking,
    pages_tasks,
)
from chiso.web.middleware import HttpMiddleware

log = logging.getLogger("chiso.web")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


ROUTERS = [pages_auth, pages_main, pages_data, pages_documents, pages_agency, pages_admin]
ROUTERS += [pages_assess, pages_ranking]
ROUTERS += [pages_tasks, api]


def create_app(
    settings: Settings | None = None, first: Sequence[tuple[str, Period]] = ()
) -> FastAPI:
    """The app; its runtime is built when the server starts and closed when it stops. `first`:
    evaluations its background thread stores before any other (`chiso demo` names the ones its
    first views show, so that it serves before they are made)."""
    app = FastAPI(
        title="chiso",
        version="0.1.0",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(settings or get_settings(), first),
    )
    app.include_router(assets.router)
    for module in ROUTERS:
        app.include_router(module.router)
    api.describe(app)
    limits.install(app)
    _headers(app)
    errors.install(app)
    observe.install(app)
    return app


def _lifespan(
    settings: Settings, first: Sequence[tuple[str, Period]]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.configure(settings, server=True)
        rt = Runtime(settings, Actor("web"))
        app.state.rt = rt
        log.info("serving %s", database.opened(rt))
        # Set by `observe.Observe` once this worker has answered a request.
        answered = app.state.answered = threading.Event()
        background = None
        if settings.precompute_periods or first:
            background = precompute.Precomputer(
                rt,
                settings.precompute_interval,
                settings.precompute_periods,
                changed=_unit_pages,
                first=first,
                # `chiso demo` (the evaluations it names): its first page, the sign-in form,
                # is answered before they are made, not while they hold the interpreter lock.
                after=answered if first else None,
            )
            background.start()
        # After the first answer rather than before it, or beside the first requests of a
        # worker not asked within FIRST_ANSWER_WAIT: a request for a template not yet compiled
        # compiles it itself, a framework not yet parsed is parsed by its caller.
        threading.Thread(target=_warm, args=(answered,), name="warm-up", daemon=True).start()
        try:
            yield
        finally:
            if background is not None:
                await asyncio.to_thread(background.close)
            rt.close()
            log.info("stopped")

    return lifespan


def _unit_pages(rt: Runtime, keys: list[str]) -> None:
    """The pages' data of the units whose values changed, and of the units above them, made by
    the worker that evaluated the new data version (a changed unit's page is the one its
    reporter opens after an import)."""
    from chiso.services.dashboard import pages

    todo, done = list(keys), set()
    while todo:
        key = todo.pop(0)
        if key in done:
            continue
        done.add(key)
        parent = pages.unit_page_shared(rt, key).detail.unit.parent_key
        if parent and len(done) < 64:
            todo.append(parent)


def _warm(answered: threading.Event) -> None:
    """What every worker would otherwise do at its first views: compile the page templates and
    parse the shipped frameworks; then the objects made so far are set aside from the garbage
    collector (they live as long as the worker), so its pauses stay short. Started once the
    worker has answered its first request (or waited FIRST_ANSWER_WAIT for one): a second of
    compiling beside that request, holding the interpreter lock, made it wait."""
    answered.wait(precompute.FIRST_ANSWER_WAIT)
    from chiso.services.scoring import frameworks
    from chiso.web.render import TEMPLATES

    for name in TEMPLATES.env.list_templates(extensions=["html"]):
        TEMPLATES.env.get_template(name)
    for framework_id in frameworks.shipped_ids():
        frameworks.shipped(framework_id)
    gc.collect()
    gc.freeze()


def _headers(app: FastAPI) -> None:
    app.add_middleware(PageHeaders)


class PageHeaders(HttpMiddleware):
    """The page language (?lang= remembered in a cookie) and the security headers."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        wanted = request.query_params.get("lang")
        language = wanted if wanted in i18n.LANGUAGES else request.cookies.get("lang", "vi")
        i18n.CURRENT.set(language if language in i18n.LANGUAGES else "vi")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if wanted in i18n.LANGUAGES:
                    headers.append("set-cookie", _language_cookie(wanted))
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
                if _private(request):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, sending)


def _language_cookie(language: str) -> str:
    """The Set-Cookie value remembering the chosen language for a year."""
    response = Response()
    response.set_cookie("lang", language, max_age=365 * 86400, httponly=True, samesite="lax")
    return response.headers["set-cookie"]


def _private(request: Request) -> bool:
    """Pages for a signed-in caller, and the login form with its CSRF token, are never stored by
    a browser or proxy (a shared computer's back button shows nothing)."""
    if request.url.path.startswith(("/static/", "/ranking/labels/")):
        return False
    return getattr(request.state, "caller", None) is not None or request.url.path == "/login"
