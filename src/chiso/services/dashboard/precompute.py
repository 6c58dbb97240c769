"""The evaluations pages will ask for, computed ahead of the views: when the data change (values
imported or entered, facts computed, units, groups or frameworks changed: every such change
moves the data version), a server worker notices it and evaluates, for each framework with values,
the newest period, the quarter, half-year and year holding it, then older periods of the ranking
page's choices, newest first — as the pages ask for them (`pages.ranking`), so they are stored
in the database for every worker and kept in this worker's page cache.

Commands stay fast: nothing here runs in `chiso data import` or any other command; the server
does it in a background thread. One worker at a time: the first to claim the data version in the
database computes (`evaluations_repo.claim_run`), the others read what it stores."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from chiso.domain.periods import Granularity, Period
from chiso.services.dashboard import pages
from chiso.services.runtime import Runtime
from chiso.services.scoring import evaluations
from chiso.store import audit_repo, evaluations_repo, values_repo
from chiso.store.db import Session

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
"""A claim not finished after this long is taken over (its worker was killed midway)."""
LONGER = (Granularity.QUARTER, Granularity.HALF, Granularity.YEAR)


@dataclass
class Run:
    version: str
    done: list[tuple[str, Period]] = field(default_factory=list)
    failed: list[tuple[str, Period]] = field(default_factory=list)


def wanted(rt: Runtime, per_framework: int) -> list[tuple[str, Period]]:
    """What to evaluate, most wanted first: of each framework with values, its newest period
    and the longer periods holding it, then the ranking page's other choices by newest end (at
    most `per_framework` periods a framework)."""
    first, rest = _wanted(rt, per_framework)
    return first + rest


def heads(rt: Runtime) -> list[tuple[str, Period]]:
    """Of each framework with values, its newest period and the quarter, half-year and year
    holding it: what the ranking page's period choice offers first."""
    return _wanted(rt, len(LONGER) + 1)[0]


def _wanted(
    rt: Runtime, per_framework: int
) -> tuple[list[tuple[str, Period]], list[tuple[str, Period]]]:
    with rt.db.transaction() as session:
        ids = values_repo.frameworks_with_values(session)
    first: list[tuple[str, Period]] = []
    rest: list[tuple[str, Period]] = []
    for framework_id in ids:
        stored = pages.periods(rt, framework_id)
        if not stored:
            continue
        choices = pages.choices(rt, framework_id)
        newest = max(stored, key=lambda p: (p.end, -p.granularity.months))
        holding = [newest] + [
            newest.enclosing(g) for g in LONGER if g.months > newest.granularity.months
        ]
        head = [p for p in holding if p in choices]
        older = sorted(
            (p for p in choices if p not in head), key=lambda p: (-p.end.toordinal(), p.start)
        )
        chosen = (head + older)[:per_framework]
        first += [(framework_id, p) for p in chosen[: len(head)]]
        rest += [(framework_id, p) for p in chosen[len(head) :]]
    return first, rest


def precompute(
    rt: Runtime,
    per_framework: int,
    stop: threading.Event | None = None,
    version: str = "",
    first: Sequence[tuple[str, Period]] = (),
) -> Run:
    """Evaluates and stores `first`, then what `wanted` lists, for the current data version; a
    failure is logged and the next one is tried (a page asking for it computes it, or shows
    its error)."""
    run = Run(version)
    listed = list(first)
    for framework_id, period in listed + [w for w in wanted(rt, per_framework) if w not in listed]:
        if stop is not None and stop.is_set():
            break
        try:
            pages.ranking(rt, framework_id, period)
        except Exception:
            log.exception("precomputing the evaluation of %s for %s failed", framework_id, period)
            run.failed.append((framework_id, period))
        else:
            run.done.append((framework_id, period))
    return run


FIRST_ANSWER_WAIT = 3.0
"""Seconds a starting worker's background work waits for the worker's first answer before it
starts anyway (a worker nobody asks)."""

CHANGED_PAGES = 12
"""At most this many changed units' pages are made ahead (the newest changes): a reporter's
import of a few units is what they serve; after an import of a whole province, making every
unit's page (its 24 months of values, the units under it) before the new evaluations would hold
those back."""


