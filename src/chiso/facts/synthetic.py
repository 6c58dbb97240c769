"""Realistic raw records, generated vectorised (NumPy + PyArrow) at any size and written straight
into the Parquet layout of the store, one file per source and month."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


def _ids(prefix: str, month: Period, n: int) -> pa.Array:
    numbers = pa.array(np.arange(n, dtype=np.int64)).cast(pa.string())
    return pa.compute.binary_join_element_wise(
        pa.scalar(f"{prefix}{month}-"), numbers, pa.scalar("")
    )


def documents(month: Period, pop: Population, rng: np.random.Generator) -> pa.Table:
    counts = rng.poisson(pop.documents).astype(np.int64)
    n = int(counts.sum())
    unit = np.repeat(np.arange(len(pop.codes)), counts)
    draw = rng.random((4, n))
    signed = draw[0] < _spread(counts, pop.signed)
    personal_only = draw[3] < 0.15
    return pa.table({
        "doc_id": _ids("VB", month, n),
        "unit_code": pa.DictionaryArray.from_arrays(unit.astype(np.int32), pa.array(pop.codes)).cast(pa.string()),
        "issued_at": pa.array(_seconds_in(month, n, rng)),
        "classified": draw[1] < 0.02,
        "sent_online": draw[2] < _spread(counts, pop.online_docs),
        "signed_personal": signed | personal_only,
        "signed_org": signed,
    })  # fmt: skip


def meetings(month: Period, pop: Population, rng: np.random.Generator) -> pa.Table:
    counts = rng.poisson(pop.meetings).astype(np.int64)
    n = int(counts.sum())
    unit = np.repeat(np.arange(len(pop.codes)), counts)
    return pa.table({
        "meeting_id": _ids("HOP", month, n),
        "unit_code": pa.DictionaryArray.from_arrays(unit.astype(np.int32), pa.array(pop.codes)).cast(pa.string()),
        "held_on": pa.array(_seconds_in(month, n, rng).astype("datetime64[D]")),
        "paperless": rng.random(n) < _spread(counts, pop.paperless),
    })  # fmt: skip


def email(month: Period, pop: Population, rng: np.random.Generator) -> pa.Table:
    counts = pop.accounts
    n = int(counts.sum())
    unit = np.repeat(np.arange(len(pop.codes)), counts)
    within = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    codes = np.array(pop.codes, dtype=object)[unit]
    accounts = [f"cb{i}@{c}" for i, c in zip(within.tolist(), codes.tolist(), strict=True)]
    return pa.table({
        "account": pa.array(accounts),
        "unit_code": pa.array(codes.tolist()),
        "period": pa.array([str(month)] * n),
        "active": rng.random(n) < _spread(counts, pop.email),
    })  # fmt: skip


def applications(month: Period, pop: Population, rng: np.random.Generator) -> pa.Table:
    counts = rng.poisson(pop.applications).astype(np.int64)
    n = int(counts.sum())
    unit = np.repeat(np.arange(len(pop.codes)), counts)
    draw = rng.random((3, n))
    return pa.table({
        "application_id": _ids("HS", month, n),
        "unit_code": pa.DictionaryArray.from_arrays(unit.astype(np.int32), pa.array(pop.codes)).cast(pa.string()),
        "received_at": pa.array(_seconds_in(month, n, rng)),
        "procedure_code": pa.array(rng.integers(1, 400, size=n)).cast(pa.string()),
        "online": draw[0] < _spread(counts, pop.online_apps),
        "result_digitised": draw[1] < _spread(counts, pop.digitised),
        "on_time": draw[2] < 0.95,
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
