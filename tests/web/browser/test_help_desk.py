"""Working inside the help desk (docs/help-desk.md), in a real browser: the sidebar panel
framed by a help desk on another origin (the agent logs in inside the frame and resolves
the ticket's case through it), and the admin's integration keys (create, copy, revoke).

The "help desk" is a page served by a tiny ``http.server`` on another port of localhost
(another origin of the same site, as in plain-HTTP development: the session cookie stays
SameSite=Lax). That a non-listed origin is refused is the CSP header's job, checked at
HTTP level in tests/integrations/test_embed.py.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from cases.models import Case, Resolution
from tests import factories
from tests.support.browser import assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "embed-pass-123"


def help_desk(panel_url: str):
    """A help desk page framing ``panel_url`` in a 380 px sidebar, on a free port."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<link rel="icon" href="data:,"><title>Ticket 123 · Help desk</title></head>'
        "<body><h1>Ticket 123</h1>"
        f'<iframe title="Discretion" src="{panel_url}" width="380" height="1400"></iframe>'
        "</body></html>"
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("localhost", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_an_agent_logs_in_and_resolves_inside_the_help_desks_frame(page, live_url, settings):
    agent = factories.UserFactory(
        username="zoe", display_name="Zoe Agent", role="agent", tier=factories.tier("standard")
    )
    agent.set_password(PASSWORD)
    agent.save()
    factories.TrustLimitFactory(
        agent=agent, tier=None, per_remedy_max=Decimal("50.00"), daily_max=Decimal("100.00")
    )
    ticket = {
        "source": "zendesk",
        "external_ref": "123",
        "subject": "Parcel is late",
        "customer_external_id": "zd-9",
        "customer_name": "Ada Lovelace",
        "customer_email": "ada@example.com",
    }
    server = help_desk(live_url("/embed/cases/?" + urlencode(ticket)))
    try:
        settings.DISCRETION_EMBED_ORIGINS = [f"http://localhost:{server.server_port}"]
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on(
            "response",
            lambda r: (
                console_errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None
            ),
        )
        page.goto(f"http://localhost:{server.server_port}/")
        frame = page.frame_locator("iframe")
        frame.get_by_label("Username").fill("zoe")
        frame.get_by_label("Password").fill(PASSWORD)
        frame.get_by_role("button", name="Log in").click()

        # Back in the panel: the ticket's case, created for the agent.
        expect(frame.get_by_role("heading", name="Parcel is late")).to_be_visible()
        case = Case.objects.get(source="zendesk", external_ref="123")
        assert case.assignee == agent
        meter_today = frame.get_by_test_id("meter-today")
        expect(meter_today).to_contain_text("$100.00 of $100.00 left today")
        frame.get_by_label("Remedy", exact=True).select_option("refund")
        frame.get_by_label("Amount (USD)").fill("20")
        expect(frame.get_by_test_id("preview")).to_contain_text("Applies now")
        frame.get_by_label("Reason (internal)").fill("Parcel a week late")
        frame.get_by_role("button", name="Submit remedy").click()

        outcome = frame.locator("#submit-result").get_by_test_id("outcome")
        expect(outcome.get_by_test_id("outcome-status")).to_have_text("Applied")
        expect(meter_today).to_contain_text("$80.00 of $100.00 left today")
        expect(frame.get_by_test_id("remedies-total")).to_have_text("$20.00")
        expect(frame.locator("#outcomes").get_by_test_id("outcome")).to_have_count(1)
        screenshot(page, "embed-panel")
        panel = next(f for f in page.frames if "/embed/cases/" in f.url)
        assert_no_axe_violations(panel)  # type: ignore[arg-type]  # a Frame evaluates alike
        resolution = Resolution.objects.get(case=case)
        assert (resolution.status, resolution.amount) == ("applied", Decimal("20.00"))
        # htmx logs a preview it aborts for a newer one (hx-sync="this:replace" on the
        # resolve form, the case page's too) as an error; that is no failure of the panel.
        aborted = ("htmx:afterRequest", "htmx:sendAbort")
        assert [e for e in console_errors if not e.startswith(aborted)] == []
    finally:
        server.shutdown()
        server.server_close()


def test_an_admin_creates_copies_and_revokes_a_key(page, login_as, live_url, admin_user):
    login_as(page, admin_user.username)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(live_url("/admin-ui/integrations/"))
    page.get_by_label("Name").fill("Zendesk production")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("New integration key")
    secret = key.input_value()
    assert secret.startswith("dsk_")
    page.get_by_role("button", name="Copy key").click()
    expect(page.get_by_text("Copied. Paste it into the help desk now.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Revoke… Zendesk production").click()
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.get_by_test_id("integration-key")).to_contain_text("Revoked")
    assert secret not in page.content()
