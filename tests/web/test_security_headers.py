"""Every page carries the Content-Security-Policy; templates hold nothing it would block;
the API docs load their assets from this origin."""

from __future__ import annotations

import re

import pytest

from tests.support.paths import ROOT

TEMPLATES = ROOT / "templates"

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", ["/login/", "/healthz", "/api/v1/me/"])
def test_every_response_has_the_policy(client, path):
    csp = directives(client.get(path))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


def test_signed_in_pages_have_the_policy_and_deny_framing(admin_client):
    response = admin_client.get("/cases/")
    assert response.status_code == 200
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
STYLE_TAG = re.compile(r"<style\b", re.I)
HTMX_EVAL = re.compile(r"hx-on[:-]|js:|javascript:", re.I)
COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def without_comments(text: str) -> str:
    """Template comments blanked out, keeping line numbers."""
    return COMMENTS.sub(lambda m: "\n" * m[0].count("\n"), text)


def test_templates_hold_no_inline_script_handler_or_style():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = without_comments(path.read_text())
        for name, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("on…= handler", HANDLER),
            ("style= attribute", STYLE_ATTR),
            ("<style>", STYLE_TAG),
            ("htmx eval (hx-on, js:)", HTMX_EVAL),
        ):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert not found, "\n".join(found)


def test_swagger_ui_comes_from_this_origin_with_its_script_from_a_url(admin_client):
    html = admin_client.get("/api/docs/").content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not INLINE_SCRIPT.search(html) and not STYLE_TAG.search(html)
    script = admin_client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_redoc_comes_from_this_origin(admin_client):
    response = admin_client.get("/api/redoc/")
    html = response.content.decode()
    assert "https://" not in html
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in html
    assert not INLINE_SCRIPT.search(html)
    csp = directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]  # Redoc's runtime <style> tags
    assert csp["worker-src"] == ["'self'", "blob:"]
