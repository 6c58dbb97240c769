"""The server evaluates ahead of page views: a data change makes the newest periods' evaluations
stored within seconds without anyone opening a page; two workers never compute the same ones;
a precompute that fails is logged in English and leaves the pages working."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from chiso.domain.periods import Period
from chiso.services.dashboard import pages, precompute
from chiso.services.runtime import Runtime
from chiso.services.scoring import evaluations
from chiso.services.scoring.evaluations import COUNTS, Options
from chiso.store import evaluations_repo
from tests.test_stored_evaluations import _prepared, _values, _worker

NEWEST = ["2026-10", "2026-Q4", "2026-H2", "2026"]
"""The newest month with values and the quarter, half-year and year holding it."""
PAGE_OPTIONS = evaluations._options_key(Options(draws=300, top_k=3))


def _stored(rt: Runtime, periods: list[str]) -> list[str]:
    """Which of `periods` are stored for the current data version, as the pages ask for them."""
    with rt.db.transaction() as session:
        version = evaluations.data_version(session)
        return [
            p
            for p in periods
            if evaluations_repo.exists(session, "thu-luu", p, PAGE_OPTIONS, version)
        ]


def _until(check: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


def test_a_data_change_is_stored_without_a_view(province_rt: Runtime, tmp_path: Path) -> None:
    rt = province_rt
    _prepared(rt, tmp_path)
    assert precompute.wanted(rt, 4) == [("thu-luu", Period.parse(p)) for p in NEWEST]
    server = _worker(rt)  # the server's worker: its own runtime on the same database
    background = precompute.Precomputer(server, 0.05, 12)
    background.start()
    try:
        _until(lambda: _stored(rt, NEWEST) == NEWEST)
        older = ["2026-09", "2026-Q3"]
        _until(lambda: _stored(rt, older) == older)

        _values(rt, tmp_path / "v.csv", "3114")  # a changed value: a new data version
        assert _stored(rt, NEWEST) == []
        _until(lambda: _stored(rt, NEWEST) == NEWEST)
    finally:
        background.close()
        server.close()
    assert len(background.runs) == 2 and all(not r.failed for r in background.runs)
    computed = COUNTS["computed"]
    report = pages.ranking(_worker(rt), "thu-luu", Period.parse("2026"))
    assert report is not None and COUNTS["computed"] == computed, "the page scored again"
    syt = next(r for r in report.table.rows if r.unit_code == "75.SYT")
    assert syt.cells["ky_so"].index is not None


def test_the_server_precomputes_from_its_start(province_db: str, tmp_path: Path) -> None:
    """The web app's lifespan runs the background thread (tests turn it off elsewhere)."""
    from fastapi.testclient import TestClient

    from chiso.settings import Settings
    from chiso.web.app import create_app

    settings = Settings(
        database_url=province_db,
        data_dir=tmp_path / "web",
        precompute_periods=12,
        precompute_interval=0.05,
    )
    app = create_app(settings)
    with TestClient(app):
        rt = app.state.rt
        _prepared(rt, tmp_path)
        _until(lambda: _stored(rt, NEWEST) == NEWEST)


