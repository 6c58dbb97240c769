"""An agency profile as a YAML file a Văn phòng can keep and review (`chiso agency import`,
`chiso agency export`), read with every problem named by its key."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import yaml

from chiso.domain.agency import (
    AgencyProfile,
    LeadDepartment,
    Signer,
    parse_level,
    problems,
    with_default_leads,
)
from chiso.errors import ProblemList, RejectedInput

KEYS = (
    "code",
    "level",
    "name",
    "superior",
    "place",
    "symbol",
    "office_code",
    "unit",
    "signers",
    "leads",
    "recipients",
    "distribution",
)


def to_data(p: AgencyProfile) -> dict[str, Any]:
    return {
        "code": p.code,
        "level": p.level.value,
        "name": p.name,
        "superior": p.superior,
        "place": p.place,
        "symbol": p.symbol,
        "office_code": p.office_code,
        "unit": p.unit_key,
        "signers": [
            {"code": s.code, "name": s.name, "title": s.title, "authority": list(s.authority)}
            for s in p.signers
        ],
        "leads": [{"name": d.name, "from": d.valid_from, "to": d.valid_to} for d in p.leads],
        "recipients": list(p.recipients),
        "distribution": list(p.distribution),
    }


def dump(p: AgencyProfile) -> str:
    header = (
        "# Hồ sơ cơ quan ban hành văn bản (chiso agency import TỆP.yaml).\n"
        "# level: tinh | huyen | xa | so | bo; authority: KT./TL./TM./Q./TUQ. + chức danh;\n"
        "# leads: cơ quan chủ trì chuyển đổi số theo thời gian (from/to: ngày);\n"
        "# recipients, distribution: để trống thì theo lời văn của cấp và ngày văn bản.\n"
    )
    return header + yaml.safe_dump(to_data(p), allow_unicode=True, sort_keys=False)


def parse(text: str, where: str) -> AgencyProfile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RejectedInput(
            f"Tệp hồ sơ cơ quan {where} không đúng cú pháp YAML.", f"bad agency YAML: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise RejectedInput(
            f"Tệp hồ sơ cơ quan {where} phải là một bảng khóa: giá trị.", "agency not a mapping"
        )
    return from_data(data, where)


def from_data(data: dict[str, Any], where: str) -> AgencyProfile:
    found = ProblemList()
    for key in data:
        if key not in KEYS:
            found.add(f"{where}, khóa '{key}'", "khóa không có trong hồ sơ", "unknown key")
    level = parse_level(str(data.get("level") or ""))
    if level is None:
        found.add(
            f"{where}, khóa 'level'",
            f"cấp '{data.get('level')}' không rõ",
            "bad level",
            "ghi tinh, huyen, xa, so hoặc bo",
        )
    found.raise_if_any(where)
    assert level is not None
    profile = with_default_leads(
        AgencyProfile(
            code=_text(data, "code"),
            level=level,
            name=_text(data, "name"),
            place=_text(data, "place"),
            symbol=_text(data, "symbol"),
            office_code=_text(data, "office_code"),
            superior=_text(data, "superior"),
            unit_key=_text(data, "unit") or None,
            signers=tuple(
                _signer(s, i, where, found) for i, s in enumerate(_list(data, "signers"))
            ),
            leads=tuple(_lead(x, i, where, found) for i, x in enumerate(_list(data, "leads"))),
            recipients=tuple(str(x) for x in _list(data, "recipients")),
            distribution=tuple(str(x) for x in _list(data, "distribution")),
        )
    )
    for key, message in problems(profile):
        found.add(f"{where}, khóa '{key}'", message, f"bad agency field {key}")
    found.raise_if_any(where)
    return profile


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    return value if isinstance(value, list) else [value]


def _signer(raw: Any, index: int, where: str, found: ProblemList) -> Signer:
    if not isinstance(raw, dict):
        found.add(f"{where}, signers[{index + 1}]", "cần code, name, title, authority", "signer")
        return Signer("", "", "")
    authority = raw.get("authority") or []
    lines = [authority] if isinstance(authority, str) else list(authority)
    return Signer(
        str(raw.get("code") or "").strip(),
        str(raw.get("name") or "").strip(),
        str(raw.get("title") or "").strip(),
        tuple(str(a).strip() for a in lines if str(a).strip()),
    )


def _lead(raw: Any, index: int, where: str, found: ProblemList) -> LeadDepartment:
    if not isinstance(raw, dict):
        found.add(f"{where}, leads[{index + 1}]", "cần name, from, to", "lead")
        return LeadDepartment("")
    return LeadDepartment(
        str(raw.get("name") or "").strip(),
        _date(raw.get("from"), f"{where}, leads[{index + 1}].from", found),
        _date(raw.get("to"), f"{where}, leads[{index + 1}].to", found),
    )


def _date(raw: Any, where: str, found: ProblemList) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return datetime.strptime(str(raw).strip(), "%d/%m/%Y").date()
    except ValueError:
        found.add(where, f"'{raw}' không phải ngày", "bad date", "ghi dạng 30/06/2025")
        return None
