"""Record sources and measures as data (docs/facts.md): YAML shipped in `chiso/data/facts` and, for
a province's own platforms, under `$CHISO_DATA_DIR/facts/sources/*.yaml` and
`$CHISO_DATA_DIR/facts/measures/*.yaml`. Invalid declarations are refused naming the file, the
source or measure, and the position in the expression."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from chiso.errors import Problem, RejectedInput, UsageError
from chiso.facts.expressions import ExpressionError, compile_filter
from chiso.io import yaml_text

if TYPE_CHECKING:
    import ibis.expr.types as ir

SHIPPED = Path(__file__).parent.parent / "data" / "facts"
KINDS = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "month": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
}
RESERVED = {"sources", "measures", "month"}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Source:
    name: str
    label_vi: str
    id_columns: tuple[str, ...]
    timestamp: str
    unit: str
    kinds: dict[str, str]
    """column → kind (string, boolean, timestamp, date, month, integer, number); all required."""
    file: str = ""

    @property
    def columns(self) -> dict[str, str]:
        """column → DuckDB type."""
        return {c: KINDS[k] for c, k in self.kinds.items()}

    @property
    def id_sql(self) -> str:
        """DuckDB expression giving the record id (idempotent ingestion)."""
        return " || '@' || ".join(self.id_columns)

    @property
    def month_sql(self) -> str:
        """DuckDB expression giving the month (YYYY-MM) of a record from its typed columns."""
        if self.kinds[self.timestamp] == "month":
            return self.timestamp
        return f"strftime({self.timestamp}, '%Y-%m')"

    @property
    def booleans(self) -> list[str]:
        return [c for c, k in self.kinds.items() if k == "boolean"]


@dataclass(frozen=True)
class Measure:
    """An indicator from one source: records matching `where` and `numerator` over those matching
    `where` and `denominator` (a count when there is no denominator), summed over months and up
    the unit hierarchy (`rollup: sum`, the only rule)."""

    indicator: str
    source: str
    numerator: str
    denominator: str | None = None
    where: str | None = None
    rollup: str = "sum"
    variants: dict[str, dict[str, str]] = field(default_factory=dict)
    file: str = ""

    def variant(self, name: str) -> Measure:
        """The measure with a named variant's expressions (itself when it has none)."""
        if name not in self.variants:
            return self
        return replace(self, **self.variants[name])  # type: ignore[arg-type]

    def filters(self, columns: dict[str, str]) -> tuple[Filter, Filter | None]:
        where = compile_filter(self.where, columns) if self.where else None
        num = compile_filter(self.numerator, columns)
        den = compile_filter(self.denominator, columns) if self.denominator else None
        return _within(num, where), (_within(den, where) if den else None)


Filter = Callable[["ir.Table"], "ir.BooleanValue"]


def _within(fn: Filter, where: Filter | None) -> Filter:
    return fn if where is None else (lambda t: where(t) & fn(t))


