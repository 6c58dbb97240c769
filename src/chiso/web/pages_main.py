"""Overview, ranking (with exports), map and unit pages."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from chiso.domain.access import Action, Role, can
from chiso.domain.periods import Period, PeriodError
from chiso.domain.text import fold
from chiso.io.writers import csv_cells
from chiso.services.accounts import access_log
from chiso.services.dashboard import checklist
from chiso.services.dashboard import pages as dashboard
from chiso.services.scoring import frameworks
from chiso.services.tasks import tracking
from chiso.services.units import catalogue
from chiso.web.deps import acting, caller, require, runtime
from chiso.web.render import page

router = APIRouter(include_in_schema=False)


def _period(text: str | None, framework_id: str, request: Request) -> Period | None:
    if text:
        try:
            return Period.parse(text)
        except PeriodError as exc:
            raise HTTPException(400, f"Kỳ '{text}' không hợp lệ.") from exc
    return dashboard.latest(runtime(request), framework_id)


@router.get("/")
def overview(request: Request, period: str | None = None, compare: str | None = None) -> Response:
    require(request, Action.VIEW_AGGREGATES)
    rt = runtime(request)
    chosen = _period(period, dashboard.USAGE, request)
    against = _period(compare, dashboard.USAGE, request) if compare else None
    choices = list(reversed(dashboard.periods(rt, dashboard.USAGE)))
    data = dashboard.overview(rt, chosen, against) if chosen else None
    late = tracking.list_tasks(rt, overdue_only=True)
    return page(request, "overview.html", data=data, choices=choices, chosen=chosen, late=late)


def _ranking(request: Request, framework: str, period: str | None) -> dashboard.Ranking | None:
    frameworks.get(runtime(request), framework)
    chosen = (
        _period(period, framework, request)
        if period
        else dashboard.latest(runtime(request), framework, None)
    )
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
    table = data.shown(group or None, all_groups) if data else None
    rows = list(table.rows) if table else []
    if sort == "name":
        rows.sort(key=lambda r: fold(r.unit_name))
    elif sort == "change":
        rows.sort(key=lambda r: -(r.total.rank_change or 0))
    ids = frameworks.available_ids(rt)
    return page(
        request,
        "ranking.html",
        data=data,
        table=table,
        rows=rows,
        group=group,
        sort=sort,
        all_groups=all_groups,
        framework=framework,
        frameworks=ids,
        choices=list(reversed(dashboard.choices(rt, framework))),
    )


def _download(request: Request, framework: str, period: str | None) -> dashboard.Ranking:
    """The ranking a download is made from, or 404 when there is nothing to rank yet."""
    require(request, Action.VIEW_AGGREGATES)
    data = _ranking(request, framework, period)
    if data is None:
        raise HTTPException(404, "Chưa có số liệu để xếp hạng.")
    return data


CSV_HEADER = (
    "ranking_group",
    "rank",
    "unit_code",
    "unit_name",
    "points",
    "max_points",
    "index",
    "rank_change",
    "rank_p05",
    "rank_p95",
    "missing",
)


@router.get("/ranking.csv")
def ranking_csv(
    request: Request,
    framework: str = dashboard.USAGE,
    period: str | None = None,
    all_groups: bool = False,
) -> Response:
    """The page's table as published (the ranking table's rounded figures)."""
    data = _download(request, framework, period)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_cells(list(CSV_HEADER)))
    for r in data.rows(None, all_groups):
        total, band = r.total, r.interval
        writer.writerow(
            csv_cells(
                [
                    r.group_name,
                    _blank(total.rank),
                    r.unit_code,
                    r.unit_name,
                    _blank(total.points),
                    total.max_points,
                    _blank(total.index),
                    _blank(total.rank_change),
                    band.p05 if band else "",
                    band.p95 if band else "",
                    r.missing_note,
                ]
            )
        )
    name = f"xep-hang-{framework}-{data.period}.csv"
    _exported(request, name, framework, data.period)
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _exported(request: Request, name: str, framework: str, period: object) -> None:
    who = caller(request)
    rt = acting(request, who) if who else runtime(request)
    details = {"file": name, "framework": framework, "period": str(period)}
    access_log.note(rt, access_log.EXPORT, "ranking", name, details)


def _blank(x: object) -> object:
    return "" if x is None else x


@router.get("/ranking.xlsx")
def ranking_xlsx(
    request: Request,
    framework: str = dashboard.USAGE,
    period: str | None = None,
    all_groups: bool = False,
) -> Response:
    import tempfile
    from pathlib import Path

    from chiso.documents.decision import write_xlsx

    data = _download(request, framework, period)
    with tempfile.TemporaryDirectory() as work:
        path = write_xlsx(Path(work) / "x.xlsx", data.shown(None, all_groups))
        content = path.read_bytes()
    _exported(request, f"xep-hang-{framework}-{data.period}.xlsx", framework, data.period)
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="xep-hang-{framework}-{data.period}.xlsx"'
        },
    )


@router.get("/search")
def search(request: Request, q: str = "") -> Response:
    """Units by name, folded or with diacritics, in the header of every page (a GET form)."""
    who = require(request, Action.VIEW_UNIT)
    found = catalogue.search_units(acting(request, who), q)
    crumbs = [("/", "Tổng quan"), ("/search", "Tìm đơn vị")]
    return page(request, "search.html", found=found, q=q, crumbs=crumbs)


Crumb = tuple[str, str]


def _unit_crumbs(request: Request, data: dashboard.UnitPage, last: bool = True) -> list[Crumb]:
    """Tổng quan › the units above › the unit's ranking group › the unit (for people who see
    the overview; a reporter's trail starts at the highest unit of their scope)."""
    who = caller(request)
    suffix = f"?period={data.latest}" if data.latest else ""
    crumbs: list[Crumb] = []
    if who and can(who.role, Action.VIEW_AGGREGATES):
        crumbs.append(("/", "Tổng quan"))
    crumbs += [(f"/units/{u.key}{suffix}", u.name) for u in data.ancestors]
    s = data.standing
    if s is not None and data.ancestors:
        parent = data.ancestors[-1].key
        crumbs.append((f"/units/{parent}/groups/{s.group}{suffix}", s.group_name))
    u = data.detail.unit
    if last:
        crumbs.append((f"/units/{u.key}{suffix}", u.name))
    return crumbs


