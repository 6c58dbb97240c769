"""A value as stored, with where it came from: the one shape a stored value has above the store
(`chiso.store.values_repo` is the only place that makes it)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from chiso.domain.periods import Period
from chiso.domain.scoring import Value


@dataclass(frozen=True)
class StoredValue:
    framework_id: str
    unit_id: int
    unit_key: str
    unit_name: str
    period: Period
    indicator: str
    value: Value
    source: str
    """file, web, form, api, computed, registry, assessment, generated."""
    source_ref: str | None
    reported_at: datetime
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class ValueEvent:
    """One change in the history of a value, as the audit log recorded it."""

    at: datetime
    actor: str
    period: Period
    before: Value | None
    after: Value | None
    source: str | None


def is_finite(value: Value) -> bool:
    """No number of the value is infinite or NaN (checked on every stored value, so spelled
    out rather than looped)."""
    n, a, b, i = value.number, value.numerator, value.denominator, value.index
    isfinite = math.isfinite
    return (
        (n is None or isfinite(n))
        and (a is None or isfinite(a))
        and (b is None or isfinite(b))
        and (i is None or isfinite(i))
    )


def finite_or_missing(value: Value) -> Value:
    """A value as scoring and pages read it: a number an older version stored as inf or nan is
    missing (the history still shows it, as "không hợp lệ")."""
    if is_finite(value):
        return value
    return replace(
        value,
        **{
            name: None
            for name in ("number", "numerator", "denominator", "index")
            if (x := getattr(value, name)) is not None and not math.isfinite(x)
        },
    )


COMPUTED_SOURCES = frozenset({"computed", "registry"})
"""Sources chiso computes itself (raw records, signed PDFs, registries); every other source is
a value a unit or an office reported (a file, a form, the API, an assessment, generated data)."""

SOURCE_LABELS = {
    "file": "tệp số liệu",
    "web": "tệp tải lên trang web",
    "form": "nhập trên trang web",
    "api": "API",
    "assessment": "hồ sơ tự đánh giá",
    "generated": "số liệu tạo thử",
    "computed": "tính từ bản ghi, văn bản số",
    "registry": "tính từ sổ đăng ký",
}


def is_computed(source: str) -> bool:
    return source in COMPUTED_SOURCES


def source_label(source: str) -> str:
    """How outputs name a source: "đơn vị báo cáo (tệp số liệu)", "chiso tính (…)"."""
    kind = "chiso tính" if is_computed(source) else "đơn vị báo cáo"
    return f"{kind} ({SOURCE_LABELS.get(source, source)})"


def outranks(stored_source: str, incoming_source: str) -> bool:
    """Whether a stored value stays against an incoming one of the other kind: a computed value
    never replaces a reported one, nor a reported one a computed one, unless asked to."""
    return is_computed(stored_source) != is_computed(incoming_source)
