"""Per-process caches: every module that keeps one has a reset in tests/support/caches.py,
the resets empty them, and every test starts with them empty (the autouse fixture)."""

from __future__ import annotations

import ast
import importlib
from decimal import Decimal
from typing import Any

import pytest

from common import db
from discretion.trust import selectors
from policies import evaluation
from policies.services import policy_rule_create
from tests import factories
from tests.support.caches import CACHE_RESETS, caches_reset
from tests.support.paths import ROOT

PACKAGES = ("common", "config", "discretion", "cases", "policies", "audit", "web")
CACHE_DECORATORS = {"lru_cache", "cache", "cached"}


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")


def _is_empty_container(value: ast.expr | None) -> bool:
    if isinstance(value, ast.Dict):
        return not value.keys
    if isinstance(value, ast.List):
        return not value.elts
    return (
        isinstance(value, ast.Call)
        and getattr(value.func, "id", None) in {"dict", "set", "list"}
        and not value.args
    )


def _keeps_state(tree: ast.Module) -> bool:
    """A module that rebinds a global, memoises a function, or starts a private
    module-level dict/set/list empty (to fill it later) keeps per-process state."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            _decorator_name(d) in CACHE_DECORATORS for d in node.decorator_list
        ):
            return True
    value: ast.expr | None
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            continue
        private = any(isinstance(t, ast.Name) and t.id.startswith("_") for t in targets)
        if private and _is_empty_container(value):
            return True
    return False


def _modules_with_state() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if _keeps_state(ast.parse(path.read_text(), filename=str(path))):
                found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_every_module_that_keeps_a_cache_has_a_reset():
    with_reset = {reset.__module__ for reset in CACHE_RESETS}
    missing = sorted(_modules_with_state() - with_reset)
    assert not missing, (
        f"{missing} keep per-process state: add a reset function next to it and list it "
        "in tests/support/caches.py"
    )
    assert {"common.db", "policies.evaluation", "discretion.trust.selectors"} <= with_reset


def _private_containers(module_name: str) -> dict[str, dict[Any, Any] | set[Any] | list[Any]]:
    module = importlib.import_module(module_name)
    return {
        name: value
        for name, value in vars(module).items()
        if name.startswith("_")
        and not name.startswith("__")
        and isinstance(value, dict | set | list)
    }


def _assert_every_cache_is_empty() -> None:
    for reset in CACHE_RESETS:
        filled = {k: len(v) for k, v in _private_containers(reset.__module__).items() if v}
        assert not filled, f"{reset.__module__} still holds {filled}"
    assert selectors._remedy_types is None
    assert evaluation._cached_generation is None and len(evaluation._cached_ruleset) == 0


def test_a_test_starts_with_every_cache_empty():
    _assert_every_cache_is_empty()


@pytest.mark.django_db
def test_the_resets_empty_what_a_decision_filled(api, agent, admin_user, case):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=Decimal("100.00"))
    policy_rule_create(
        acting_user=admin_user,
        name="Big refunds",
        expression="amount > 500.0",
        effect="require_approval",
        message="Big refunds need a second pair of eyes.",
    )
    response = api.as_user(agent).post(
        f"/api/v1/cases/{case.pk}/resolutions/",
        {"remedy_type": "refund", "amount": "20.00", "reason": "Late parcel"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert db._INSERTS and db._LOADERS and selectors._remedy_types is not None
    assert evaluation._cached_generation is not None and evaluation._compiled

    caches_reset()

    _assert_every_cache_is_empty()
