"""Users and trust API: token auth, agents, trust tiers, trust limits, remedy types, /me/."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError

from audit.models import AuditEvent
from discretion.models import Team, TrustLimit, TrustTier, User
from tests import factories

pytestmark = pytest.mark.django_db


def limit_body(**overrides):
    body = {
        "tier": "standard",
        "remedy_type": "refund",
        "per_remedy_max": "50.00",
        "per_case_max": "100.00",
        "daily_max": "200.00",
        "monthly_max": None,
        "approval_max": None,
    }
    body.update(overrides)
    return body


# --- auth ------------------------------------------------------------------------------


def test_token_for_good_credentials(api, agent):
    response = api.post(
        "/api/v1/auth/token/", {"username": agent.username, "password": "pass-12345"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").json()["username"] == agent.username


def test_token_bad_credentials_is_400(api, agent):
    response = api.post(
        "/api/v1/auth/token/", {"username": agent.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_token_missing_fields_named(api):
    response = api.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "password"}


def test_token_inactive_user_refused(api):
    user = factories.UserFactory(is_active=False)
    response = api.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "pass-12345"}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agents/",
        "/api/v1/trust-tiers/",
        "/api/v1/trust-limits/",
        "/api/v1/remedy-types/",
        "/api/v1/me/",
    ],
)
def test_no_credentials_is_401(api, path):
    response = api.get(path)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_bad_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get("/api/v1/me/").status_code == 401


# --- agents ----------------------------------------------------------------------------


def test_admin_creates_agent_with_new_team(api, admin_user):
    body = {
        "username": "dana",
        "password": "a-long-password",
        "display_name": "Dana Scully",
        "email": "dana@example.com",
        "role": "agent",
        "team": "Returns",
        "tier": "new",
    }
    response = api.as_user(admin_user).post("/api/v1/agents/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data == {
        "id": data["id"],
        "username": "dana",
        "display_name": "Dana Scully",
        "email": "dana@example.com",
        "role": "agent",
        "team": "Returns",
        "tier": "new",
        "is_active": True,
    }
    user = User.objects.get(pk=data["id"])
    assert user.check_password("a-long-password")
    assert Team.objects.filter(name="Returns").count() == 1
    event = AuditEvent.objects.get(object_type="user", object_id=str(user.pk))
    assert event.action == "user_create"
    assert event.actor == admin_user
    assert event.before is None and event.after["tier"] == "new"


def test_create_agent_password_required_and_validated(api, admin_user):
    client = api.as_user(admin_user)
    response = client.post("/api/v1/agents/", {"username": "x1"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()
    response = client.post(
        "/api/v1/agents/", {"username": "x1", "password": "short"}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="x1").exists()


def test_create_agent_password_never_returned(api, admin_user):
    response = api.as_user(admin_user).post(
        "/api/v1/agents/", {"username": "pw", "password": "a-long-password"}, format="json"
    )
    assert response.status_code == 201
    assert "password" not in response.json()


def test_create_agent_duplicate_username_400(api, admin_user, agent):
    response = api.as_user(admin_user).post(
        "/api/v1/agents/",
        {"username": agent.username, "password": "a-long-password"},
        format="json",
    )
    assert response.status_code == 400
    assert "username" in response.json()


def test_create_agent_unknown_tier_and_role_400(api, admin_user):
    response = api.as_user(admin_user).post(
        "/api/v1/agents/",
        {"username": "z", "password": "a-long-password", "tier": "platinum", "role": "king"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"tier", "role"}
    assert not User.objects.filter(username="z").exists()
    assert not AuditEvent.objects.exists()


def test_agents_permissions(api, agent, supervisor, admin_user):
    assert api.as_user(agent).get("/api/v1/agents/").status_code == 403
    assert api.as_user(agent).get(f"/api/v1/agents/{agent.pk}/").status_code == 403
    response = api.as_user(supervisor).get("/api/v1/agents/")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert api.as_user(supervisor).get(f"/api/v1/agents/{agent.pk}/").status_code == 200
    body = {"username": "q", "password": "a-long-password"}
    response = api.as_user(supervisor).post("/api/v1/agents/", body, format="json")
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]
    response = api.as_user(supervisor).patch(
        f"/api/v1/agents/{agent.pk}/", {"tier": "senior"}, format="json"
    )
    assert response.status_code == 403
    assert api.as_user(admin_user).get("/api/v1/agents/999999/").status_code == 404


def test_agent_list_filters_and_shape(api, admin_user, agent, supervisor):
    client = api.as_user(admin_user)
    data = client.get("/api/v1/agents/?role=agent").json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in data["results"]] == [agent.pk]
    assert client.get("/api/v1/agents/?tier=senior").json()["results"][0]["id"] == supervisor.pk
    assert client.get("/api/v1/agents/?role=wizard").status_code == 400


def test_agent_list_constant_queries(api, admin_user, django_assert_num_queries):
    team = factories.TeamFactory(name="Billing")
    client = api.as_user(admin_user)
    factories.UserFactory(team=team, tier=factories.tier("new"))
    # token + user, count, page
    with django_assert_num_queries(3):
        client.get("/api/v1/agents/")
    for _ in range(10):
        factories.UserFactory(team=team, tier=factories.tier("new"))
    with django_assert_num_queries(3):
        assert client.get("/api/v1/agents/").json()["count"] == 12


def test_patch_agent_tier_and_role_audited(api, admin_user, agent):
    response = api.as_user(admin_user).patch(
        f"/api/v1/agents/{agent.pk}/",
        {"tier": "senior", "role": "supervisor", "team": "Escalations"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["tier"] == "senior"
    assert response.json()["team"] == "Escalations"
    agent.refresh_from_db()
    assert agent.role == "supervisor" and agent.tier.code == "senior"
    event = AuditEvent.objects.get(object_type="user", object_id=str(agent.pk))
    assert event.action == "user_update"
    assert event.before["tier"] == "standard" and event.after["tier"] == "senior"
    assert event.before["role"] == "agent" and event.after["role"] == "supervisor"


def test_patch_agent_no_change_writes_no_audit(api, admin_user, agent):
    response = api.as_user(admin_user).patch(
        f"/api/v1/agents/{agent.pk}/", {"tier": "standard"}, format="json"
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_patch_agent_unknown_tier_400_changes_nothing(api, admin_user, agent):
    response = api.as_user(admin_user).patch(
        f"/api/v1/agents/{agent.pk}/", {"tier": "gold", "role": "admin"}, format="json"
    )
    assert response.status_code == 400
    assert "tier" in response.json()
    agent.refresh_from_db()
    assert agent.role == "agent" and agent.tier.code == "standard"


def test_patch_agent_unchangeable_field_400(api, admin_user, agent):
    response = api.as_user(admin_user).patch(
        f"/api/v1/agents/{agent.pk}/", {"username": "renamed"}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.json()


def test_patch_agent_null_tier_and_team(api, admin_user, agent):
    response = api.as_user(admin_user).patch(
        f"/api/v1/agents/{agent.pk}/", {"tier": None, "team": None}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["tier"] is None and response.json()["team"] is None


def test_demoting_superuser_is_400(api, admin_user):
    factories.UserFactory(role="admin")  # not the last admin
    response = api.as_user(admin_user).patch(
        f"/api/v1/agents/{admin_user.pk}/", {"role": "agent"}, format="json"
    )
    assert response.status_code == 400
    assert "superuser" in response.json()["role"][0]
    admin_user.refresh_from_db()
    assert admin_user.role == "admin" and admin_user.is_superuser


def test_last_admin_cannot_be_demoted_or_deactivated(api):
    only_admin = factories.UserFactory(role="admin")
    client = api.as_user(only_admin)
    response = client.patch(f"/api/v1/agents/{only_admin.pk}/", {"role": "agent"}, format="json")
    assert response.status_code == 400 and "role" in response.json()
    response = client.patch(f"/api/v1/agents/{only_admin.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 400 and "is_active" in response.json()
    other = factories.UserFactory(role="admin")
    response = client.patch(f"/api/v1/agents/{other.pk}/", {"role": "supervisor"}, format="json")
    assert response.status_code == 200


def test_promote_to_admin_via_api(api, admin_user, agent):
    response = api.as_user(admin_user).patch(
        f"/api/v1/agents/{agent.pk}/", {"role": "admin"}, format="json"
    )
    assert response.status_code == 200
    assert api.as_user(agent).get("/api/v1/audit-events/").status_code == 200


def test_superuser_must_be_admin_in_database(agent):
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=agent.pk).update(is_superuser=True)


def test_broken_json_is_400(api, admin_user):
    response = api.as_user(admin_user).post(
        "/api/v1/agents/", data='{"username": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


# --- trust tiers -----------------------------------------------------------------------


def test_tiers_seeded_and_readable_by_agents(api, agent):
    response = api.as_user(agent).get("/api/v1/trust-tiers/")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == ["new", "standard", "senior"]
    response = api.as_user(agent).get("/api/v1/trust-tiers/senior/")
    assert response.status_code == 200
    assert set(response.json()) >= {"code", "name", "description"}
    assert api.as_user(agent).get("/api/v1/trust-tiers/nope/").status_code == 404


def test_tier_create_and_patch_by_admin_audited(api, admin_user):
    client = api.as_user(admin_user)
    response = client.post(
        "/api/v1/trust-tiers/",
        {"code": "lead", "name": "Team lead", "description": "Leads"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "lead"
    response = client.patch(
        "/api/v1/trust-tiers/lead/", {"name": "Lead", "reason": "rename"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Lead"
    events = list(AuditEvent.objects.filter(object_type="trust_tier").order_by("id"))
    assert [e.action for e in events] == ["trust_tier_create", "trust_tier_update"]
    assert events[1].before["name"] == "Team lead" and events[1].after["name"] == "Lead"
    assert events[1].reason == "rename"


def test_tier_duplicate_code_and_code_change_400(api, admin_user):
    client = api.as_user(admin_user)
    response = client.post("/api/v1/trust-tiers/", {"code": "new", "name": "X"}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    response = client.post(
        "/api/v1/trust-tiers/", {"code": "not a slug", "name": "X"}, format="json"
    )
    assert response.status_code == 400 and "code" in response.json()
    response = client.patch("/api/v1/trust-tiers/new/", {"code": "newer"}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    assert TrustTier.objects.filter(code="new").exists()


def test_tier_writes_forbidden_for_non_admins(api, agent, supervisor):
    for user in (agent, supervisor):
        client = api.as_user(user)
        response = client.post("/api/v1/trust-tiers/", {"code": "x", "name": "X"}, format="json")
        assert response.status_code == 403
        response = client.patch("/api/v1/trust-tiers/new/", {"name": "X"}, format="json")
        assert response.status_code == 403
    assert TrustTier.objects.get(code="new").name == "New"


# --- trust limits ----------------------------------------------------------------------


def test_limit_create_for_tier(api, admin_user):
    response = api.as_user(admin_user).post(
        "/api/v1/trust-limits/", limit_body(reason="Q3 policy"), format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data == {
        "id": data["id"],
        "tier": "standard",
        "agent": None,
        "remedy_type": "refund",
        "per_remedy_max": "50.00",
        "per_case_max": "100.00",
        "daily_max": "200.00",
        "monthly_max": None,
        "approval_max": None,
    }
    event = AuditEvent.objects.get(object_type="trust_limit")
    assert event.action == "trust_limit_create"
    assert event.object_id == str(data["id"])
    assert event.before is None
    assert event.after["per_remedy_max"] == "50.00"
    assert event.reason == "Q3 policy"


def test_limit_create_for_agent(api, admin_user, agent):
    response = api.as_user(admin_user).post(
        "/api/v1/trust-limits/",
        limit_body(tier=None, agent=agent.pk, remedy_type="store_credit"),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["agent"] == agent.pk and response.json()["tier"] is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"tier": None},  # neither
        {"agent": "AGENT"},  # both
    ],
)
def test_limit_exactly_one_scope(api, admin_user, agent, overrides):
    if overrides.get("agent") == "AGENT":
        overrides = {"agent": agent.pk}
    response = api.as_user(admin_user).post(
        "/api/v1/trust-limits/", limit_body(**overrides), format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not TrustLimit.objects.exists()


def test_limit_duplicate_is_400(api, admin_user):
    client = api.as_user(admin_user)
    assert client.post("/api/v1/trust-limits/", limit_body(), format="json").status_code == 201
    response = client.post("/api/v1/trust-limits/", limit_body(), format="json")
    assert response.status_code == 400
    assert "already" in str(response.json())
    assert TrustLimit.objects.count() == 1
    assert AuditEvent.objects.count() == 1


def test_limit_duplicate_race_integrity_error_is_400(api, admin_user, monkeypatch):
    """The DB constraint is the real guard: a duplicate that slips past the check is a 400."""
    factories.TrustLimitFactory(tier=factories.tier("standard"))
    monkeypatch.setattr("discretion.trust.services._check_limit", lambda limit: None)
    response = api.as_user(admin_user).post("/api/v1/trust-limits/", limit_body(), format="json")
    assert response.status_code == 400
    assert "conflicts" in str(response.json())
    assert TrustLimit.objects.count() == 1
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("10.001", "decimal"),
        ("-1.00", "negative|greater than or equal to 0"),
        ("NaN", "valid"),
        ("Infinity", "valid"),
        ("abc", "valid"),
        ("1000000.01", "1000000"),  # names the maximum
        ("1e30", "valid"),  # no exponents (common.money.money_parse)
        ("99999999999999999999999.00", "1000000"),
        (True, "string"),
        (25, "string"),  # amounts travel as strings, never JSON numbers
        ("", "valid"),
        (None, "null"),
    ],
)
def test_limit_money_validation(api, admin_user, value, fragment):
    response = api.as_user(admin_user).post(
        "/api/v1/trust-limits/", limit_body(per_remedy_max=value), format="json"
    )
    assert response.status_code == 400
    errors = response.json()["per_remedy_max"]
    text = " ".join(errors).lower()
    assert any(part in text for part in fragment.lower().split("|")), errors
    assert not TrustLimit.objects.exists()


def test_limit_money_validation_on_nullable_cap(api, admin_user):
    response = api.as_user(admin_user).post(
        "/api/v1/trust-limits/", limit_body(daily_max="-5"), format="json"
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"daily_max"}


def test_limit_max_amount_accepted(api, admin_user):
    response = api.as_user(admin_user).post(
        "/api/v1/trust-limits/", limit_body(per_remedy_max="1000000.00"), format="json"
    )
    assert response.status_code == 201
    assert response.json()["per_remedy_max"] == "1000000.00"


def test_limit_input_normalised_and_zero_cap_allowed(api, admin_user):
    # A cap of 0.00 means "nothing on one's own authority": allowed, unlike a 0.00 remedy.
    response = api.as_user(admin_user).post(
        "/api/v1/trust-limits/", limit_body(per_remedy_max="0", daily_max="7.5"), format="json"
    )
    assert response.status_code == 201
    assert response.json()["per_remedy_max"] == "0.00"
    assert response.json()["daily_max"] == "7.50"


def test_limit_required_and_unknown_codes(api, admin_user):
    client = api.as_user(admin_user)
    response = client.post("/api/v1/trust-limits/", {"tier": "standard"}, format="json")
    assert response.status_code == 400
    assert {"remedy_type", "per_remedy_max"} <= set(response.json())
    response = client.post(
        "/api/v1/trust-limits/",
        limit_body(tier="gold", remedy_type="cash", agent=None),
        format="json",
    )
    assert response.status_code == 400
    assert {"tier", "remedy_type"} <= set(response.json())
    response = client.post(
        "/api/v1/trust-limits/", limit_body(tier=None, agent=987654), format="json"
    )
    assert response.status_code == 400 and "agent" in response.json()


def test_limit_patch_audited_with_before_after(api, admin_user):
    limit = factories.TrustLimitFactory(tier=factories.tier("new"), daily_max=Decimal("40.00"))
    response = api.as_user(admin_user).patch(
        f"/api/v1/trust-limits/{limit.pk}/",
        {"per_remedy_max": "30.00", "daily_max": None, "reason": "raise"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["per_remedy_max"] == "30.00"
    assert response.json()["daily_max"] is None
    event = AuditEvent.objects.get(object_type="trust_limit", object_id=str(limit.pk))
    assert event.action == "trust_limit_update"
    assert event.before["per_remedy_max"] == "100.00" and event.after["per_remedy_max"] == "30.00"
    assert event.before["daily_max"] == "40.00" and event.after["daily_max"] is None
    assert event.reason == "raise"


def test_limit_patch_to_both_scopes_400(api, admin_user, agent):
    limit = factories.TrustLimitFactory(tier=factories.tier("new"))
    response = api.as_user(admin_user).patch(
        f"/api/v1/trust-limits/{limit.pk}/", {"agent": agent.pk}, format="json"
    )
    assert response.status_code == 400
    limit.refresh_from_db()
    assert limit.agent_id is None
    assert not AuditEvent.objects.exists()


def test_limit_patch_into_duplicate_400(api, admin_user):
    factories.TrustLimitFactory(tier=factories.tier("new"), remedy_type=factories.remedy("refund"))
    other = factories.TrustLimitFactory(
        tier=factories.tier("new"), remedy_type=factories.remedy("fee_waiver")
    )
    response = api.as_user(admin_user).patch(
        f"/api/v1/trust-limits/{other.pk}/", {"remedy_type": "refund"}, format="json"
    )
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.remedy_type.code == "fee_waiver"


def test_limit_patch_bad_money_400_changes_nothing(api, admin_user):
    limit = factories.TrustLimitFactory(tier=factories.tier("new"))
    response = api.as_user(admin_user).patch(
        f"/api/v1/trust-limits/{limit.pk}/", {"per_remedy_max": "1.234"}, format="json"
    )
    assert response.status_code == 400 and "per_remedy_max" in response.json()
    limit.refresh_from_db()
    assert limit.per_remedy_max == Decimal("100.00")


def test_limit_delete_audited(api, admin_user):
    limit = factories.TrustLimitFactory(tier=factories.tier("new"))
    response = api.as_user(admin_user).delete(f"/api/v1/trust-limits/{limit.pk}/?reason=retired")
    assert response.status_code == 204
    assert not TrustLimit.objects.exists()
    event = AuditEvent.objects.get(object_type="trust_limit")
    assert event.action == "trust_limit_delete"
    assert event.before["tier"] == "new" and event.after is None
    assert event.reason == "retired"
    assert api.as_user(admin_user).delete(f"/api/v1/trust-limits/{limit.pk}/").status_code == 404


def test_limit_permissions(api, agent, supervisor):
    limit = factories.TrustLimitFactory(tier=factories.tier("new"))
    client = api.as_user(agent)
    assert client.get("/api/v1/trust-limits/").status_code == 403
    assert client.get(f"/api/v1/trust-limits/{limit.pk}/").status_code == 403
    client = api.as_user(supervisor)
    assert client.get("/api/v1/trust-limits/").json()["count"] == 1
    assert client.get(f"/api/v1/trust-limits/{limit.pk}/").status_code == 200
    assert client.post("/api/v1/trust-limits/", limit_body(), format="json").status_code == 403
    response = client.patch(
        f"/api/v1/trust-limits/{limit.pk}/", {"per_remedy_max": "1.00"}, format="json"
    )
    assert response.status_code == 403
    assert client.delete(f"/api/v1/trust-limits/{limit.pk}/").status_code == 403
    assert TrustLimit.objects.get().per_remedy_max == Decimal("100.00")
    assert not AuditEvent.objects.exists()


def test_limit_filters(api, admin_user, agent):
    new = factories.TrustLimitFactory(tier=factories.tier("new"))
    own = factories.TrustLimitFactory(agent=agent, remedy_type=factories.remedy("fee_waiver"))
    client = api.as_user(admin_user)
    ids = lambda q: [r["id"] for r in client.get(f"/api/v1/trust-limits/?{q}").json()["results"]]  # noqa: E731
    assert ids("tier=new") == [new.pk]
    assert ids(f"agent={agent.pk}") == [own.pk]
    assert ids("remedy_type=fee_waiver") == [own.pk]
    assert client.get("/api/v1/trust-limits/?agent=abc").status_code == 400


def test_limit_list_constant_queries(api, admin_user, django_assert_num_queries):
    client = api.as_user(admin_user)
    factories.TrustLimitFactory(tier=factories.tier("new"))
    with django_assert_num_queries(3):
        client.get("/api/v1/trust-limits/")
    for code in ("store_credit", "replacement", "goodwill_gesture"):
        factories.TrustLimitFactory(
            tier=factories.tier("senior"), remedy_type=factories.remedy(code)
        )
    with django_assert_num_queries(3):
        assert client.get("/api/v1/trust-limits/").json()["count"] == 4


# --- remedy types and /me/ -------------------------------------------------------------


def test_remedy_types_listed_for_all(api, agent):
    response = api.as_user(agent).get("/api/v1/remedy-types/")
    assert response.status_code == 200
    rows = response.json()["results"]
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == {
        "refund",
        "store_credit",
        "replacement",
        "goodwill_gesture",
        "fee_waiver",
        "expedited_shipping",
        "apology",
    }
    assert by_code["apology"]["monetary"] is False
    assert by_code["refund"] == {
        "code": "refund",
        "name": by_code["refund"]["name"],
        "monetary": True,
        "enabled": True,
    }


def test_remedy_types_read_only(api, admin_user):
    response = api.as_user(admin_user).post("/api/v1/remedy-types/", {"code": "x"}, format="json")
    assert response.status_code == 405


def test_me_shows_agent_fields_and_discretion(api, agent):
    factories.TrustLimitFactory(
        tier=factories.tier("standard"),
        per_remedy_max=Decimal("50.00"),
        daily_max=Decimal("100.00"),
        monthly_max=None,
    )
    response = api.as_user(agent).get("/api/v1/me/")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == agent.pk and data["tier"] == "standard" and data["role"] == "agent"
    rows = {row["remedy_type"]: row for row in data["discretion"]}
    refund = rows["refund"]
    assert refund["per_remedy_max"] == "50.00"
    assert refund["daily_max"] == "100.00"
    assert refund["daily_used"] == "0.00"
    assert refund["daily_remaining"] == "100.00"
    assert refund["monthly_max"] is None and refund["monthly_remaining"] is None
    assert "apology" in rows


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agents/99999999999999999999999/",
        "/api/v1/trust-limits/99999999999999999999999/",
        "/api/v1/trust-limits/?agent=99999999999999999999999",
        "/api/v1/audit-events/?actor=99999999999999999999999",
        "/api/v1/audit-events/99999999999999999999999/",
    ],
)
def test_huge_ids_are_not_500(api, admin_user, path):
    response = api.as_user(admin_user).get(path)
    assert response.status_code in (200, 400, 404)


def test_overlong_agent_fields_400(api, admin_user):
    response = api.as_user(admin_user).post(
        "/api/v1/agents/",
        {
            "username": "u" * 151,
            "password": "a-long-password",
            "email": "a" * 250 + "@x.com",
            "display_name": "d" * 151,
            "team": "t" * 101,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "email", "display_name", "team"}


def test_limit_for_huge_agent_id_400(api, admin_user):
    response = api.as_user(admin_user).post(
        "/api/v1/trust-limits/", limit_body(tier=None, agent=10**30), format="json"
    )
    assert response.status_code == 400 and "agent" in response.json()
