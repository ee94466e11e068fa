"""The HTML views and the API view modules read through selectors, run no CEL and ask
common.roles for roles: a grep over their source, so a new ORM read in a view fails here
rather than in review."""

from __future__ import annotations

import re

from tests.support.paths import ROOT

VIEW_MODULES = sorted(
    [
        *(ROOT / "web").rglob("*.py"),
        *(ROOT / "discretion" / "api").glob("*.py"),
        ROOT / "cases" / "api.py",
        ROOT / "policies" / "api.py",
        ROOT / "audit" / "api.py",
    ]
)

FORBIDDEN = {
    "an ORM manager": re.compile(r"\.objects\b"),
    "get_object_or_404": re.compile(r"\bget_object_or_404\b"),
    "refresh_from_db": re.compile(r"\brefresh_from_db\b"),
    "a queryset filter": re.compile(
        r"(?<!register)\.(filter|exclude|select_related|prefetch_related|annotate)\("
    ),
    "CEL": re.compile(r"^\s*(import cel|from cel\b)|\bcheck_expression\b", re.M),
    "inline role names": re.compile(r"\(\s*\"supervisor\",\s*\"admin\"\s*\)|\bis_superuser\b"),
}


def test_views_read_through_selectors_and_run_no_cel():
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in VIEW_MODULES
        for what, pattern in FORBIDDEN.items()
        if pattern.search(path.read_text())
    ]
    assert found == []
