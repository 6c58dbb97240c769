"""One error body for every failure: `{"error", "error_en", "hint", "problems"}` under /api/ (and
the error page elsewhere), with the status the failure means: 400 bad parameters, 401 not signed
in, 403 not allowed, 404 not found, 409 conflict, 413 too large, 422 refused content, 500 for the
unexpected (logged with its traceback, answered without it)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from chiso.errors import ChisoError, Problem, web_hint
from chiso.services.accounts import access_log
from chiso.web import observe
from chiso.web.deps import DEFERRED, LoginRequired, Unsigned, caller
from chiso.web.render import page

log = logging.getLogger("chiso.web")

TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần đăng nhập",
    403: "Không có quyền",
    404: "Không tìm thấy",
    409: "Xung đột dữ liệu",
    413: "Dữ liệu quá lớn",
    422: "Không thực hiện được",
    500: "Lỗi máy chủ",
}
ENGLISH = {401: "Authentication required", 403: "Forbidden", 404: "Not found"}


class BodyTooLarge(Exception):
    """The streamed body of a request passed CHISO_MAX_BODY_MB (see `web.limits`)."""


class ProblemOut(BaseModel):
    where: str = Field(description="Nơi có lỗi: ô, dòng hoặc đường dẫn JSON (values[3].numerator)")
    message: str = Field(description="Lỗi, tiếng Việt")
    message_en: str = Field(description="The problem, in English")


class ErrorBody(BaseModel):
    """The body of every refusal and failure of the API."""

    error: str = Field(description="Lỗi, tiếng Việt")
    error_en: str = Field(description="The error, in English")
    hint: str | None = Field(description="Cách khắc phục")
    problems: list[ProblemOut]


def body(
    vi: str, en: str, hint: str | None = None, problems: Sequence[Problem] = ()
) -> dict[str, Any]:
    return ErrorBody(
        error=vi,
        error_en=en,
        hint=hint,
        problems=[
            ProblemOut(where=p.where, message=p.message_vi, message_en=p.message_en)
            for p in problems
        ],
    ).model_dump()


def answer(
    request: Request,
    status: int,
    vi: str,
    en: str,
    hint: str | None = None,
    problems: Sequence[Problem] = (),
) -> Response:
    """The JSON body under /api/ (and for clients asking for JSON), the error page elsewhere."""
    if request.url.path.startswith("/api/") or "json" in request.headers.get("accept", ""):
        return JSONResponse(body(vi, en, hint, problems), status_code=status)
    return page(
        request,
        "error.html",
        status=status,
        title=TITLES.get(status, "Lỗi"),
        message=vi,
        problems=[p.render_vi() for p in problems],
        hint=web_hint(hint),
    )


def unsigned() -> JSONResponse:
    return refusal(401, "Cần đăng nhập.", "Authentication required")


async def settle(request: Request) -> Response | None:
    """For an error raised before a deferred request's endpoint ran (no such path, invalid
    parameters): look the caller up now, in a thread, and refuse an API request from nobody signed
    in with the 401 the middleware gives before routing and validation."""
    if DEFERRED.get() is None or hasattr(request.state, "caller"):
        return None
    who = await run_in_threadpool(caller, request)
    if who is None and request.url.path.startswith("/api/"):
        return unsigned()
    return None


def refusal(status: int, vi: str, en: str) -> JSONResponse:
    """The JSON body where no page can be drawn (before the application: size, sign-in)."""
    return JSONResponse(body(vi, en), status_code=status)


VALIDATION_VI = {
    "missing": "thiếu trường bắt buộc",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "string_type": "phải là chuỗi",
    "list_type": "phải là danh sách",
    "dict_type": "phải là đối tượng JSON",
    "model_attributes_type": "phải là đối tượng JSON",
    "json_invalid": "không phải JSON hợp lệ",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "finite_number": "phải là số hữu hạn",
    "string_too_long": "quá dài",
}


def json_path(loc: Sequence[int | str]) -> str:
    """("body", "values", 3, "numerator") → "values[3].numerator"; ("query", "on") → "on"."""
    text = ""
    for part in loc[1:] if loc and loc[0] in {"body", "query", "path", "header", "cookie"} else loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


FIELDS_VI = {
    "unit": "Đơn vị",
    "indicator": "Chỉ tiêu",
    "period": "Kỳ",
    "framework": "Bộ chỉ số",
    "group": "Nhóm",
    "page": "Trang",
    "year": "Năm",
    "round": "Đợt",
    "since": "Từ ngày",
    "until": "Đến ngày",
    "user": "Người thực hiện",
    "file": "Tệp",
    "name": "Tên",
    "username": "Tên đăng nhập",
    "password": "Mật khẩu",
    "full_name": "Họ tên",
    "role": "Vai trò",
    "email": "Thư điện tử",
    "value": "Giá trị",
    "note": "Ghi chú",
    "kind": "Loại",
    "days": "Số ngày hiệu lực",
    "csrf": "Mã chống giả mạo biểu mẫu",
}
"""A page's parameter or form field by the name its label shows (the API keeps its JSON paths)."""


