"""Realistic raw records, generated vectorised (NumPy + PyArrow) at any size and written straight
into the Parquet layout of the store, one file per source and month."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from chiso.domain.periods import Period

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Population:
    """The units active in one month with their expected volumes and adoption levels (0–1)."""

    codes: list[str]
    documents: Floats
    meetings: Floats
    accounts: NDArray[np.int64]
    applications: Floats
    signed: Floats
    online_docs: Floats
    paperless: Floats
    email: Floats
    online_apps: Floats
    digitised: Floats


def _seconds_in(month: Period, n: int, rng: np.random.Generator) -> NDArray[np.datetime64]:
    start = np.datetime64(month.start.isoformat(), "s")
    span = (month.end - month.start).days * 86400 + 86399
    return start + rng.integers(0, span, size=n).astype("timedelta64[s]")


def _spread(counts: NDArray[np.int64], per_unit: Floats) -> Floats:
    return np.repeat(per_unit, counts)


def _arrow(values: NDArray[Any]) -> pa.Array:
    """A NumPy column as an Arrow array over its buffer, as `pa.array` would make it, without
    `pa.array`: that imports all of pandas the first time it sees any input (a second of the
    demo's start on a loaded machine) to check whether it was given a pandas object."""
    n = len(values)
    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    if values.dtype == np.dtype("datetime64[s]"):
        data = np.ascontiguousarray(values.view(np.int64))
        return pa.Array.from_buffers(pa.timestamp("s"), n, [None, pa.py_buffer(data)])
    if values.dtype == np.dtype("datetime64[D]"):
        days = values.view(np.int64).astype(np.int32)
        return pa.Array.from_buffers(pa.date32(), n, [None, pa.py_buffer(days)])
    kinds = {np.dtype(np.int64): pa.int64(), np.dtype(np.int32): pa.int32()}
    kinds[np.dtype(np.float64)] = pa.float64()
    data = np.ascontiguousarray(values)
    return pa.Array.from_buffers(kinds[data.dtype], n, [None, pa.py_buffer(data)])


def _strings(texts: Sequence[str]) -> pa.Array:
    """Python strings as an Arrow string array (`_arrow`'s reason), from their UTF-8 bytes."""
    encoded = [t.encode() for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])


def _bytes(texts: NDArray[np.bytes_]) -> pa.Array:
    """NumPy's fixed-width byte strings (UTF-8, padded with NULs) as an Arrow string array, from
    their bytes (`_arrow`'s reason)."""
    n, width = len(texts), texts.dtype.itemsize
    lengths = np.char.str_len(texts)
    offsets = np.zeros(n + 1, dtype=np.int32)
    offsets[1:] = np.cumsum(lengths)
    kept = np.arange(width) < lengths[:, None]
    data = np.ascontiguousarray(texts).view(np.uint8).reshape(n, width)[kept]
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _codes(unit: NDArray[np.int64], codes: list[str]) -> pa.Array:
    """Each record's unit code, the units' codes picked by index."""
    indices = _arrow(unit.astype(np.int32))
    return pa.DictionaryArray.from_arrays(indices, _strings(codes)).cast(pa.string())


def _ids(prefix: str, month: Period, n: int) -> pa.Array:
    numbers = _arrow(np.arange(n, dtype=np.int64)).cast(pa.string())
    text = _strings([f"{prefix}{month}-", ""])  # scalars taken from an array: `_arrow`'s reason
    return pa.compute.binary_join_element_wise(text[0], numbers, text[1])


def documents(month: Period, pop: Population, rng: np.random.Generator) -> pa.Table:
    counts = rng.poisson(pop.documents).astype(np.int64)
    n = int(counts.sum())
    unit = np.repeat(np.arange(len(pop.codes)), counts)
    draw = rng.random((4, n))
    signed = draw[0] < _spread(counts, pop.signed)
    personal_only = draw[3] < 0.15
    return pa.table({
        "doc_id": _ids("VB", month, n),
        "unit_code": _codes(unit, pop.codes),
        "issued_at": _arrow(_seconds_in(month, n, rng)),
        "classified": _arrow(draw[1] < 0.02),
        "sent_online": _arrow(draw[2] < _spread(counts, pop.online_docs)),
        "signed_personal": _arrow(signed | personal_only),
        "signed_org": _arrow(signed),
    })  # fmt: skip


def meetings(month: Period, pop: Population, rng: np.random.Generator) -> pa.Table:
    counts = rng.poisson(pop.meetings).astype(np.int64)
    n = int(counts.sum())
    unit = np.repeat(np.arange(len(pop.codes)), counts)
    return pa.table({
        "meeting_id": _ids("HOP", month, n),
        "unit_code": _codes(unit, pop.codes),
        "held_on": _arrow(_seconds_in(month, n, rng).astype("datetime64[D]")),
        "paperless": _arrow(rng.random(n) < _spread(counts, pop.paperless)),
    })  # fmt: skip


def email(month: Period, pop: Population, rng: np.random.Generator) -> pa.Table:
    counts = pop.accounts
    n = int(counts.sum())
    unit = np.repeat(np.arange(len(pop.codes)), counts)
    within = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    codes = np.array([c.encode() for c in pop.codes], dtype=np.bytes_)[unit]
    accounts = np.char.add(within.astype(np.bytes_), np.char.add(b"@", codes))
    return pa.table({
        "account": _bytes(np.char.add(b"cb", accounts)),
        "unit_code": _bytes(codes),
        "period": _bytes(np.full(n, str(month).encode())),
        "active": _arrow(rng.random(n) < _spread(counts, pop.email)),
    })  # fmt: skip


def applications(month: Period, pop: Population, rng: np.random.Generator) -> pa.Table:
    counts = rng.poisson(pop.applications).astype(np.int64)
    n = int(counts.sum())
    unit = np.repeat(np.arange(len(pop.codes)), counts)
    draw = rng.random((3, n))
    return pa.table({
        "application_id": _ids("HS", month, n),
        "unit_code": _codes(unit, pop.codes),
        "received_at": _arrow(_seconds_in(month, n, rng)),
        "procedure_code": _arrow(rng.integers(1, 400, size=n).astype(np.int64)).cast(pa.string()),
        "online": _arrow(draw[0] < _spread(counts, pop.online_apps)),
        "result_digitised": _arrow(draw[1] < _spread(counts, pop.digitised)),
        "on_time": _arrow(draw[2] < 0.95),
    })  # fmt: skip


GENERATORS: dict[str, Callable[[Period, Population, np.random.Generator], pa.Table]] = {
    "documents": documents,
    "meetings": meetings,
    "email": email,
    "applications": applications,
}


def write_month(root: Path, source: str, month: Period, table: pa.Table, tag: str) -> Path:
    """Store layout: facts/<source>/month=YYYY-MM/part-<tag>.parquet (same tag overwrites)."""
    folder = root / source / f"month={month}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"part-{tag}.parquet"
    pq.write_table(table, path, compression="zstd")
    return path
