"""The sidebar panel (``/embed/``) at HTTP level: who may frame it, its cookies, opening
or creating a ticket's case, the login that comes back to it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client

from cases.models import Case
from tests import factories
from tests.support.paths import ROOT

pytestmark = pytest.mark.django_db

HELP_DESK = "https://acme.zendesk.com"
TICKET = {
    "source": "zendesk",
    "external_ref": "123",
    "subject": "Where is my parcel?",
    "customer_external_id": "zd-77",
    "customer_name": "Grace Hopper",
    "customer_email": "grace@example.com",
}


def frame_ancestors(response) -> list[str]:
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        if name == "frame-ancestors":
            return values
    raise AssertionError("no frame-ancestors")


@pytest.fixture
def framed(settings):
    settings.DISCRETION_EMBED_ORIGINS = [HELP_DESK, "https://*.zdusercontent.com"]


def test_only_the_configured_origins_may_frame_the_panel(client, framed, agent):
    client.force_login(agent)
    case = factories.CaseFactory()
    for path in ("/embed/login/", f"/embed/cases/{case.pk}/"):
        response = client.get(path)
        assert frame_ancestors(response) == [HELP_DESK, "https://*.zdusercontent.com"], path
        assert "X-Frame-Options" not in response, path
    # The rest of the app is still never framed.
    page = client.get(f"/cases/{case.pk}/")
    assert frame_ancestors(page) == ["'none'"] and page["X-Frame-Options"] == "DENY"


def test_without_origins_nobody_may_frame_it(client, agent, settings):
    settings.DISCRETION_EMBED_ORIGINS = []
    client.force_login(agent)
    response = client.get(f"/embed/cases/{factories.CaseFactory().pk}/")
    assert response.status_code == 200 and frame_ancestors(response) == ["'none'"]


def test_a_known_ticket_opens_its_case_and_a_new_one_is_created_for_the_agent(
    client, framed, agent
):
    known = factories.CaseFactory(source="zendesk", external_ref="99")
    client.force_login(agent)
    response = client.get("/embed/cases/", {**TICKET, "external_ref": "99"})
    assert response.status_code == 302 and response["Location"] == f"/embed/cases/{known.pk}/"

    opened = client.get("/embed/cases/", TICKET, HTTP_REFERER=f"{HELP_DESK}/agent/tickets/123")
    case = Case.objects.get(source="zendesk", external_ref="123")
    assert opened["Location"] == f"/embed/cases/{case.pk}/"
    assert case.assignee == agent and case.created_by == agent
    assert case.customer.name == "Grace Hopper" and case.subject == "Where is my parcel?"
    panel = client.get(opened["Location"])
    text = panel.content.decode()
    assert panel.status_code == 200
    for marker in ('id="resolve-form"', 'id="meter"', 'id="outcomes"', 'id="remedies-total"'):
        assert marker in text, marker
    assert f'hx-post="/cases/{case.pk}/resolve/"' in text


def test_a_request_from_elsewhere_asks_before_creating(client, framed, agent):
    client.force_login(agent)
    for referer in ({}, {"HTTP_REFERER": "https://evil.example/x"}):
        response = client.get("/embed/cases/", TICKET, **referer)
        assert response.status_code == 200 and b"Open a case" in response.content
    assert not Case.objects.exists()
    created = client.post("/embed/cases/", TICKET)
    assert created.status_code == 302 and Case.objects.count() == 1
    bad = client.get("/embed/cases/", {"source": "zendesk"})
    assert bad.status_code == 400 and b"external_ref" in bad.content


def test_login_inside_the_frame_comes_back_to_the_panel(framed, agent):
    client = Client()
    path = "/embed/cases/?source=zendesk&external_ref=5&customer_external_id=c1&customer_name=C"
    first = client.get(path)
    assert first.status_code == 302 and first["Location"].startswith("/embed/login/?next=")
    login = client.get(first["Location"])
    assert login.status_code == 200 and frame_ancestors(login)[0] == HELP_DESK
    agent.set_password("pw-embed-123")
    agent.save()
    done = client.post(
        "/embed/login/", {"username": agent.username, "password": "pw-embed-123", "next": path}
    )
    assert done.status_code == 302 and done["Location"] == path


@pytest.mark.parametrize(
    ("env", "samesite"),
    [
        (
            {
                "DISCRETION_EMBED_ORIGINS": HELP_DESK,
                "SESSION_COOKIE_SECURE": "1",
                "CSRF_COOKIE_SECURE": "1",
            },
            "None None",
        ),
        ({"DISCRETION_EMBED_ORIGINS": "http://localhost:9000"}, "Lax Lax"),
        ({"SESSION_COOKIE_SECURE": "1", "CSRF_COOKIE_SECURE": "1"}, "Lax Lax"),
        ({"DISCRETION_EMBED_ORIGINS": "acme.zendesk.com; script-src *"}, "ImproperlyConfigured"),
    ],
)
def test_cookies_are_samesite_none_only_when_framed_over_https(env, samesite):
    """config/integrations.py as a fresh process reads it from the environment."""
    script = (
        "from config import integrations as i; "
        "print(i.SESSION_COOKIE_SAMESITE, i.CSRF_COOKIE_SAMESITE)"
    )
    clean = {k: v for k, v in os.environ.items() if "COOKIE" not in k and "EMBED" not in k}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "DEBUG": "", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert samesite in (result.stdout + result.stderr)
