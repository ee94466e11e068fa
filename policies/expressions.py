"""Compile and check CEL rule expressions.

``cel`` (cel-rust bindings) parses and evaluates but has no type checker and only reports
top-level variable names. So a rule is checked in three steps at save time:

1. CEL parses it (its error carries line, column and a caret line);
2. a small tokenizer walks the identifier chains (``customer.remedies_30d_count``) and
   refuses names outside the documented context, pointing at them;
3. its worst-case cost is estimated from its text (``policies.cost``: comprehensions
   multiply) and refused over ``DISCRETION_CEL_MAX_COST``, as are brackets nested deeper
   than ``DISCRETION_CEL_MAX_NESTING`` and comprehensions deeper than
   ``DISCRETION_CEL_MAX_COMPREHENSION_DEPTH``: ``cel`` cannot be interrupted, so nothing
   is evaluated before the bound is known;
4. it is evaluated on the empty-default context and a few realistic samples: any
   non-boolean result or evaluation error (type mismatch, division by zero) refuses it.

Compiling is the slow part (tens of microseconds); evaluation is cheap, so a compiled
rule is cached per (rule id, version) by ``policies.evaluation``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cel
from django.conf import settings

from policies.context import LEAVES, NAMESPACES, empty_context
from policies.cost import CostError, expression_cost
from policies.wording import parse_error_sentence

MAX_EXPRESSION_LENGTH = 4000

# CEL names that may appear as bare identifiers without being context variables.
_KEYWORDS = frozenset({"true", "false", "null", "in"})
_TYPE_NAMES = frozenset(
    {"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "dyn"}
)
_MACROS_BINDING = frozenset({"all", "exists", "exists_one", "map", "filter"})

_TOKEN = re.compile(
    r"""
    (?P<string>(?:[rR][bB]?|[bB][rR]?)?
        (?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
    |(?P<number>0[xX][0-9a-fA-F]+[uU]?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<space>\s+|//[^\n]*)
    |(?P<op>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class ExpressionError(ValueError):
    """Why an expression is refused, with the place when one is known (1-based)."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class CompiledExpression:
    source: str
    program: Any  # cel.Program
    variables: frozenset[str]  # dotted context variables it reads
    cost: int = 0  # worst-case cost (policies.cost), at most DISCRETION_CEL_MAX_COST


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    offset: int


def expression_tokens(source: str) -> list[_Token]:
    """The tokens of ``source`` (strings, numbers, identifiers, operators; no spaces)."""
    return _tokens(source)


def _tokens(source: str) -> list[_Token]:
    out = []
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup or "op"
        if kind != "space":
            out.append(_Token(kind, match.group(), match.start()))
    return out


def _where(source: str, offset: int) -> tuple[int, int, str]:
    line = source.count("\n", 0, offset) + 1
    line_start = source.rfind("\n", 0, offset) + 1
    line_end = source.find("\n", offset)
    text = source[line_start : line_end if line_end != -1 else len(source)]
    column = offset - line_start + 1
    caret = f"| {text}\n| {'.' * (column - 1)}^"
    return line, column, caret


def _located(source: str, offset: int, message: str) -> ExpressionError:
    line, column, caret = _where(source, offset)
    return ExpressionError(
        f"Line {line}, column {column}: {message}\n{caret}", line=line, column=column
    )


@dataclass(frozen=True)
class Vocabulary:
    """The names an expression may read: bare ``leaves`` and ``namespaces`` (a CEL map
    with fields). The decision context's by default; ``vocabulary()`` builds another
    (an incident's case matcher reads other names)."""

    leaves: frozenset[str]
    namespaces: Mapping[str, frozenset[str]]

    @property
    def roots(self) -> frozenset[str]:
        return self.leaves | frozenset(self.namespaces)


DECISION_VOCABULARY = Vocabulary(frozenset(LEAVES), NAMESPACES)


def vocabulary(variables: Mapping[str, str]) -> Vocabulary:
    """The vocabulary of a context described as dotted name -> CEL type."""
    leaves: set[str] = set()
    namespaces: dict[str, frozenset[str]] = {}
    for name in variables:
        root, _, field = name.partition(".")
        if field:
            namespaces[root] = namespaces.get(root, frozenset()) | {field}
        else:
            leaves.add(name)
    return Vocabulary(frozenset(leaves), namespaces)


def _unknown(name: str, words: Vocabulary = DECISION_VOCABULARY) -> str:
    known = ", ".join(
        sorted(words.leaves)
        + [f"{ns}.{f}" for ns in sorted(words.namespaces) for f in sorted(words.namespaces[ns])]
    )
    return f"unknown variable {name} (the context has: {known})."


def analyse_variables(source: str, words: Vocabulary = DECISION_VOCABULARY) -> frozenset[str]:
    """The dotted context variables ``source`` reads; raises ExpressionError on unknown ones.

    A namespace used as a whole (``size(customer)``, ``customer[key]``) counts as using
    all of its fields.
    """
    tokens = _tokens(source)
    bound: set[str] = set()
    for i in range(len(tokens) - 4):
        a, b, c, d, e = tokens[i : i + 5]
        if (
            a.text == "."
            and b.kind == "ident"
            and b.text in _MACROS_BINDING
            and c.text == "("
            and d.kind == "ident"
            and e.text == ","
        ):
            bound.add(d.text)

    used: set[str] = set()
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.kind != "ident":
            continue
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < n else None
        if prev is not None and prev.text == ".":
            continue  # a field or method: handled with the chain's root
        if nxt is not None and nxt.text == "(":
            continue  # a global function call: size(...), has(...), double(...)
        if tok.text in _KEYWORDS or tok.text in _TYPE_NAMES or tok.text in bound:
            continue
        if tok.text not in words.roots:
            raise _located(source, tok.offset, _unknown(tok.text, words))
        if tok.text in words.leaves:
            used.add(tok.text)
            if nxt is not None and nxt.text == "." and i + 2 < n:
                field, after = tokens[i + 2], tokens[i + 3] if i + 3 < n else None
                if field.kind == "ident" and not (after is not None and after.text == "("):
                    raise _located(
                        source, field.offset, _unknown(f"{tok.text}.{field.text}", words)
                    )
            continue
        fields = words.namespaces[tok.text]
        whole = {f"{tok.text}.{f}" for f in fields}
        if nxt is not None and nxt.text == "." and i + 2 < n and tokens[i + 2].kind == "ident":
            field = tokens[i + 2]
            after = tokens[i + 3] if i + 3 < n else None
            if after is not None and after.text == "(":
                used |= whole  # a method on the map itself
            elif field.text in fields:
                used.add(f"{tok.text}.{field.text}")
            else:
                raise _located(source, field.offset, _unknown(f"{tok.text}.{field.text}", words))
        elif (
            nxt is not None
            and nxt.text == "["
            and i + 3 < n
            and tokens[i + 2].kind == "string"
            and tokens[i + 3].text == "]"
        ):
            key_token = tokens[i + 2]
            key = key_token.text.lstrip("rRbB")[1:-1].strip("'\"")
            if key in fields:
                used.add(f"{tok.text}.{key}")
            else:
                raise _located(source, key_token.offset, _unknown(f"{tok.text}.{key}", words))
        else:
            used |= whole
    return frozenset(used)


_PARSE_POSITION = re.compile(r"ERROR: <input>:(\d+):(\d+): ")


def _parse_error(source: str, exc: Exception) -> ExpressionError:
    text = str(exc)
    start = text.find("ERROR: <input>:")
    if start == -1:
        return ExpressionError(f"The expression does not parse: {text}")
    detail = text[start:]
    first = _PARSE_POSITION.search(detail)
    if first is None:
        return ExpressionError(f"The expression does not parse: {detail.strip()}")
    # The first error only, in a sentence (policies.wording), with the place shown.
    line, column = int(first.group(1)), int(first.group(2))
    message = detail[first.end() :].split("\n", 1)[0]
    message = message.removeprefix("Syntax error: ")
    offset = _offset(source, line, column)
    return _located(source, offset, parse_error_sentence(message))


def _offset(source: str, line: int, column: int) -> int:
    lines = source.split("\n")
    before = sum(len(text) + 1 for text in lines[: line - 1])
    return min(before + column - 1, len(source))


def _nesting_check(source: str) -> None:
    # Before CEL's parser and ours see it: both recurse once (or more) per level.
    limit = settings.DISCRETION_CEL_MAX_NESTING
    depth = 0
    for token in _tokens(source):
        if token.text in "([{":
            depth += 1
            if depth > limit:
                raise _located(
                    source,
                    token.offset,
                    f"brackets nest more than {limit} deep here; the limit is {limit}.",
                )
        elif token.text in ")]}":
            depth -= 1


def _cost_check(source: str, words: Vocabulary = DECISION_VOCABULARY) -> int:
    """The worst-case cost of ``source``; ExpressionError when over the limits."""
    try:
        estimate = expression_cost(source, namespaces=words.namespaces)
    except CostError as exc:
        raise ExpressionError(f"The expression is too complex to check its cost: {exc}.") from exc
    limit = settings.DISCRETION_CEL_MAX_COST
    if estimate.cost > limit:
        raise ExpressionError(
            f"The expression is too costly to evaluate: in the worst case it takes about "
            f"{estimate.cost:,} steps, and the limit is {limit:,}. Each .all(), .exists(), "
            ".exists_one(), .map() or .filter() repeats what it contains once per element of "
            "its list, so nested ones multiply: use shorter lists or fewer nested ones."
        )
    depth_limit = settings.DISCRETION_CEL_MAX_COMPREHENSION_DEPTH
    if estimate.comprehension_depth > depth_limit:
        raise ExpressionError(
            f"The expression nests {estimate.comprehension_depth} comprehensions (.all(), "
            f".exists(), .map()…) inside each other; the limit is {depth_limit}."
        )
    return estimate.cost


def compile_expression(source: str, words: Vocabulary = DECISION_VOCABULARY) -> CompiledExpression:
    """Parse ``source``, resolve its variables (the decision context's, or ``words``) and
    bound its cost. No evaluation: use ``check_expression`` at save time. Raises
    ExpressionError."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("The expression is empty.")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"The expression is longer than {MAX_EXPRESSION_LENGTH} characters.")
    _nesting_check(source)
    try:
        program = cel.compile(source)
    except Exception as exc:  # cel raises ValueError, be safe with others
        raise _parse_error(source, exc) from exc
    variables = analyse_variables(source, words)
    # Belt and braces: whatever CEL itself says the expression reads must be known.
    bound_or_types = _TYPE_NAMES | _KEYWORDS
    for name in program.variables():
        if name not in words.roots and name not in bound_or_types and not _is_bound(source, name):
            raise ExpressionError(_unknown(name, words))
    cost = _cost_check(source, words)
    return CompiledExpression(source=source, program=program, variables=variables, cost=cost)


def _is_bound(source: str, name: str) -> bool:
    return (
        re.search(rf"\.\s*(?:{'|'.join(_MACROS_BINDING)})\s*\(\s*{re.escape(name)}\s*,", source)
        is not None
    )


def cel_type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "map"
    if value is None:
        return "null"
    return type(value).__name__


def _samples() -> list[tuple[str, dict[str, Any]]]:
    empty = empty_context()
    typical = copy.deepcopy(empty)
    typical.update(amount=250.0, remedy="refund")
    typical["case"].update(category="complaint", age_hours=30.5, remedies_total=120.0)
    typical["customer"].update(
        external_id="CUST-00042", remedies_30d_total=400.0, remedies_30d_count=5
    )
    typical["agent"].update(role="agent", tier="standard", team="Returns", tenure_days=400)
    small = copy.deepcopy(empty)
    small.update(amount=10.0, remedy="goodwill_gesture")
    small["case"].update(category="crisis", age_hours=0.5, remedies_total=0.0)
    small["customer"].update(
        external_id="CUST-00007", remedies_30d_total=10.0, remedies_30d_count=1
    )
    small["agent"].update(role="supervisor", tier="new", team="Escalations", tenure_days=3)
    small["incident"].update(active=True, id=4)
    return [
        ('the empty context (all 0, 0.0 and "")', empty),
        ("a typical refund of 250.0", typical),
        ("a small goodwill gesture of 10.0 on a crisis case", small),
    ]


_SAMPLES = _samples()


def run(program: Any, context: Any) -> Any:
    """Execute a compiled program; returns the value or raises the CEL error."""
    return program.execute(context)


def error_text(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"no such key {exc}"
    text = str(exc) or type(exc).__name__
    return text.split(". CEL does not coerce")[0]


def check_expression(source: str) -> CompiledExpression:
    """Everything the save path requires: parses, known variables, boolean on samples."""
    compiled = compile_expression(source)
    for label, sample in _SAMPLES:
        try:
            value = compiled.program.execute(cel.Context(variables=sample))
        except Exception as exc:  # any CEL failure refuses the rule
            hint = (
                " Check the types: amounts and hours are doubles (write 100.0 in arithmetic),"
                " counts and days are ints; CEL does not convert between them."
                if isinstance(exc, TypeError)
                else ""
            )
            raise ExpressionError(
                f"The expression fails to evaluate on {label}: {error_text(exc)}.{hint}"
            ) from exc
        if not isinstance(value, bool):
            raise ExpressionError(
                f"The expression is not boolean: it gives a {cel_type_name(value)} "
                f"({value!r} on {label}). A rule must give true or false, e.g. `amount > 100`."
            )
    return compiled