def test_two_workers_do_not_compute_the_same_evaluation_twice(
    province_rt: Runtime, tmp_path: Path
) -> None:
    rt = province_rt
    _prepared(rt, tmp_path)
    runtimes = [_worker(rt) for _ in range(3)]
    workers = [precompute.Precomputer(w, 1, 12) for w in runtimes]
    start = threading.Barrier(len(workers))
    runs: list[precompute.Run | None] = []
    computed = COUNTS["computed"]

    def step(worker: precompute.Precomputer) -> None:
        start.wait()
        runs.append(worker.step())

    threads = [threading.Thread(target=step, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [r for r in runs if r is not None]
    assert len(done) == 1, "more than one worker precomputed the same data version"
    assert COUNTS["computed"] - computed == len(done[0].done) == len(precompute.wanted(rt, 12))
    # The others, looking again, find the version done and compute nothing.
    assert [w.step() for w in workers] == [None, None, None]
    for w in runtimes:
        w.close()
    assert COUNTS["computed"] - computed == len(done[0].done)


def test_a_claim_lapses_only_when_unfinished_and_old(province_rt: Runtime) -> None:
    with province_rt.db.transaction() as session:
        assert evaluations_repo.claim_run(session, "v1", "a", timedelta(minutes=10)) == "mine"
        assert evaluations_repo.claim_run(session, "v1", "b", timedelta(minutes=10)) == "busy"
        # a worker killed midway: its claim is taken over once older than the lease
        assert evaluations_repo.claim_run(session, "v1", "b", timedelta(seconds=-1)) == "mine"
        evaluations_repo.finish_run(session, "v1", "b")
        assert evaluations_repo.claim_run(session, "v1", "c", timedelta(seconds=-1)) == "done"
        # a worker stopping midway gives its claim up
        assert evaluations_repo.claim_run(session, "v2", "a", timedelta(minutes=10)) == "mine"
        evaluations_repo.finish_run(session, "v2", "a", done=False)
        assert evaluations_repo.claim_run(session, "v2", "b", timedelta(minutes=10)) == "mine"


def test_a_failing_precompute_is_logged_and_pages_still_work(
    province_rt: Runtime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rt = province_rt
    _prepared(rt, tmp_path)
    real = evaluations._evaluate_inputs
    broken = Period.parse("2026-Q4")

    def failing(inputs: evaluations.Inputs, period: Period, options: Options) -> object:
        if period == broken:
            raise RuntimeError("disk full")
        return real(inputs, period, options)

    monkeypatch.setattr(evaluations, "_evaluate_inputs", failing)
    server = _worker(rt)
    with caplog.at_level(logging.INFO, logger="chiso.services.dashboard.precompute"):
        run = precompute.Precomputer(server, 1, 12).step()
    assert run is not None and run.failed == [("thu-luu", broken)]
    assert "2026" in [str(p) for _, p in run.done], "the periods after the failure were skipped"
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert messages == ["precomputing the evaluation of thu-luu for 2026-Q4 failed"]
    assert _stored(rt, NEWEST) == ["2026-10", "2026-H2", "2026"]

    monkeypatch.setattr(evaluations, "_evaluate_inputs", real)
    found = pages.ranking(_worker(rt), "thu-luu", broken)  # the page computes it on demand
    assert found is not None and {r.unit_code for r in found.table.rows} >= {"75.SYT"}
    server.close()


def test_the_claimant_names_the_units_whose_values_changed(
    province_rt: Runtime, tmp_path: Path
) -> None:
    """After a new data version, the worker that evaluates it is given the units whose values
    changed since the version before (nothing at its first version: it knows no earlier one)."""
    rt = province_rt
    _prepared(rt, tmp_path)
    seen: list[list[str]] = []
    server = _worker(rt)
    background = precompute.Precomputer(server, 1, 12, changed=lambda _rt, keys: seen.append(keys))
    assert background.step() is not None and seen == []
    _values(rt, tmp_path / "v.csv", "3114")  # only the Sở Y tế's value changes
    assert background.step() is not None
    assert seen == [["75.SYT"]]
    assert background.step() is None and seen == [["75.SYT"]]  # the same version: nothing
    server.close()


def test_first_evaluations_are_stored_before_the_others_in_the_first_run_only(
    province_rt: Runtime, tmp_path: Path
) -> None:
    """`chiso demo` names the evaluations its first views show: the first run stores them ahead
    of what `wanted` lists (even beyond its number of periods), once."""
    rt = province_rt
    _prepared(rt, tmp_path)
    named = ("thu-luu", Period.parse("2026-09"))
    server = _worker(rt)
    worker = precompute.Precomputer(server, 1, 2, first=[named])
    run = worker.step()
    assert run is not None
    assert run.done == [named, *precompute.wanted(rt, 2)]
    assert _stored(rt, ["2026-09", *NEWEST[:2]]) == ["2026-09", *NEWEST[:2]]
    assert worker.first == []
    server.close()


def test_a_demo_server_answers_its_first_request_before_it_precomputes(
    province_db: str, tmp_path: Path
) -> None:
    """`chiso demo` names its first evaluations: the background run waits for the server's
    first answer (the sign-in form), so that request does not share the interpreter with it."""
    from fastapi.testclient import TestClient

    from chiso.settings import Settings
    from chiso.web.app import create_app

    settings = Settings(database_url=province_db, data_dir=tmp_path / "web", precompute_periods=0)
    named = ("thu-luu", Period.parse("2026-09"))
    app = create_app(settings, [named])
    with TestClient(app) as client:
        rt = app.state.rt
        _prepared(rt, tmp_path)
        time.sleep(0.5)
        assert not app.state.answered.is_set()
        assert _stored(rt, ["2026-09"]) == []
        assert client.get("/login").status_code == 200
        assert app.state.answered.is_set()
        _until(lambda: _stored(rt, ["2026-09"]) == ["2026-09"])
