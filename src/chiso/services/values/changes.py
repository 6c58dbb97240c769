"""The one path every value takes into the database, whatever its source (a file, a form, the
API, raw records, registries, a published assessment): compared with what is stored, written in
bulk, each change audited; an equal value is left alone, so the same input twice changes
nothing the second time.

Set-based and exact under concurrency: one comparison in the database of the staged values with
what is stored at their keys (only what differs comes back), then the rows
about to change are locked and read again (PostgreSQL; a SQLite write transaction holds the
database from its start), new keys are inserted with `ON CONFLICT DO NOTHING` and the ones
another writer inserted meanwhile are treated as stored values, so every audit entry's `before`
is the `after` of the entry before it (`verify_audit_chain`).

Source precedence: a value chiso computes (raw records, signed PDFs, registries) never replaces
one a unit reported, nor the reverse, unless the caller asks to `replace`; the values kept are
counted and listed in the report with the source kept."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, overload

from chiso.domain.access import Actor
from chiso.domain.audit import ChainReport, check_chain
from chiso.domain.frameworks import Framework
from chiso.domain.periods import Period
from chiso.domain.quality import Flag
from chiso.domain.scoring import Value
from chiso.domain.units import Unit
from chiso.domain.values import is_finite, outranks, source_label
from chiso.errors import Problem, RejectedInput
from chiso.services.runtime import Runtime
from chiso.store import audit_repo, values_repo
from chiso.store.db import Session


@dataclass(slots=True)
class Matched:
    """A value ready to store: its unit is known. (Plain slotted dataclasses: an import makes
    hundreds of thousands of these, and a frozen dataclass costs five times more to make.)"""

    unit_id: int
    unit_key: str
    unit_name: str
    period: Period
    indicator: str
    value: Value
    where: str = ""


@dataclass(slots=True)
class ValueChange:
    unit_key: str
    unit_name: str
    period: Period
    indicator: str
    before: Value | None
    after: Value
    before_source: str | None = None


class Changes(Sequence[ValueChange]):
    """The report's changes, made when read: a first import of a workbook changes hundreds of
    thousands of values, and a report printed or shown lists the first 30 or 200 of them, so
    runs of changes are kept as their count and a function that makes a slice of them."""

    def __init__(self, made: Sequence[ValueChange] = ()) -> None:
        self._runs: list[tuple[int, Callable[[int, int], list[ValueChange]]]] = []
        self._made: list[ValueChange] = list(made)

    def append(self, change: ValueChange) -> None:
        self._settle()
        self._made.append(change)

    def add_run(self, count: int, make: Callable[[int, int], list[ValueChange]]) -> None:
        """`count` changes after these, `make(start, stop)` making those of that range."""
        if count:
            self._settle()
            self._runs.append((count, make))

    def _settle(self) -> None:
        for count, make in self._runs:
            self._made.extend(make(0, count))
        self._runs.clear()

    def __len__(self) -> int:
        return len(self._made) + sum(count for count, _ in self._runs)

    @overload
    def __getitem__(self, index: int) -> ValueChange: ...
    @overload
    def __getitem__(self, index: slice) -> list[ValueChange]: ...
    def __getitem__(self, index: int | slice) -> ValueChange | list[ValueChange]:
        if isinstance(index, slice) and index.step in (None, 1):
            start, stop, _ = index.indices(len(self))
            out = self._made[start:stop]
            offset = len(self._made)
            for count, make in self._runs:
                low, high = max(start - offset, 0), min(stop - offset, count)
                if low < high:
                    out.extend(make(low, high))
                offset += count
            return out
        self._settle()
        return self._made[index]

    def __iter__(self) -> Iterator[ValueChange]:
        self._settle()
        return iter(self._made)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Changes | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Changes({len(self)})"


class Offer:
    """The values offered to `apply_values` as columns by position — unit id, period as
    stored, indicator and which distinct value — and the `Matched` of a position made only
    when one is needed (a value that changes, a problem, a flag): an import of a workbook
    offers hundreds of thousands of values and most need no object of their own."""

    __slots__ = ("_at", "indicators", "labels", "periods", "unit_ids", "units", "values", "which")

    def __init__(
        self,
        columns: tuple[list[int], list[str], list[str], list[int]],
        values: list[Value],
        labels: dict[str, Period],
        at: Callable[[int], Matched],
    ) -> None:
        self.unit_ids, self.periods, self.indicators, self.which = columns
        self.values = values
        """The distinct values; `which[position]` indexes them."""
        self.labels = labels
        """Each period as stored, and as a `Period`."""
        self.units: dict[int, Unit] = {}
        """Units already read, by id (those a file's rows were matched to), for the flags."""
        self._at = at

    @classmethod
    def of(cls, matched: Sequence[Matched]) -> Offer:
        """The values of `Matched` rows, by key (a later row at the same key wins)."""
        wanted = _keyed(matched)
        found: dict[int, int] = {}
        values: list[Value] = []
        which: list[int] = []
        for m in wanted.values():
            index = found.get(id(m.value))
            if index is None:
                index = found[id(m.value)] = len(values)
                values.append(m.value)
            which.append(index)
        keys = list(wanted)
        labels = {str(m.period): m.period for m in wanted.values()}
        rows = list(wanted.values())
        columns = ([k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], which)
        return cls(columns, values, labels, rows.__getitem__)

    def __len__(self) -> int:
        return len(self.which)

    def at(self, position: int) -> Matched:
        return self._at(position)

    def key(self, position: int) -> values_repo.Key:
        return (self.unit_ids[position], self.periods[position], self.indicators[position])

    def value(self, position: int) -> Value:
        return self.values[self.which[position]]

    def matched(self) -> Iterator[Matched]:
        return map(self._at, range(len(self.which)))

    def by_period(self) -> dict[Period, tuple[set[str], set[int]]]:
        """The indicators and units offered in each period."""
        if len(self.labels) == 1:
            (period,) = self.labels.values()
            return {period: (set(self.indicators), set(self.unit_ids))}
        out: dict[Period, tuple[set[str], set[int]]] = {}
        for label, indicator, unit_id in zip(
            self.periods, self.indicators, self.unit_ids, strict=True
        ):
            indicators, units = out.setdefault(self.labels[label], (set(), set()))
            indicators.add(indicator)
            units.add(unit_id)
        return out


@dataclass(slots=True)
class Skipped:
    """A value left as stored because it came from the other kind of source (`replace` not
    asked): `kept` from `kept_source` stays, `offered` was not stored."""

    unit_key: str
    unit_name: str
    period: Period
    indicator: str
    kept: Value
    kept_source: str
    offered: Value

    @property
    def kept_label(self) -> str:
        return source_label(self.kept_source)


@dataclass
class ImportReport:
    source: str
    framework_id: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: Changes = field(default_factory=Changes)
    flags: list[Flag] = field(default_factory=list)
    dry_run: bool = False
    stored_as: str = ""
    """The source the values were stored under (file, api, computed…)."""
    skipped: list[Skipped] = field(default_factory=list)
    """Values of the other kind of source left as they were (precedence)."""
    replaced: int = 0
    """Of `updated`, how many replaced a value of the other kind of source (`replace`)."""
    replace: bool = False

    @property
    def stored_as_label(self) -> str:
        """The source the values were stored under, as outputs name it."""
        return source_label(self.stored_as) if self.stored_as else ""


class _Outcome(Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"


def _outcome(
    current: values_repo.Current | None, columns: values_repo.Columns, source: str, replace: bool
) -> _Outcome:
    if current is None:
        return _Outcome.CREATE
    if current[1] == columns:
        return _Outcome.UNCHANGED
    if not replace and outranks(current[2], source):
        return _Outcome.SKIP
    return _Outcome.UPDATE


def apply_values(
    session: Session,
    actor: Actor,
    framework: Framework,
    matched: Sequence[Matched] | Offer,
    ref: str,
    source: str,
    report: ImportReport,
    replace: bool = False,
) -> None:
    """Stores new values, updates changed ones and audits each change, in set-based
    statements inside the caller's write transaction. The comparison with what is stored runs
    in the database (`values_repo.staged_differences`): only the values that differ come back,
    and only those become objects here."""
    report.stored_as, report.replace = source, replace
    offer = matched if isinstance(matched, Offer) else Offer.of(matched)
    distinct = [(values_repo.columns_of(v), values_repo.fields(v)) for v in offer.values]
    columns = (offer.unit_ids, offer.periods, offer.indicators, offer.which)
    values_repo.stage(session, columns, distinct)
    _apply(session, actor, framework, offer, [c for c, _ in distinct], (source, ref), report)
    # (On failure the rollback takes the staged tables too: nothing to drop in an aborted
    # transaction.)
    values_repo.unstage(session)


def _apply(
    session: Session,
    actor: Actor,
    framework: Framework,
    offer: Offer,
    offered: list[values_repo.Columns],
    stamp: tuple[str, str],
    report: ImportReport,
) -> None:
    """By position in the offer: `offered` holds the columns of each distinct value."""
    source, replace, which = stamp[0], report.replace, offer.which
    differing, missing = values_repo.staged_differences(session, framework.id)
    stored: dict[int, values_repo.Current] = dict(differing)
    outcome = {
        o: (
            _Outcome.CREATE
            if o not in stored
            else _outcome(stored[o], offered[which[o]], source, replace)
        )
        for o in sorted((*differing, *missing))
    }
    todo = [o for o, x in outcome.items() if x is _Outcome.CREATE or x is _Outcome.UPDATE]
    finite = [is_finite(v) for v in offer.values]
    refuse_non_finite([offer.at(o).where for o in todo if not finite[which[o]]])
    # Under lock: what other writers committed meanwhile decides (PostgreSQL row locks).
    fresh = values_repo.lock(session, framework.id, [stored[o][0] for o in todo if o in stored])
    if fresh is not None:
        for o in todo:
            if o in stored:
                stored[o] = fresh.get(stored[o][0], stored[o])
    new = [o for o in todo if o not in stored]
    # The new values and their audit rows go from the staged copy in SQL.
    raced = values_repo.insert_staged(session, framework.id, actor, stamp)
    if raced:
        now = values_repo.existing(session, framework.id, {offer.key(o) for o in raced}, True)
        stored.update({o: now[offer.key(o)] for o in raced if offer.key(o) in now})
    created = set(new) - raced
    if len(created) >= values_repo.MANY:
        values_repo.refresh_statistics(session)
    if raced or fresh is not None:
        # What is stored now (locked, or inserted by another writer) decides again.
        for o in todo:
            current = None if o in created else stored.get(o)
            outcome[o] = _outcome(current, offered[which[o]], source, replace)
    report.unchanged += len(offer) - len(outcome)
    updates, steps = _report(framework, offer, outcome, (stored, created), stamp, report)
    values_repo.update_values(session, actor, stamp, updates)
    audit_repo.record_many(session, actor, "value.set", "value", steps)


def _keyed(matched: Sequence[Matched]) -> dict[values_repo.Key, Matched]:
    """The values by key. Per value, only what hashes in C: the period's text is found once
    per run of rows of a period (a `Period` hashes in Python)."""
    texts: dict[Period, str] = {}
    wanted: dict[values_repo.Key, Matched] = {}
    period: Period | None = None
    label = ""
    for m in matched:
        if m.period is not period:
            period = m.period
            label = texts.get(period) or texts.setdefault(period, str(period))
        wanted[(m.unit_id, label, m.indicator)] = m
    return wanted


def _report(
    framework: Framework,
    offer: Offer,
    outcome: dict[int, _Outcome],
    now: tuple[dict[int, values_repo.Current], set[int]],
    stamp: tuple[str, str],
    report: ImportReport,
) -> tuple[list[tuple[int, Value]], list[audit_repo.Step]]:
    """The report of what happens to each value, the stored rows to update and the audit
    steps of every change; `outcome` holds only the positions that did not already hold their
    value (in the order offered), `now` is what is stored and the positions this import
    created. A created value makes nothing here: its audit row was written in SQL and its
    `ValueChange` is made if the report is read (`Changes`)."""
    stored, created = now
    updates: list[tuple[int, Value]] = []
    steps: list[audit_repo.Step] = []
    # One audit document per distinct value and one key prefix per unit and period.
    documents: dict[int, dict[str, Any]] = {}
    prefixes: dict[tuple[int, str], str] = {}
    source, ref = stamp
    unchanged = created_count = updated = replaced = 0
    changed: list[int] = []
    before: dict[int, tuple[Value, str]] = {}
    add_step, add_change = steps.append, changed.append
    for o, done in outcome.items():
        if done is _Outcome.UNCHANGED:
            unchanged += 1
            continue
        current = None if o in created else stored.get(o)
        if current is None:
            created_count += 1
            add_change(o)
            continue
        m = offer.at(o)
        if done is _Outcome.SKIP:
            kept = values_repo.from_columns(current[1])
            report.skipped.append(
                Skipped(m.unit_key, m.unit_name, m.period, m.indicator, kept, current[2], m.value)
            )
            continue
        was = values_repo.from_columns(current[1])
        before[o] = (was, current[2])
        updates.append((current[0], m.value))
        updated += 1
        replaced += outranks(current[2], source)
        place = (m.unit_id, offer.periods[o])
        prefix = prefixes.get(place)
        if prefix is None:
            prefix = prefixes[place] = values_repo.value_key(framework.id, m.unit_key, m.period, "")
        document = documents.get(offer.which[o])
        if document is None:
            document = documents[offer.which[o]] = values_repo.fields(m.value)
        add_step((prefix + m.indicator, json_safe(values_repo.fields(was)), document, ref))
        add_change(o)

    def make(start: int, stop: int) -> list[ValueChange]:
        out = []
        for o in changed[start:stop]:
            m = offer.at(o)
            was, was_source = before.get(o, (None, None))
            out.append(
                ValueChange(
                    m.unit_key, m.unit_name, m.period, m.indicator, was, m.value, was_source
                )
            )
        return out

    report.changes.add_run(len(changed), make)
    report.unchanged += unchanged
    report.created += created_count
    report.updated += updated
    report.replaced += replaced
    return updates, steps


def refuse_non_finite(where: list[str]) -> None:
    """The last guard before the database: no value an importer missed gets stored."""
    if where:
        raise RejectedInput(
            f"Có {len(where)} giá trị không phải số hữu hạn, không có dữ liệu nào được lưu.",
            f"{len(where)} non-finite values refused",
            problems=[Problem(w, "giá trị không phải số hữu hạn", "not finite") for w in where],
        )


def json_safe(fields: dict[str, Any]) -> dict[str, Any]:
    """A stored value for the audit log: PostgreSQL's JSON has no Infinity or NaN, so one left
    by an older version is recorded as its text ("inf")."""
    return {
        k: repr(v) if isinstance(v, float) and not math.isfinite(v) else v
        for k, v in fields.items()
    }


def verify_audit_chain(rt: Runtime, framework_id: str | None = None) -> ChainReport:
    """Checks the audit trail of every stored value (of one framework, or all): each entry
    starts from the previous entry's `after`, the first from nothing, and the last `after` is
    the value stored now. What `chiso db check` and the concurrency tests rely on."""
    with rt.db.transaction() as session:
        current = dict(values_repo.current_state(session, framework_id))
        prefix = f"{framework_id}/" if framework_id else ""
        steps = (s for s in audit_repo.steps(session, "value") if s[1].startswith(prefix))
        return check_chain(steps, current)
