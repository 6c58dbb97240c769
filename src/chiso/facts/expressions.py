"""The filter language of measures, compiled to Ibis (documented in docs/facts.md).

    expr   := or
    or     := and ("or" and)*
    and    := not ("and" not)*
    not    := "not" not | test
    test   := value (("=" | "==" | "!=" | "<" | "<=" | ">" | ">=") value
                    | ["not"] "in" "(" literal ("," literal)* ")"
                    | "is" ["not"] "null")?
    value  := "(" expr ")" | column | literal
    literal:= 'text' | "text" | number | true | false | null

A bare column must be a boolean column; every column must be declared by the source. Errors
name the position (1-based column) in the expression."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Ibis is imported when an expression is applied to a table, not to check one
    import ibis.expr.types as ir

KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false"}
COMPARISONS = {"=", "==", "!=", "<", "<=", ">", ">="}
_TOKEN = re.compile(
    r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<text>'[^']*'|\"[^\"]*\")|(?P<op><=|>=|==|!=|[=<>(),])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)


class ExpressionError(ValueError):
    def __init__(self, message_vi: str, message_en: str, position: int) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def tokens(source: str) -> list[Token]:
    out: list[Token] = []
    at = 0
    while at < len(source):
        if source[at:].strip() == "":
            break
        match = _TOKEN.match(source, at)
        if not match or match.end() == at:
            spot = at + len(source[at:]) - len(source[at:].lstrip())
            raise ExpressionError(
                f"ký tự không hợp lệ '{source[spot]}'",
                f"unexpected character {source[spot]!r}",
                spot + 1,
            )
        kind = match.lastgroup or ""
        text = match.group(kind)
        start = match.start(kind)
        if kind == "word" and text.lower() in KEYWORDS:
            kind, text = "keyword", text.lower()
        out.append(Token(kind, text, start + 1))
        at = match.end()
    out.append(Token("end", "", len(source) + 1))
    return out


# A compiled node: a function of the table, and its kind ("boolean" or a value kind).
Node = tuple[Callable[["ir.Table"], Any], str]


class _Parser:
    def __init__(self, text: str, columns: dict[str, str]) -> None:
        self.toks = tokens(text)
        self.at = 0
        self.columns = columns

    def peek(self) -> Token:
        return self.toks[self.at]

    def take(self) -> Token:
        tok = self.toks[self.at]
        self.at += 1
        return tok

    def expect(self, kind: str, text: str | None = None) -> Token:
        tok = self.take()
        if tok.kind != kind or (text is not None and tok.text != text):
            wanted = text or kind
            raise ExpressionError(
                f"cần '{wanted}', gặp '{tok.text or 'hết biểu thức'}'",
                f"expected {wanted!r}, found {tok.text or 'end'!r}",
                tok.position,
            )
        return tok

    def is_(self, kind: str, text: str) -> bool:
        tok = self.peek()
        return tok.kind == kind and tok.text == text

    def parse(self) -> Node:
        node = self.or_()
        tok = self.peek()
        if tok.kind != "end":
            raise ExpressionError(
                f"thừa '{tok.text}' sau biểu thức", f"unexpected {tok.text!r}", tok.position
            )
        return node

    def or_(self) -> Node:
        left = self.and_()
        while self.is_("keyword", "or"):
            tok = self.take()
            right = self.and_()
            left = _logic(left, right, tok, lambda a, b: a | b)
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self.is_("keyword", "and"):
            tok = self.take()
            right = self.not_()
            left = _logic(left, right, tok, lambda a, b: a & b)
        return left

    def not_(self) -> Node:
        if self.is_("keyword", "not"):
            tok = self.take()
            inner = self.not_()
            _boolean(inner, tok.position)
            fn = inner[0]
            return (lambda t: ~fn(t)), "boolean"
        return self.test()

    def test(self) -> Node:
        start = self.peek()
        left = self.value()
        tok = self.peek()
        if tok.kind == "op" and tok.text in COMPARISONS:
            self.take()
            right = self.value()
            return _compare(left, right, tok)
        negate = False
        if self.is_("keyword", "not") and self.toks[self.at + 1].text == "in":
            self.take()
            negate = True
        if self.is_("keyword", "in"):
            self.take()
            return self.member(left, negate)
        if self.is_("keyword", "is"):
            self.take()
            negated = self.is_("keyword", "not")
            if negated:
                self.take()
            self.expect("keyword", "null")
            fn = left[0]
            if negated:
                return (lambda t: fn(t).notnull()), "boolean"
            return (lambda t: fn(t).isnull()), "boolean"
        if left[1] != "boolean":
            raise ExpressionError(
                f"'{start.text}' không phải điều kiện đúng/sai (cột kiểu {left[1]})",
                f"{start.text!r} is not a condition ({left[1]})",
                start.position,
            )
        return left

    def member(self, left: Node, negate: bool) -> Node:
        self.expect("op", "(")
        items = [self.literal()]
        while self.is_("op", ","):
            self.take()
            items.append(self.literal())
        self.expect("op", ")")
        fn = left[0]
        values = [v for v, _ in items]
        if negate:
            return (lambda t: ~fn(t).isin(values)), "boolean"
        return (lambda t: fn(t).isin(values)), "boolean"

    def literal(self) -> tuple[Any, str]:
        tok = self.take()
        if tok.kind == "number":
            return (float(tok.text) if "." in tok.text else int(tok.text)), "number"
        if tok.kind == "text":
            return tok.text[1:-1], "string"
        if tok.kind == "keyword" and tok.text in {"true", "false"}:
            return tok.text == "true", "boolean"
        raise ExpressionError(
            f"cần một giá trị, gặp '{tok.text or 'hết biểu thức'}'",
            f"expected a literal, found {tok.text or 'end'!r}",
            tok.position,
        )

    def value(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "(":
            self.take()
            inner = self.or_()
            self.expect("op", ")")
            return inner
        if tok.kind == "word":
            self.take()
            if tok.text not in self.columns:
                raise ExpressionError(
                    f"không có cột '{tok.text}' (các cột: {', '.join(self.columns)})",
                    f"unknown column {tok.text!r}",
                    tok.position,
                )
            name = tok.text
            return (lambda t: t[name]), self.columns[name]
        if tok.kind == "keyword" and tok.text == "null":
            self.take()
            return (lambda t: _ibis().null()), "null"
        value, kind = self.literal()
        return (lambda t: _ibis().literal(value)), kind


def _ibis() -> Any:
    import ibis

    return ibis


def _boolean(node: Node, position: int) -> None:
    if node[1] != "boolean":
        raise ExpressionError(
            f"cần một điều kiện đúng/sai (gặp giá trị kiểu {node[1]})",
            f"expected a condition, found a {node[1]} value",
            position,
        )


def _logic(left: Node, right: Node, tok: Token, op: Callable[[Any, Any], Any]) -> Node:
    _boolean(left, tok.position)
    _boolean(right, tok.position)
    lf, rf = left[0], right[0]
    return (lambda t: op(lf(t), rf(t))), "boolean"


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(left: Node, right: Node, tok: Token) -> Node:
    if "null" in (left[1], right[1]):
        raise ExpressionError(
            "so sánh với null dùng 'is null' hoặc 'is not null'",
            "compare with null using 'is null'",
            tok.position,
        )
    lf, rf, op = left[0], right[0], _OPS[tok.text]
    return (lambda t: op(lf(t), rf(t))), "boolean"


def compile_filter(text: str, columns: dict[str, str]) -> Callable[[ir.Table], ir.BooleanValue]:
    """A function of a table giving the boolean column the expression means; raises
    `ExpressionError` (with the 1-based position) when the expression is invalid for `columns`
    (column name → kind: boolean, string, integer, number, timestamp, date, month)."""
    fn, kind = _Parser(text, columns).parse()
    _boolean((fn, kind), 1)

    def per_row(t: ir.Table) -> ir.BooleanValue:
        import ibis.expr.types as ir

        value = fn(t)
        if isinstance(value, ir.Scalar):  # a constant such as `true`: the same for every row
            anchor = t[t.columns[0]]
            return (anchor.isnull() | True) & value
        result: ir.BooleanValue = value
        return result

    return per_row
