"""Framework files in YAML: what a province writes and reviews, validated with errors that name
the node (by its codes from the root) and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chiso.domain.frameworks import (
    ALL_UNITS,
    RULES_FOR_INPUT,
    TOTAL,
    Category,
    Framework,
    InputKind,
    MissingPolicy,
    Node,
    Polarity,
    RankingGroup,
    RuleKind,
    Step,
)
from chiso.domain.scoring import rule_of
from chiso.domain.units import UnitKind
from chiso.errors import Problem, ProblemList, RejectedInput

TOLERANCE = 1e-6


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class StepSpec(_Spec):
    at_least: float | None = None
    at_most: float | None = None
    points: float = Field(ge=0)


class CategorySpec(_Spec):
    code: str
    label: str = ""
    share: float = Field(ge=0, le=1)


class NodeSpec(_Spec):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    max: float | None = Field(default=None, ge=0)
    input: InputKind | None = None
    rule: RuleKind | None = None
    target: float | None = Field(default=None, gt=0)
    steps: list[StepSpec] = []
    categories: list[CategorySpec] = []
    polarity: Polarity = Polarity.HIGHER
    thresholds: list[float] = []
    applies_to: list[UnitKind] = []
    method: str = ""
    evidence: str = ""
    source: str = ""
    verifier: str = ""
    unit: str = ""
    children: list[NodeSpec] = []

    @field_validator("thresholds")
    @classmethod
    def _ascending_shares(cls, v: list[float]) -> list[float]:
        if any(not 0 <= t <= 1 for t in v) or v != sorted(v):
            raise ValueError("ngưỡng màu phải tăng dần, trong khoảng 0–1 (chỉ số)")
        return v


class RankingGroupSpec(_Spec):
    code: str
    name: str
    unit_groups: list[str] = []
    kinds: list[UnitKind] = []


class RankingSpec(_Spec):
    groups: list[RankingGroupSpec] = []
    unranked_groups: list[str] = []


class FrameworkSpec(_Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    issued_by: str = ""
    description: str = ""
    example: bool = False
    levels: list[str] = ["group", "index", "component", "item"]
    precision: int = Field(default=4, ge=0, le=6)
    missing: MissingPolicy = MissingPolicy.ZERO
    merge: Literal["mean", "weighted"] = "mean"
    legend: list[float] = [0.5, 0.8]
    below_threshold: float = Field(default=0.8, ge=0, le=1)
    ranking: RankingSpec = RankingSpec()
    nodes: list[NodeSpec] = Field(min_length=1)


def load_framework(path: Path) -> Framework:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RejectedInput(
            f"Không đọc được tệp bộ chỉ số {path.name}.", f"cannot read {path}: {exc}"
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else ""
        raise RejectedInput(
            f"Tệp {path.name} không đúng cú pháp YAML ({where}).",
            f"{path.name}: YAML syntax error {where}: {exc}",
            hint_vi="kiểm tra thụt lề và dấu ':'.",
        ) from exc
    return framework_from_data(data, path.name)


def framework_from_data(data: Any, source: str) -> Framework:
    if not isinstance(data, dict):
        raise RejectedInput(
            f"Tệp {source} không phải bộ chỉ số (cần các trường id, name, nodes).",
            f"{source}: not a mapping",
        )
    try:
        spec = FrameworkSpec.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(data, err) for err in exc.errors()]
        raise RejectedInput(
            f"Bộ chỉ số {source} không hợp lệ: {len(problems)} lỗi.",
            f"{source}: {len(problems)} validation errors",
            problems=problems,
        ) from exc
    return build(spec, source)


def _problem(data: dict[str, Any], err: Any) -> Problem:
    loc = list(err["loc"])
    path, node, cursor = [], None, data
    field = ".".join(str(p) for p in loc)
    i = 0
    while i < len(loc) - 1 and loc[i] in ("nodes", "children") and isinstance(loc[i + 1], int):
        try:
            node = cursor[loc[i]][loc[i + 1]]
        except (KeyError, IndexError, TypeError):
            break
        path.append(str(node.get("code", f"#{loc[i + 1] + 1}")) if isinstance(node, dict) else "?")
        cursor = node
        i += 2
        field = ".".join(str(p) for p in loc[i:]) or "(toàn bộ nút)"
    where = f"nút {' › '.join(path)}, trường '{field}'" if path else f"trường '{field}'"
    return Problem(where, _vietnamese(err), f"{'/'.join(map(str, loc))}: {err['msg']}")


_MESSAGES = {
    "missing": "bắt buộc nhưng chưa có",
    "extra_forbidden": "không có trong mẫu bộ chỉ số (gõ sai tên trường?)",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "float_parsing": "phải là một số",
    "int_parsing": "phải là số nguyên",
    "enum": "phải là một trong: {expected}",
    "string_pattern_mismatch": "chỉ gồm chữ thường không dấu, số, '-', '_' hoặc '.'",
    "too_short": "không được để trống",
    "string_too_short": "không được để trống",
    "string_too_long": "quá dài",
    "literal_error": "phải là một trong: {expected}",
}


def _vietnamese(err: Any) -> str:
    template = _MESSAGES.get(err["type"])
    if template is None:
        return str(err["msg"]).removeprefix("Value error, ")
    try:
        return template.format(**(err.get("ctx") or {}))
    except KeyError:
        return template


def build(spec: FrameworkSpec, source: str) -> Framework:
    """Checks what the schema cannot (codes unique, sums, rules fit inputs) and builds the tree."""
    problems = ProblemList()
    seen: set[str] = set()
    top = [_node(n, (), problems, seen) for n in spec.nodes]
    root = Node(TOTAL, spec.name, sum(n.max_points for n in top), tuple(top))
    problems.raise_if_any(source)
    return Framework(
        id=spec.id,
        name=spec.name,
        root=root,
        issued_by=spec.issued_by,
        description=spec.description,
        levels=tuple(spec.levels),
        precision=spec.precision,
        missing=spec.missing,
        ranking_groups=tuple(
            RankingGroup(g.code, g.name, tuple(g.unit_groups), tuple(k.value for k in g.kinds))
            for g in spec.ranking.groups
        )
        or (ALL_UNITS,),
        unranked_groups=tuple(spec.ranking.unranked_groups),
        merge_rule=spec.merge,
        legend=tuple(spec.legend),
        below_threshold=spec.below_threshold,
        example=spec.example,
    )


def _node(spec: NodeSpec, path: tuple[str, ...], problems: ProblemList, seen: set[str]) -> Node:
    here = (*path, spec.code)
    where = f"nút {' › '.join(here)}"
    if spec.code in seen or spec.code == TOTAL:
        problems.add(where, f"mã '{spec.code}' bị trùng hoặc dành riêng", "duplicate code")
    seen.add(spec.code)
    children = tuple(_node(c, here, problems, seen) for c in spec.children)
    maximum = spec.max
    if children:
        total = sum(c.max_points for c in children)
        if maximum is not None and abs(total - maximum) > TOLERANCE:
            problems.add(
                f"{where}, trường 'max'",
                f"điểm tối đa {maximum:g} khác tổng điểm tối đa của các chỉ số con ({total:g})",
                "max differs from the sum of children",
            )
        maximum = total if maximum is None else maximum
    elif maximum is None:
        problems.add(f"{where}, trường 'max'", "chỉ số lá phải có điểm tối đa", "leaf without max")
        maximum = 0.0
    node = Node(
        code=spec.code,
        name=spec.name,
        max_points=maximum,
        children=children,
        input=spec.input or (None if children else InputKind.INDEX),
        rule=spec.rule,
        target=spec.target,
        steps=tuple(_step(s) for s in spec.steps),
        categories=tuple(Category(c.code, c.label or c.code, c.share) for c in spec.categories),
        polarity=spec.polarity,
        thresholds=tuple(spec.thresholds),
        applies_to=frozenset(k.value for k in spec.applies_to),
        method=spec.method,
        evidence=spec.evidence,
        source=spec.source,
        verifier=spec.verifier,
        unit_label=spec.unit,
    )
    if not children:
        _check_leaf(node, spec, where, problems)
    return node


def _step(s: StepSpec) -> Step:
    return Step(s.at_least if s.at_least is not None else (s.at_most or 0.0), s.points)


def _check_leaf(node: Node, spec: NodeSpec, where: str, problems: ProblemList) -> None:
    assert node.input is not None
    rule = rule_of(node)
    if rule not in RULES_FOR_INPUT[node.input]:
        allowed = ", ".join(sorted(r.value for r in RULES_FOR_INPUT[node.input]))
        problems.add(
            f"{where}, trường 'rule'",
            f"quy tắc '{rule.value}' không dùng được cho dữ liệu '{node.input.value}' (dùng: {allowed})",
            "rule does not fit input",
        )
    if rule is RuleKind.STEPS:
        if not node.steps:
            problems.add(
                f"{where}, trường 'steps'", "quy tắc bậc thang cần danh sách bậc", "no steps"
            )
        if any(s.points > node.max_points + TOLERANCE for s in node.steps):
            problems.add(
                f"{where}, trường 'steps'", "điểm của một bậc vượt điểm tối đa", "step over max"
            )
        key = "at_most" if node.polarity is Polarity.LOWER else "at_least"
        if any(getattr(s, key) is None for s in spec.steps):
            problems.add(
                f"{where}, trường 'steps'", f"mỗi bậc cần '{key}' và 'points'", f"steps need {key}"
            )
    if rule is RuleKind.CATEGORICAL and not node.categories:
        problems.add(
            f"{where}, trường 'categories'", "cần danh sách lựa chọn và tỷ lệ điểm", "no categories"
        )
    if rule is RuleKind.TARGET_CAPPED and node.target is None:
        problems.add(f"{where}, trường 'target'", "quy tắc theo chỉ tiêu cần 'target'", "no target")
    if node.input is InputKind.RATE and node.target is not None and node.target > 100:
        problems.add(
            f"{where}, trường 'target'",
            "chỉ tiêu tỷ lệ ghi theo %, tối đa 100",
            "rate target over 100",
        )


def dump_framework(framework: Framework) -> str:
    return yaml.safe_dump(
        framework_to_data(framework), allow_unicode=True, sort_keys=False, width=100
    )


def framework_to_data(f: Framework) -> dict[str, Any]:
    data: dict[str, Any] = {"id": f.id, "name": f.name}
    if f.issued_by:
        data["issued_by"] = f.issued_by
    if f.description:
        data["description"] = f.description
    if f.example:
        data["example"] = True
    data |= {
        "levels": list(f.levels),
        "precision": f.precision,
        "missing": f.missing.value,
        "merge": f.merge_rule,
        "legend": list(f.legend),
        "below_threshold": f.below_threshold,
    }
    groups = [
        {"code": g.code, "name": g.name, "unit_groups": list(g.unit_groups), "kinds": list(g.kinds)}
        for g in f.ranking_groups
        if g.code != "all" or g.unit_groups or g.kinds
    ]
    if groups or f.unranked_groups:
        data["ranking"] = {"groups": groups, "unranked_groups": list(f.unranked_groups)}
    data["nodes"] = [_node_data(n) for n in f.root.children]
    return data


def _node_data(n: Node) -> dict[str, Any]:
    d: dict[str, Any] = {"code": n.code, "name": n.name, "max": _num(n.max_points)}
    if n.is_leaf:
        d["input"] = n.input.value if n.input else None
        if n.rule:
            d["rule"] = n.rule.value
    optional: dict[str, Any] = {
        "target": _num(n.target) if n.target is not None else None,
        "polarity": n.polarity.value if n.polarity is Polarity.LOWER else None,
        "steps": [_step_data(s, n.polarity) for s in n.steps] or None,
        "categories": [
            {"code": c.code, "label": c.label, "share": _num(c.share)} for c in n.categories
        ]
        or None,
        "thresholds": list(n.thresholds) or None,
        "applies_to": sorted(n.applies_to) or None,
        "unit": n.unit_label or None,
        "method": n.method or None,
        "evidence": n.evidence or None,
        "source": n.source or None,
        "verifier": n.verifier or None,
    }
    d |= {k: v for k, v in optional.items() if v is not None}
    if n.children:
        d["children"] = [_node_data(c) for c in n.children]
    return d


def _step_data(s: Step, polarity: Polarity) -> dict[str, float | int]:
    key = "at_most" if polarity is Polarity.LOWER else "at_least"
    return {key: _num(s.threshold), "points": _num(s.points)}


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x
