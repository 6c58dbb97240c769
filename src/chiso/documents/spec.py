"""A document spec: what a clerk decides for one document (YAML on the command line, the composer
on the web, saved and reused next month): trích yếu, căn cứ, kính gửi, opening, which findings in
what order, instructions to named recipients with deadlines, the target sentence, the appendix,
nơi nhận and the drafter. Anything left out follows the wording of the agency's level and date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml

from chiso.errors import ProblemList, RejectedInput

KINDS = ("letter", "appendix", "summary", "ranking", "notice", "result", "reminder")
SORTS = ("value", "value_desc", "name", "roster")
SHOWS = ("units", "total", "overall")


@dataclass(frozen=True)
class Item:
    text: str
    deadline: str = ""
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Instruction:
    """A numbered part addressed to someone: "2. Phòng Văn hóa – Thông tin huyện" and its items.
    `lead` names the unit that leads the items when they become tracked tasks."""

    to: str
    items: tuple[Item, ...] = ()
    verb: str = ""
    lead: str = ""
    text: str = ""
    """A one-paragraph part written after the addressee ("4. Đề nghị Huyện đoàn: …")."""


@dataclass(frozen=True)
class Finding:
    indicator: str
    below: float | None = None
    """As people write it (percent for rates); the target when left out."""
    sort: str = "value"
    grouped: bool = True
    show: str = "units"
    group: str = ""
    lead: str = ""
    """The sentence before the list, in the clerk's words."""


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    intro: str = ""
    instructions: tuple[Instruction, ...] = ()


@dataclass
class DocumentSpec:
    kind: str
    agency: str | None = None
    signer: str | None = None
    date: date = field(default_factory=date.today)
    fill_date: bool = False
    number: str = ""
    period: str | None = None
    earlier: str | None = None
    framework: str = "platform-usage"
    subject: str | None = None
    bases: list[str] | None = None
    recipients: list[str] | None = None
    opening: str | None = None
    findings: list[Finding] = field(default_factory=list)
    group_order: list[str] = field(default_factory=list)
    instructions: list[Instruction] | None = None
    closing: str | None = None
    target: str = ""
    appendix: str | None = None
    """An indicator code: its appendix is made and referenced before "./."."""
    distribution: list[str] | None = None
    drafter: str = ""
    office_code: str = ""
    percent_decimals: int = 2
    max_list: int = 15
    meeting: dict[str, str] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    unit: str = ""
    weak_below: float = 80
    subordinates: dict[str, Any] = field(default_factory=dict)
    indicators: list[str] = field(default_factory=list)
    other_indices: list[str] = field(default_factory=list)
    """Result letter: other frameworks whose result of the same unit is stated beside the main one
    (seed 004 states the administrative-reform sub-index before the DTI)."""
    chair_title: str = ""


SCALARS = frozenset(
    [
        "agency",
        "signer",
        "number",
        "period",
        "earlier",
        "framework",
        "subject",
        "opening",
        "closing",
        "target",
        "appendix",
        "drafter",
        "office_code",
        "unit",
        "chair_title",
    ]
)
LISTS = {"bases", "recipients", "distribution", "group_order", "indicators", "other_indices"}


def parse(text: str, where: str, kind: str | None = None) -> DocumentSpec:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RejectedInput(
            f"Tệp văn bản {where} không đúng cú pháp YAML.", f"bad spec YAML: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise RejectedInput(
            f"Tệp văn bản {where} phải là một bảng khóa: giá trị.", "spec not a map"
        )
    return from_data(data, where, kind)


def from_data(data: dict[str, Any], where: str, kind: str | None = None) -> DocumentSpec:
    found = ProblemList()
    chosen = str(data.get("type") or kind or "")
    if chosen not in KINDS:
        found.add(
            f"{where}, khóa 'type'",
            f"loại văn bản '{chosen}' không có",
            "bad kind",
            ", ".join(KINDS),
        )
    if kind and chosen and chosen != kind:
        found.add(
            f"{where}, khóa 'type'", f"tệp này là '{chosen}', lệnh cần '{kind}'", "kind mismatch"
        )
    spec = DocumentSpec(chosen or "letter")
    for key, value in data.items():
        _apply(spec, key, value, f"{where}, khóa '{key}'", found)
    found.raise_if_any(where)
    return spec