def validation_problems(exc: RequestValidationError, page: bool = False) -> list[Problem]:
    """One problem per invalid field: where it is (a JSON path for the API, the field's
    Vietnamese name on a page) and what is wrong with it."""
    return [
        Problem(
            _where(json_path(e.get("loc", ())), page),
            VALIDATION_VI.get(str(e.get("type")), "giá trị không hợp lệ"),
            str(e.get("msg", "invalid")),
        )
        for e in exc.errors()
    ]


def _where(path: str, page: bool) -> str:
    return FIELDS_VI.get(path, path) if page else path


def audit_refusal(request: Request, reason: str) -> None:
    """A 403 is audited under the caller's name: who tried what, where."""
    who = caller(request)
    rt = request.app.state.rt
    details = {"method": request.method, "path": request.url.path, "status": 403, "reason": reason}
    acting = rt.acting(who.actor) if who else rt
    access_log.note(acting, access_log.REFUSED, "request", request.url.path, details)


async def http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc.__cause__, BodyTooLarge):
        raise exc.__cause__
    settled = await settle(request)
    if settled is not None:
        return settled
    status = exc.status_code
    vi = str(exc.detail)
    if status == 403:
        await run_in_threadpool(audit_refusal, request, vi)
    en = ENGLISH.get(status) or HTTPStatus(status).phrase
    if status == 404 and vi == "Not Found":
        vi = "Không có trang hoặc tài nguyên này."
    elif status == 405:
        vi = "Phương thức này không dùng được cho địa chỉ này."
    return answer(request, status, vi, en)


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]

    @app.exception_handler(Unsigned)
    async def nobody(_request: Request, _exc: Unsigned) -> Response:
        return unsigned()

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        settled = await settle(request)
        if settled is not None:
            return settled
        problems = validation_problems(exc, page=not request.url.path.startswith("/api/"))
        in_body = any(e.get("loc", ("",))[0] == "body" for e in exc.errors())
        status = 422 if in_body else 400
        en = "request body invalid" if in_body else "request parameters invalid"
        observe.refused_text(request, en + ": " + "; ".join(p.render_en() for p in problems))
        return answer(
            request,
            status,
            f"Yêu cầu không hợp lệ: {len(problems)} lỗi, không có gì được thực hiện.",
            en,
            "sửa các trường được nêu rồi gửi lại.",
            problems,
        )

    @app.exception_handler(ChisoError)
    async def chiso_error(request: Request, exc: ChisoError) -> Response:
        observe.refused(request, exc)
        if exc.http_status == 403:
            await run_in_threadpool(audit_refusal, request, exc.message_en)
        hint = exc.hint_web if exc.hint_web and not request.url.path.startswith("/api/") else None
        return answer(
            request,
            exc.http_status,
            exc.message_vi,
            exc.message_en,
            hint or exc.hint_vi,
            exc.problems,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error(
            "unexpected error on %s %s for %s",
            request.method,
            request.url.path,
            observe.user_of(request),
            exc_info=exc,
        )
        return answer(
            request,
            500,
            "Máy chủ gặp lỗi ngoài dự kiến; yêu cầu không được thực hiện.",
            "Internal server error.",
            "thử lại sau; nếu lỗi lặp lại, báo quản trị kèm mã yêu cầu (X-Request-ID).",
        )
