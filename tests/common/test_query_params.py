"""Query parameters and path ids a client can send: 400 or 404, never a 500 (contract,
second part: "a time zone offset out of range, a huge id: all 4xx")."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00+22:00",
        "2026-01-01T00:00:00-23:59",
        "2026-01-01T00:00:00+18:01",
        "",
        "   ",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "\uff12\uff10\uff12\uff16-01-01T00:00:00Z",
    ],
)
def test_bad_at_is_400_naming_it(api, agent, value):
    response = api.as_user(agent).get("/api/v1/oncall/", {"at": value})
    assert response.status_code == 400, response.content
    assert "at" in response.json()


@pytest.mark.parametrize(
    "value", ["2026-01-01T00:00:00+18:00", "2026-01-01T00:00:00-17:30", "2026-01-01T00:00:00Z"]
)
def test_offsets_within_18_hours_are_fine(api, agent, value):
    response = api.as_user(agent).get("/api/v1/oncall/", {"at": value})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("param", ["since", "until"])
@pytest.mark.parametrize("value", ["2026-01-01T00:00:00-23:59", "2026-01-01T00:00:00+22:00", ""])
def test_audit_window_offsets_out_of_range_are_400(api, admin_user, param, value):
    response = api.as_user(admin_user).get("/api/v1/audit-events/", {param: value})
    assert response.status_code == 400, response.content
    assert param in response.json()


def test_audit_window_with_a_far_offset_within_range_works(api, admin_user):
    response = api.as_user(admin_user).get(
        "/api/v1/audit-events/", {"since": "2000-01-01T00:00:00+17:00"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["null", "", "0", "-1", "abc", "1.5", "²", "99999999999999"])
def test_bad_page_size_is_400(api, agent, value):
    response = api.as_user(agent).get("/api/v1/cases/", {"page_size": value})
    assert response.status_code == 400, response.content
    assert "page_size" in response.json()


@pytest.mark.parametrize("value", ["null", "", "0", "abc", "²"])
def test_bad_page_is_400(api, agent, value):
    response = api.as_user(agent).get("/api/v1/cases/", {"page": value})
    assert response.status_code == 400
    assert "page" in response.json()


def test_page_size_above_the_maximum_is_capped_and_a_page_past_the_end_404(api, agent):
    assert api.as_user(agent).get("/api/v1/cases/", {"page_size": "100000"}).status_code == 200
    response = api.as_user(agent).get("/api/v1/cases/", {"page": "99"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/99999999999999999999/",
        "/api/v1/cases/99999999999999999999/timeline/",
        "/api/v1/resolutions/99999999999999999999/",
        "/api/v1/escalations/99999999999999999999/",
        "/api/v1/oncall-shifts/99999999999999999999/",
        "/api/v1/agents/99999999999999999999/",
        "/api/v1/trust-limits/99999999999999999999/",
        "/api/v1/policy-rules/99999999999999999999/",
        "/api/v1/audit-events/99999999999999999999/",
    ],
)
def test_huge_ids_in_paths_are_404(api, admin_user, path):
    response = api.as_user(admin_user).get(path)
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/cases/", "assignee"),
        ("/api/v1/resolutions/", "agent"),
        ("/api/v1/resolutions/", "case"),
        ("/api/v1/escalations/", "assigned_to"),
        ("/api/v1/oncall-shifts/", "supervisor"),
        ("/api/v1/oncall-shifts/", "level"),
        ("/api/v1/trust-limits/", "agent"),
        ("/api/v1/audit-events/", "actor"),
    ],
)
@pytest.mark.parametrize("value", ["²", "abc", "1e5", "-1"])
def test_bad_ids_in_filters_are_400(api, admin_user, path, param, value):
    response = api.as_user(admin_user).get(path, {param: value})
    assert response.status_code == 400, response.content
    assert param in response.json()


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/cases/", "assignee"),
        ("/api/v1/resolutions/", "agent"),
        ("/api/v1/escalations/", "assigned_to"),
        ("/api/v1/trust-limits/", "agent"),
        ("/api/v1/audit-events/", "actor"),
    ],
)
def test_huge_ids_in_filters_match_nothing(api, admin_user, path, param):
    factories.CaseFactory()
    response = api.as_user(admin_user).get(path, {param: "99999999999999999999"})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0
