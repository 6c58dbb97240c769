"""`make bench`'s closing table (bench/verdicts.py) on known figures, without running a benchmark:
each goal of issue 16 read from the columns the benchmarks print, and the growth verdicts of the
scaling series (cost ratio between sizes against the size ratio)."""

from __future__ import annotations

from bench.verdicts import LINEAR, Verdict, from_rows, growth, table


def test_growth_linear_or_slower_is_met_and_faster_is_not() -> None:
    found = growth("facts compute CPU", "records", [(20e6, 2.0), (2e6, 1.5), (100e6, 12.0)])
    assert [v.goal for v in found] == [
        "growth, facts compute CPU, 2.000.000 → 20.000.000 records",
        "growth, facts compute CPU, 20.000.000 → 100.000.000 records",
    ]
    assert found[0].measured == "cost 1.33× for size 10.00×"
    assert found[0].met is True
    assert found[1].measured == "cost 6.00× for size 5.00×"
    assert found[1].met is False
    assert all(v.target == LINEAR for v in found)


def test_growth_exactly_linear_is_met() -> None:
    (verdict,) = growth("evaluation CPU", "units", [(100, 1.0), (3321, 33.21)])
    assert verdict.met is True


def test_growth_with_one_size_is_said_not_judged() -> None:
    (verdict,) = growth("p95 by users, SQLite, /", "users", [(8, 0.1)])
    assert verdict.met is None
    assert verdict.measured == "one size only (8 users)"


def test_growth_against_a_baseline_allows_what_the_machine_adds() -> None:
    """Pages at 8/32/64 users on a loaded machine: the bare app's p95 grows 6,8× for 4× the users,
    so chiso's 6× is not held against it, its 8,7× is; from 32 to 64 the size ratio applies."""
    base = [(8, 0.126), (32, 0.855), (64, 1.0)]
    found = growth("p95 by users, SQLite, /", "users", [(8, 0.1), (32, 0.6), (64, 1.5)], base)
    assert found[0].measured == "cost 6.00× for size 4.00× (baseline 6.79×)"
    assert found[0].target == f"{LINEAR}, or than the baseline"
    assert [v.met for v in found] == [True, False]
    slower = growth("p95 by users, SQLite, /", "users", [(8, 0.1), (32, 0.87)], base)
    assert slower[0].met is False


def test_facts_compute_rows() -> None:
    row = ["2.000.418", "0.5 s", "0.9 s", "90 MiB", "1.4 s", "1.6 s", "190 MiB", "2.80×", "1.78×",
           "9.0 s", "900 MiB", "18.00×"]  # fmt: skip
    big = ["20.000.418", "1.5 s", "2.0 s", "92 MiB", "1.9 s", "2.3 s", "5,000 MiB", "1.27×",
           "1.15×", "9.0 s", "900 MiB", "6.00×"]  # fmt: skip
    found = from_rows("facts_compute", [row, big])
    assert found[0].goal == "facts compute, 2.000.418 records (CPU, whole process)"
    assert found[0].measured == "1.78× CPU (2.80× wall), 190 MiB"
    assert found[0].target == "≤ 1.2×, < 4 GiB"
    assert found[0].met is False
    assert found[1].met is False  # 1,15× is within 1,2×, the 5.000 MiB peak is not within 4 GiB
    assert found[2].measured == "cost 1.44× for size 10.00×"
    assert found[2].met is True


def test_facts_compute_at_100m_asks_for_1_1() -> None:
    row = ["100.000.583", "1 s", "2 s", "90 MiB", "2 s", "2.3 s", "190 MiB", "1.2×", "1.15×",
           "9 s", "900 MiB", "6×"]  # fmt: skip
    (verdict, _) = from_rows("facts_compute", [row])
    assert verdict.target == "≤ 1.1×, < 4 GiB"
    assert verdict.met is False


def test_facts_ingest_rows() -> None:
    ok = ["2.000.418", "5.0 s", "300 MiB", "6.0 s", "200 MiB", "1.20×", "7.0 s", "250 MiB",
          "1.40×"]  # fmt: skip
    slow = ["20.000.418", "50.0 s", "1,296 MiB", "48.2 s", "225 MiB", "0.95×", "150.0 s",
            "2,100 MiB", "3.00×"]  # fmt: skip
    first, second = from_rows("facts_ingest", [ok, slow])
    assert first.measured == "1.20× / 1.40×, 250 MiB"
    assert first.met is True
    assert second.measured == "0.95× / 3.00×, 2,100 MiB"
    assert second.met is False


def test_import_workbook_rows_with_growth_per_backend() -> None:
    def row(backend: str, units: str, first: float, again: float, read: float) -> list[str]:
        return [backend, units, f"{first:.1f} s", f"{first / read:.1f}× (≤ 10×)", f"{again:.1f} s",
                f"{again / read:.1f}× (≤ 5×)", "400 MiB (< 1024)", f"{read:.2f} s"]  # fmt: skip

    rows = [
        row("SQLite", "1.000", 4.0, 2.0, 0.5),
        row("SQLite", "10.035", 30.0, 25.0, 4.0),
        row("PostgreSQL", "1.000", 4.0, 2.0, 0.5),
        row("PostgreSQL", "10.035", 50.0, 10.0, 4.0),
    ]
    found = from_rows("import_workbook", rows)
    assert [v.met for v in found[:4]] == [True, False, True, False]
    assert found[0].measured == "8.0× / 4.0×, 400 MiB"
    growths = {v.goal: v for v in found[4:]}
    assert set(growths) == {
        f"growth, {kind}, {backend}, 1.000 → 10.035 units"
        for backend in ("SQLite", "PostgreSQL")
        for kind in ("first import", "import again")
    }
    assert growths["growth, first import, SQLite, 1.000 → 10.035 units"].met is True
    assert growths["growth, import again, SQLite, 1.000 → 10.035 units"].met is False
    assert growths["growth, first import, PostgreSQL, 1.000 → 10.035 units"].met is False
    assert growths["growth, import again, PostgreSQL, 1.000 → 10.035 units"].met is True


def test_verdicts_pass_through_and_nothing_is_said() -> None:
    given = [Verdict("p95, 32 users, SQLite, /", "1.20×", "≤ 1.5× baseline", True)]
    assert from_rows("web_latency", given) == given
    (nothing,) = from_rows("demo_start", None)
    assert nothing.met is None


def test_table_marks_each_verdict() -> None:
    text = table(
        [
            ("a", Verdict("met", "1×", "≤ 2×", True)),
            ("b", Verdict("not met", "3×", "≤ 2×", False)),
            ("c", Verdict("trend", "1×", "—", None)),
        ]
    )
    lines = text.splitlines()
    assert lines[0].split() == ["benchmark", "goal", "measured", "target", "met"]
    assert [line.split()[-1] for line in lines[2:]] == ["yes", "NO", "—"]
