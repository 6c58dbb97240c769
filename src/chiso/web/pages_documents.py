"""Generating and downloading letters, appendices, committee reports and ranking decisions."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from chiso.domain.access import Action
from chiso.services.dashboard import pages as dashboard
from chiso.services.documents import decisions, letters, reports
from chiso.services.scoring import frameworks
from chiso.services.scoring.dataset import DataSource
from chiso.web.deps import acting, check_csrf, require, runtime
from chiso.web.render import page

router = APIRouter(include_in_schema=False)
KINDS = {
    "letter": "Công văn đôn đốc",
    "appendix": "Phụ lục số liệu",
    "summary": "Báo cáo Ban Chỉ đạo",
    "ranking": "Quyết định công bố xếp hạng",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/documents")
def documents_page(request: Request) -> Response:
    require(request, Action.VIEW_DOCUMENTS)
    rt = runtime(request)
    usage = dashboard.framework_leaves(rt, dashboard.USAGE)
    return page(
        request,
        "documents.html",
        kinds=KINDS,
        periods=list(reversed(dashboard.periods(rt, dashboard.USAGE))),
        frameworks=frameworks.available_ids(runtime(request)),
        indicators=usage,
    )


@router.post("/documents/{kind}")
async def generate(request: Request, kind: str) -> Response:
    who = require(request, Action.VIEW_DOCUMENTS)
    await check_csrf(request, who)
    if kind not in KINDS:
        raise HTTPException(404, "Không có loại văn bản này.")
    form = await request.form()
    period = str(form.get("period") or "")
    framework = str(form.get("framework") or dashboard.USAGE)
    indicators = [str(v) for v in form.getlist("indicator")] or ["signed_docs_rate"]
    below = str(form.get("below") or "").strip()
    rt = acting(request, who)
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / f"{kind}-{period}.docx"
        source = DataSource(framework)
        if kind == "letter":
            lines = {"*": float(below.replace(",", "."))} if below else {}
            request_ = letters.LetterRequest(source, period, indicators, lines)
            paths = letters.letter(rt, request_, out)
        elif kind == "appendix":
            paths = letters.appendix(
                rt, letters.AppendixRequest(source, period, indicators[:1]), out
            )
        elif kind == "summary":
            paths = reports.summary(rt, reports.SummaryRequest(source, period), out)
        else:
            paths = decisions.ranking(rt, decisions.RankingRequest(source, period), out)
        wanted = paths[0]
        if form.get("format") == "pdf":
            wanted = letters.to_pdf(wanted)
        elif form.get("format") == "xlsx" and len(paths) > 1:
            wanted = paths[1]
        content = wanted.read_bytes()
    media = {
        ".docx": DOCX,
        ".pdf": "application/pdf",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[wanted.suffix]
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{wanted.name}"'},
    )
