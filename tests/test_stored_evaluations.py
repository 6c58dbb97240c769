"""Evaluations are computed once per framework, period, options and data version, stored in the
database and read back by every worker (another runtime on the same database): a second view does
no scoring and adds no row; a changed value, a unit moved to another group or a re-registered
framework computes it again; two workers computing the same one at once store one row."""

from __future__ import annotations

import pickle
import threading
import zlib
from pathlib import Path

from chiso.domain.frameworks import TOTAL
from chiso.domain.periods import Period
from chiso.services.runtime import Runtime
from chiso.services.scoring import evaluations, frameworks
from chiso.services.scoring.evaluations import COUNTS, Options, evaluation_for
from chiso.services.units.importer import import_units
from chiso.services.values.importer import import_values
from chiso.store import evaluations_repo

PERIOD = Period.parse("2026-10")
FRAMEWORK = """id: thu-luu
name: Bộ thử lưu kết quả đánh giá
ranking:
  groups:
    - {{code: nhom-a, name: "Nhóm A", unit_groups: ["Nhóm A"]}}
    - {{code: nhom-b, name: "Nhóm B", unit_groups: ["Nhóm B"]}}
nodes:
  - {{code: ky_so, name: "Tỷ lệ ký số", max: {points}, input: rate}}
"""
NAMES = {"75.SYT": "Sở Y tế", "75.SCT": "Sở Công Thương", "75.STC": "Sở Tài chính"}


def _register(rt: Runtime, path: Path, points: int) -> None:
    path.write_text(FRAMEWORK.format(points=points), encoding="utf-8")
    frameworks.register_file(rt, path)


def _units(rt: Runtime, path: Path, groups: dict[str, str]) -> None:
    rows = ["code,name,kind,parent_code,groups"]
    rows += [f"{k},{NAMES[k]},department,2025:75,{g}" for k, g in groups.items()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_units(rt, path)


def _values(rt: Runtime, path: Path, syt: str) -> None:
    """`syt`: the Sở Y tế's signed documents out of 10.000 (a count, as every numerator)."""
    path.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        f'75.SYT,2026-10,ky_so,"{syt}",10000\n75.SCT,2026-10,ky_so,40,100\n'
        "75.STC,2026-10,ky_so,60,100\n75.STC,2026-09,ky_so,50,100\n",
        encoding="utf-8",
    )
    import_values(rt, path, "thu-luu")


def _rows(rt: Runtime) -> int:
    with rt.db.transaction() as session:
        return evaluations_repo.count(session, "thu-luu")


def _worker(rt: Runtime) -> Runtime:
    """Another process's runtime on the same database (no shared page cache, no shared memo)."""
    return Runtime(rt.settings)


def _prepared(rt: Runtime, tmp_path: Path) -> None:
    _register(rt, tmp_path / "thu.yaml", 100)
    _units(rt, tmp_path / "a.csv", {"75.SYT": "Nhóm A", "75.SCT": "Nhóm A", "75.STC": "Nhóm B"})
    _values(rt, tmp_path / "v.csv", "9000")


def test_computed_once_and_read_by_another_worker(province_rt: Runtime, tmp_path: Path) -> None:
    rt = province_rt
    _prepared(rt, tmp_path)
    options = Options(draws=50, top_k=2)
    before = COUNTS["computed"]
    first = evaluation_for(rt, "thu-luu", PERIOD, options)
    assert COUNTS["computed"] == before + 1
    assert _rows(rt) == 1

    other = _worker(rt)
    try:
        again = evaluation_for(other, "thu-luu", PERIOD, options)
    finally:
        other.close()
    assert COUNTS["computed"] == before + 1, "the second view scored again"
    assert _rows(rt) == 1, "the second view added a row"
    assert again.table == first.table
    assert again.intervals == first.intervals
    assert again.notes == first.notes
    ranks = {r.unit_code: r.cells[TOTAL].rank for r in again.table.rows}
    assert ranks == {"75.SYT": 1, "75.SCT": 2, "75.STC": 1}
    syt = next(r for r in again.table.rows if r.unit_code == "75.SYT")
    assert syt.cells[TOTAL].points == 90.0
    stc = next(r for r in again.table.rows if r.unit_code == "75.STC")
    assert stc.cells[TOTAL].points_change == 10.0

    # Other options are another evaluation, stored beside it.
    evaluation_for(rt, "thu-luu", PERIOD, Options(draws=0))
    assert COUNTS["computed"] == before + 2
    assert _rows(rt) == 2