@router.get("/units/{key}/groups/{group}")
def unit_group(request: Request, key: str, group: str, period: str | None = None) -> Response:
    """A ranking group of the units under a unit (the province's communes, its departments)."""
    who = require(request, Action.VIEW_UNIT)
    chosen = _period(period, dashboard.USAGE, request) if period else None
    data = dashboard.unit_page(acting(request, who), key, chosen)
    members = [c for c in data.children if c.group == group]
    if not members:
        raise HTTPException(404, "Không có nhóm đơn vị này trong các đơn vị trực thuộc.")
    name = members[0].group_name
    crumbs = [*_unit_crumbs(request, data), (request.url.path, name)]
    return page(
        request, "group.html", data=data, members=members, group=group, name=name, crumbs=crumbs
    )


@router.get("/units/{key:path}")
def unit(request: Request, key: str, period: str | None = None) -> Response:
    who = require(request, Action.VIEW_UNIT)
    rt = acting(request, who)
    chosen = _period(period, dashboard.USAGE, request) if period else None
    data = dashboard.unit_page(rt, key, chosen)
    found_tasks = tracking.list_tasks(rt, unit=key)
    crumbs = _unit_crumbs(request, data)
    todo = None
    if who.role is Role.REPORTER:
        todo = checklist.checklist(rt, data.detail.unit.key)
    return page(
        request,
        "unit.html",
        data=data,
        tasks=found_tasks,
        crumbs=crumbs if len(crumbs) > 1 else None,
        checklist=todo,
    )


@router.get("/map")
def map_page(request: Request, period: str | None = None) -> Response:
    require(request, Action.VIEW_AGGREGATES)
    data = _ranking(request, dashboard.USAGE, period)
    points = []
    if data:
        coords = catalogue.coordinates(
            runtime(request), [r.unit.code for r in data.evaluation.results]
        )
        for r in data.evaluation.results:
            if r.unit.code in coords and r.total.index is not None:
                lat, lon = coords[r.unit.code]
                points.append(
                    {
                        "name": r.unit.name,
                        "lat": lat,
                        "lon": lon,
                        "index": round(r.total.index, 4),
                        "key": r.unit.code,
                    }
                )
    return page(request, "map.html", data=data, points=points)


@router.get("/indicators/{code}")
def indicator(request: Request, code: str, period: str | None = None) -> Response:
    require(request, Action.VIEW_AGGREGATES)
    chosen = _period(period, dashboard.USAGE, request)
    if chosen is None:
        raise HTTPException(404, "Chưa có số liệu.")
    return page(
        request, "indicator.html", data=dashboard.indicator_page(runtime(request), code, chosen)
    )
