"""The worst-case cost of a CEL expression, read from its text alone.

``cel`` (the cel-rust bindings) has no cost tracking, no step limit and cannot be
interrupted: ``Program.execute`` runs to the end in Rust. A comprehension (``.all``,
``.exists``, ``.exists_one``, ``.map``, ``.filter``) runs its body once per element of
its list, so five nested ``.all()`` over 100 elements is 10^10 steps. So the save path
bounds the work *before* anything runs: this module parses the expression (CEL's small
grammar, recursive descent) and adds up what evaluating it may cost in the worst case:

- every operator, literal, variable, call and field access costs 1;
- a comprehension costs its list plus (size of the list) * (its body + 1): nested ones
  multiply;
- building a list or a map costs one per element, and concatenating two lists, ``in``
  on a list or comparing lists costs their sizes (strings: one per 16 characters);
- a conditional costs its condition plus its dearer branch; ``&&`` and ``||`` both sides.

Sizes are tracked as *shapes*: a list literal has its element count, a map literal its
entry count, a context namespace (``customer``) its field count, ``.map()`` and
``.filter()`` keep their list's size, and a comprehension variable takes the shape of
its list's elements. The decision context itself holds no lists, so every list comes
from the expression's own text and its size is known; a range the estimate cannot size
counts as ``UNKNOWN_RANGE`` elements. Context strings count as ``CONTEXT_STRING_SIZE``
characters.

One cost unit is roughly 0.05 µs of evaluation (``cel`` 0.10 on a 2-core build machine:
two nested ``.all()`` over 100 elements are 80,502 units and take 3.4 ms), so the default
``DISCRETION_CEL_MAX_COST`` of 10,000 is well under a millisecond per rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from policies.context import CONTEXT_VARIABLES

UNKNOWN_RANGE = 1000
CONTEXT_STRING_SIZE = 255
_CHARS_PER_UNIT = 16
_COMPREHENSIONS = frozenset({"all", "exists", "exists_one", "map", "filter"})

_TOKEN = re.compile(
    r"""
    (?P<string>(?:[rR][bB]?|[bB][rR]?)?
        (?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
    |(?P<number>0[xX][0-9a-fA-F]+[uU]?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<space>\s+|//[^\n]*)
    |(?P<op>&&|\|\||==|!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_NOT_STRINGS = frozenset({"true", "false", "null"})
_RELATIONS = frozenset({"<", "<=", ">", ">=", "==", "!=", "in"})


class CostError(ValueError):
    """The estimate could not read the expression (or it nests too deeply to read)."""


@dataclass(frozen=True)
class Shape:
    """What the estimate knows of a value: ``size`` elements (list, map) or characters
    (string), 0 for anything else; ``elem`` the shape of its elements (None: not a
    container)."""

    size: int = 0
    elem: Shape | None = None


SCALAR = Shape()  # a number, a bool, null: nothing to copy or scan


def _join(a: Shape | None, b: Shape | None) -> Shape | None:
    """The shape either could be: the larger of everything."""
    if a is None:
        return b
    if b is None:
        return a
    return Shape(max(a.size, b.size), _join(a.elem, b.elem))


def _join_all(shapes: list[Shape]) -> Shape:
    joined: Shape | None = None
    for shape in shapes:
        joined = _join(joined, shape)
    return joined or SCALAR


@dataclass(frozen=True)
class Estimate:
    """The worst case of one expression: ``cost`` units, comprehensions nested
    ``comprehension_depth`` deep."""

    cost: int
    comprehension_depth: int


_Value = tuple[int, Shape]


class _Estimator:
    def __init__(self, source: str, namespaces: Mapping[str, frozenset[str]]):
        self.tokens: list[tuple[str, str]] = [
            (m.lastgroup or "op", m.group())
            for m in _TOKEN.finditer(source)
            if m.lastgroup != "space"
        ]
        self.pos = 0
        self.namespaces = namespaces
        self.scopes: list[dict[str, Shape]] = []
        self.depth = 0
        self.max_depth = 0

    # --- tokens ---------------------------------------------------------------------

    def _peek(self, ahead: int = 0) -> str | None:
        index = self.pos + ahead
        return self.tokens[index][1] if index < len(self.tokens) else None

    def _kind(self, ahead: int = 0) -> str | None:
        index = self.pos + ahead
        return self.tokens[index][0] if index < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        text = self._peek()
        if text is None or (expected is not None and text != expected):
            raise CostError(f"expected {expected or 'more'} at token {self.pos + 1}")
        self.pos += 1
        return text

    def _accept(self, text: str) -> bool:
        if self._peek() == text:
            self.pos += 1
            return True
        return False

    # --- grammar --------------------------------------------------------------------

    def run(self) -> Estimate:
        cost, _shape = self._expr()
        if self.pos != len(self.tokens):
            raise CostError(f"unexpected {self._peek()!r}")
        return Estimate(cost=cost, comprehension_depth=self.max_depth)

    def _expr(self) -> _Value:
        cost, shape = self._or()
        if not self._accept("?"):
            return cost, shape
        then_cost, then_shape = self._or()
        self._take(":")
        else_cost, else_shape = self._expr()
        return cost + max(then_cost, else_cost) + 1, _join(then_shape, else_shape) or SCALAR

    def _or(self) -> _Value:
        cost, shape = self._and()
        while self._accept("||"):
            right, _ = self._and()
            cost, shape = cost + right + 1, SCALAR
        return cost, shape

    def _and(self) -> _Value:
        cost, shape = self._relation()
        while self._accept("&&"):
            right, _ = self._relation()
            cost, shape = cost + right + 1, SCALAR
        return cost, shape

    def _relation(self) -> _Value:
        cost, shape = self._addition()
        while self._peek() in _RELATIONS:
            op = self._take()
            right_cost, right = self._addition()
            work = right.size if op == "in" else _size_cost(shape) + _size_cost(right)
            cost, shape = cost + right_cost + 1 + work, SCALAR
        return cost, shape

    def _addition(self) -> _Value:
        cost, shape = self._multiplication()
        while self._peek() in ("+", "-"):
            op = self._take()
            right_cost, right = self._multiplication()
            if op == "+":
                joined = Shape(shape.size + right.size, _join(shape.elem, right.elem))
                cost, shape = cost + right_cost + 1 + _size_cost(joined), joined
            else:
                cost, shape = cost + right_cost + 1, SCALAR
        return cost, shape

    def _multiplication(self) -> _Value:
        cost, shape = self._unary()
        while self._peek() in ("*", "/", "%"):
            self._take()
            right_cost, _ = self._unary()
            cost, shape = cost + right_cost + 1, SCALAR
        return cost, shape

    def _unary(self) -> _Value:
        ops = 0
        while self._peek() in ("!", "-"):
            self._take()
            ops += 1
        cost, shape = self._member()
        return cost + ops, shape if not ops else SCALAR

    def _member(self) -> _Value:
        cost, shape = self._primary()
        while True:
            if self._accept("."):
                self._accept("?")
                name = self._take()
                if self._accept("("):
                    cost, shape = self._method(cost, shape, name)
                else:
                    cost, shape = cost + 1, shape.elem or Shape(CONTEXT_STRING_SIZE)
            elif self._accept("["):
                self._accept("?")
                index_cost, _ = self._expr()
                self._take("]")
                cost, shape = cost + index_cost + 1, shape.elem or Shape(CONTEXT_STRING_SIZE)
            elif self._peek() == "{" and self.tokens[self.pos - 1][0] == "ident":
                cost, shape = cost + self._fields(), SCALAR
            else:
                return cost, shape

    def _method(self, cost: int, receiver: Shape, name: str) -> _Value:
        if name in _COMPREHENSIONS and self._kind() == "ident" and self._peek(1) == ",":
            return self._comprehension(cost, receiver, name)
        args = self._args(")")
        work = sum(c for c, _ in args) + sum(_size_cost(s) for _, s in args)
        shape = _join_all([receiver, *(s for _, s in args)])
        return cost + 1 + work + _size_cost(receiver), Shape(shape.size, shape.elem)

    def _comprehension(self, cost: int, receiver: Shape, name: str) -> _Value:
        variable = self._take()
        self._take(",")
        if receiver.elem is None:
            size, element = UNKNOWN_RANGE, Shape(CONTEXT_STRING_SIZE)
        else:
            size, element = receiver.size, receiver.elem
        self.scopes.append({variable: element})
        self.depth += 1
        self.max_depth = max(self.max_depth, self.depth)
        try:
            parts = self._args(")")
        finally:
            self.depth -= 1
            self.scopes.pop()
        if not parts or len(parts) > (2 if name == "map" else 1):
            raise CostError(f"{name}() takes a variable and an expression")
        body = sum(c for c, _ in parts)
        total = cost + 1 + size * (body + 1)
        if name == "map":
            return total, Shape(size, parts[-1][1])
        if name == "filter":
            return total, Shape(size, element)
        return total, SCALAR

    def _args(self, close: str) -> list[_Value]:
        """Comma-separated expressions up to ``close`` (a trailing comma is allowed)."""
        values: list[_Value] = []
        while not self._accept(close):
            self._accept("?")  # an optional element / entry
            values.append(self._expr())
            if not self._accept(","):
                self._take(close)
                break
        return values

    def _fields(self) -> int:
        """A message construction ``Name{field: value, ...}``: its values' cost."""
        self._take("{")
        cost = 1
        while not self._accept("}"):
            self._accept("?")
            self._take()
            self._take(":")
            cost += self._expr()[0] + 1
            if not self._accept(","):
                self._take("}")
                break
        return cost

    def _primary(self) -> _Value:
        kind, text = self._kind(), self._peek()
        if text is None:
            raise CostError("the expression ends early")
        if text == "(":
            self._take()
            value = self._expr()
            self._take(")")
            return value
        if text == "[":
            self._take()
            elements = self._args("]")
            return _container(elements, len(elements))
        if text == "{":
            self._take()
            return self._map()
        if text == "." and self._kind(1) == "ident":  # a name from the root: .customer
            self._take()
            kind, text = self.tokens[self.pos]
        if kind == "ident":
            self._take()
            if self._accept("("):
                args = self._args(")")
                work = sum(c for c, _ in args) + sum(_size_cost(s) for _, s in args)
                shape = SCALAR if text == "size" else _join_all([s for _, s in args])
                return 1 + work, shape
            return 1, self._identifier(text)
        if kind == "string":
            self._take()
            return 1, Shape(max(len(text) - 2, 1))
        if kind == "number":
            self._take()
            return 1, SCALAR
        raise CostError(f"unexpected {text!r}")

    def _map(self) -> _Value:
        entries: list[_Value] = []
        count = 0
        while not self._accept("}"):
            self._accept("?")
            entries.append(self._expr())
            self._take(":")
            entries.append(self._expr())
            count += 1
            if not self._accept(","):
                self._take("}")
                break
        return _container(entries, count)

    def _identifier(self, name: str) -> Shape:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.namespaces:
            return Shape(len(self.namespaces[name]), Shape(CONTEXT_STRING_SIZE))
        if name in _NOT_STRINGS or CONTEXT_VARIABLES.get(name, "string") != "string":
            return SCALAR
        return Shape(CONTEXT_STRING_SIZE)


def _size_cost(shape: Shape) -> int:
    """What copying or scanning a value costs: its elements, or its characters / 16."""
    if shape.elem is not None:
        return shape.size
    return shape.size // _CHARS_PER_UNIT


def _container(parts: list[_Value], count: int) -> _Value:
    cost = 1 + count + sum(c for c, _ in parts)
    return cost, Shape(count, _join_all([s for _, s in parts]) if parts else SCALAR)


def expression_cost(source: str, *, namespaces: Mapping[str, frozenset[str]]) -> Estimate:
    """The worst-case cost of ``source``, which must already parse as CEL.

    Raises CostError when the estimate cannot read it (a construct it does not know, or
    nesting too deep for Python's stack): the caller refuses such an expression.
    """
    try:
        return _Estimator(source, namespaces).run()
    except RecursionError as exc:
        raise CostError("it nests too deeply") from exc
