"""The notice of a meeting's conclusions, and in the same step its assignments as tracked tasks:
each item of an assignment that names its lead unit becomes a task under the notice (one
directive per notice), with its deadline as written, standing duties included."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chiso.documents import notice as notice_doc
from chiso.documents.spec import DocumentSpec, Item
from chiso.domain.deadlines import DeadlineError, parse_deadline
from chiso.errors import ProblemList, UsageError
from chiso.io.tasks_file import TaskRow
from chiso.services.documents.drafts import draft
from chiso.services.runtime import Runtime
from chiso.services.tasks.importer import TaskImportReport, import_rows


@dataclass
class NoticeRequest:
    spec: DocumentSpec
    track: bool = True
    wording: Path | None = None


@dataclass
class NoticeMade:
    paths: list[Path]
    tasks: TaskImportReport | None = None
    untracked: list[str] = field(default_factory=list)


def notice(rt: Runtime, req: NoticeRequest, out: Path) -> NoticeMade:
    spec = req.spec
    if not spec.subject or not spec.sections:
        raise UsageError(
            "Thông báo kết luận cần trích yếu (subject) và các mục (sections).",
            "notice without subject or sections",
            hint_vi="xem mẫu bằng `chiso report spec notice --out tb.yaml`.",
        )
    d = draft(rt, spec, "notice", req.wording)
    rows, problems, untracked = task_rows(spec, d.voice.profile.short_name)
    report = None
    if req.track and rows:
        report = import_rows(rt, rows, problems, directive_of(spec))
    elif problems:
        problems.raise_if_any(directive_of(spec))
    path = notice_doc.compose(d).save(out)
    return NoticeMade([path], report, untracked)


def directive_of(spec: DocumentSpec) -> str:
    """The notice's number once the clerk knows it, else its date (one directive per meeting)."""
    return spec.number or f"Thông báo kết luận ngày {spec.date:%d/%m/%Y}"


def task_rows(spec: DocumentSpec, issuer: str) -> tuple[list[TaskRow], ProblemList, list[str]]:
    rows: list[TaskRow] = []
    problems = ProblemList()
    untracked: list[str] = []
    for s, section in enumerate(spec.sections, start=1):
        for n, part in enumerate(section.instructions, start=1):
            if not part.lead:
                if part.items or part.text:
                    untracked.append(
                        f"mục {s}.{n} ({part.to[:60]}): chưa ghi lead (đơn vị chủ trì)"
                    )
                continue
            items = part.items or (Item(part.text),)
            for i, item in enumerate(items, start=1):
                code = f"{s}.{n}.{i}"
                where = f"{directive_of(spec)}, mục {code}"
                try:
                    deadline = parse_deadline(item.deadline)
                except DeadlineError as exc:
                    problems.add(where, str(exc), "bad deadline")
                    continue
                rows.append(
                    TaskRow(
                        where,
                        directive_of(spec),
                        spec.date,
                        spec.subject or "",
                        issuer,
                        code,
                        _title(item),
                        part.lead,
                        (),
                        deadline,
                        None,
                        None,
                        None,
                    )
                )
    return rows, problems, untracked


def _title(item: Item) -> str:
    subs = "; ".join(s.text.rstrip(" .;") for s in item.items)
    return f"{item.text.rstrip(' :.')}: {subs}" if subs else item.text