def _apply(spec: DocumentSpec, key: str, value: Any, where: str, found: ProblemList) -> None:
    if key == "type":
        return
    if key in SCALARS:
        setattr(spec, key, "" if value is None else str(value).strip())
    elif key in LISTS:
        setattr(spec, key, [str(v) for v in _as_list(value)])
    elif key == "date":
        spec.date = _date(value, where, found) or spec.date
    elif key in ("fill_date",):
        spec.fill_date = bool(value)
    elif key in ("percent_decimals", "max_list", "weak_below"):
        setattr(spec, key, _number(value, where, found, int if key != "weak_below" else float))
    elif not _structured(spec, key, value, where, found):
        found.add(where, "khóa không dùng được trong tệp văn bản", f"unknown spec key {key}")


def _structured(spec: DocumentSpec, key: str, value: Any, where: str, found: ProblemList) -> bool:
    if key == "findings":
        spec.findings = [
            _finding(f, f"{where}[{i + 1}]", found) for i, f in enumerate(_as_list(value))
        ]
    elif key == "instructions":
        spec.instructions = [
            _instruction(x, f"{where}[{i + 1}]", found) for i, x in enumerate(_as_list(value))
        ]
    elif key == "sections":
        spec.sections = [
            _section(x, f"{where}[{i + 1}]", found) for i, x in enumerate(_as_list(value))
        ]
    elif key in ("meeting", "subordinates") and isinstance(value, dict):
        setattr(spec, key, {str(k): v for k, v in value.items()})
    else:
        return False
    return True


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _number(value: Any, where: str, found: ProblemList, kind: type[Any]) -> Any:
    try:
        return kind(str(value).replace(",", "."))
    except ValueError:
        found.add(where, f"'{value}' không phải số", "not a number")
        return kind(0)


def _date(value: Any, where: str, found: ProblemList) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(str(value).strip(), pattern).date()
        except ValueError:
            continue
    found.add(where, f"'{value}' không phải ngày", "bad date", "ghi dạng 20/07/2023")
    return None


def _finding(raw: Any, where: str, found: ProblemList) -> Finding:
    if isinstance(raw, str):
        return Finding(raw)
    if not isinstance(raw, dict) or not raw.get("indicator"):
        found.add(where, "cần 'indicator' (mã chỉ số)", "finding without indicator")
        return Finding("")
    unknown = set(raw) - {"indicator", "below", "sort", "grouped", "show", "group", "lead"}
    for key in sorted(unknown):
        found.add(
            f"{where}.{key}", "khóa không dùng được trong một nhận xét", "unknown finding key"
        )
    sort, show = str(raw.get("sort") or "value"), str(raw.get("show") or "units")
    if sort not in SORTS:
        found.add(f"{where}.sort", f"'{sort}' không hợp lệ", "bad sort", ", ".join(SORTS))
    if show not in SHOWS:
        found.add(f"{where}.show", f"'{show}' không hợp lệ", "bad show", ", ".join(SHOWS))
    below = raw.get("below")
    return Finding(
        str(raw["indicator"]),
        None if below is None else _number(below, f"{where}.below", found, float),
        sort,
        bool(raw.get("grouped", True)),
        show,
        str(raw.get("group") or ""),
        str(raw.get("lead") or ""),
    )


def _item(raw: Any, where: str, found: ProblemList) -> Item:
    if isinstance(raw, str):
        return Item(raw)
    if not isinstance(raw, dict) or not raw.get("text"):
        found.add(where, "cần 'text' (và tùy chọn deadline, items)", "bad item")
        return Item("")
    subs = tuple(
        _item(x, f"{where}.items[{i + 1}]", found) for i, x in enumerate(_as_list(raw.get("items")))
    )
    deadline = raw.get("deadline")
    text = f"{deadline:%d/%m/%Y}" if isinstance(deadline, date) else str(deadline or "")
    return Item(str(raw["text"]), text.strip(), subs)


def _instruction(raw: Any, where: str, found: ProblemList) -> Instruction:
    if not isinstance(raw, dict) or "to" not in raw:
        found.add(where, "cần 'to' (gửi ai) và 'items'", "bad instruction")
        return Instruction("")
    items = tuple(
        _item(x, f"{where}.items[{i + 1}]", found) for i, x in enumerate(_as_list(raw.get("items")))
    )
    return Instruction(
        str(raw["to"] or ""),
        items,
        str(raw.get("verb") or ""),
        str(raw.get("lead") or ""),
        str(raw.get("text") or ""),
    )


def _section(raw: Any, where: str, found: ProblemList) -> Section:
    if not isinstance(raw, dict) or not raw.get("heading"):
        found.add(where, "cần 'heading'", "bad section")
        return Section("")
    return Section(
        str(raw["heading"]),
        tuple(str(p) for p in _as_list(raw.get("paragraphs"))),
        str(raw.get("intro") or ""),
        tuple(
            _instruction(x, f"{where}.instructions[{i + 1}]", found)
            for i, x in enumerate(_as_list(raw.get("instructions")))
        ),
    )
