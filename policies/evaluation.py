"""The enabled policy rules as an immutable, compiled snapshot: what a decision evaluates.

``current_ruleset()`` is called once per decision. It costs one aggregate query over the
rule table (a *generation* key: count, sum of versions, max id, max updated_at) and
nothing else while no rule changed. Every edit bumps a rule's version, so the sum of
versions strictly grows and every process sees the change on its next decision; only
then are the enabled rules reloaded (one more query) and the changed ones recompiled.
Compiled programs are cached per (rule id, version) for the life of the process.

Thread safety: a RuleSet is immutable; ``cel.Context`` is not thread-safe, so each
``evaluate`` call builds its own.

Bounded work: compiling a rule bounds its worst-case cost (``policies.expressions``), so
a stored rule over ``DISCRETION_CEL_MAX_COST`` (saved before the limit, or by a lower
limit since) never runs and fails safe. ``cel`` cannot be interrupted, so the run-time
guard is a clock: a rule whose evaluation took longer than
``DISCRETION_CEL_RULE_BUDGET_MS`` counts as require_approval and says so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import cel
from django.conf import settings
from django.db import connection

from policies.context import CONTEXT_VARIABLES, empty_context  # part of the interface
from policies.expressions import CompiledExpression, ExpressionError, compile_expression, error_text
from policies.models import Effect, PolicyRule

__all__ = [
    "CONTEXT_VARIABLES",
    "CompiledRule",
    "RuleResult",
    "RuleSet",
    "compile_rule",
    "current_ruleset",
    "empty_context",
    "reset_ruleset_cache",
]


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleResult:
    id: int
    name: str
    version: int
    effect: str
    message: str
    matched: bool
    error: str | None = None


@dataclass(frozen=True)
class CompiledRule:
    """One rule version, compiled. ``compiled`` is None when the stored expression no
    longer compiles (it then fails safe: require_approval, with ``compile_error``)."""

    id: int
    name: str
    version: int
    effect: str
    message: str
    priority: int
    expression: str
    compiled: CompiledExpression | None
    compile_error: str | None = None

    @property
    def variables(self) -> frozenset[str]:
        if self.compiled is None:
            return frozenset(CONTEXT_VARIABLES)
        return self.compiled.variables


def compile_rule(
    *,
    id: int,  # the rule's id, as in RuleResult
    name: str,
    version: int,
    effect: str,
    message: str,
    expression: str,
    priority: int = 100,
) -> CompiledRule:
    """Compile one rule version (no evaluation). Never raises for a bad expression."""
    try:
        compiled: CompiledExpression | None = compile_expression(expression)
        compile_error = None
    except ExpressionError as exc:
        compiled, compile_error = None, exc.message
    return CompiledRule(
        id=id,
        name=name,
        version=version,
        effect=effect,
        message=message,
        priority=priority,
        expression=expression,
        compiled=compiled,
        compile_error=compile_error,
    )


def _result(rule: CompiledRule, *, matched: bool) -> RuleResult:
    return RuleResult(
        id=rule.id,
        name=rule.name,
        version=rule.version,
        effect=rule.effect,
        message=rule.message,
        matched=matched,
        error=None,
    )


def _failed(rule: CompiledRule, why: str) -> RuleResult:
    return RuleResult(
        id=rule.id,
        name=rule.name,
        version=rule.version,
        effect=Effect.REQUIRE_APPROVAL,
        message=rule.message,
        matched=True,
        error=f"rule failed to evaluate: {why} — sent for approval to be safe",
    )


def _over_budget(rule: CompiledRule, took: float, budget: float) -> RuleResult:
    logger.warning(
        "policy rule %s v%s took %.1f ms, over its %.1f ms budget",
        rule.id,
        rule.version,
        took * 1000,
        budget * 1000,
    )
    return RuleResult(
        id=rule.id,
        name=rule.name,
        version=rule.version,
        effect=Effect.REQUIRE_APPROVAL,
        message=rule.message,
        matched=True,
        error=f"rule exceeded its evaluation budget: it took {took * 1000:.1f} ms and the "
        f"limit is {budget * 1000:g} ms — sent for approval to be safe",
    )


class RuleSet:
    """An immutable, ordered (priority, id) tuple of compiled enabled rules."""

    __slots__ = ("_outcomes", "_rules", "_variables", "_versions")
    _rules: tuple[CompiledRule, ...]
    _versions: tuple[tuple[int, int], ...]
    _variables: frozenset[str]
    _outcomes: tuple[tuple[CompiledRule, Any, RuleResult, RuleResult], ...]

    def __init__(self, rules: Iterable[CompiledRule] = ()):
        ordered = tuple(sorted(rules, key=lambda r: (r.priority, r.id)))
        object.__setattr__(self, "_rules", ordered)
        object.__setattr__(self, "_versions", tuple((r.id, r.version) for r in ordered))
        variables: frozenset[str] = frozenset()
        for rule in ordered:
            variables |= rule.variables
        object.__setattr__(self, "_variables", variables)
        # Results are immutable, so each rule's "matched" and "not matched" results are
        # built once here and shared: evaluating 200 rules then costs 200 CEL calls and
        # no object construction (frozen dataclasses are slow to build).
        object.__setattr__(
            self,
            "_outcomes",
            tuple(
                (
                    rule,
                    rule.compiled.program if rule.compiled is not None else None,
                    _result(rule, matched=True),
                    _result(rule, matched=False),
                )
                for rule in ordered
            ),
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("RuleSet is immutable")

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self):
        return iter(self._rules)

    def __repr__(self) -> str:
        return f"<RuleSet {list(self._versions)}>"

    @property
    def rules(self) -> tuple[CompiledRule, ...]:
        return self._rules

    @property
    def versions(self) -> tuple[tuple[int, int], ...]:
        """(rule id, version) of every rule evaluated, in evaluation order."""
        return self._versions

    @property
    def variables(self) -> frozenset[str]:
        """Dotted context variables any rule reads ("customer.remedies_30d_total")."""
        return self._variables

    def replacing(self, rule_id: int, rule: CompiledRule | None) -> RuleSet:
        """A copy without rule ``rule_id``, plus ``rule`` if given (used by the backtest)."""
        kept = [r for r in self._rules if r.id != rule_id]
        if rule is not None:
            kept.append(rule)
        return RuleSet(kept)

    def evaluate(self, context: Mapping[str, Any]) -> list[RuleResult]:
        """Every rule's result on ``context`` (the dict the decision service builds).

        A rule that errors — a missing variable, a type mismatch, a non-boolean result —
        or whose evaluation took longer than ``DISCRETION_CEL_RULE_BUDGET_MS`` counts as
        matched with effect require_approval and says why in ``error``.
        """
        if not self._rules:
            return []
        try:
            cel_context = cel.Context(variables=dict(context))
        except Exception as exc:  # a context CEL cannot take fails every rule safe
            return [
                _failed(rule, f"the decision context is invalid ({exc})") for rule in self._rules
            ]
        results: list[RuleResult] = []
        append = results.append
        budget = settings.DISCRETION_CEL_RULE_BUDGET_MS / 1000
        clock = time.perf_counter
        for rule, program, hit, miss in self._outcomes:
            if program is None:
                append(_failed(rule, rule.compile_error or "it does not compile"))
                continue
            started = clock()
            try:
                value = program.execute(cel_context)
            except Exception as exc:  # any CEL failure is fail-safe
                append(_failed(rule, error_text(exc)))
                continue
            took = clock() - started
            if took > budget:
                append(_over_budget(rule, took, budget))
            elif value is True:
                append(hit)
            elif value is False:
                append(miss)
            else:
                append(_failed(rule, f"it gave {value!r}, not true or false"))
        return results


# --- the per-process cache -----------------------------------------------------------

_lock = threading.Lock()
_cached_generation: tuple | None = None
_cached_ruleset: RuleSet = RuleSet()
_compiled: dict[tuple[int, int], CompiledRule] = {}


_GENERATION_COLUMNS = (
    "COUNT(id) AS rules_n, COALESCE(SUM(version), 0) AS rules_versions, "
    "COALESCE(MAX(id), 0) AS rules_max_id, MAX(updated_at) AS rules_updated_at"
)
_GENERATION_SQL = f"SELECT {_GENERATION_COLUMNS} FROM {PolicyRule._meta.db_table}"

# For a statement that can read the rules' generation in a round trip it makes anyway:
# join this derived table and pass its four columns (in order) to current_ruleset().
GENERATION_TABLE = f"({_GENERATION_SQL})"
GENERATION_COLUMNS = ("rules_n", "rules_versions", "rules_max_id", "rules_updated_at")


def _generation() -> tuple:
    # The one query per decision: any create/edit/delete changes this tuple. Plain SQL:
    # it runs on every decision, and the ORM's aggregate() cost ten times the query.
    with connection.cursor() as cursor:
        cursor.execute(_GENERATION_SQL)
        return tuple(cursor.fetchone())


def _load() -> RuleSet:
    rules = []
    live: set[tuple[int, int]] = set()
    for row in PolicyRule.objects.filter(enabled=True, deleted_at__isnull=True).values(
        "id", "name", "version", "effect", "message", "priority", "expression"
    ):
        key = (row["id"], row["version"])
        live.add(key)
        rule = _compiled.get(key)
        if rule is None or rule.message != row["message"] or rule.priority != row["priority"]:
            rule = compile_rule(**row)
            _compiled[key] = rule
        rules.append(rule)
    for key in [k for k in _compiled if k not in live]:
        del _compiled[key]
    return RuleSet(rules)


def current_ruleset(generation: Iterable[Any] | None = None) -> RuleSet:
    """The enabled rules, compiled; fresh as of this call (one query when unchanged).

    ``generation``: the ``GENERATION_COLUMNS`` a caller's own statement read from
    ``GENERATION_TABLE`` (in that statement's transaction); saves that one query.
    """
    global _cached_generation, _cached_ruleset
    generation = _generation() if generation is None else tuple(generation)
    if generation == _cached_generation:
        return _cached_ruleset
    with _lock:
        if generation != _cached_generation:
            # Load after reading the generation: the snapshot is at least that fresh; a
            # change in between only causes one more reload on the next call.
            _cached_ruleset = _load()
            _cached_generation = generation
        return _cached_ruleset


def reset_ruleset_cache() -> None:
    """Forget the cached snapshot (tests; or after restoring a database)."""
    global _cached_generation, _cached_ruleset
    with _lock:
        _cached_generation = None
        _cached_ruleset = RuleSet()
        _compiled.clear()
