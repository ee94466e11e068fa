"""The test suite's own rules: test modules never import each other (shared helpers live
in tests/support/ or in conftest fixtures), and the folders are packages."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _imported_test_modules(path: Path) -> list[str]:
    """Every ``test_*`` or ``conftest`` module that ``path`` imports, in any spelling
    (``import tests.x.test_y``, ``from tests.x import test_y``, ``from .test_y import z``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            modules = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            if any(part.startswith("test_") or part == "conftest" for part in module.split(".")):
                found.append(module)
    return found


def test_no_module_imports_a_test_module_or_a_conftest():
    offenders = {
        str(path.relative_to(TESTS.parent)): imported
        for path in sorted(TESTS.rglob("*.py"))
        if (imported := _imported_test_modules(path))
    }
    assert not offenders, f"import shared helpers from tests/support/ instead: {offenders}"


def test_every_test_folder_is_a_package():
    folders = {path.parent for path in TESTS.rglob("test_*.py")}
    missing = sorted(str(folder) for folder in folders if not (folder / "__init__.py").exists())
    assert not missing, f"add an __init__.py (the suite uses package-style test ids): {missing}"
