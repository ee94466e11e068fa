"""The agent workspace views (server-rendered): permissions, CSRF, forms, query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case, Resolution
from tests import factories
from tests.support.escalations import on_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def refund_limit(agent):
    return factories.TrustLimitFactory(
        agent=agent,
        tier=None,
        remedy_type=factories.remedy("refund"),
        per_remedy_max=Decimal("50.00"),
        daily_max=Decimal("100.00"),
    )


def test_pages_need_a_login(client, case):
    for url in ["/", "/cases/", "/cases/new/", f"/cases/{case.pk}/", "/notifications/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(
    ("role", "target"),
    [("agent", "/cases/"), ("supervisor", "/queue/"), ("admin", "/dashboard/")],
)
def test_home_sends_each_role_to_its_work(client_for, role, target):
    user = factories.UserFactory(role=role, is_superuser=role == "admin", is_staff=role == "admin")
    assert client_for(user).get("/")["Location"] == target


def test_login_and_logout(client, agent):
    page = client.get("/login/")
    assert page.status_code == 200
    assert b'<label for="id_username">Username</label>' in page.content
    response = client.post("/login/", {"username": agent.username, "password": "pass-12345"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/logout/").status_code == 405  # logout is a POST
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/cases/").status_code == 302


def test_case_list_tabs_filters_and_search(client_for, agent):
    team = factories.TeamFactory(name="Returns")
    agent.team = team
    agent.save()
    colleague = factories.UserFactory(team=team)
    outsider = factories.UserFactory()
    mine = factories.CaseFactory(subject="Mine: lost parcel", assignee=agent)
    mine_closed = factories.CaseFactory(subject="Mine: closed", assignee=agent, status="closed")
    theirs = factories.CaseFactory(
        subject="Colleague's crisis", assignee=colleague, category="crisis"
    )
    unassigned = factories.CaseFactory(subject="Nobody's yet", assignee=None)
    factories.CaseFactory(subject="Other team", assignee=outsider)
    factories.CaseFactory(subject="Colleague resolved", assignee=colleague, status="resolved")
    client = client_for(agent)

    def subjects(**params):
        response = client.get("/cases/", params)
        assert response.status_code == 200
        return {c.subject for c in response.context["cases"]}

    assert subjects() == {mine.subject, mine_closed.subject}
    assert subjects(status="open") == {mine.subject}
    assert subjects(tab="team") == {mine.subject, theirs.subject, unassigned.subject}
    assert subjects(tab="team", category="crisis") == {theirs.subject}
    assert subjects(tab="team", q="crisis") == {theirs.subject}
    assert subjects(tab="team", q=theirs.customer.name[:6]) >= {theirs.subject}
    assert subjects(q=f"#{mine.pk}") == {mine.subject}
    # Bad filter values are ignored, not a 500.
    assert subjects(status="nonsense", tab="weird") == {mine.subject, mine_closed.subject}


def test_case_list_query_count_is_constant(client_for, agent, django_assert_num_queries):
    client = client_for(agent)
    factories.CaseFactory(assignee=agent)
    client.get("/cases/")  # warm the session (its first request stamps the idle timeout)
    # session, user, cases (customer and assignee joined)
    with django_assert_num_queries(3):
        assert len(client.get("/cases/").context["cases"]) == 1
    factories.CaseFactory.create_batch(19, assignee=agent)
    with django_assert_num_queries(3):
        assert len(client.get("/cases/").context["cases"]) == 20
    with django_assert_num_queries(3):
        client.get("/cases/", {"tab": "team", "q": "x", "category": "complaint"})


def test_case_list_htmx_returns_only_the_results(client_for, agent):
    factories.CaseFactory(subject="Fragment case", assignee=agent)
    response = client_for(agent).get(
        "/cases/", {"q": "Fragment"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-results"
    )
    assert b'id="case-results"' in response.content
    assert b"<html" not in response.content
    assert b"Fragment case" in response.content


def test_new_case_creates_and_redirects(client_for, agent):
    response = client_for(agent).post(
        "/cases/new/",
        {
            "subject": "Charged twice",
            "category": "complaint",
            "customer_external_id": "C-77",
            "customer_name": "Ada Lovelace",
            "assign_to_me": "on",
        },
    )
    case = Case.objects.get(subject="Charged twice")
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.assignee == agent and case.customer.name == "Ada Lovelace"
    assert case.events.filter(kind="created").exists()


def test_new_case_bad_input_is_400_naming_the_field_and_changes_nothing(client_for, agent):
    client = client_for(agent)
    response = client.post("/cases/new/", {"subject": "", "category": "nope"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"subject", "category", "customer_external_id"}
    response = client.post(
        "/cases/new/",
        {"subject": "New person", "category": "question", "customer_external_id": "NEW-1"},
    )
    assert response.status_code == 400
    assert "give their name" in str(response.context["form"].errors)
    assert not Case.objects.exists()


def test_forms_need_csrf(agent, case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post("/cases/new/", {"subject": "x"}).status_code == 403
    assert client.post(f"/cases/{case.pk}/resolve/", {"remedy_type": "refund"}).status_code == 403
    assert client.post(f"/cases/{case.pk}/preview/", {"remedy_type": "refund"}).status_code == 403
    assert client.post("/logout/").status_code == 403


def test_case_page_renders_with_panel_meter_and_timeline(client_for, agent, case, refund_limit):
    response = client_for(agent).get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="resolve-form"' in html and 'name="idempotency_key"' in html
    assert "$100.00</strong> of $100.00 left today" in html
    assert client_for(agent).get("/cases/999999/").status_code == 404


def test_preview_names_the_failing_check_and_the_on_call_supervisor(
    client_for, agent, case, refund_limit
):
    pam = factories.UserFactory(role="supervisor", display_name="Pam Beesly")
    on_call(pam, approval_max="1000.00")  # routing names only who may approve it
    client = client_for(agent)
    url = f"/cases/{case.pk}/preview/"
    ok = client.post(url, {"remedy_type": "refund", "amount": "20"}).content.decode()
    assert "Applies now" in ok and "80.00 after this" in ok
    over = client.post(url, {"remedy_type": "refund", "amount": "70"}).content.decode()
    assert "Goes to Pam Beesly, on call" in over
    assert "Per remedy</strong> limit of $50.00" in over
    bad = client.post(url, {"remedy_type": "refund", "amount": "ten"}).content.decode()
    assert "Amount" in bad and "Check the form" in bad
    unknown = client.post(url, {"remedy_type": "bitcoin", "amount": "1"}).content.decode()
    assert "is not a remedy type" in unknown
    assert not Resolution.objects.exists()


def test_preview_names_the_supervisor_who_may_approve_the_amount(client_for, agent, case):
    """3,000.00 of store credit goes to Sam (approval 5,000), not to Pam on call at level
    1 (approval 1,000): the preview names whom routing would pick; with nobody on call
    who may approve it, it says the admins get it."""
    pam = factories.UserFactory(role="supervisor", display_name="Pam Beesly")
    sam = factories.UserFactory(role="supervisor", display_name="Sam Rivera")
    on_call(pam, level=1, approval_max="1000.00")
    on_call(sam, level=2, approval_max="5000.00")
    url = f"/cases/{case.pk}/preview/"
    client = client_for(agent)
    big = client.post(url, {"remedy_type": "store_credit", "amount": "3000.00"}).content.decode()
    assert "Goes to Sam Rivera, on call" in big and "Pam Beesly" not in big
    small = client.post(url, {"remedy_type": "store_credit", "amount": "500.00"}).content.decode()
    assert "Goes to Pam Beesly, on call" in small
    huge = client.post(url, {"remedy_type": "store_credit", "amount": "9000.00"}).content.decode()
    assert "Goes to the admins: nobody on call may approve $9,000.00" in huge
    assert "Sam Rivera" not in huge and "Pam Beesly" not in huge
    assert not Resolution.objects.exists()


def test_preview_never_names_the_requester(client_for, case):
    """A supervisor resolving a case themself is on call: the preview names the next one
    who may approve, as routing (four-eyes) would."""
    me = factories.UserFactory(role="supervisor", display_name="Me Myself")
    other = factories.UserFactory(role="supervisor", display_name="Olga Other")
    on_call(me, level=1, approval_max="5000.00")
    on_call(other, level=2, approval_max="5000.00")
    url = f"/cases/{case.pk}/preview/"
    html = client_for(me).post(url, {"remedy_type": "refund", "amount": "3000.00"}).content.decode()
    assert "Goes to Olga Other, on call" in html


def test_submit_applies_once_per_form_key(client_for, agent, case, refund_limit):
    client = client_for(agent)
    form = {
        "remedy_type": "refund",
        "amount": "25.00",
        "reason": "Late",
        "acknowledge": "Sorry",  # the playbook's step 1, required on a complaint
        "customer_message": "Sorry",
        "idempotency_key": "form-key-1",
    }
    first = client.post(f"/cases/{case.pk}/resolve/", form, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and first["HX-Trigger"] == "resolution-submitted"
    assert 'data-status="applied"' in first.content.decode()
    again = client.post(f"/cases/{case.pk}/resolve/", form, HTTP_HX_REQUEST="true")
    assert "nothing was granted twice" in again.content.decode()
    assert Resolution.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.remedies_total == Decimal("25.00")
    # A new form (new key) is a new request.
    client.post(
        f"/cases/{case.pk}/resolve/",
        {**form, "idempotency_key": "form-key-2"},
        HTTP_HX_REQUEST="true",
    )
    assert Resolution.objects.filter(case=case).count() == 2


def test_submit_bad_input_names_the_field_and_changes_nothing(client_for, agent, case):
    client = client_for(agent)
    response = client.post(
        f"/cases/{case.pk}/resolve/", {"remedy_type": "refund", "amount": "-5", "reason": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was granted" in html and "Amount" in html and "Reason" in html
    closed = factories.CaseFactory(status="closed")
    response = client.post(
        f"/cases/{closed.pk}/resolve/",
        {"remedy_type": "apology", "reason": "x", "idempotency_key": "k"},
        HTTP_HX_REQUEST="true",
    )
    assert "is closed" in response.content.decode()
    assert not Resolution.objects.exists()


def test_resolution_status_fragment_polls_only_while_pending(client_for, agent, case):
    resolution = factories.ResolutionFactory(case=case, agent=agent)
    client = client_for(agent)
    url = f"/cases/{case.pk}/resolutions/{resolution.pk}/"
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 3s"' in html
    Resolution.objects.filter(pk=resolution.pk).update(status="rejected")
    html = client.get(url).content.decode()
    assert "every 3s" not in html
    assert client.get(f"/cases/{case.pk + 1000}/resolutions/{resolution.pk}/").status_code == 404


def test_case_update_status_and_assignee(client_for, agent, case):
    client = client_for(agent)
    assert client.post(f"/cases/{case.pk}/update/", {"assign": "me"}).status_code == 302
    assert client.post(f"/cases/{case.pk}/update/", {"status": "resolved"}).status_code == 302
    case.refresh_from_db()
    assert case.assignee == agent and case.status == "resolved"
    assert client.post(f"/cases/{case.pk}/update/", {"status": "gone"}).status_code == 400
    assert set(case.events.values_list("kind", flat=True)) >= {"assigned", "status_changed"}


def _notify(user, n):
    return factories.NotificationFactory(recipient=user, title=f"Note {n}", link="/cases/")


def test_notifications_bell_page_and_mark_read(client_for, agent):
    first = _notify(agent, 1)
    _notify(agent, 2)
    other = _notify(factories.UserFactory(), 3)
    client = client_for(agent)
    assert b">2<" in client.get(reverse("notifications-bell")).content
    assert b"Note 1" in client.get("/notifications/").content
    response = client.post(f"/notifications/{first.pk}/read/", {"follow": "1"})
    assert response["Location"] == "/cases/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    client.post("/notifications/read-all/")
    assert b"unread-count" not in client.get(reverse("notifications-bell")).content