def _refuse(path: Path, what: str, message_vi: str, message_en: str) -> RejectedInput:
    return RejectedInput(
        f"Khai báo {path.name} không hợp lệ: {what}: {message_vi}.",
        f"{path}: {what}: {message_en}",
        hint_vi="xem cách khai báo nguồn và chỉ số trong docs/facts.md.",
        problems=[Problem(str(path), f"{what}: {message_vi}", f"{what}: {message_en}")],
    )


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml_text.safe_load(path.read_text("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _refuse(path, "YAML", "không đọc được", str(exc)) from exc
    if not isinstance(data, dict):
        raise _refuse(path, "YAML", "cần một bảng khóa: giá trị", "not a mapping")
    return data


def load_source(path: Path) -> Source:
    data = _yaml(path)
    name = str(data.get("source", ""))
    what = f"nguồn '{name}'"
    if not _NAME.match(name) or name in RESERVED:
        raise _refuse(
            path, what, "tên nguồn phải là chữ thường không dấu, số, '_'", "bad source name"
        )
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise _refuse(path, what, "thiếu 'columns' (cột: kiểu)", "no columns")
    kinds = {str(c): str(k) for c, k in columns.items()}
    for column, kind in kinds.items():
        if kind not in KINDS:
            raise _refuse(path, f"{what}, cột '{column}'",
                          f"kiểu '{kind}' không hợp lệ (dùng: {', '.join(KINDS)})", f"bad kind {kind!r}")  # fmt: skip
        if not _NAME.match(column) or column == "month":
            raise _refuse(
                path, f"{what}, cột '{column}'", "tên cột không hợp lệ", "bad column name"
            )
    ids = data.get("id")
    ids = [ids] if isinstance(ids, str) else ids
    if not ids or not isinstance(ids, list) or any(i not in kinds for i in ids):
        raise _refuse(path, what, "'id' phải là một hoặc vài cột đã khai báo", "bad id columns")
    timestamp, unit = str(data.get("timestamp", "")), str(data.get("unit", ""))
    if kinds.get(timestamp) not in {"timestamp", "date", "month"}:
        raise _refuse(path, what, "'timestamp' phải là một cột kiểu timestamp, date hoặc month",
                      "bad timestamp column")  # fmt: skip
    if kinds.get(unit) != "string":
        raise _refuse(path, what, "'unit' phải là một cột kiểu string", "bad unit column")
    label = str(data.get("label") or name)
    return Source(name, label, tuple(str(i) for i in ids), timestamp, unit, kinds, str(path))


def load_measures(path: Path, sources: dict[str, Source]) -> list[Measure]:
    data = _yaml(path)
    declared = data.get("measures")
    if not isinstance(declared, dict):
        raise _refuse(path, "measures", "cần 'measures:' là bảng chỉ số", "no measures mapping")
    out = []
    for indicator, body in declared.items():
        measure = _measure(path, str(indicator), body, sources)
        _check(path, measure, sources[measure.source])
        out.append(measure)
    return out


def _measure(path: Path, indicator: str, body: Any, sources: dict[str, Source]) -> Measure:
    what = f"chỉ số '{indicator}'"
    if not isinstance(body, dict):
        raise _refuse(path, what, "cần các khóa source, numerator…", "not a mapping")
    unknown = set(body) - {"source", "numerator", "denominator", "where", "rollup", "variants"}
    if unknown:
        raise _refuse(
            path, what, f"khóa không hợp lệ: {', '.join(sorted(unknown))}", "unknown keys"
        )
    src = sources.get(str(body.get("source")))
    if src is None:
        raise _refuse(path, what, f"nguồn '{body.get('source')}' không có (có: {', '.join(sources)})",
                      "unknown source")  # fmt: skip
    if body.get("rollup", "sum") != "sum":
        raise _refuse(path, what, "'rollup' chỉ nhận sum", "unsupported rollup")
    if "numerator" not in body:
        raise _refuse(path, what, "thiếu 'numerator'", "no numerator")
    variants = body.get("variants") or {}
    return Measure(
        indicator, src.name, _text(body["numerator"]),
        _text(body["denominator"]) if body.get("denominator") is not None else None,
        _text(body["where"]) if body.get("where") is not None else None,
        variants={str(k): {f: _text(e) for f, e in v.items()} for k, v in variants.items()},
        file=str(path),
    )  # fmt: skip


def _check(path: Path, measure: Measure, src: Source) -> None:
    """Compiles every expression of the measure and its variants against the source's columns."""
    for variant in ("", *measure.variants):
        checked = measure.variant(variant) if variant else measure
        for key in ("where", "numerator", "denominator"):
            text = getattr(checked, key)
            if text is None:
                continue
            try:
                compile_filter(text, src.kinds)
            except ExpressionError as exc:
                named = f" ({variant})" if variant else ""
                where = f"chỉ số '{measure.indicator}', {key}{named} \"{text}\" cột {exc.position}"
                raise _refuse(path, where, exc.message_vi, exc.message_en) from exc


def _text(value: Any) -> str:
    return "true" if value is True else "false" if value is False else str(value)


@dataclass(frozen=True)
class Catalog:
    sources: dict[str, Source]
    measures: tuple[Measure, ...]

    def source(self, name: str) -> Source:
        if name not in self.sources:
            raise UsageError(
                f"Nguồn '{name}' không hợp lệ.",
                f"unknown source {name!r}",
                hint_vi="dùng: " + ", ".join(self.sources),
            )
        return self.sources[name]


def catalog(province_dir: Path | None = None) -> Catalog:
    """The shipped sources and measures, with the province's own from `province_dir` (its files
    add sources and measures, and replace shipped ones of the same name)."""
    folders = [SHIPPED] + ([province_dir] if province_dir else [])
    sources: dict[str, Source] = {}
    for folder in folders:
        for path in sorted((folder / "sources").glob("*.yaml")):
            found = load_source(path)
            sources[found.name] = found
    measures: dict[str, Measure] = {}
    for folder in folders:
        for path in sorted((folder / "measures").glob("*.yaml")):
            measures.update({m.indicator: m for m in load_measures(path, sources)})
    return Catalog(sources, tuple(measures.values()))


SOURCES = catalog().sources
"""The shipped sources (documented in docs/data-formats.md)."""


def source(name: str) -> Source:
    return catalog().source(name)
