"""The signed-document rate of a folder of issued PDFs, for a unit whose documents do not pass
through the shared document system: each file's signatures are checked, the rate is stored like
any computed value (idempotent, audited)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chiso.domain.scoring import Value
from chiso.domain.signatures import Verdict
from chiso.errors import RejectedInput, UsageError
from chiso.services.assessments import evidence
from chiso.services.periods import parse_period
from chiso.services.runtime import Progress, Runtime, no_progress
from chiso.services.scoring import frameworks
from chiso.services.units.resolver import resolver_for
from chiso.services.values.changes import ImportReport, Matched, apply_values
from chiso.store.db import Session


@dataclass
class ScanReport:
    unit_name: str
    period: str
    closed_loop: bool
    files: list[tuple[str, Verdict | None, str]] = field(default_factory=list)
    """(file name, verdict or None when unreadable, problem)."""
    stored: ImportReport | None = None

    @property
    def signed(self) -> int:
        return sum(
            1 for _, v, _ in self.files if v and (v.closed_loop if self.closed_loop else v.signed)
        )

    @property
    def total(self) -> int:
        return len(self.files)


def scan_pdfs(
    rt: Runtime,
    folder: Path,
    unit: str,
    period: str,
    framework: str = "platform-usage",
    indicator: str = "signed_docs_rate",
    closed_loop: bool = True,
    trust: Path | None = None,
    progress: Progress = no_progress,
    replace: bool = False,
) -> ScanReport:
    if not folder.is_dir():
        raise UsageError(f"Không thấy thư mục {folder}.", f"no folder {folder}")
    pdfs = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
    if not pdfs:
        raise RejectedInput(
            f"Thư mục {folder} không có tệp PDF nào.", f"no PDF in {folder}",
            hint_vi="chép các văn bản đã phát hành (PDF) của đơn vị vào thư mục này.",
        )  # fmt: skip
    chosen, when = frameworks.get(rt, framework), parse_period(period)
    if chosen.node(indicator) is None:
        raise UsageError(f"Bộ chỉ số {chosen.id} không có chỉ số {indicator}.", "unknown indicator")
    with rt.db.transaction() as session:
        found, reason = resolver_for(session, [unit]).match(unit, when.end)
    if found is None:
        raise UsageError(f"Đơn vị '{unit}': {reason}", f"unknown unit {unit}")
    report = ScanReport(found.name, str(when), closed_loop)
    for done, path in enumerate(pdfs, 1):
        report.files.append(_check(rt, path, trust))
        progress("Kiểm tra chữ ký số", done, len(pdfs))
    value = Value(numerator=float(report.signed), denominator=float(report.total))
    matched = [Matched(found.id, found.key, found.name, when, indicator, value, str(folder))]
    mode = "khép kín" if closed_loop else "một chữ ký"
    ref = f"quét {report.total} PDF trong {folder.name} ({mode})"

    def work(session: Session) -> ImportReport:
        stored = ImportReport(f"thư mục {folder.name}", chosen.id, 1)
        apply_values(session, rt.actor, chosen, matched, ref, "computed", stored, replace)
        return stored

    report.stored = rt.db.run_write(work)
    return report


def _check(rt: Runtime, path: Path, trust: Path | None) -> tuple[str, Verdict | None, str]:
    try:
        return path.name, evidence.verdict_for(rt.settings, path.read_bytes(), trust), ""
    except RejectedInput as exc:
        return path.name, None, exc.message_vi
