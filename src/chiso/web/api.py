"""The JSON API under /api/v1, described by /openapi.json. Integrating systems authenticate with
`Authorization: Bearer <token>`; every write goes through the same checks as a file import."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic import BaseModel, Field

from chiso.domain.access import Action
from chiso.domain.ranking_table import RankingRow
from chiso.domain.units import Unit
from chiso.domain.values import StoredValue
from chiso.io.framework_yaml import framework_to_data
from chiso.services import facts
from chiso.services.accounts import access_log
from chiso.services.dashboard import pages as dashboard
from chiso.services.periods import parse_period
from chiso.services.scoring import frameworks
from chiso.services.units import catalogue
from chiso.services.values import exchange, importer
from chiso.web.deps import Route, acting, require, runtime
from chiso.web.errors import ErrorBody

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Tham số không hợp lệ (kỳ, ngày, tên)"),
        (401, "Chưa đăng nhập: cần token (Authorization: Bearer) hoặc phiên"),
        (403, "Tài khoản không có quyền, hoặc đơn vị ngoài phạm vi"),
        (404, "Không tìm thấy"),
        (409, "Xung đột khi ghi đồng thời"),
        (413, "Phần thân yêu cầu lớn hơn CHISO_MAX_BODY_MB"),
        (422, "Nội dung bị từ chối; problems nêu từng chỗ (values[3].numerator)"),
        (500, "Lỗi ngoài dự kiến (đã ghi nhật ký)"),
    )
}
router = APIRouter(route_class=Route, prefix="/api/v1", tags=["api"], responses=ERRORS)
Number = Annotated[float, Field(allow_inf_nan=False)]


class ValueIn(BaseModel):
    unit_code: str = Field(description="Khóa, mã hoặc tên đơn vị")
    period: str = Field(description="2023, 2023-H1, 2023-Q3 hoặc 2023-07")
    indicator: str
    value: str | Number | None = None
    numerator: Number | None = None
    denominator: Number | None = None


class ValuesIn(BaseModel):
    framework: str = "platform-usage"
    values: list[ValueIn]
    dry_run: bool = False
    replace: bool = False
    """Also replace values of the other kind of source (computed ↔ reported)."""


class UnitOut(BaseModel):
    key: str
    code: str
    name: str
    kind: str | None
    subtype: str | None
    parent: str | None
    groups: list[str]
    latitude: float | None
    longitude: float | None


class LinkOut(BaseModel):
    key: str
    name: str
    link: str
    derived: bool = False


class UnitDetailOut(BaseModel):
    key: str
    name: str
    kind: str | None
    parent: str | None
    children: int
    groups: list[str]
    predecessors: list[LinkOut]
    successors: list[LinkOut]


class FrameworkOut(BaseModel):
    id: str
    name: str
    max_points: float
    issued_by: str | None


class ValueOut(BaseModel):
    unit: str
    period: str
    indicator: str
    number: float | None
    numerator: float | None
    denominator: float | None
    text: str | None
    index: float | None
    source: str | None


class FlagOut(BaseModel):
    unit: str
    indicator: str
    message: str


class SkippedOut(BaseModel):
    """A value not stored because a source of higher precedence already holds it."""

    unit: str
    period: str
    indicator: str
    kept_source: str


class WriteOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    source: str = Field(description="Nguồn ghi nhận các giá trị (api)")
    skipped: list[SkippedOut]
    flags: list[FlagOut]


class RankingRowOut(BaseModel):
    group: str | None
    rank: float | None
    tied: bool
    unit: str
    name: str
    ranked: bool
    points: float | None
    max_points: float | None
    index: float | None
    rank_change: float | None
    rank_interval: list[float] | None
    missing: list[str] = Field(description="Chỉ số thiếu số liệu")
    imputed: list[str] = Field(description="Chỉ số được bù số liệu")
    nodes: dict[str, float | None]
    node_ranks: dict[str, float]


class RankingOut(BaseModel):
    framework: str
    period: str
    precision: int = Field(description="Số chữ số thập phân của chỉ số công bố")
    groups: dict[str, str] = Field(description="mã nhóm → tên nhóm")
    rows: list[RankingRowOut]


class EvaluationsOut(BaseModel):
    framework: str
    period: str
    precision: int
    units: list[RankingRowOut]


class IngestOut(BaseModel):
    received: int
    stored: int
    already_stored: int
    months: list[str]


@router.get("/units", response_model=list[UnitOut])
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


@router.get("/units/{key:path}", response_model=UnitDetailOut)
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


@router.get("/frameworks", response_model=list[FrameworkOut])
def list_frameworks(request: Request) -> list[dict[str, Any]]:
    require(request, Action.VIEW_UNIT, api=True)
    return [
        {"id": f.id, "name": f.name, "max_points": f.max_points, "issued_by": f.issued_by}
        for f in frameworks.list_frameworks(runtime(request))
    ]


@router.get("/frameworks/{framework_id}", response_model=dict[str, Any])
def framework_detail(request: Request, framework_id: str) -> dict[str, Any]:
    require(request, Action.VIEW_UNIT, api=True)
    return framework_to_data(frameworks.get(runtime(request), framework_id))


@router.get("/values", response_model=list[ValueOut])
def read_values(
    request: Request,
    framework: str = "platform-usage",
    period: str | None = None,
    unit: str | None = None,
) -> list[dict[str, Any]]:
    who = require(request, Action.VIEW_UNIT, api=True)
    return [_value(v) for v in exchange.stored(acting(request, who), framework, period, unit)]


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


@router.post("/values", response_model=WriteOut)
def write_values(request: Request, body: ValuesIn) -> dict[str, Any]:
    """Stores values (or previews them with dry_run); all-or-nothing, audited, idempotent."""
    who = require(request, Action.WRITE_VALUES, api=True)
    records = [v.model_dump() for v in body.values]
    report = importer.import_records(
        acting(request, who),
        records,
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


@router.get("/rankings", response_model=RankingOut)
def rankings(
    request: Request,
    framework: str = "platform-usage",
    period: str | None = None,
    group: str | None = None,
    all_groups: bool = False,
) -> Response:
    """The ranking table as published: indices and points rounded half-up at the framework's
    precision, the ranked groups only unless all_groups=true."""
    require(request, Action.VIEW_AGGREGATES, api=True)
    key = ("api.rankings", framework, period, group, all_groups)

    def body() -> bytes:
        found = _rankings(request, framework, period, group, all_groups)
        return RankingOut.model_validate(found).model_dump_json().encode()

    return Response(dashboard.cached(runtime(request), key, body), media_type="application/json")


def _rankings(
    request: Request, framework: str, period: str | None, group: str | None, all_groups: bool
) -> dict[str, Any]:
    rt = runtime(request)
    frameworks.get(rt, framework)
    chosen = parse_period(period) if period else dashboard.latest(rt, framework, None)
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


@router.get("/evaluations", response_model=EvaluationsOut)
def evaluations(
    request: Request, framework: str = "platform-usage", period: str | None = None
) -> dict[str, Any]:
    """Every node of every unit (every group): points, maximum, 0–1 index and rank."""
    require(request, Action.VIEW_AGGREGATES, api=True)
    result = _rankings(request, framework, period, None, True)
    return {
        "framework": result["framework"],
        "period": result["period"],
        "precision": result["precision"],
        "units": result["rows"],
    }


@router.post("/records/{source}", response_model=IngestOut)
def ingest(request: Request, source: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch of raw platform records (documents, meetings, email, applications); records whose
    id is already stored are skipped, so sending the same batch twice stores it once."""
    who = require(request, Action.INGEST_RECORDS, api=True)
    if not records:
        raise HTTPException(400, "Lô bản ghi rỗng.")
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "records.jsonl"
        path.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False, default=str) for r in records),
            encoding="utf-8",
        )
        report = facts.ingest(acting(request, who), source, [path])
    details = {"received": report.rows, "stored": report.new, "months": report.months}
    access_log.note(acting(request, who), access_log.INGEST, "records", source, details)
    return {
        "received": report.rows,
        "stored": report.new,
        "already_stored": report.already_stored,
        "months": report.months,
    }


SECURITY = {
    "token": {
        "type": "http",
        "scheme": "bearer",
        "description": "Token của hệ thống tích hợp: Authorization: Bearer chiso_…",
    },
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "chiso_session",
        "description": "Phiên đăng nhập của trình duyệt",
    },
}


def describe(app: FastAPI) -> None:
    """/openapi.json with the two ways of signing in, required by every /api/v1 operation."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            found = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=__doc__
            )
            found.setdefault("components", {})["securitySchemes"] = SECURITY
            for path, operations in found.get("paths", {}).items():
                if path.startswith(router.prefix):
                    for operation in operations.values():
                        operation["security"] = [{"token": []}, {"cookie": []}]
            app.openapi_schema = found
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]
