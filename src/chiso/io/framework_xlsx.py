"""The familiar Excel table of a framework (STT | Chỉ số | Điểm tối đa | Cách xác định và tính điểm |
Tài liệu kiểm chứng | Nguồn dữ liệu | Đơn vị xác minh), plus the columns chiso needs to score it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from chiso.domain.formatting import number
from chiso.domain.frameworks import (
    AGGREGATION_LABELS,
    INPUT_LABELS,
    ROLLUP_LABELS,
    RULE_LABELS,
    Framework,
    Node,
    Polarity,
)
from chiso.domain.text import fold, slug
from chiso.errors import ProblemList
from chiso.io.framework_yaml import framework_from_data, framework_to_data
from chiso.io.tables import Sheet, column_key, read_table
from chiso.io.values import parse_number
from chiso.io.writers import append_row

COLUMNS = (
    ("stt", "STT"),
    ("code", "Mã"),
    ("parent", "Mã cấp trên"),
    ("name", "Chỉ số"),
    ("max", "Điểm tối đa"),
    ("method", "Cách xác định và tính điểm"),
    ("evidence", "Tài liệu kiểm chứng"),
    ("source", "Nguồn dữ liệu"),
    ("verifier", "Đơn vị xác minh"),
    ("input", "Kiểu dữ liệu"),
    ("rule", "Quy tắc tính điểm"),
    ("target", "Chỉ tiêu"),
    ("options", "Bậc điểm / lựa chọn"),
    ("polarity", "Chiều"),
    ("thresholds", "Ngưỡng màu"),
    ("applies_to", "Áp dụng cho"),
    ("unit", "Đơn vị tính"),
    ("goalposts", "Cận min–max"),
    ("aggregate", "Cách tổng hợp"),
    ("rollup", "Cộng dồn theo kỳ"),
    ("max_value", "Giá trị lớn nhất hợp lý"),
)
ALIASES = {column_key(label): key for key, label in COLUMNS} | {
    "chi_so_chi_so_thanh_phan": "name",
    "ten_chi_so": "name",
    "nguon_thu_thap_du_lieu": "source",
    "don_vi_phoi_hop_xac_minh": "verifier",
    "cach_xac_dinh": "method",
    "diem": "max",
}
INFO_SHEET = "Thông tin bộ chỉ số"
INFO_KEYS = (
    "id",
    "name",
    "issued_by",
    "description",
    "levels",
    "precision",
    "missing",
    "min_coverage",
    "impute",
    "impute_by",
    "aggregate",
    "evaluates",
    "merge",
    "legend",
    "below_threshold",
    "example",
    "ranking",
)
JSON_KEYS = frozenset({"levels", "legend", "ranking", "example", "impute_by", "evaluates"})
LOWER = "Thấp hơn là tốt hơn"
_STT = re.compile(r"^([IVXLC]+|\d+(?:\.\d+)*)\.?$")


def export_xlsx(framework: Framework, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Bộ chỉ số"
    append_row(ws, [label for _, label in COLUMNS])
    for node, depth in framework.root.walk():
        if depth:
            append_row(ws, _row(framework, node, depth))
            if not node.is_leaf:
                for cell in ws[ws.max_row]:
                    cell.font = Font(bold=True)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "A2"
    widths = (6, 18, 12, 50, 10, 50, 30, 25, 20, 12, 18, 9, 30, 12, 12, 16, 12, 14, 22, 16, 14)
    for letter, width in zip("ABCDEFGHIJKLMNOPQRSTU", widths, strict=True):
        ws.column_dimensions[letter].width = width
    info = wb.create_sheet(INFO_SHEET)
    append_row(info, ["Trường", "Giá trị"])
    data = framework_to_data(framework)
    for key in INFO_KEYS:
        if key in data:
            value = data[key]
            append_row(
                info,
                [
                    key,
                    json.dumps(value, ensure_ascii=False)
                    if isinstance(value, list | dict | bool)
                    else value,
                ],
            )
    info.column_dimensions["B"].width = 100
    wb.save(path)


def _row(framework: Framework, node: Node, depth: int) -> list[Any]:
    parent = framework.parent_of(node.code)
    return [
        node.code if _STT.match(node.code) else "",
        node.code,
        parent.code if parent and parent.code != "total" else "",
        node.name,
        node.max_points,
        node.method,
        node.evidence,
        node.source,
        node.verifier,
        INPUT_LABELS[node.input] if node.is_leaf and node.input else "",
        RULE_LABELS[node.rule] if node.is_leaf and node.rule else "",
        node.target if node.target is not None else "",
        _options(node),
        LOWER if node.polarity is Polarity.LOWER else "",
        "; ".join(number(t, 4) for t in node.thresholds),
        ", ".join(sorted(node.applies_to)),
        node.unit_label,
        "; ".join(number(g, 4, False) for g in node.goalposts) if node.goalposts else "",
        AGGREGATION_LABELS[node.aggregate] if node.aggregate else "",
        ROLLUP_LABELS[node.rollup] if node.rollup else "",
        node.max_value if node.max_value is not None else "",
    ]


def _options(node: Node) -> str:
    sign = "≤" if node.polarity is Polarity.LOWER else "≥"
    if node.steps:
        return "; ".join(
            f"{sign}{number(s.threshold, 4, False)}: {number(s.points, 4, False)}"
            for s in node.steps
        )
    return "; ".join(f"{c.code} ({c.label}): {number(c.share, 4)}" for c in node.categories)


def import_xlsx(path: Path, framework_id: str | None = None) -> Framework:
    sheets = read_table(path, ALIASES)
    table = next((s for s in sheets if "name" in s.header and "max" in s.header), sheets[0])
    info = _info(next((s for s in sheets if s.name == INFO_SHEET), None))
    problems = ProblemList()
    nodes = _tree(table, problems)
    problems.raise_if_any(path.name)
    data = info | {"nodes": nodes}
    data.setdefault("id", framework_id or slug(path.stem) or "framework")
    data.setdefault("name", path.stem)
    return framework_from_data(data, path.name)


def _info(sheet: Sheet | None) -> dict[str, Any]:
    if sheet is None:
        return {}
    out: dict[str, Any] = {}
    for row in sheet.rows:
        key, value = row.text("truong"), row.get("gia_tri")
        if not key or value is None:
            continue
        text = str(value)
        if key in JSON_KEYS:
            try:
                out[key] = json.loads(text)
            except ValueError:
                continue
        else:
            out[key] = value
    return out


def _tree(sheet: Sheet, problems: ProblemList) -> list[dict[str, Any]]:
    """Nodes nested by "Mã cấp trên", or by the STT pattern (I › 1 › 1.1) when it is absent."""
    roots: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, Any]] = {}
    stack: list[tuple[int, dict[str, Any]]] = []
    has_roman = any(re.fullmatch(r"[IVXLC]+\.?", r.text("stt")) for r in sheet.rows)
    for row in sheet.rows:
        node = _node(sheet, row, problems)
        if node is None:
            continue
        code = node["code"]
        parent_code = row.text("parent") if "parent" in sheet.header else None
        if parent_code is None:
            depth = _depth(row.text("stt"), has_roman)
            while stack and stack[-1][0] >= depth:
                stack.pop()
            parent = stack[-1][1] if stack else None
            stack.append((depth, node))
        elif parent_code:
            parent = by_code.get(parent_code)
            if parent is None:
                problems.add(
                    sheet.where(row.number, "parent"),
                    f"mã cấp trên '{parent_code}' chưa xuất hiện ở các dòng trên",
                    "unknown parent",
                )
                continue
        else:
            parent = None
        (parent.setdefault("children", []) if parent else roots).append(node)
        by_code[code] = node
    return roots


def _depth(stt: str, has_roman: bool) -> int:
    stt = stt.rstrip(".")
    if re.fullmatch(r"[IVXLC]+", stt):
        return 1
    return (2 if has_roman else 1) + stt.count(".")


def _node(sheet: Sheet, row: Any, problems: ProblemList) -> dict[str, Any] | None:
    code = row.text("code") or row.text("stt").rstrip(".")
    if not code:
        problems.add(
            sheet.where(row.number, "code"), "thiếu mã hoặc STT của chỉ số", "missing code"
        )
        return None
    node: dict[str, Any] = {"code": code, "name": row.text("name")}
    maximum = row.get("max")
    if maximum not in (None, ""):
        parsed = parse_number(maximum)
        if parsed is None:
            problems.add(
                sheet.where(row.number, "max"), f"điểm tối đa '{maximum}' không phải số", "bad max"
            )
        else:
            node["max"] = parsed
    for key in ("method", "evidence", "source", "verifier", "unit"):
        if row.text(key):
            node[key] = row.text(key)
    _scoring_columns(sheet, row, node, problems)
    return node


def _scoring_columns(sheet: Sheet, row: Any, node: dict[str, Any], problems: ProblemList) -> None:
    if row.text("input"):
        node["input"] = _choice(row.text("input"), INPUT_LABELS, sheet, row, "input", problems)
    if row.text("rule"):
        node["rule"] = _choice(row.text("rule"), RULE_LABELS, sheet, row, "rule", problems)
    if row.text("target"):
        node["target"] = _cell_number(row, "target")
    if fold(row.text("polarity")) == fold(LOWER) or row.text("polarity") == Polarity.LOWER.value:
        node["polarity"] = Polarity.LOWER.value
    if row.text("thresholds"):
        node["thresholds"] = [parse_number(t) for t in row.text("thresholds").split(";")]
    if row.text("applies_to"):
        node["applies_to"] = [k.strip() for k in row.text("applies_to").split(",") if k.strip()]
    if row.text("options"):
        _parse_options(row.text("options"), node)
    _composite_columns(sheet, row, node, problems)


def _composite_columns(sheet: Sheet, row: Any, node: dict[str, Any], problems: ProblemList) -> None:
    if row.text("goalposts"):
        node["goalposts"] = [parse_number(g) for g in row.text("goalposts").split(";")]
    if row.text("aggregate"):
        node["aggregate"] = _choice(
            row.text("aggregate"), AGGREGATION_LABELS, sheet, row, "aggregate", problems
        )
    if row.text("rollup"):
        node["rollup"] = _choice(row.text("rollup"), ROLLUP_LABELS, sheet, row, "rollup", problems)
    if row.text("max_value"):
        node["max_value"] = _cell_number(row, "max_value")


def _cell_number(row: Any, column: str) -> float | None:
    """A number cell as the workbook holds it (its text "28.121" would read two ways)."""
    value = row.get(column)
    return parse_number(value.strip().removesuffix("%") if isinstance(value, str) else value)


def _choice(
    text: str, labels: dict[Any, str], sheet: Sheet, row: Any, column: str, problems: ProblemList
) -> str:
    wanted = fold(text)
    for kind, label in labels.items():
        if wanted in (kind.value, fold(label)):
            return str(kind.value)
    choices = ", ".join(labels.values())
    problems.add(
        sheet.where(row.number, column), f"'{text}' không hợp lệ (dùng: {choices})", f"bad {column}"
    )
    return text


def _parse_options(text: str, node: dict[str, Any]) -> None:
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if all(p[:1] in "≥≤" for p in parts):
        key = "at_most" if parts[0].startswith("≤") else "at_least"
        node["steps"] = [
            {key: parse_number(p[1:].split(":")[0]), "points": parse_number(p.split(":")[1])}
            for p in parts
        ]
        return
    categories = []
    for p in parts:
        head, _, share = p.rpartition(":")
        code, _, label = head.partition("(")
        categories.append(
            {
                "code": code.strip(),
                "label": label.rstrip(") ").strip(),
                "share": parse_number(share),
            }
        )
    node["categories"] = categories
