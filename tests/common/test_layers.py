"""The layers of docs/style.md hold: arrows point down only, no circles, nothing hidden.

Read from the source (``ast``), so a violation fails here before anyone has to notice it
in review. See the module map in README.md ("Architecture").
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import ROOT

APPS = ("common", "config", "discretion", "cases", "policies", "audit", "web")


def _modules() -> Iterator[tuple[str, Path]]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


MODULES = dict(_modules())
assert MODULES, f"no project modules found under {ROOT}"


def _resolve(module: str, node: ast.ImportFrom) -> list[str]:
    """The project modules an ``import``/``from … import`` names."""
    if node.level:
        package = module.split(".")
        if MODULES[module].name != "__init__.py":
            package = package[:-1]
        base = package[: len(package) - node.level + 1]
        target = ".".join([*base, *([node.module] if node.module else [])])
    else:
        target = node.module or ""
    found = []
    for alias in node.names:
        candidate = f"{target}.{alias.name}"
        found.append(candidate if candidate in MODULES else target)
    return found


def _imports(module: str) -> list[tuple[str, int, bool]]:
    """(imported project module, line, at top level?) for every import in ``module``."""
    tree = ast.parse(MODULES[module].read_text())
    top = {id(node) for node in tree.body}
    # imports under `if TYPE_CHECKING:` count as top level (they are not run).
    for statement in tree.body:
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
            top |= {id(child) for child in statement.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = _resolve(module, node)
        else:
            continue
        for name in names:
            if name.split(".")[0] in APPS:
                out.append((name, node.lineno, id(node) in top))
    return out


IMPORTS = {module: _imports(module) for module in MODULES}


def _app(module: str) -> str:
    return module.split(".")[0]


# app → the apps it may import (itself always)
ALLOWED = {
    "common": set(),
    "audit": {"common"},
    "policies": {"common", "audit"},
    "cases": {"common", "audit"},
    "discretion": {"common", "audit", "cases", "policies"},
    "web": {"common", "audit", "cases", "policies", "discretion"},
    "config": set(APPS),
}


def test_arrows_point_down_only():
    wrong = [
        f"{module}:{line} imports {target}"
        for module, imports in IMPORTS.items()
        for target, line, _ in imports
        if _app(target) != _app(module)
        and _app(target) not in ALLOWED[_app(module)]
        # settings and the Celery app are wiring every layer may read
        and target not in ("config.celery", "config.settings")
    ]
    assert not wrong, "\n".join(wrong)


def _is_service_layer(module: str) -> bool:
    parts = module.split(".")
    return _app(module) in ("discretion", "cases", "policies", "audit") and not (
        "api" in parts
        or parts[-1] in ("api", "api_urls", "admin", "filters")
        or "management" in parts
    )


def _is_api_layer(module: str) -> bool:
    parts = module.split(".")
    return "api" in parts or parts[-1] in ("api_urls", "api_errors", "permissions", "pagination")


def test_services_import_no_api_or_web_module():
    wrong = [
        f"{module}:{line} imports {target}"
        for module, imports in IMPORTS.items()
        if _is_service_layer(module)
        for target, line, _ in imports
        if _is_api_layer(target) or _app(target) == "web"
    ]
    assert not wrong, "\n".join(wrong)


def test_html_views_import_no_api_module():
    """The HTML screens validate with forms and call services and selectors, never the
    API's serializers, permissions or views."""
    wrong = [
        f"{module}:{line} imports {target}"
        for module, imports in IMPORTS.items()
        if _app(module) == "web"
        for target, line, _ in imports
        if _app(target) != "common" and _is_api_layer(target)
    ]
    assert not wrong, "\n".join(wrong)


def test_a_task_module_is_imported_by_nobody():
    """Services enqueue tasks by name (``common.tasks.task_send``): a task imports its
    service, never the reverse."""
    wrong = [
        f"{module}:{line} imports {target}"
        for module, imports in IMPORTS.items()
        for target, line, _ in imports
        if target.endswith(".tasks") and target != "common.tasks"
    ]
    assert not wrong, "\n".join(wrong)


def test_the_engine_imports_neither_django_nor_the_apps():
    for module, path in MODULES.items():
        if not module.startswith("discretion.engine"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            assert not {"django", "rest_framework", "celery", *APPS} & set(roots), (
                f"{module}:{node.lineno}"
            )


def test_no_function_level_import_of_a_project_module():
    wrong = [
        f"{module}:{line} imports {target} inside a function"
        for module, imports in IMPORTS.items()
        for target, line, top in imports
        if not top
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_circles():
    graph = {
        module: {target for target, _, _ in imports if target in MODULES and target != module}
        for module, imports in IMPORTS.items()
    }
    # A package's __init__ importing its own submodules is not a circle of ideas.
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


# Migrations and demo data are data, not code.
@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.endswith("seed_demo")))
def test_no_module_is_over_about_400_lines(module):
    assert len(MODULES[module].read_text().splitlines()) <= 420, module
