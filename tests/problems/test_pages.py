"""Problem pages, the case page's cord panel, root-cause tags, the admin's root-cause
screen, the dashboard board and changes proposed from a problem."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from discretion.models import ChangeProposal, CustomerMessage, Problem, ProblemCase, TrustLimit
from policies.models import PolicyRule
from tests import factories

pytestmark = pytest.mark.django_db


def _problem_with_cases(n: int):
    problem = factories.ProblemFactory()
    for _ in range(n):
        factories.ProblemCaseFactory(
            problem=problem, case=factories.CaseFactory(remedies_total=Decimal("1200.00"))
        )
    return problem


def test_list_page_queries_do_not_grow(client, agent, django_assert_num_queries):
    for n in (1, 4):
        _problem_with_cases(n)
    client.force_login(agent)
    client.get("/problems/")
    # session + user, the problems with their totals, the nav's follow-up count is htmx
    with django_assert_num_queries(3):
        response = client.get("/problems/")
    html = response.content.decode()
    assert response.status_code == 200 and "$4,800.00" in html and "$1,200.00" in html
    assert client.get("/problems/?status=fixed").content.decode().count("#") < html.count("#")


def test_detail_page_queries_do_not_grow(client, supervisor, django_assert_num_queries):
    small, big = _problem_with_cases(1), _problem_with_cases(6)
    client.force_login(supervisor)
    client.get(f"/problems/{small.pk}/")
    with django_assert_num_queries(8) as few:
        client.get(f"/problems/{small.pk}/")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(f"/problems/{big.pk}/")
    html = response.content.decode()
    assert "$7,200.00 in remedies granted" in html and "Mark fixed" in html
    assert client.get("/problems/99999999/").status_code == 404


def test_mark_fixed_needs_what_we_changed_and_shows_the_drafts(client, supervisor, agent):
    problem = _problem_with_cases(2)
    client.force_login(supervisor)
    refused = client.post(f"/problems/{problem.pk}/fix/", {"what_we_changed": ""})
    assert refused.status_code == 400 and "Say what we changed" in refused.content.decode()
    done = client.post(
        f"/problems/{problem.pk}/fix/", {"what_we_changed": "Couriers now photograph parcels."}
    )
    assert done.status_code == 302
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "Messages drafted by the fix" in page and page.count("draft</span>") == 2
    client.force_login(agent)
    refused = client.post(f"/problems/{problem.pk}/fix/", {"what_we_changed": "x"})
    assert refused.status_code == 400 and "Only supervisors" in refused.content.decode()


def test_the_cord_opens_or_joins_a_problem(client, agent):
    case = factories.CaseFactory(subject="Parcel shows delivered, never came", category="complaint")
    client.force_login(agent)
    assert (
        f'hx-get="/cases/{case.pk}/problem/"' in client.get(f"/cases/{case.pk}/").content.decode()
    )
    panel = client.get(f"/cases/{case.pk}/problem/").content.decode()
    assert 'value="Parcel shows delivered, never came"' in panel
    opened = client.post(
        f"/cases/{case.pk}/problem/pull/",
        {"title": "Parcels marked delivered"},
        HTTP_HX_REQUEST="true",
    )
    assert "Part of problem" in opened.content.decode()
    problem = Problem.objects.get()
    other = factories.CaseFactory(category="complaint")
    older = factories.ProblemFactory(title="Older unrelated")
    panel = client.get(f"/cases/{other.pk}/problem/").content.decode()
    # the problem that already holds a complaint comes first
    assert panel.index(f'value="{problem.pk}"') < panel.index(f'value="{older.pk}"')
    client.post(f"/cases/{other.pk}/problem/pull/", {"problem": problem.pk})
    assert ProblemCase.objects.filter(problem=problem).count() == 2
    again = client.post(
        f"/cases/{other.pk}/problem/pull/", {"problem": older.pk}, HTTP_HX_REQUEST="true"
    )
    assert "already linked" in again.content.decode()


def test_root_cause_tag_on_the_case_page(client, agent):
    cause = factories.RootCauseFactory(code="carrier_scan", name="Carrier scans too early")
    resolution = factories.ResolutionFactory(status="applied", amount=Decimal("40.00"))
    client.force_login(agent)
    panel = client.get(f"/cases/{resolution.case_id}/problem/").content.decode()
    assert "Carrier scans too early" in panel
    response = client.post(
        f"/cases/{resolution.case_id}/resolutions/{resolution.pk}/root-cause/",
        {"root_cause": "carrier_scan"},
        HTTP_HX_REQUEST="true",
    )
    assert "Saved." in response.content.decode()
    resolution.refresh_from_db()
    assert resolution.root_cause == cause
    other = factories.ResolutionFactory(status="applied")
    wrong_case = client.post(
        f"/cases/{resolution.case_id}/resolutions/{other.pk}/root-cause/", {"root_cause": ""}
    )
    assert wrong_case.status_code == 404


def test_admin_root_cause_screen(client, admin_user, agent):
    client.force_login(admin_user)
    assert (
        client.post(
            "/admin-ui/root-causes/", {"code": "late_carrier", "name": "Late carrier"}
        ).status_code
        == 302
    )
    dup = client.post("/admin-ui/root-causes/", {"code": "late_carrier", "name": "Again"})
    assert dup.status_code == 400 and "already" in dup.content.decode()
    client.post("/admin-ui/root-causes/late_carrier/toggle/")
    assert not factories.RootCauseFactory(code="late_carrier").active
    assert AuditEvent.objects.filter(object_type="root_cause").count() == 2
    client.force_login(agent)
    assert client.get("/admin-ui/root-causes/").status_code == 403


def test_dashboard_ranks_problems_and_root_causes(client, supervisor):
    cheap, dear = _problem_with_cases(1), _problem_with_cases(3)
    cause = factories.RootCauseFactory(name="Carrier scans too early")
    factories.ResolutionFactory(status="applied", amount=Decimal("30.00"), root_cause=cause)
    client.force_login(supervisor)
    html = client.get("/dashboard/").content.decode()
    board = html[html.index('data-testid="problem-board"') :]
    assert board.index(dear.title) < board.index(cheap.title)
    assert "Carrier scans too early" in board and "$30.00" in board


def test_propose_a_rule_and_a_limit_then_accept(client, supervisor, admin_user):
    problem = factories.ProblemFactory()
    client.force_login(supervisor)
    bad = client.post(
        f"/problems/{problem.pk}/propose/rule/",
        {"rule-name": "x", "rule-expression": "amount >", "rule-effect": "deny"},
    )
    assert bad.status_code == 400 and not ChangeProposal.objects.exists()
    client.post(
        f"/problems/{problem.pk}/propose/rule/",
        {
            "rule-name": "Refunds over 500 need a look",
            "rule-expression": "amount > 500.0",
            "rule-effect": "require_approval",
        },
    )
    client.post(
        f"/problems/{problem.pk}/propose/limit/",
        {"limit-tier": "standard", "limit-remedy_type": "refund", "limit-per_remedy_max": "80"},
    )
    rule, limit = ChangeProposal.objects.order_by("id")
    assert rule.result["replayed"] == 0 and limit.result["requests"] == 0
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "Refunds over 500 need a look" in page and 'data-testid="accept-change"' not in page
    assert client.post(f"/problem-proposals/{rule.pk}/accept/").status_code == 400  # not admin
    client.force_login(admin_user)
    client.post(f"/problem-proposals/{rule.pk}/accept/", {"note": "Yes"})
    created = PolicyRule.objects.get(name="Refunds over 500 need a look")
    assert created.enabled is False and created.effect == "require_approval"
    client.post(f"/problem-proposals/{limit.pk}/accept/")
    cap = TrustLimit.objects.get(tier__code="standard", remedy_type__code="refund")
    assert cap.per_remedy_max == Decimal("80.00")
    again = client.post(f"/problem-proposals/{limit.pk}/decline/")
    assert again.status_code == 400 and "already accepted" in again.content.decode()
    assert CustomerMessage.objects.count() == 0
