"""Rendering pages: the templates, Vietnamese number filters, and what every page needs."""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context
from markupsafe import Markup

from chiso.domain.access import Action, can
from chiso.domain.formatting import (
    fixed,
    local_time,
    number,
    percent,
    percent_points,
    signed,
    value_text,
)
from chiso.domain.frameworks import InputKind
from chiso.domain.periods import Period
from chiso.errors import ChisoError
from chiso.services.scoring import frameworks
from chiso.web import assets, charts, i18n
from chiso.web.charts import Chart
from chiso.web.deps import caller
from chiso.web.observe import refused


class Fragments:
    """Rendered parts of pages, kept beside the page data they were rendered from (an object of
    the runtime's page cache, so a change to the data renders them again and they go when it
    goes), at most `per_owner` variants each (the query string is the caller's to choose)."""

    def __init__(self, per_owner: int = 32) -> None:
        self.per_owner = per_owner
        self._by_owner: dict[int, dict[Hashable, str]] = {}
        self._lock = threading.Lock()

    def get(self, owner: object, key: Hashable, render: Callable[[], str]) -> Markup:
        ident = id(owner)
        with self._lock:
            mine = self._by_owner.get(ident)
            if mine is None:
                mine = self._by_owner[ident] = {}
                weakref.finalize(owner, self._by_owner.pop, ident, None)
            found = mine.get(key)
        if found is None:
            found = str(render())
            with self._lock:
                if len(mine) < self.per_owner:
                    mine[key] = found
        return Markup(found)


FRAGMENTS = Fragments()


class CachedFragment(Extension):
    """`{% cached data %}…{% endcached %}`: the part of a page that depends only on `data` (an
    object of the page cache), the request's path and query string, the language and the
    caller's role is rendered once and reused (500 ranking rows cost 80% of a ranking view)."""

    tags = {"cached"}  # noqa: RUF012 (as jinja2.ext.Extension declares it)

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        owner = parser.parse_expression()
        body = parser.parse_statements(("name:endcached",), drop_needle=True)
        call = self.call_method("_fragment", [owner, nodes.ContextReference()])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, owner: object, context: Context, caller: Callable[[], str]) -> Markup | str:
        request = context.get("request")
        if owner is None or request is None:
            return caller()
        who = context.get("who")
        key = (
            context.name,
            request.url.path,
            tuple(sorted(request.query_params.multi_items())),
            context.get("lang"),
            who.role if who is not None else None,
        )
        return FRAGMENTS.get(owner, key, caller)


TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.auto_reload = False
"""The templates ship with the package: no stat of each template file at every render (two
system calls a view, each a hand-back of the interpreter's lock that waits under 32 users)."""
TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.add_extension(CachedFragment)
TEMPLATES.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=False)  # type: ignore[attr-defined]


def period_vi(period: Period | str | None) -> str:
    """A period as people read it ("tháng 10/2026", "Quý III/2026", "năm 2026"): the one
    formatter, `Period.label_vi`, for a Period or its code."""
    if period is None or period == "":
        return "—"
    return (period if isinstance(period, Period) else Period.parse(str(period))).label_vi


def numbering(code: str) -> str:
    """A framework node's code where it is the numbering people cite ("2.1"), else nothing: a code
    like `signed_docs_rate` is for files, not for readers."""
    return code if _NUMBERING.fullmatch(code) else ""


_NUMBERING = re.compile(r"[0-9IVX]+(?:\.[0-9a-z]+)*")

TEMPLATES.env.filters.update(
    period_vi=period_vi,
    numbering=numbering,
    percent=lambda x: "—" if x is None else percent(x),
    number=lambda x, d=2: "—" if x is None else number(x, d),
    fixed=lambda x, d=4: "—" if x is None else fixed(x, d),
    tojson_attr=lambda x: json.dumps(x, ensure_ascii=False),
    localtime=local_time,
    signed=signed,
    points=lambda x: "—" if x is None else f"{'+' if x > 0 else ''}{number(x * 100, 2)} điểm %",
)


def trend_chart(card: Any) -> Chart:
    """A small line chart of an indicator's overall rate over the last periods."""
    return charts.line_chart(
        _months(card.trend, share=True), share=True, width=220, height=70, tick_count=2
    )


def _shown(value: float | None, share: bool) -> float | None:
    if value is None:
        return None
    return percent_points(value) if share else round(value, 2)


def _short(period: Period) -> str:
    """A month on a small chart's axis: "10/2026" (the label "tháng 10/2026" without its word)."""
    return period.label_vi.removeprefix("tháng ")


