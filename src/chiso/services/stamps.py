"""Data versions: how many committed transactions audited what pages are computed from (values,
units with their groups, registered frameworks) and who may sign in (accounts, sign-ins and
sign-outs). Every change to them is audited in the transaction that makes it, and that
transaction bumps their counters as it commits (`audit_repo`), so these move with each commit,
in whatever order concurrent writers commit; they are read in one statement of primary-key
look-ups that costs the same however long the history.

A web request that changes nothing (GET) reads them once, before anything else, and every cache it
consults is keyed on that one reading (`pinned`); anywhere else they are read when asked."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from chiso.services.runtime import Runtime
from chiso.store import audit_repo

T = TypeVar("T")

DATA = ("value", "unit", "framework")
"""What pages and evaluations are computed from."""
ACCOUNTS = ("user", "login")
"""Accounts (role, scope, activity, password, tokens) and sessions started or ended."""
TASKS = ("task", "directive")
"""Tasks, their progress reports and the directives they come from."""


@dataclass(frozen=True)
class Stamps:
    data: tuple[int, ...]
    accounts: tuple[int, ...]
    tasks: tuple[int, ...]


_PINNED: ContextVar[Stamps | None] = ContextVar("chiso_stamps", default=None)


def read(rt: Runtime) -> Stamps:
    with rt.db.reading() as connection:
        found = audit_repo.newest_on(connection, DATA + ACCOUNTS + TASKS)
    accounts = len(DATA) + len(ACCOUNTS)
    return Stamps(found[: len(DATA)], found[len(DATA) : accounts], found[accounts:])


def current(rt: Runtime) -> Stamps:
    """The stamps this request was pinned to, else read now."""
    pinned = _PINNED.get()
    return pinned if pinned is not None else read(rt)


@contextmanager
def pinned(stamps: Stamps) -> Iterator[Stamps]:
    """Every `current` inside reads `stamps`: for work that writes nothing, so that what it
    caches under them was read at or after them."""
    token = _PINNED.set(stamps)
    try:
        yield stamps
    finally:
        _PINNED.reset(token)


def cached(rt: Runtime, key: Hashable, compute: Callable[[], T]) -> T:
    """What `compute` returns for the current data stamp, computed once per stamp and worker."""
    return rt.pages.get(current(rt).data, key, compute)


def cached_tasks(rt: Runtime, key: Hashable, compute: Callable[[], T]) -> T:
    """`cached` for what is computed from tasks as well as units (their leads)."""
    at = current(rt)
    return rt.pages.get((at.data, at.tasks), key, compute)
