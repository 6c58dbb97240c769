"""The ranking a province publishes (page, print view, CSV and XLSX) and the map: both render the
one ranking table of the period and compute nothing."""

from __future__ import annotations

import hashlib
import tempfile
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from chiso.documents import ranking_export
from chiso.domain.access import Action
from chiso.domain.frameworks import Framework
from chiso.domain.periods import Period, PeriodError
from chiso.domain.ranking_table import SORTS, RankingRow, RankingTable, band, shown_columns
from chiso.services.accounts import access_log
from chiso.services.dashboard import map as map_data
from chiso.services.dashboard import pages as dashboard
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.web import i18n
from chiso.web.deps import Route, acting, caller, require, runtime
from chiso.web.render import page

router = APIRouter(route_class=Route, include_in_schema=False)
OLD_SORTS = {"change": "gains"}
"""Orders older links name."""


def _period(text: str | None, framework_id: str, request: Request) -> Period | None:
    if text:
        try:
            return Period.parse(text)
        except PeriodError as exc:
            raise HTTPException(400, f"Kỳ '{text}' không hợp lệ.") from exc
    return dashboard.latest(runtime(request), framework_id, None)


def _ranking(request: Request, framework: str, period: str | None) -> dashboard.Ranking | None:
    frameworks.get(runtime(request), framework)
    chosen = _period(period, framework, request)
    return dashboard.ranking(runtime(request), framework, chosen) if chosen else None


@router.get("/ranking")
def ranking(
    request: Request,
    framework: str = dashboard.USAGE,
    period: str | None = None,
    group: str | None = None,
    sort: str = "rank",
    all_groups: bool = False,
) -> Response:
    require(request, Action.VIEW_AGGREGATES)
    rt = runtime(request)
    data = _ranking(request, framework, period)
    sort = OLD_SORTS.get(sort, sort)
    if sort not in SORTS:
        sort = "rank"
    table, sections = _arranged(rt, data, group or None, all_groups, sort)
    previous = Period.parse(table.previous_period) if table and table.previous_period else None
    language = i18n.CURRENT.get()
    sheet = None
    if data is not None:
        chosen = data.framework
        key = ("ranking.labels", chosen.id, language)
        sheet = dashboard.cached(rt, key, lambda: labels_sheet(chosen, language))
    return page(
        request,
        "ranking.html",
        data=data,
        table=table,
        sections=sections,
        previous=previous,
        group=group,
        sort=sort,
        sorts=SORTS,
        band=band,
        all_groups=all_groups,
        framework=framework,
        frameworks=frameworks.available(rt),
        choices=list(reversed(dashboard.choices(rt, framework))),
        labels=sheet.href(language) if sheet else None,
    )


LABELS = ("Hạng", "", "Điểm", "Chỉ số", "± điểm", "± hạng", "Khoảng hạng")
"""What a phone shows above each of the ranking's first columns (the unit's name needs none);
the main indices' names follow."""


class LabelSheet:
    """The stylesheet naming the ranking's columns where the table is drawn as cards (phones):
    one per framework and language, sent once and kept by the browser, instead of a
    `data-label` on each of 500 rows × 15 cells (half of the page)."""

    def __init__(self, framework_id: str, text: str) -> None:
        self.framework_id = framework_id
        self.text = text
        self.digest = hashlib.sha256(text.encode()).hexdigest()[:16]

    def href(self, language: str) -> str:
        return f"/ranking/labels/{self.framework_id}.css?language={language}&v={self.digest}"


def labels_sheet(framework: Framework, language: str) -> LabelSheet:
    names = tuple(n.name for n in shown_columns(framework))
    return _sheet(framework.id, names, language if language in i18n.LANGUAGES else "vi")


@lru_cache(maxsize=256)
def _sheet(framework_id: str, names: tuple[str, ...], language: str) -> LabelSheet:
    translate = i18n.translations(language).gettext
    labels = [str(translate(label)) if label else "" for label in LABELS] + list(names)
    rules = [
        f'table.ranking tbody td:nth-child({n})::before {{ content: "{_css_text(label)}"; }}'
        for n, label in enumerate(labels, start=1)
        if label
    ]
    return LabelSheet(framework_id, "@media (max-width: 640px) {\n" + "\n".join(rules) + "\n}\n")


