"""Helpers for the browser tests (``tests/web/browser/``): viewports, axe, screenshots.

The fixtures (``page``, ``new_page``, ``login_as``, ``live_url``) are in that folder's
``conftest.py``; test modules import these helpers from here, never from a conftest.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from playwright.sync_api import Page, ViewportSize

from tests.support.paths import ROOT

AXE_JS = ROOT / "tests" / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
TABLET: ViewportSize = {"width": 768, "height": 1024}


def assert_no_axe_violations(page: Page, *, impacts: tuple[str, ...] = ("serious", "critical")):
    """Run axe-core on the page; fail listing every violation of the given impacts."""
    # Evaluated through the DevTools protocol, not added as a <script> tag: the page's
    # Content-Security-Policy refuses inline scripts (and would report a violation).
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v.get("impact") in impacts]
    summary = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in bad
    ]
    assert not bad, "axe violations:\n" + json.dumps(summary, indent=2)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """The page as it is now, as a PNG.

    Into docs/screenshots/<name>.png when DISCRETION_SCREENSHOTS=1 (how the README's
    pictures are made); else into a scratch folder, so a test run leaves the tree alone.
    The screenshot is taken either way: it still proves the page renders.
    """
    folder = SCREENSHOTS if os.environ.get("DISCRETION_SCREENSHOTS") == "1" else _SCRATCH
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    page.screenshot(path=str(target), full_page=full_page)
    return target


_SCRATCH = Path(tempfile.gettempdir()) / "discretion-screenshots"