class Precomputer:
    """A server worker's background thread: every `interval` seconds it reads the data version
    (one indexed query) and, when it moved, claims it and precomputes; a worker that finds the
    version claimed by another waits for it to finish (or for the claim to lapse)."""

    def __init__(
        self,
        rt: Runtime,
        interval: float,
        per_framework: int,
        prepare: Callable[[Runtime], object] | None = None,
        changed: Callable[[Runtime, list[str]], object] | None = None,
        first: Sequence[tuple[str, Period]] = (),
        after: threading.Event | None = None,
    ) -> None:
        self.rt = rt
        self.after = after
        """Set once the worker has answered a request: the first run waits for it (at most
        FIRST_ANSWER_WAIT seconds), so that request is not served beside the run."""
        self.first = list(first)
        """Evaluations to store ahead of the others (`chiso demo`: the ones it names), in the
        first run only."""
        self.prepare = prepare or overview
        """What every worker makes for itself once per data version (the overview's data)."""
        self.changed = changed
        """What the worker that evaluated a new data version makes for the units whose values
        changed since the version it saw before (the web layer: their pages' data), so the
        first view after an import finds them made."""
        self.values_seen: int | None = None
        self.interval = interval
        self.per_framework = per_framework
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:80]
        self.stop = threading.Event()
        self.seen: str | None = None
        self.warmed: str | None = None
        self.runs: list[Run] = []
        self.thread = threading.Thread(target=self._loop, name="precompute", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def close(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.thread.join(timeout)

    def _loop(self) -> None:
        if self.after is not None:
            waited = 0.0
            while not self.after.wait(0.05) and not self.stop.is_set():
                waited += 0.05
                if waited >= FIRST_ANSWER_WAIT:
                    break
        # Not niced: a thread holding the interpreter lock while the system leaves it waiting
        # would stall this worker's requests behind it.
        while not self.stop.is_set():
            try:
                self.step()
            except Exception:
                log.exception("background precompute failed; trying again later")
            self.stop.wait(self.interval)

    def step(self) -> Run | None:
        """One look at the data version, and the run it leads to (None: nothing to do here)."""
        with self.rt.db.transaction() as session:
            version = evaluations.data_version(session)
            if version == self.seen:
                return None
            state = evaluations_repo.claim_run(session, version, self.worker, LEASE)
            units = self._changed_units(session, state == "mine")
        self._warm(version)
        if state == "busy":
            return None
        self.seen = version
        if state == "done":
            return None
        if units and self.changed is not None:
            # First: a changed unit's page needs the newest month's evaluation, which comes
            # first below anyway, and is the page its reporter opens after an import.
            try:
                self.changed(self.rt, units)
            except Exception:
                log.exception("preparing the pages of changed units in the background failed")
        finished = False
        try:
            run = precompute(self.rt, self.per_framework, self.stop, version, self.first)
            self.first = []
            finished = not self.stop.is_set()
        finally:
            with self.rt.db.transaction() as session:
                evaluations_repo.finish_run(session, version, self.worker, done=finished)
        self.runs.append(run)
        log.info(
            "precomputed %d evaluations (%d failed) for data version %s",
            len(run.done),
            len(run.failed),
            version,
        )
        return run

    def _changed_units(self, session: Session, claimed: bool) -> list[str]:
        """The units whose values changed since the newest value entry this worker saw at the
        version before, newest change first (none the first time: a worker that just started knows no
        earlier version)."""
        stamp = audit_repo.newest_id(session, "value")
        before, self.values_seen = self.values_seen, stamp
        if not claimed or before is None or stamp <= before:
            return []
        keys = (k.split("/") for k in audit_repo.keys_after(session, "value", before))
        units = dict.fromkeys(parts[1] for parts in keys if len(parts) > 1)
        return list(units)[:CHANGED_PAGES]

    def _warm(self, version: str) -> None:
        if self.warmed == version:
            return
        self.warmed = version
        try:
            self.prepare(self.rt)
        except Exception:
            log.exception("preparing the overview page in the background failed")


def overview(rt: Runtime) -> pages.Overview | None:
    """This worker's overview of the newest month, made in its page cache (every worker has its
    own; it reads values, not evaluations, so each worker makes it once per data version)."""
    newest = pages.latest(rt, pages.USAGE)
    return pages.overview(rt, newest) if newest is not None else None