def _css_text(text: str) -> str:
    """Text as the inside of a CSS string: backslashes, quotes and line breaks escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")


YEAR = 365 * 86400


@router.get("/ranking/labels/{framework}.css")
def ranking_labels(
    request: Request, framework: str, language: str = "vi", v: str | None = None
) -> Response:
    """Kept by the browser for a year when asked for by its digest (the page links it so); a
    framework's registered text changing changes the digest."""
    require(request, Action.VIEW_AGGREGATES)
    sheet = labels_sheet(frameworks.get(runtime(request), framework), language)
    fresh = v == sheet.digest
    cache = (
        f"private, max-age={YEAR}, immutable" if fresh else "private, max-age=0, must-revalidate"
    )
    etag = f'"{sheet.digest}"'
    headers = {"Cache-Control": cache, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(sheet.text, media_type="text/css", headers=headers)


Arranged = tuple[RankingTable | None, list[tuple[str, str, list[RankingRow]]]]


def _arranged(
    rt: Runtime, data: dashboard.Ranking | None, group: str | None, all_groups: bool, sort: str
) -> Arranged:
    """The rows shown and their groups in the chosen order, once per ranking (data stamp) and
    choice: sorting 500 rows was a third of a cached view."""
    if data is None:
        return None, []

    def arrange() -> Arranged:
        table = data.shown(group, all_groups)
        return table, table.sections(sort)

    key = ("ranking.view", data.framework.id, str(data.period), group, all_groups, sort)
    return dashboard.cached(rt, key, arrange)


def _download(request: Request, framework: str, period: str | None) -> dashboard.Ranking:
    """The ranking a download is made from, or 404 when there is nothing to rank yet."""
    require(request, Action.VIEW_AGGREGATES)
    data = _ranking(request, framework, period)
    if data is None:
        raise HTTPException(404, "Chưa có số liệu để xếp hạng.")
    return data


def _exported(request: Request, name: str, framework: str, period: object) -> None:
    who = caller(request)
    rt = acting(request, who) if who else runtime(request)
    details = {"file": name, "framework": framework, "period": str(period)}
    access_log.note(rt, access_log.EXPORT, "ranking", name, details)


@router.get("/ranking.csv")
def ranking_csv(
    request: Request,
    framework: str = dashboard.USAGE,
    period: str | None = None,
    group: str | None = None,
    all_groups: bool = False,
) -> Response:
    """The page's table as Vietnamese Excel opens it: BOM, ";" and decimal commas."""
    data = _download(request, framework, period)
    text = ranking_export.csv_text(data.shown(group or None, all_groups))
    return _attachment(request, framework, data.period, "csv", text, "text/csv; charset=utf-8")


@router.get("/ranking.xlsx")
def ranking_xlsx(
    request: Request,
    framework: str = dashboard.USAGE,
    period: str | None = None,
    group: str | None = None,
    all_groups: bool = False,
) -> Response:
    data = _download(request, framework, period)
    with tempfile.TemporaryDirectory() as work:
        path = ranking_export.write_xlsx(
            Path(work) / "x.xlsx", data.shown(group or None, all_groups)
        )
        content = path.read_bytes()
    return _attachment(request, framework, data.period, "xlsx", content, XLSX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(
    request: Request, framework: str, period: object, suffix: str, content: str | bytes, media: str
) -> Response:
    """A ranking download, named for its framework and period and noted in the access log."""
    name = f"xep-hang-{framework}-{period}.{suffix}"
    _exported(request, name, framework, period)
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=media, headers=disposition)


@router.get("/map")
def map_page(
    request: Request, framework: str = dashboard.USAGE, period: str | None = None
) -> Response:
    require(request, Action.VIEW_AGGREGATES)
    rt = runtime(request)
    frameworks.get(rt, framework)
    chosen = _period(period, framework, request)
    view = map_data.map_view(rt, framework, chosen) if chosen else None
    return page(
        request,
        "map.html",
        view=view,
        framework=framework,
        frameworks=frameworks.available(rt),
        choices=list(reversed(dashboard.periods(rt, framework))),
        bands=map_data.BAND_NAMES,
        radius=map_data.RADIUS,
    )
