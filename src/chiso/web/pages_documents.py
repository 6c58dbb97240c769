"""The document composer: choose a type, load a saved spec or the example, edit it, see the pages
as images, download DOCX, PDF or XLSX, save the spec for next month. Plain `def` routes: making a
document runs LibreOffice, which must not block the event loop."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from chiso.domain.access import Action
from chiso.errors import ChisoError
from chiso.services.accounts import access_log
from chiso.services.documents import agencies, composer, letters
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.web.deps import Caller, Route, acting, require, runtime
from chiso.web.render import page

router = APIRouter(route_class=Route, include_in_schema=False)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA = {
    ".docx": DOCX,
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _csrf(who: Caller, token: str) -> None:
    if not who.via_token and (not who.csrf or token != who.csrf):
        raise HTTPException(
            403, "Phiên làm việc đã hết hạn hoặc biểu mẫu đã cũ; hãy tải lại trang rồi gửi lại."
        )


def _page(
    request: Request,
    kind: str,
    text: str,
    pages: list[str] | None = None,
    error: ChisoError | None = None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    rt = runtime(request)
    return page(
        request,
        "documents.html",
        status=status,
        kinds=composer.KINDS,
        kind=kind,
        text=text,
        saved=composer.saved(rt),
        pages=pages or [],
        profiles=agencies.list_profiles(rt),
        frameworks=frameworks.available(rt),
        error=error,
        message=message,
    )


@router.get("/documents")
def documents_page(request: Request, kind: str = "letter", spec: str | None = None) -> Response:
    require(request, Action.VIEW_DOCUMENTS)
    rt = runtime(request)
    if kind not in composer.KINDS:
        raise HTTPException(404, "Không có loại văn bản này.")
    if spec:
        kind, text = composer.load(rt, spec)
    else:
        text = composer.starter_for(rt, kind)
    return _page(request, kind, text)


@router.post("/documents/compose")
def compose(
    request: Request,
    kind: str = Form(...),
    text: str = Form(...),
    action: str = Form("preview"),
    name: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    who = require(request, Action.VIEW_DOCUMENTS)
    _csrf(who, csrf)
    rt = acting(request, who)
    try:
        if action == "save":
            composer.save(rt, name, kind, text)
            return _page(request, kind, text, message=f"Đã lưu tệp văn bản '{name.strip()}'.")
        if action == "preview":
            images = [base64.b64encode(png).decode() for png in composer.preview(rt, kind, text)]
            return _page(request, kind, text, pages=images)
        return _download(rt, kind, text, action)
    except ChisoError as exc:
        return _page(request, kind, text, error=exc, status=422)


def _download(rt: Runtime, kind: str, text: str, action: str) -> Response:
    with tempfile.TemporaryDirectory() as work:
        paths = composer.make(rt, kind, text, Path(work) / f"{kind}.docx")
        wanted = paths[0]
        if action == "pdf":
            wanted = letters.to_pdfs(rt, [wanted])[0][0]
        elif action == "xlsx":
            wanted = next((p for p in paths if p.suffix == ".xlsx"), wanted)
        content = wanted.read_bytes()
    ascii_name, name = composer.download_name(kind, text, wanted.suffix)
    access_log.note(
        rt, access_log.DOCUMENT, "document", ascii_name, {"kind": kind, "format": action}
    )
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        content, media_type=MEDIA[wanted.suffix], headers={"Content-Disposition": disposition}
    )
