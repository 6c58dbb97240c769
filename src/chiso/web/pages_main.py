"""Overview, search, unit and indicator pages (the ranking and the map: pages_ranking)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from chiso.domain.access import Action, Role, can
from chiso.domain.periods import Period, PeriodError
from chiso.services.dashboard import checklist
from chiso.services.dashboard import pages as dashboard
from chiso.services.tasks import tracking
from chiso.services.units import catalogue
from chiso.web.deps import Route, acting, caller, require, runtime
from chiso.web.render import page

router = APIRouter(route_class=Route, include_in_schema=False)


def _period(text: str | None, framework_id: str, request: Request) -> Period | None:
    if text:
        try:
            return Period.parse(text)
        except PeriodError as exc:
            raise HTTPException(400, f"Kỳ '{text}' không hợp lệ.") from exc
    return dashboard.latest(runtime(request), framework_id)


@router.get("/")
def overview(request: Request, period: str | None = None, compare: str | None = None) -> Response:
    who = caller(request)
    if who and who.account.unit_key and not can(who.role, Action.VIEW_AGGREGATES):
        return RedirectResponse(f"/units/{who.account.unit_key}", status_code=303)
    require(request, Action.VIEW_AGGREGATES)
    rt = runtime(request)
    chosen = _period(period, dashboard.USAGE, request)
    against = _period(compare, dashboard.USAGE, request) if compare else None
    choices = list(reversed(dashboard.periods(rt, dashboard.USAGE)))
    data = dashboard.overview(rt, chosen, against) if chosen else None
    late = tracking.list_tasks(rt, overdue_only=True)
    return page(request, "overview.html", data=data, choices=choices, chosen=chosen, late=late)


@router.get("/search")
def search(request: Request, q: str = "") -> Response:
    """Units by name, folded or with diacritics, in the header of every page (a GET form)."""
    who = require(request, Action.VIEW_UNIT)
    found = catalogue.search_units(acting(request, who), q)
    home = ("/", "Tổng quan")
    if not can(who.role, Action.VIEW_AGGREGATES) and who.account.unit_key:
        home = (f"/units/{who.account.unit_key}", "Đơn vị của tôi")
    crumbs = [home, ("/search", "Tìm đơn vị")]
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


@router.get("/indicators/{code}")
def indicator(request: Request, code: str, period: str | None = None) -> Response:
    require(request, Action.VIEW_AGGREGATES)
    chosen = _period(period, dashboard.USAGE, request)
    if chosen is None:
        raise HTTPException(404, "Chưa có số liệu.")
    return page(
        request, "indicator.html", data=dashboard.indicator_page(runtime(request), code, chosen)
    )
