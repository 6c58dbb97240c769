"""Evaluations are computed once per framework, period, options and data version, stored in the
database and read back by every worker (another runtime on the same database): a second view does
no scoring and adds no row; a changed value, a unit moved to another group or a re-registered
framework computes it again; two workers computing the same one at once store one row."""

from __future__ import annotations

import pickle
import struct
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

    # The arrays are stored beside the pickle, which never names numpy's generic reconstructor.
    with rt.db.transaction() as session:
        body = evaluations_repo.find(
            session, "thu-luu", str(PERIOD), evaluations._options_key(options),
            evaluations.data_version(session),
        )  # fmt: skip
    assert body is not None
    pickled, arrays = _pieces(body)
    assert arrays, "no array was stored out of band"
    assert b"_reconstruct" not in pickled and b"ndarray" not in pickled
    assert b"_frombuffer" in pickled

    # Other options are another evaluation, stored beside it.
    evaluation_for(rt, "thu-luu", PERIOD, Options(draws=0))
    assert COUNTS["computed"] == before + 2
    assert _rows(rt) == 2


def _pieces(body: bytes) -> tuple[bytes, list[bytes]]:
    """The pickle and the out-of-band buffers of a stored body, decompressed."""
    view = memoryview(body)[len(evaluations._MAGIC) :]
    (count,) = struct.unpack_from("<Q", view)
    lengths = struct.unpack_from(f"<{count}Q", view, 8)
    at, pieces = 8 + 8 * count, []
    for length in lengths:
        pieces.append(zlib.decompress(view[at : at + length]))
        at += length
    return pieces[0], pieces[1:]


def test_arrays_are_stored_out_of_band_and_read_back_writable() -> None:
    """Any array an evaluation holds (a column slice too, which numpy would pickle in band)
    comes back equal and writable, and a body cut short is refused as unreadable."""
    import numpy as np
    import pytest

    matrix = np.arange(12.0).reshape(3, 4)
    column = matrix[:, 1]
    assert not column.flags.c_contiguous
    report = evaluations.EvaluationReport.__new__(evaluations.EvaluationReport)
    buffers: list[pickle.PickleBuffer] = []
    stream = __import__("io").BytesIO()
    evaluations._Pickler(stream, protocol=5, buffer_callback=buffers.append).dump(
        {"m": matrix, "c": column, "r": report}
    )
    assert len(buffers) == 2
    assert b"_reconstruct" not in stream.getvalue()
    loaded = pickle.loads(stream.getvalue(), buffers=[bytearray(b.raw()) for b in buffers])
    assert np.array_equal(loaded["m"], matrix) and np.array_equal(loaded["c"], column)
    loaded["c"][0] = -1.0
    assert loaded["c"][0] == -1.0
    with pytest.raises(pickle.PicklingError):
        evaluations._Pickler(__import__("io").BytesIO(), protocol=5).dump(
            np.array([object()], dtype=object)
        )
    good = evaluations._pack(pickle.dumps(report, protocol=5), [b"x"])
    for cut in (good[:-1], good[: len(evaluations._MAGIC) + 4], b"junk" + good):
        with pytest.raises(pickle.UnpicklingError):
            evaluations._loads(cut)


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
        body = evaluations._pack(pickle.dumps(Hostile()), [])
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
        _global("numpy", "ndarray"),
        _global("numpy._core.multiarray", "_reconstruct"),
        _global("numpy.core.multiarray", "_reconstruct"),
        b"cbuiltins\ngetattr\n(cchiso.domain.periods\nPeriod\nVparse\ntR.",
    ]
    for body in hostile:
        with pytest.raises(pickle.UnpicklingError, match="refused"):
            evaluations._loads(evaluations._pack(body, []))
    from chiso.domain.frameworks import InputKind

    member = b"cbuiltins\ngetattr\n(cchiso.domain.frameworks\nInputKind\nVRATE\ntR."
    found = evaluations._Unpickler(__import__("io").BytesIO(member)).load()
    assert found is InputKind.RATE
