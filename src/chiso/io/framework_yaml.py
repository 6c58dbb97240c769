"""Framework files in YAML: what a province writes and reviews, validated with errors that name
the node (by its codes from the root) and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chiso.domain.frameworks import (
    ALL_UNITS,
    COVERAGE_POLICIES,
    IMPUTE_BY_KIND,
    ROLLUPS_FOR_INPUT,
    RULES_FOR_INPUT,
    TOTAL,
    Aggregation,
    Category,
    Framework,
    Imputation,
    InputKind,
    MissingPolicy,
    Node,
    Polarity,
    RankingGroup,
    Rollup,
    RuleKind,
    Step,
)
from chiso.domain.rollup import rollup_of
from chiso.domain.scope import IN_FORCE, SCHEME_CHOICES, Scope
from chiso.domain.scoring import rule_of
from chiso.domain.units import UnitKind
from chiso.errors import Problem, ProblemList, RejectedInput
from chiso.io import yaml_text

TOLERANCE = 1e-6
MAX_YAML_BYTES = 5 * 1024 * 1024


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, allow_inf_nan=False)


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
    goalposts: list[float] | None = None
    aggregate: Aggregation | None = None
    rollup: Rollup | None = None
    max_value: float | None = None
    children: list[NodeSpec] = []

    @field_validator("goalposts")
    @classmethod
    def _low_then_high(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and (len(v) != 2 or not v[0] < v[1]):
            raise ValueError("goalposts ghi [cận dưới, cận trên], cận dưới nhỏ hơn cận trên")
        return v

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


class ScopeSpec(_Spec):
    kinds: list[UnitKind] = []
    groups: list[str] = []
    scheme: str = IN_FORCE

    @field_validator("scheme")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        if v not in SCHEME_CHOICES:
            raise ValueError(f"phải là một trong: {', '.join(SCHEME_CHOICES)}")
        return v


class FrameworkSpec(_Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    issued_by: str = ""
    description: str = ""
    example: bool = False
    levels: list[str] = ["group", "index", "component", "item"]
    precision: int = Field(default=4, ge=0, le=6)
    missing: MissingPolicy = MissingPolicy.ZERO
    min_coverage: float | None = Field(default=None, gt=0, le=1)
    impute: Imputation | None = None
    impute_by: list[str] = []
    aggregate: Aggregation = Aggregation.ARITHMETIC
    evaluates: ScopeSpec = ScopeSpec()
    merge: Literal["mean", "weighted"] = "mean"
    legend: list[float] = [0.5, 0.8]
    below_threshold: float = Field(default=0.8, ge=0, le=1)
    ranking: RankingSpec = RankingSpec()
    nodes: list[NodeSpec] = Field(min_length=1)

    @field_validator("impute_by", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


def load_framework(path: Path) -> Framework:
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise RejectedInput(
                f"Tệp bộ chỉ số {path.name} lớn hơn {MAX_YAML_BYTES // 1024 // 1024} MB.",
                f"{path.name}: over {MAX_YAML_BYTES} bytes",
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RejectedInput(
            f"Không đọc được tệp bộ chỉ số {path.name}.", f"cannot read {path}: {exc}"
        ) from exc
    try:
        _refuse_aliases(text, path.name)
        data = yaml_text.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else ""
        raise RejectedInput(
            f"Tệp {path.name} không đúng cú pháp YAML ({where}).",
            f"{path.name}: YAML syntax error {where}: {exc}",
            hint_vi="kiểm tra thụt lề và dấu ':'.",
        ) from exc
    return framework_from_data(data, path.name)


def _refuse_aliases(text: str, source: str) -> None:
    """A framework never needs YAML anchors and aliases (&a, *a), and a kilobyte of nested
    aliases expands into millions of nodes when validated."""
    for event in yaml_text.events(text):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else "?"
            raise RejectedInput(
                f"Tệp {source} dùng bí danh YAML (*{event.anchor}) ở dòng {line}.",
                f"{source}: YAML alias at line {line}",
                hint_vi="viết đầy đủ từng nút, không dùng & và *.",
            )


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
    "finite_number": "phải là số hữu hạn",
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
    _check_policies(spec, problems)
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
        aggregate=spec.aggregate,
        min_coverage=spec.min_coverage,
        impute=spec.impute,
        impute_by=tuple(spec.impute_by),
        scope=Scope(
            frozenset(k.value for k in spec.evaluates.kinds),
            tuple(spec.evaluates.groups),
            spec.evaluates.scheme,
        ),
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
        goalposts=(spec.goalposts[0], spec.goalposts[1]) if spec.goalposts else None,
        aggregate=spec.aggregate,
        rollup=spec.rollup,
        max_value=spec.max_value,
    )
    if children:
        for key in ("goalposts", "rollup", "max_value"):
            if getattr(spec, key) is not None:
                problems.add(
                    f"{where}, trường '{key}'",
                    "chỉ dùng cho chỉ số lá (không có chỉ số con)",
                    f"{key} on a non-leaf node",
                )
    else:
        if spec.aggregate is not None:
            problems.add(
                f"{where}, trường 'aggregate'",
                "chỉ dùng cho nút có chỉ số con",
                "aggregate on a leaf",
            )
        _check_leaf(node, spec, where, problems)
    return node


def _check_policies(spec: FrameworkSpec, problems: ProblemList) -> None:
    if spec.min_coverage is not None and spec.missing not in COVERAGE_POLICIES:
        problems.add(
            "trường 'min_coverage'",
            "chỉ dùng với missing: skip hoặc exclude (nút thiếu số liệu mới có thể không có giá trị)",
            "min_coverage needs missing skip or exclude",
        )
    if spec.impute_by and spec.impute is not Imputation.GROUP_MEAN:
        problems.add(
            "trường 'impute_by'",
            "chỉ dùng với impute: group_mean",
            "impute_by needs impute group_mean",
        )
    if IMPUTE_BY_KIND in spec.impute_by and len(spec.impute_by) > 1:
        problems.add(
            "trường 'impute_by'",
            f"'{IMPUTE_BY_KIND}' (theo loại đơn vị) không dùng chung với tên nhóm đơn vị",
            "impute_by kind mixed with unit groups",
        )


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
    _check_minmax(node, rule, where, problems)
    _check_rollup(node, where, problems)


def _check_minmax(node: Node, rule: RuleKind, where: str, problems: ProblemList) -> None:
    if node.goalposts is None:
        return
    if rule is not RuleKind.MINMAX:
        problems.add(
            f"{where}, trường 'goalposts'",
            "chỉ dùng với rule: minmax",
            "goalposts without minmax",
        )
    lo, hi = node.goalposts
    if node.input is InputKind.RATE and not 0 <= lo < hi <= 100:
        problems.add(
            f"{where}, trường 'goalposts'",
            "cận của tỷ lệ ghi theo %, trong khoảng 0–100",
            "rate goalposts outside 0–100",
        )


def _check_rollup(node: Node, where: str, problems: ProblemList) -> None:
    assert node.input is not None
    allowed = ROLLUPS_FOR_INPUT[node.input]
    if node.rollup is not None and node.rollup not in allowed:
        listed = ", ".join(sorted(r.value for r in allowed))
        problems.add(
            f"{where}, trường 'rollup'",
            f"cách cộng dồn '{node.rollup.value}' không dùng được cho dữ liệu "
            f"'{node.input.value}' (dùng: {listed})",
            "rollup does not fit input",
        )
    if rollup_of(node) is None:
        problems.add(
            f"{where}, trường 'rollup'",
            "chỉ số kiểu số phải khai báo cách cộng dồn theo tháng: sum, mean hoặc last",
            "number leaf without rollup",
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
    }
    optional: dict[str, Any] = {
        "min_coverage": f.min_coverage,
        "impute": f.impute.value if f.impute else None,
        "impute_by": list(f.impute_by) or None,
        "aggregate": f.aggregate.value if f.aggregate is not Aggregation.ARITHMETIC else None,
        "evaluates": _scope_data(f.scope),
    }
    data |= {k: v for k, v in optional.items() if v is not None}
    data |= {
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


def _scope_data(scope: Scope) -> dict[str, Any] | None:
    data: dict[str, Any] = {}
    if scope.kinds:
        data["kinds"] = sorted(scope.kinds)
    if scope.groups:
        data["groups"] = list(scope.groups)
    if scope.scheme != IN_FORCE:
        data["scheme"] = scope.scheme
    return data or None


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
        "goalposts": [_num(g) for g in n.goalposts] if n.goalposts else None,
        "aggregate": n.aggregate.value if n.aggregate else None,
        "rollup": n.rollup.value if n.rollup else None,
        "max_value": _num(n.max_value) if n.max_value is not None else None,
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
