"""The My record page (/me/record/, /agents/<id>/record/) on the known history."""

from __future__ import annotations

import pytest
from django.test import Client

from discretion.models import Recognition
from tests import factories

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_record_shows_headlines_charts_tables_and_lists(history):
    response = _client(history.agent).get("/me/record/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>My record</h1>" in html
    assert html.count('role="img"') == 4  # autonomy, requests, reviews, recognitions
    assert "50%" in html and "5 of 10 requests applied on your own authority" in html
    assert "of 3 decided escalations approved (1 as asked)" in html
    assert "2 good calls or above and beyond" in html
    # The per-remedy table.
    assert "Refund" in html and "$100.00" in html and "Store credit" in html and "$40.00" in html
    # Recognitions received: who, note, link to the case.
    assert "Saved the Henderson account." in html and "From Pam Boss" in html
    star = Recognition.objects.get(note="Saved the Henderson account.")
    assert f'href="/cases/{star.resolution.case_id}/"' in html
    # Reviews with verdicts and notes, coaching included (private page).
    assert "Offer the replacement before the refund." in html
    assert "A tip for next time" in html and "Above and beyond" in html
    # The nav links here for every user; the limit-request helper's block is there to fill.
    assert 'href="/me/record/" aria-current="page"' in html


def test_days_selector_and_a_bad_value(history):
    client = _client(history.agent)
    html = client.get("/me/record/?days=365").content.decode()
    assert "6 of 11 requests applied on your own authority" in html
    assert (
        '<a class="btn btn-ghost btn-sm" href="?days=365" data-shortcut="y" aria-current="page"'
        in html
    )
    response = client.get("/me/record/?days=1000")
    assert response.status_code == 400
    assert "Give a whole number of days from 1 to 365." in response.content.decode()


def test_supervisor_opens_an_agents_record(history, admin_user):
    for reader in (history.boss, admin_user):
        response = _client(reader).get(f"/agents/{history.agent.pk}/record/")
        assert response.status_code == 200
        html = response.content.decode()
        assert f"<h1>{history.agent.label}'s record</h1>" in html
        assert "5 of 10 requests applied on their own authority" in html
        assert "Offer the replacement before the refund." in html


def test_another_agent_is_refused_and_unknown_ids_404(history):
    response = _client(history.other).get(f"/agents/{history.agent.pk}/record/")
    assert response.status_code == 403
    assert "Offer the replacement" not in response.content.decode()
    assert _client(history.boss).get("/agents/999999/record/").status_code == 404
    # Their own record at the other address is theirs.
    assert _client(history.other).get(f"/agents/{history.other.pk}/record/").status_code == 200


def test_anonymous_goes_to_login(db):
    response = Client().get("/me/record/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_page_query_count_is_fixed(history, django_assert_num_queries):
    client = _client(history.agent)
    client.get("/me/record/")  # warm the session
    with django_assert_num_queries(8):
        assert client.get("/me/record/").status_code == 200
    factories.ResolutionFactory.create_batch(20, agent=history.agent)
    factories.RecognitionFactory.create_batch(5, agent=history.agent, from_user=history.boss)
    with django_assert_num_queries(8):
        assert client.get("/me/record/").status_code == 200


def test_empty_record_is_friendly(agent):
    html = _client(agent).get("/me/record/").content.decode()
    assert "No requests in this period yet." in html
    assert "None in this period yet. They will show up here." in html
    assert "no escalations decided in this period" in html
