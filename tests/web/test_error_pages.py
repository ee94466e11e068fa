"""The app's own 400, 403, 404 and 500 pages, and an htmx request after the session expired."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def test_404_is_the_apps_page_with_the_request_id(client, agent):
    client.force_login(agent)
    response = client.get("/cases/999999/", HTTP_X_REQUEST_ID="trace-page-0404")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We can't find that page" in page
    assert "trace-page-0404" in page
    assert 'href="/"' in page
    assert 'class="topbar"' in page  # extends base: the signed-in user keeps the nav


def test_400_is_the_apps_page_with_the_request_id(client):
    """A request Django refuses before any view (a Host not in ALLOWED_HOSTS)."""
    response = client.get("/login/", HTTP_HOST="evil.example", HTTP_X_REQUEST_ID="trace-page-0400")
    assert response.status_code == 400
    page = response.content.decode()
    assert "We couldn't read that request" in page and "trace-page-0400" in page
    assert "evil.example" not in page  # the refusal's technical words are not echoed


def test_403_names_who_the_page_is_for(client, agent):
    client.force_login(agent)
    response = client.get("/admin-ui/limits/", HTTP_X_REQUEST_ID="trace-page-0403")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You can't open this page" in page
    assert "admins only" in page
    assert "trace-page-0403" in page


def test_500_is_the_apps_page_rendered_without_the_database(client, agent, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("web.agent.views.notification_list", boom)
    client.raise_request_exception = False
    client.force_login(agent)
    response = client.get("/notifications/", HTTP_X_REQUEST_ID="trace-page-0500")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "trace-page-0500" in page and 'href="/"' in page
    # No request context: no nav, no CSRF token, nothing that reads the session or user.
    assert "topbar" not in page and "csrf" not in page.lower()


def test_an_htmx_request_after_the_session_expired_keeps_the_page(client, agent):
    case = factories.CaseFactory()
    response = client.get(
        f"/cases/{case.pk}/timeline/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/cases/{case.pk}/",
    )
    assert response.status_code == 401
    assert response["HX-Reswap"] == "none"
    assert response["X-Session-Expired"] == "1"
    assert response["X-Login-URL"] == f"/login/?next=%2Fcases%2F{case.pk}%2F"
    assert response.content == b""


def test_without_htmx_it_is_still_the_login_redirect(client):
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_signed_in_htmx_redirect_is_left_alone(client, agent):
    client.force_login(agent)
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code in (200, 302)
    assert "X-Session-Expired" not in response


def test_a_stale_form_gets_the_apps_403(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post("/password/", {"old_password": "x"})
    assert response.status_code == 403
    assert "reload the page" in response.content.decode()
