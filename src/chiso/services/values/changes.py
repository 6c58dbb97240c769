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
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from chiso.domain.access import Actor
from chiso.domain.audit import ChainReport, check_chain
from chiso.domain.frameworks import Framework
from chiso.domain.periods import Period
from chiso.domain.quality import Flag
from chiso.domain.scoring import Value
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
    changes: list[ValueChange] = field(default_factory=list)
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
    matched: list[Matched],
    ref: str,
    source: str,
    report: ImportReport,
    replace: bool = False,
) -> None:
    """Stores new values, updates changed ones and audits each change, in set-based
    statements inside the caller's write transaction. The comparison with what is stored runs
    in the database (`values_repo.compared`): only the values that differ come back."""
    report.stored_as, report.replace = source, replace
    wanted = _keyed(matched)
    keys = list(wanted)
    offered, distinct, which = _offered(wanted)
    values_repo.stage(session, keys, which, distinct)
    _apply(session, actor, framework, (wanted, keys, offered), ref, source, report)
    # (On failure the rollback takes the staged tables too: nothing to drop in an aborted
    # transaction.)
    values_repo.unstage(session)


def _apply(
    session: Session,
    actor: Actor,
    framework: Framework,
    staged: tuple[dict[values_repo.Key, Matched], list[values_repo.Key], list[values_repo.Columns]],
    ref: str,
    source: str,
    report: ImportReport,
) -> None:
    wanted, keys, offered = staged
    replace = report.replace
    differing, missing = values_repo.staged_differences(session, framework.id)
    stored = {keys[o]: current for o, current in differing.items()}
    place = {keys[o]: o for o in (*differing, *missing)}
    outcome = {
        key: (
            _Outcome.CREATE
            if key not in stored
            else _outcome(stored[key], offered[place[key]], source, replace)
        )
        for key in sorted(place, key=place.__getitem__)
    }
    todo = [key for key, o in outcome.items() if o is _Outcome.CREATE or o is _Outcome.UPDATE]
    finite: dict[int, bool] = {}
    refuse_non_finite([wanted[k].where for k in todo if not _finite(wanted[k].value, finite)])
    # Under lock: what other writers committed meanwhile decides (PostgreSQL row locks).
    fresh = values_repo.lock(session, framework.id, [stored[k][0] for k in todo if k in stored])
    if fresh is not None:
        for key in todo:
            if key in stored:
                stored[key] = fresh.get(stored[key][0], stored[key])
    stamp = (source, ref)
    new = [key for key in todo if key not in stored]
    # The new values and their audit rows go from the staged copy in SQL.
    raced = {keys[o] for o in values_repo.insert_staged(session, framework.id, actor, stamp)}
    if raced:
        stored.update(values_repo.existing(session, framework.id, raced, lock=True))
    created = set(new) - raced
    if len(created) >= values_repo.MANY:
        values_repo.refresh_statistics(session)
    if raced or fresh is not None:
        # What is stored now (locked, or inserted by another writer) decides again.
        for key in todo:
            current = None if key in created else stored.get(key)
            outcome[key] = _outcome(current, offered[place[key]], source, replace)
    report.unchanged += len(wanted) - len(outcome)
    updates, steps = _report(framework, wanted, outcome, (stored, created), stamp, report)
    values_repo.update_values(session, actor, stamp, updates)
    audit_repo.record_many(session, actor, "value.set", "value", steps)


def _keyed(matched: list[Matched]) -> dict[values_repo.Key, Matched]:
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


def _offered(
    wanted: dict[values_repo.Key, Matched],
) -> tuple[list[values_repo.Columns], list[tuple[values_repo.Columns, dict[str, Any]]], list[int]]:
    """The columns offered at each key, in key order; the distinct values (their columns and
    audit document) and which of them each key is offered; made once per distinct value
    object (a file's values share them)."""
    made: dict[int, tuple[values_repo.Columns, int]] = {}
    distinct: list[tuple[values_repo.Columns, dict[str, Any]]] = []
    out: list[values_repo.Columns] = []
    which: list[int] = []
    add, point = out.append, which.append
    for m in wanted.values():
        found = made.get(id(m.value))
        if found is None:
            columns = values_repo.columns_of(m.value)
            found = made[id(m.value)] = (columns, len(distinct))
            distinct.append((columns, values_repo.fields(m.value)))
        add(found[0])
        point(found[1])
    return out, distinct, which


def _report(
    framework: Framework,
    wanted: dict[values_repo.Key, Matched],
    outcome: dict[values_repo.Key, _Outcome],
    now: tuple[dict[values_repo.Key, values_repo.Current], set[values_repo.Key]],
    stamp: tuple[str, str],
    report: ImportReport,
) -> tuple[list[tuple[int, Value]], list[audit_repo.Step]]:
    """The report of what happens to each value, the stored rows to update and the audit
    steps of every change; `outcome` holds only the keys that did not already hold their
    value (in the order offered), `now` is what is stored and the keys this import created."""
    stored, created = now
    updates: list[tuple[int, Value]] = []
    steps: list[audit_repo.Step] = []
    # One audit document per distinct value object (a file's values share them) and one key
    # prefix per unit and period: the audit rows of a whole file are built without a dict or
    # a joined string per cell beyond the key itself.
    documents: dict[int, dict[str, Any]] = {}
    prefixes: dict[tuple[int, str], str] = {}
    source, ref = stamp
    unchanged = created_count = updated = replaced = 0
    changes = report.changes
    add_step, add_change = steps.append, changes.append
    for key, done in outcome.items():
        m = wanted[key]
        if done is _Outcome.UNCHANGED:
            unchanged += 1
            continue
        current = None if key in created else stored.get(key)
        if done is _Outcome.SKIP:
            assert current is not None
            kept = Skipped(
                m.unit_key,
                m.unit_name,
                m.period,
                m.indicator,
                values_repo.from_columns(current[1]),
                current[2],
                m.value,
            )
            report.skipped.append(kept)
            continue
        if current is None:
            before, audited, was = None, None, None
            created_count += 1
        else:
            before = values_repo.from_columns(current[1])
            audited = json_safe(values_repo.fields(before))
            was = current[2]
            updates.append((current[0], m.value))
            updated += 1
            replaced += outranks(was, source)
            # (A new value's audit row is written from the staged copy, in SQL.)
            prefix = prefixes.get((key[0], key[1]))
            if prefix is None:
                prefix = values_repo.value_key(framework.id, m.unit_key, m.period, "")
                prefixes[(key[0], key[1])] = prefix
            document = documents.get(id(m.value))
            if document is None:
                document = documents[id(m.value)] = values_repo.fields(m.value)
            add_step((prefix + m.indicator, audited, document, ref))
        add_change(
            ValueChange(m.unit_key, m.unit_name, m.period, m.indicator, before, m.value, was)
        )
    report.unchanged += unchanged
    report.created += created_count
    report.updated += updated
    report.replaced += replaced
    return updates, steps


def _finite(value: Value, known: dict[int, bool]) -> bool:
    """`is_finite`, asked once per value object (the caller keeps the objects alive)."""
    found = known.get(id(value))
    if found is None:
        found = known[id(value)] = is_finite(value)
    return found


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
