"""Shared browser-test fixtures: Playwright (sync API) driving Debian's Chromium headless.

Used by the agent and back-office browser tests::

    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

    def test_x(page, login_as, live_url, agent):
        login_as(page, agent.username)          # through the real login form
        page.goto(live_url("/cases/"))
        assert_no_axe_violations(page)          # serious/critical only
        screenshot(page, "agent-cases")         # docs/screenshots/agent-cases.png

``assert_no_axe_violations``, ``screenshot`` and the ``TABLET`` viewport come from
``tests.support.browser``.

``live_server`` is transactional (the data must be committed); mark the tests
``django_db(transaction=True)`` so ``tests/conftest.py`` re-seeds the reference data.
For flows through Celery also request ``celery_worker`` (``tests/support/worker.py``).
Never ``playwright install``: the browser is ``/usr/bin/chromium`` (``CHROMIUM`` overrides).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
# "inside" it unless told that this is a test process that knows what it is doing.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from tests.support.browser import VIEWPORT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
PASSWORD = "browser-pass-123"  # set on the user by login_as
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`Content Security Policy violation: ${e.effectiveDirective} blocked ` +
    `${e.blockedURI || "inline"} at ${e.sourceFile || location.href}:${e.lineNumber}`);
});
"""

expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/web/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser: Browser, viewport: ViewportSize) -> Page:
    context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(10_000)
    # Every Content-Security-Policy violation is logged as a console error (Chromium logs
    # most already; the event catches the rest, e.g. a blocked style attribute).
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors: list[str] = []
    # Tests read the page's uncaught script errors from ``page.errors``.
    page.errors = errors  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    violations: list[str] = []
    # ... and the policy's violations from ``page.csp_violations``.
    page.csp_violations = violations  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return page


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) 1280 px wide; JS errors and violations of the
    Content-Security-Policy fail the test."""
    page = _new_page(browser, VIEWPORT)
    yield page
    errors = list(page.errors)  # type: ignore[attr-defined]
    violations = list(page.csp_violations)  # type: ignore[attr-defined]
    page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Make more pages (a second user in the same test): ``new_page(viewport=TABLET)``."""
    pages: list[Page] = []

    def make(viewport: ViewportSize | None = None) -> Page:
        created = _new_page(browser, viewport or VIEWPORT)
        pages.append(created)
        return created

    yield make
    violations = [v for created in pages for v in created.csp_violations]  # type: ignore[attr-defined]
    for created in pages:
        created.context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def live_url(live_server) -> Callable[..., str]:
    def url(path: str = "/") -> str:
        return str(live_server.url) + path

    return url


@pytest.fixture
def login_as(live_url) -> Callable[[Page, str], Page]:
    """Log ``username`` in through the real login form (the password is reset first)."""
    from django.contrib.auth import get_user_model

    def login(page: Page, username: str) -> Page:
        user = get_user_model().objects.get(username=username)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        page.goto(live_url("/login/"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    return login