def _months(
    values: Sequence[tuple[str, float | None]], share: bool
) -> list[tuple[str, str, float | None]]:
    """A chart's points from (period, value) in order: every month from the first to the last,
    one without a value as a gap (None)."""
    given = {Period.parse(p): v for p, v in values}
    if not given:
        return []
    first, last = min(given, key=lambda p: p.start), max(given, key=lambda p: p.start)
    periods = [first]
    while periods[-1].start < last.start and len(periods) <= len(given) + 240:
        periods.append(periods[-1].shifted(1))
    return [(_short(p), p.label_vi, _shown(given.get(p), share)) for p in periods]


def indicator_chart(line: Any) -> Chart:
    """One indicator of a unit over the months, on its own scale: rates and yes/no in percent
    from 0 to 100 with the target as a line, counts from zero as counts; no legend to cut."""
    share = line.share
    points = _months([(p.period, p.value) for p in line.history], share)
    target = percent_points(line.target) if share and line.target is not None else None
    return charts.line_chart(points, share=share, unit=line.unit_label, target=target)


def line_value(line: Any) -> str:
    """An indicator's value as the unit page reads it: "90% (90/100)", "12 cuộc họp", "có"."""
    if line.value is None:
        return "chưa có số liệu"
    if line.kind is InputKind.YES_NO:
        return "có" if line.value >= 0.5 else "không"
    if line.share:
        text = percent(line.value)
        stored = line.stored
        if stored is not None and stored.numerator is not None:
            text += f" ({value_text(stored)})"
        return text
    return f"{number(line.value)} {line.unit_label}".strip()


def line_target(line: Any) -> str:
    if line.target is None:
        return "—"
    if line.share:
        return f"tối thiểu {percent(line.target)}"
    return f"tối thiểu {number(line.target)} {line.unit_label}".strip()


def line_change(line: Any) -> str:
    """The change since the previous month: rates in percentage points, counts as counts."""
    change = line.change
    if change is None:
        return "—"
    if line.kind is InputKind.YES_NO:
        return (
            "không đổi"
            if change == 0
            else ("từ không thành có" if change > 0 else "từ có thành không")
        )
    if change == 0:
        return "không đổi"
    return f"{signed(change * 100)} điểm %" if line.share else signed(change)


def distribution_chart(data: Any) -> Chart:
    """A histogram of the units' values (rates in percent), stacked by group."""
    share = data.kind is InputKind.RATE
    values = [(group, _shown(v, share) or 0.0) for _, group, v in data.distribution]
    return charts.histogram(values, x_title="Tỷ lệ (%)" if share else "Giá trị", percent=share)


TEMPLATES.env.globals.update(
    distribution_chart=distribution_chart,
    trend_chart=trend_chart,
    indicator_chart=indicator_chart,
    line_value=line_value,
    line_target=line_target,
    line_change=line_change,
    describe=value_text,
    static=assets.url,
)

NAV = (
    ("/", "Tổng quan", Action.VIEW_AGGREGATES),
    ("/ranking", "Xếp hạng", Action.VIEW_AGGREGATES),
    ("/map", "Bản đồ", Action.VIEW_AGGREGATES),
    ("/data", "Số liệu", Action.WRITE_VALUES),
    ("/assessments", "Tự đánh giá", Action.ASSESS),
    ("/tasks", "Nhiệm vụ", Action.VIEW_UNIT),
    ("/documents", "Văn bản", Action.VIEW_DOCUMENTS),
    ("/admin", "Quản trị", Action.ADMINISTER),
)


def _section_crumbs(path: str, nav: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    """The trail of a page below the overview: the first page of the menu › its section (a link
    back when the page is deeper than the section)."""
    if not nav or path == nav[0][0]:
        return None
    section = next((n for n in nav[1:] if path == n[0] or path.startswith(n[0] + "/")), None)
    crumbs = [nav[0]]
    if section is not None:
        crumbs.append(section)
    return crumbs


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; an input it refuses (`error`) is logged in English too."""
    if isinstance(context.get("error"), ChisoError):
        refused(request, context["error"])
    who = caller(request)
    nav = [
        (href, i18n.gettext(label)) for href, label, action in NAV if who and can(who.role, action)
    ]
    if who and who.account.unit_key and not can(who.role, Action.VIEW_AGGREGATES):
        nav.insert(0, (f"/units/{who.account.unit_key}", i18n.gettext("Đơn vị của tôi")))
    if "crumbs" not in context and who is not None:
        context["crumbs"] = _section_crumbs(request.url.path, nav)
    rt = request.app.state.rt

    def framework_name(framework_id: str) -> str:
        """A framework as people know it, for the pages that offer a choice of frameworks."""
        names = {f.id: f.name for f in frameworks.available(rt)}
        return names.get(framework_id, framework_id)

    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "framework_name": framework_name,
            "who": who,
            "csrf": who.csrf if who else "",
            "nav": nav,
            "path": request.url.path,
            "lang": i18n.CURRENT.get(),
            **context,
        },
        status_code=status,
    )
