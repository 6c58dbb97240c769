"""A demo province built from real units, so a first look at chiso shows real names: the new
Đồng Nai with its communes and departments, the legacy Đồng Nai and Bình Phước with their districts
and communes, 24 months of generated platform records and values, a finished yearly evaluation of
the departments, and accounts to try every role."""

from __future__ import annotations

import secrets
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from importlib.resources import as_file, files

from chiso.domain.agency import Signer
from chiso.domain.frameworks import InputKind, Node
from chiso.domain.periods import Period
from chiso.domain.units import UnitKind
from chiso.errors import ChisoError
from chiso.io.writers import write_table
from chiso.services import facts
from chiso.services.accounts import users
from chiso.services.assessments import rounds
from chiso.services.dashboard import pages, precompute
from chiso.services.documents import agencies
from chiso.services.generate import GenerateRequest, default_end, generate, profile, records_of
from chiso.services.runtime import Progress, Runtime, no_progress
from chiso.services.scoring import frameworks
from chiso.services.tasks.importer import import_tasks
from chiso.services.units import registries
from chiso.services.units.departments import load_departments
from chiso.services.units.importer import UnitImportReport
from chiso.services.units.resolver import look_up_unit
from chiso.services.units.seed import SeedReport, seed
from chiso.services.values.importer import import_records
from chiso.store import units_repo, values_repo

DEMO_PROVINCE = "75"
"""Đồng Nai since 1/7/2025: the old Đồng Nai and Bình Phước (seeds 000–002) merged."""
MONTHS = 24


@dataclass
class DemoReport:
    province: str
    units: SeedReport
    departments: UnitImportReport
    months: list[Period] = field(default_factory=list)
    year: Period | None = None
    logins: dict[str, str] = field(default_factory=dict)
    first_views: list[tuple[str, Period]] = field(default_factory=list)
    """The evaluations the demo's first views show (the newest month's and the named year's
    rankings): stored by `store_first_views`, or by the server's background thread."""


def build_demo(
    rt: Runtime, province: str = DEMO_PROVINCE, progress: Progress = no_progress
) -> DemoReport:
    """Units only (fast): what the tests and `chiso demo --units-only` use."""
    units = seed(rt, "all", province, progress)
    departments = load_departments(rt, province)
    assert isinstance(departments, UnitImportReport)
    _agency(rt, province)
    return DemoReport(province, units, departments)


def _agency(rt: Runtime, province: str) -> None:
    """The province's committee as the issuing agency, with a chairman and two signers."""
    unit = look_up_unit(rt, province)
    profile = agencies.profile_of(unit, None)
    signers = (
        Signer("pct", "Nguyễn Văn An", "Phó Chủ tịch", ("KT. Chủ tịch",)),
        Signer("ct", "Trần Thị Bình", "Chủ tịch", ("TM. Ủy ban nhân dân",)),
        Signer(
            "pcvp", "Lê Văn Cường", "Phó Chánh Văn phòng", ("TL. Chủ tịch", "KT. Chánh Văn phòng")
        ),
    )
    agencies.save(rt, replace(profile, signers=signers), "demo")


def build_full_demo(
    rt: Runtime,
    province: str = DEMO_PROVINCE,
    progress: Progress = no_progress,
    today: date | None = None,
    first_views: bool = True,
) -> DemoReport:
    """Everything; `first_views=False` leaves the evaluations of `report.first_views` to the
    caller (`chiso demo` serves first and has its server store them in the background)."""
    report = build_demo(rt, province, progress)
    # The accounts are made beside the rest (their units exist now): argon2 releases the GIL,
    # so their hashes take the second core while this thread generates and computes.
    with ThreadPoolExecutor(len(ACCOUNTS)) as pool:
        logins = _accounts(rt, pool)
        last, year = _records_and_values(rt, report, province, today, progress)
        report.year = year
        report.logins = {username: password.result() for username, password in logins.items()}
    report.first_views = [(facts.DEFAULT_FRAMEWORK, last), (facts.DEFAULT_FRAMEWORK, year)]
    if first_views:
        store_first_views(rt, report)
    return report


def store_first_views(rt: Runtime, report: DemoReport) -> None:
    """The rankings of the newest month and of the year the demo names, then of each
    framework's newest period and the quarter, half-year and year holding it (what a server's
    background thread evaluates first), as their pages ask for them, evaluated and stored: a
    server started on the built folder serves their first views from the database."""
    named = list(report.first_views)
    for framework_id, period in named + [h for h in precompute.heads(rt) if h not in named]:
        pages.ranking(rt, framework_id, period)


