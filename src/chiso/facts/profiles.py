"""Column-mapping profiles (YAML, docs/facts.md): how to read an export an office actually has —
Vietnamese headers (matched without regard to diacritics, case or spacing), "x"/blank flags,
dd/mm/yyyy dates, unit names — into the records of a source (`kind: records`) or into values
already aggregated per unit (`kind: aggregate`). Shipped in `chiso/data/facts/profiles`; a
province adds its own under `$CHISO_DATA_DIR/facts/profiles`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chiso.errors import Problem, RejectedInput
from chiso.facts.schemas import SHIPPED, Source
from chiso.io import yaml_text
from chiso.io.tables import Row, Sheet, column_key

FALSE_FLAGS = {"0", "false", "f", "no", "n", "khong", "-", "thuong", "binh_thuong"}
"""Marks read as "no" in a flag column (folded: "Không", "Thường"); blank is "no" too."""
EXAMPLES = 5


@dataclass(frozen=True)
class Column:
    """One target column: read from the first header present (`header`), or joined from several
    (`join`, for ids that are unique only with the unit or the date), or a constant (`value`);
    `read`: text, flag ("x"/any mark = yes, blank = no), date (dd/mm/yyyy or ISO), unit (a unit
    name or code, resolved on the record's date), number."""

    name: str
    headers: tuple[str, ...] = ()
    join: tuple[str, ...] = ()
    value: str | None = None
    read: str = "text"
    optional: bool = False
    yes: tuple[str, ...] = ()
    """flag (`yes_marks` in YAML): the marks meaning yes ("Trực tuyến"); any other is no. Empty: any mark but
    the FALSE_FLAGS is yes."""


@dataclass(frozen=True)
class Profile:
    name: str
    label_vi: str
    kind: str
    source: str | None
    columns: dict[str, Column]
    indicators: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """aggregate: indicator → (numerator header, denominator header or None)."""
    framework: str | None = None
    file: str = ""

    def aliases(self) -> dict[str, str]:
        out = {column_key(h): h for c in self.columns.values() for h in c.headers}
        for num, den in self.indicators.values():
            out[column_key(num)] = num
            if den:
                out[column_key(den)] = den
        return {k: column_key(v) for k, v in out.items()}

    def is_header(self, cells: list[Any]) -> bool:
        """A header row names at least two of the profile's headers (titles above it do not)."""
        wanted = set(self.aliases())
        return sum(column_key(str(c or "")) in wanted for c in cells) >= 2


def _refuse(path: Path, message_vi: str, message_en: str) -> RejectedInput:
    return RejectedInput(
        f"Hồ sơ ánh xạ {path.name} không hợp lệ: {message_vi}.",
        f"{path}: {message_en}",
        hint_vi="xem cách viết hồ sơ ánh xạ cột trong docs/facts.md.",
    )


def load_profile(path: Path, sources: dict[str, Source]) -> Profile:
    data = yaml_text.safe_load(path.read_text("utf-8"))
    if not isinstance(data, dict) or "profile" not in data:
        raise _refuse(path, "cần khóa 'profile'", "no profile key")
    kind = str(data.get("kind", "records"))
    columns: dict[str, Column] = {}
    for name, declared in (data.get("columns") or {}).items():
        spec = declared if isinstance(declared, dict) else {"header": declared}
        headers = spec.get("header", [])
        columns[str(name)] = Column(
            str(name), tuple([headers] if isinstance(headers, str) else headers),
            tuple(spec.get("join", ())), None if spec.get("value") is None else str(spec["value"]),
            str(spec.get("read", "text")), bool(spec.get("optional", False)),
            tuple(column_key(str(y)) for y in spec.get("yes_marks", ())),
        )  # fmt: skip
        if columns[str(name)].read not in {"text", "flag", "date", "unit", "number"}:
            raise _refuse(path, f"cột '{name}': 'read' không hợp lệ", "bad read kind")
    profile = Profile(
        str(data["profile"]), str(data.get("label") or data["profile"]), kind, data.get("source"),
        columns,
        {str(k): (str(v["numerator"]), v.get("denominator")) for k, v in (data.get("indicators") or {}).items()},
        data.get("framework"), str(path),
    )  # fmt: skip
    if kind == "records":
        src = sources.get(str(profile.source))
        if src is None:
            raise _refuse(path, f"nguồn '{profile.source}' không có", "unknown source")
        missing = [c for c in src.kinds if c not in columns]
        if missing:
            raise _refuse(
                path,
                f"thiếu cách đọc cột {', '.join(missing)} của nguồn {src.name}",
                "missing columns",
            )
    elif kind == "aggregate":
        if "unit" not in columns or not profile.indicators:
            raise _refuse(
                path, "hồ sơ số liệu tổng hợp cần cột 'unit' và 'indicators'", "bad aggregate"
            )
    else:
        raise _refuse(path, f"'kind' chỉ nhận records hoặc aggregate (gặp '{kind}')", "bad kind")
    return profile


def profiles(sources: dict[str, Source], province_dir: Path | None = None) -> dict[str, Profile]:
    folders = [SHIPPED] + ([province_dir] if province_dir else [])
    out: dict[str, Profile] = {}
    for folder in folders:
        for path in sorted((folder / "profiles").glob("*.yaml")):
            found = load_profile(path, sources)
            out[found.name] = found
    return out


Resolve = Callable[[str, date], tuple[str | None, str | None]]
"""(unit text, date) → (unit key, None) or (None, the Vietnamese reason)."""


def _cell(row: Row, column: Column) -> str:
    for header in column.headers:
        text = row.text(column_key(header))
        if text:
            return text
    return ""


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for form in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                 "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):  # fmt: skip
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def _datetime_text(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = str(value or "").strip()
    for form in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                 "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):  # fmt: skip
        try:
            return datetime.strptime(text, form).isoformat(sep=" ")
        except ValueError:
            continue
    found = parse_date(value)
    return found.isoformat() if found else None


@dataclass
class Converted:
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, what: str, where: str) -> None:
        self.problems.setdefault(what, []).append(where)

    def refusal(self, label: str) -> RejectedInput:
        listed = []
        for what, places in self.problems.items():
            more = f" và {len(places) - EXAMPLES} chỗ khác" if len(places) > EXAMPLES else ""
            listed.append(
                Problem(what, f"{len(places)} ô: {'; '.join(places[:EXAMPLES])}{more}", what)
            )
        return RejectedInput(
            f"Tệp {label} bị từ chối: {len(listed)} loại lỗi, không có bản ghi nào được lưu.",
            f"{label} rejected",
            problems=listed,
        )


def to_records(profile: Profile, source: Source, sheet: Sheet, resolve: Resolve) -> Converted:
    """The rows of an export as records of the source (strings the store types and checks)."""
    out = Converted()
    dated = profile.columns.get(source.timestamp)
    for row in sheet.rows:
        record: dict[str, Any] = {}
        day = parse_date(_cell(row, dated)) if dated else None
        for name, column in profile.columns.items():
            record[name] = _read(row, column, source, day, sheet, resolve, out)
        for name, column in profile.columns.items():
            if column.join:
                record[name] = "|".join(
                    str(record.get(j) or _cell(row, Column(j, (j,)))) for j in column.join
                )
        out.records.append(record)
    return out


def _read(row: Row, column: Column, source: Source, day: date | None, sheet: Sheet,
          resolve: Resolve, out: Converted) -> Any:  # fmt: skip
    if column.value is not None:
        return column.value
    if column.join:
        return None
    text = _cell(row, column)
    where = sheet.where(row.number, column_key(column.headers[0]) if column.headers else None)
    readers: dict[str, Callable[..., Any]] = {"flag": _flag, "date": _date, "unit": _unit}
    reader = readers.get(column.read)
    return reader(text, column, source, day, where, resolve, out) if reader else (text or None)


def _flag(text: str, column: Column, *_: Any) -> str:
    mark = column_key(text)
    if column.yes:
        return "true" if mark in column.yes else "false"
    return "false" if mark in FALSE_FLAGS or not text else "true"


def _date(
    text: str, column: Column, source: Source, _day: Any, where: str, _r: Any, out: Converted
) -> str | None:
    found = _datetime_text(text)
    if found is None:
        out.add(f"cột {column.name}: ngày không đọc được (cần dd/mm/yyyy)", f"{where} ('{text}')")
        return None
    return found[:7] if source.kinds.get(column.name) == "month" else found


def _unit(text: str, column: Column, _s: Any, day: date | None, where: str, resolve: Resolve,
          out: Converted) -> str | None:  # fmt: skip
    if not text:
        out.add(f"cột {column.name}: thiếu đơn vị", where)
        return None
    key, reason = resolve(text, day or date.today())
    if key is None:
        out.add(f"cột {column.name}: {reason}", where)
    return key


def to_values(profile: Profile, sheet: Sheet, period: str | None) -> Converted:
    """Rows of statistics already aggregated per unit as long-format values (unit name or code,
    period, indicator, numerator, denominator), read further by the values importer."""
    out = Converted()
    for row in sheet.rows:
        unit = _cell(row, profile.columns["unit"])
        when = _cell(row, profile.columns["period"]) if "period" in profile.columns else ""
        when = when or (period or "")
        if not unit:
            out.add("cột đơn vị: thiếu tên đơn vị", sheet.where(row.number))
            continue
        if not when:
            out.add("kỳ: không có cột kỳ, cần --period", sheet.where(row.number))
            continue
        for indicator, (num, den) in profile.indicators.items():
            numerator = row.text(column_key(num))
            denominator = row.text(column_key(den)) if den else ""
            if numerator or denominator:
                out.records.append({"unit_code": unit, "period": when, "indicator": indicator,
                                    "numerator": numerator, "denominator": denominator, "value": ""})  # fmt: skip
    return out
