"""Every main screen, as agent, supervisor and admin, in a real browser: no console error,
no uncaught script error (issue 16, "pages for when things go wrong").

The screens are the named URL patterns of ``web/`` that take no arguments (so a new
screen is visited without anyone adding it here), kept when a GET as that role answers a
full HTML page (fragments, POST-only views and other roles' pages drop out), plus a case
page. One test per role; each screen is loaded as the least role that may open it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from playwright.sync_api import expect

import web.urls
from cases.models import Case
from tests import factories
from tests.support.escalations import open_escalation
from tests.support.rotations import rotation_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _names(patterns: Sequence[URLPattern | URLResolver]) -> list[str]:
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            names += _names(entry.url_patterns)
        elif entry.name and not entry.pattern.converters and "(?P<" not in str(entry.pattern):
            names.append(entry.name)
    return names


def _screens(user) -> set[str]:
    """The paths that answer this user's GET with a whole page."""
    client = Client()
    client.force_login(user)
    paths = set()
    for name in set(_names(web.urls.urlpatterns)):
        path = reverse(name)
        response = client.get(path)
        if response.status_code == 200 and b"</html>" in response.content:
            paths.add(path)
    return paths


@dataclass
class World:
    case: Case
    details: dict[str, list[str]]


@pytest.fixture
def world(agent, supervisor):
    """A case with an escalated resolution, so the lists and the queue are not empty; an
    incident and a problem it is linked to, a rotation with an override, a webhook: the
    screens added with issues 14-16 show something, and their detail pages are visited."""
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("50.00"))
    case = factories.CaseFactory(assignee=agent, subject="Parcel never arrived")
    factories.OnCallShiftFactory(supervisor=supervisor)
    escalation = open_escalation(agent=agent, case=case, amount="80.00")
    incident = factories.IncidentCaseFactory(case=case).incident
    factories.IncidentRemedyFactory(incident=incident)
    problem = factories.ProblemCaseFactory(case=case).problem
    rotation = rotation_with(supervisor, factories.UserFactory(role="supervisor"))
    factories.OnCallOverrideFactory(rotation=rotation)
    webhook = factories.WebhookEndpointFactory()
    return World(
        case=case,
        details={
            "all": [f"/problems/{problem.pk}/", f"/cases/{case.pk}/"],  # the case page last
            "supervisor": [
                f"/incidents/{incident.pk}/",
                f"/queue/{escalation.pk}/decide/",
                f"/agents/{agent.pk}/record/",
            ],
            "admin": [
                f"/admin-ui/oncall/rotations/{rotation.pk}/",
                f"/admin-ui/webhooks/{webhook.pk}/",
                f"/admin-ui/agents/{agent.pk}/",
            ],
        },
    )


def _visit_all(page, login_as, live_url, user, paths: list[str]) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: problems.append(f"{page.url}: {msg.text}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    login_as(page, user.username)
    for path in paths:
        response = page.goto(live_url(path))
        assert response is not None and response.status == 200, path
        # The fragments the page loads at once (hx-trigger="load") have come back.
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert not problems, "\n".join(problems)
    return problems  # still listening: the caller may check what it does next


# Each screen as the least role that may open it (the nav and lists differ little by
# role; the page loads are what costs), the case page as every role.


def test_agent_screens(page, login_as, live_url, agent, world):
    screens = sorted(_screens(agent))
    assert {"/cases/", "/me/record/", "/me/follow-ups/", "/problems/"} <= set(screens), screens
    _visit_all(page, login_as, live_url, agent, [*screens, *world.details["all"]])

    # (Previews aborted for a newer one, hx-sync="this:replace" on the resolve form, are
    # logged by htmx as errors; the walk waits for each preview, so none is aborted here.)

    # On the case page, the session expires while a draft is being typed: the next htmx
    # request (the meter, as the form changes) says so and the draft stays.
    draft = "The parcel was lost in transit; refunding in full."
    page.get_by_label("Reason").fill("Lost parcel")
    Session.objects.all().delete()
    page.locator("#customer_message").fill(draft)
    banner = page.locator("#session-expired")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Your session expired")
    expect(banner.get_by_role("link", name="Log in again")).to_have_attribute(
        "href", f"/login/?next=%2Fcases%2F{world.case.pk}%2F"
    )
    expect(page.locator("#customer_message")).to_have_value(draft)
    expect(page.get_by_label("Reason")).to_have_value("Lost parcel")


def test_supervisor_screens(page, login_as, live_url, agent, supervisor, world):
    screens = sorted(_screens(supervisor) - _screens(agent))
    assert {"/queue/", "/reviews/", "/dashboard/", "/incidents/"} <= set(screens), screens
    details = [*world.details["all"], *world.details["supervisor"]]
    _visit_all(page, login_as, live_url, supervisor, [*screens, *details])


def test_admin_screens(page, login_as, live_url, supervisor, admin_user, world):
    screens = sorted(_screens(admin_user) - _screens(supervisor))
    assert {
        "/admin-ui/limits/",
        "/admin-ui/rules/",
        "/admin-ui/audit/",
        "/admin-ui/oncall/",
        "/admin-ui/webhooks/",
        "/admin-ui/integrations/",
    } <= set(screens), screens
    details = [*world.details["all"], *world.details["admin"]]
    _visit_all(page, login_as, live_url, admin_user, [*screens, *details])