def _records_and_values(
    rt: Runtime, report: DemoReport, province: str, today: date | None, progress: Progress
) -> tuple[Period, Period]:
    """The 24 months of records and values, the yearly evaluation and the cycle; the newest
    month and the year evaluated."""
    last = default_end(today)
    report.months = [last.shifted(-i) for i in reversed(range(MONTHS))]
    with rt.db.transaction() as session:
        done = set(values_repo.periods_with_values(session, facts.DEFAULT_FRAMEWORK))
    generated = last not in done
    if generated:
        # Nobody reviews the flags of generated values, so they are not listed.
        generate(rt, GenerateRequest(province, MONTHS, str(last), seed=1, flags=False), progress)
    # A month computed by an earlier run from the same generated records is not computed again
    # (the months are stored in one transaction, so a run killed midway leaves none).
    todo = [m for m in report.months if generated or m not in done]
    if todo:
        # All months in one scan per source and one transaction; nobody reviews the flags of
        # generated values, so they are not listed.
        facts.compute_many(rt, todo, flags=False)
        progress("Tính chỉ số theo tháng", len(todo), len(todo))
    year = Period.year_of(last.year - 1)
    _yearly_evaluation(rt, province, year)
    if province == DEMO_PROVINCE:
        _cycle(rt, today or date.today())
    return last, year


def _cycle(rt: Runtime, today: date) -> None:
    """Tasks from a committee's conclusions, the registries of two wards, and this year's
    self-assessment round, open around today (the files name units of Đồng Nai)."""
    folder = files("chiso.data") / "demo"
    with as_file(folder / "nhiem-vu.csv") as path:
        import_tasks(rt, path)
    with as_file(folder / "ban-chi-dao.csv") as path:
        registries.import_committee(rt, path)
    with as_file(folder / "to-cong-nghe-so.csv") as path:
        registries.import_teams(rt, path)
    year = str(today.year)
    rounds.open_round(
        rt, "dti-department-500", year, today - timedelta(days=20), today + timedelta(days=25)
    )
    registries.store_values(rt, "commune-example", year, "1.1", "4.4")


def _yearly_evaluation(rt: Runtime, province: str, year: Period) -> None:
    """The departments' self-assessed values for the year plus the rates computed from records."""
    framework = frameworks.shipped("dti-department-500")
    path = rt.settings.data_dir / "generated" / f"dti-department-500-{year}.csv"
    rows = []
    parent = look_up_unit(rt, province)
    with rt.db.transaction() as session:
        children = units_repo.children(session, parent.id)
    keys = [u.key for u in children if u.kind == UnitKind.DEPARTMENT.value]
    measured = {
        "signed_docs_rate",
        "online_docs_rate",
        "paperless_meetings_rate",
        "official_email_rate",
        "online_applications_rate",
        "digitised_results_rate",
    }
    for key in keys:
        level = profile(key, 7, 12).level(11)
        for leaf in framework.leaves():
            if leaf.code in measured:
                continue
            rows.append([key, str(year), leaf.code, *_self_assessed(leaf, level, key)])
    header = ("unit_code", "period", "indicator", "value", "numerator", "denominator")
    write_table(path, header, rows)
    import_records(
        rt, records_of(header, rows), framework.id, source="generated", written=path, flags=False
    )
    facts.compute(rt, str(year), framework.id)


def _self_assessed(leaf: Node, level: float, key: str) -> list[object]:
    jitter = (zlib.crc32(f"{key}{leaf.code}".encode()) % 100) / 100
    if leaf.input is InputKind.RATE:
        total = 40 + int(jitter * 60)
        return ["", min(total, int(total * min(1.0, level + 0.1 * jitter))), total]
    if leaf.input is InputKind.YES_NO:
        return ["có" if jitter < 0.4 + 0.6 * level else "không", "", ""]
    if leaf.input is InputKind.CATEGORY:
        labels = [c.label for c in leaf.categories]
        return [labels[0] if level > 0.7 else labels[1] if level > 0.4 else labels[-1], "", ""]
    if leaf.input is InputKind.COUNT:
        steps = [s.threshold for s in leaf.steps] or [20]
        return [round(max(steps) * level * (0.7 + 0.6 * jitter)), "", ""]
    return [round(level, 4), "", ""]


ACCOUNTS = (
    ("admin", "Quản trị hệ thống", "admin", None),
    ("thamdinh", "Cán bộ thẩm định", "evaluator", None),
    ("lanhdao", "Lãnh đạo UBND tỉnh", "viewer", None),
    ("soyte", "Báo cáo viên Sở Y tế", "reporter", "75.SYT"),
)


def _accounts(rt: Runtime, pool: ThreadPoolExecutor) -> dict[str, Future[str]]:
    """An account per role with a fresh password each time the demo is built, each made on
    `pool`: its password is hashed at the full parameters (≈ 0,2 s of one core), and argon2
    releases the GIL, so the four hashes share the cores instead of running one after another.
    Each account's transaction is its own and short, beside the build's."""

    def account(spec: tuple[str, str, str, str | None]) -> str:
        username, name, role, unit = spec
        password = secrets.token_urlsafe(9)
        try:
            users.create_user(rt, username, name, password, role, unit, f"{username}@chiso.local")
        except ChisoError:
            users.set_password(rt, username, password)
        return password

    return {spec[0]: pool.submit(account, spec) for spec in ACCOUNTS}
