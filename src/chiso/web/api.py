"""The JSON API under /api/v1, described by /openapi.json. Integrating systems authenticate with
`Authorization: Bearer <token>`; every write goes through the same checks as a file import."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from chiso.domain.access import Action, Role
from chiso.domain.periods import Period
from chiso.domain.ranking_table import RankingRow
from chiso.domain.units import Unit
from chiso.domain.values import StoredValue
from chiso.io.framework_yaml import framework_to_data
from chiso.io.writers import csv_cell
from chiso.services import facts
from chiso.services.dashboard import pages as dashboard
from chiso.services.scoring import frameworks
from chiso.services.units import catalogue
from chiso.services.units.resolver import look_up_unit
from chiso.services.values import exchange, importer
from chiso.web.deps import acting, require, require_unit, runtime

router = APIRouter(prefix="/api/v1", tags=["api"])


class ValueIn(BaseModel):
    unit_code: str = Field(description="Khóa, mã hoặc tên đơn vị")
    period: str = Field(description="2023, 2023-H1, 2023-Q3 hoặc 2023-07")
    indicator: str
    value: str | float | None = None
    numerator: float | None = None
    denominator: float | None = None


class ValuesIn(BaseModel):
    framework: str = "platform-usage"
    values: list[ValueIn]
    dry_run: bool = False
    replace: bool = False
    """Also replace values of the other kind of source (computed ↔ reported)."""


@router.get("/units")
def list_units(
    request: Request,
    kind: str | None = None,
    parent: str | None = None,
    group: str | None = None,
    search: str | None = None,
    on: date | None = None,
) -> list[dict[str, Any]]:
    require(request, Action.VIEW_UNIT, api=True)
    query = catalogue.ListQuery(kind, parent, group, search, on)
    return [_unit(u) for u in catalogue.list_units(runtime(request), query)]


def _unit(u: Unit) -> dict[str, Any]:
    return {
        "key": u.key,
        "code": u.code,
        "name": u.name,
        "kind": u.kind,
        "subtype": u.subtype,
        "parent": u.parent_key,
        "groups": list(u.groups),
        "latitude": u.latitude,
        "longitude": u.longitude,
    }


@router.get("/units/{key:path}")
def unit_detail(request: Request, key: str) -> dict[str, Any]:
    require(request, Action.VIEW_UNIT, api=True)
    d = catalogue.show_unit(runtime(request), key)
    return {
        "key": d.unit.key,
        "name": d.unit.name,
        "kind": d.unit.kind,
        "parent": d.unit.parent_key,
        "children": d.children,
        "groups": list(d.unit.groups),
        "predecessors": [
            {"key": v.unit.key, "name": v.unit.name, "link": v.kind.value} for v in d.predecessors
        ],
        "successors": [
            {"key": v.unit.key, "name": v.unit.name, "link": v.kind.value, "derived": v.derived}
            for v in d.successors
        ],
    }


@router.get("/frameworks")
def list_frameworks(request: Request) -> list[dict[str, Any]]:
    require(request, Action.VIEW_UNIT, api=True)
    return [
        {"id": f.id, "name": f.name, "max_points": f.max_points, "issued_by": f.issued_by}
        for f in frameworks.list_frameworks(runtime(request))
    ]


@router.get("/frameworks/{framework_id}")
def framework_detail(request: Request, framework_id: str) -> dict[str, Any]:
    require(request, Action.VIEW_UNIT, api=True)
    return framework_to_data(frameworks.get(runtime(request), framework_id))


@router.get("/values")
def read_values(
    request: Request,
    framework: str = "platform-usage",
    period: str | None = None,
    unit: str | None = None,
) -> list[dict[str, Any]]:
    who = require(request, Action.VIEW_UNIT, api=True)
    if unit is None and who.role is Role.REPORTER:
        raise HTTPException(
            403, "Báo cáo viên chỉ đọc số liệu của một đơn vị trong phạm vi: thêm ?unit=…"
        )
    rt = runtime(request)
    if unit is not None:
        require_unit(request, who, look_up_unit(rt, unit).id)
    return [_value(v) for v in exchange.stored(rt, framework, period, unit)]


def _value(v: StoredValue) -> dict[str, Any]:
    return {
        "unit": v.unit_key,
        "period": str(v.period),
        "indicator": v.indicator,
        "number": v.value.number,
        "numerator": v.value.numerator,
        "denominator": v.value.denominator,
        "text": v.value.text,
        "index": v.value.index,
        "source": v.source,
    }


@router.post("/values")
def write_values(request: Request, body: ValuesIn) -> dict[str, Any]:
    """Stores values (or previews them with dry_run); all-or-nothing, audited, idempotent."""
    who = require(request, Action.WRITE_VALUES, api=True)
    rt = runtime(request)
    if who.role is Role.REPORTER:
        ids = {look_up_unit(rt, v.unit_code, Period.parse(v.period).end).id for v in body.values}
        for ident in ids:
            require_unit(request, who, ident)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["unit_code", "period", "indicator", "value", "numerator", "denominator"])
    for v in body.values:
        writer.writerow(
            [
                v.unit_code,
                v.period,
                v.indicator,
                "" if v.value is None else csv_cell(v.value),
                "" if v.numerator is None else csv_cell(v.numerator),
                "" if v.denominator is None else csv_cell(v.denominator),
            ]
        )
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "api.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        report = importer.import_values(
            acting(request, who),
            path,
            body.framework,
            dry_run=body.dry_run,
            source="api",
            replace=body.replace,
        )
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "dry_run": report.dry_run,
        "source": report.stored_as,
        "skipped": [
            {
                "unit": k.unit_key,
                "period": str(k.period),
                "indicator": k.indicator,
                "kept_source": k.kept_source,
            }
            for k in report.skipped
        ],
        "flags": [
            {"unit": f.unit, "indicator": f.indicator, "message": f.message_vi}
            for f in report.flags
        ],
    }


@router.get("/rankings")
def rankings(
    request: Request,
    framework: str = "platform-usage",
    period: str | None = None,
    group: str | None = None,
    all_groups: bool = False,
) -> dict[str, Any]:
    """The ranking table as published: indices and points rounded half-up at the framework's
    precision, the ranked groups only unless all_groups=true."""
    require(request, Action.VIEW_AGGREGATES, api=True)
    rt = runtime(request)
    frameworks.get(rt, framework)
    chosen = Period.parse(period) if period else dashboard.latest(rt, framework, None)
    data = dashboard.ranking(rt, framework, chosen) if chosen else None
    if data is None:
        raise HTTPException(404, "Chưa có số liệu.")
    table = data.shown(group, all_groups)
    return {
        "framework": framework,
        "period": str(data.period),
        "precision": data.framework.precision,
        "groups": dict(table.groups),
        "rows": [_ranking_row(r) for r in table.rows],
    }


def _ranking_row(r: RankingRow) -> dict[str, Any]:
    total, band = r.total, r.interval
    return {
        "group": r.group,
        "rank": total.rank,
        "tied": total.tied,
        "unit": r.unit_code,
        "name": r.unit_name,
        "ranked": r.ranked,
        "points": total.points,
        "max_points": total.max_points,
        "index": total.index,
        "rank_change": total.rank_change,
        "rank_interval": [band.p05, band.p95] if band else None,
        "missing": list(r.missing),
        "imputed": list(r.imputed),
        "nodes": {code: c.index for code, c in r.cells.items()},
        "node_ranks": {code: c.rank for code, c in r.cells.items() if c.rank is not None},
    }


@router.get("/evaluations")
def evaluations(
    request: Request, framework: str = "platform-usage", period: str | None = None
) -> dict[str, Any]:
    """Every node of every unit (every group): points, maximum, 0–1 index and rank."""
    result = rankings(request, framework, period, all_groups=True)
    return {"framework": result["framework"], "period": result["period"], "units": result["rows"]}


@router.post("/records/{source}")
def ingest(request: Request, source: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch of raw platform records (documents, meetings, email, applications); records whose
    id is already stored are skipped, so sending the same batch twice stores it once."""
    who = require(request, Action.INGEST_RECORDS, api=True)
    if not records:
        raise HTTPException(400, "Lô bản ghi rỗng.")
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"{source}.jsonl"
        path.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False, default=str) for r in records),
            encoding="utf-8",
        )
        report = facts.ingest(acting(request, who), source, [path])
    return {
        "received": report.rows,
        "stored": report.new,
        "already_stored": report.already_stored,
        "months": report.months,
    }