def test_a_change_computes_it_again(province_rt: Runtime, tmp_path: Path) -> None:
    rt = province_rt
    _prepared(rt, tmp_path)

    def syt(runtime: Runtime) -> tuple[float | None, float, str]:
        report = evaluation_for(runtime, "thu-luu", PERIOD)
        row = next(r for r in report.table.rows if r.unit_code == "75.SYT")
        return row.cells[TOTAL].points, row.cells[TOTAL].max_points, row.group

    assert syt(rt) == (90.0, 100.0, "nhom-a")
    computed = COUNTS["computed"]

    _values(rt, tmp_path / "v.csv", "3114")
    assert syt(_worker(rt)) == (31.14, 100.0, "nhom-a")
    assert COUNTS["computed"] == computed + 1
    assert _rows(rt) == 1, "the older version was not replaced"

    _units(rt, tmp_path / "b.csv", {"75.SYT": "Nhóm B", "75.SCT": "Nhóm A", "75.STC": "Nhóm B"})
    assert syt(_worker(rt)) == (31.14, 100.0, "nhom-b")
    assert COUNTS["computed"] == computed + 2

    _register(rt, tmp_path / "thu.yaml", 50)
    assert syt(_worker(rt)) == (15.57, 50.0, "nhom-b")
    assert COUNTS["computed"] == computed + 3
    assert _rows(rt) == 1

    syt(_worker(rt))
    assert COUNTS["computed"] == computed + 3


def test_two_workers_at_once_store_one_row(province_rt: Runtime, tmp_path: Path) -> None:
    rt = province_rt
    _prepared(rt, tmp_path)
    workers = [_worker(rt) for _ in range(4)]
    results: list[object] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def view(worker: Runtime) -> None:
        try:
            start.wait()
            results.append(evaluation_for(worker, "thu-luu", PERIOD, Options(draws=20)).table)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=view, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in workers:
        w.close()
    assert errors == []
    assert len(results) == 4 and all(r == results[0] for r in results)
    assert _rows(rt) == 1


def test_a_stored_row_cannot_name_other_code(province_rt: Runtime, tmp_path: Path) -> None:
    """A row written by someone else than chiso (or an older release) is never executed: it is
    refused and the evaluation computed again."""
    rt = province_rt
    _prepared(rt, tmp_path)
    marker = tmp_path / "pwned"

    class Hostile:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (Path.touch, (str(marker),))

    with rt.db.transaction() as session:
        version = evaluations.data_version(session)
        key = ("thu-luu", str(PERIOD), evaluations._options_key(Options()))
        body = zlib.compress(pickle.dumps(Hostile()))
        assert evaluations_repo.put(session, *key, version, body)
    computed = COUNTS["computed"]
    report = evaluation_for(rt, "thu-luu", PERIOD)
    assert not marker.exists()
    assert COUNTS["computed"] == computed + 1
    assert {r.unit_code for r in report.table.rows} == set(NAMES)
    assert _rows(rt) == 1
    again = COUNTS["computed"]
    evaluation_for(_worker(rt), "thu-luu", PERIOD)
    assert COUNTS["computed"] == again, "the refused row was not replaced"


def _global(module: str, name: str) -> bytes:
    """A pickle (protocol 0) that names `module.name` and calls it with one text argument."""
    return f"c{module}\n{name}\n(V/tmp/x\ntR.".encode()


def test_the_reader_names_no_function_outside_what_an_evaluation_is_made_of() -> None:
    """numpy.load (which reads a pickle of its own), a dotted path through an allowed module,
    getattr on anything but an Enum of the domain, and a function of the domain are all refused;
    what a real evaluation names is still read."""
    import pytest

    hostile = [
        _global("numpy", "load"),
        _global("numpy", "lib.format.os.system"),
        _global("numpy.lib.npyio", "load"),
        _global("collections", "namedtuple"),
        _global("copyreg", "add_extension"),
        _global("chiso.domain.formatting", "number"),
        b"cbuiltins\ngetattr\n(cchiso.domain.periods\nPeriod\nVparse\ntR.",
    ]
    for body in hostile:
        with pytest.raises(pickle.UnpicklingError, match="refused"):
            evaluations._loads(zlib.compress(body))
    from chiso.domain.frameworks import InputKind

    member = b"cbuiltins\ngetattr\n(cchiso.domain.frameworks\nInputKind\nVRATE\ntR."
    found = evaluations._Unpickler(__import__("io").BytesIO(member)).load()
    assert found is InputKind.RATE
