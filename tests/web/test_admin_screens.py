"""Admin screens: limit matrix and overrides, agents, on-call, rules, audit log."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from discretion.models import EscalationPolicy, OnCallShift, TrustLimit, User
from policies.models import PolicyRule
from policies.services import policy_rule_create
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


HX = {"HTTP_HX_REQUEST": "true"}


# --- limit matrix -----------------------------------------------------------------------


def test_matrix_cell_create_update_delete_with_reason_and_audit(admin_client, admin_user):
    url = "/admin-ui/limits/cell/standard/refund/"
    form = admin_client.get(url + "?edit=1", **HX).content.decode()
    assert 'name="per_remedy_max"' in form and 'name="reason"' in form
    # No reason: refused, nothing written.
    response = admin_client.post(url, {"per_remedy_max": "100.00"}, **HX)
    assert "Say why" in response.content.decode()
    assert not TrustLimit.objects.filter(tier__code="standard").exists()
    response = admin_client.post(
        url,
        {"per_remedy_max": "100.00", "daily_max": "300", "reason": "Q3 review"},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "$100.00" in html and "Saved." in html
    limit = TrustLimit.objects.get(tier__code="standard", remedy_type__code="refund")
    assert limit.daily_max == Decimal("300.00") and limit.monthly_max is None
    admin_client.post(
        url, {"per_remedy_max": "150.00", "daily_max": "300", "reason": "Raise"}, **HX
    )
    limit.refresh_from_db()
    assert limit.per_remedy_max == Decimal("150.00")
    events = list(
        AuditEvent.objects.filter(object_type="trust_limit", object_id=str(limit.pk)).order_by(
            "at", "id"
        )
    )
    assert [(e.action, e.reason, e.actor_id) for e in events] == [
        ("trust_limit_create", "Q3 review", admin_user.pk),
        ("trust_limit_update", "Raise", admin_user.pk),
    ]
    admin_client.post(url, {"delete": "1", "reason": "Gone"}, **HX)
    assert not TrustLimit.objects.filter(pk=limit.pk).exists()
    assert AuditEvent.objects.filter(action="trust_limit_delete", reason="Gone").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("per_remedy_max", "", "every limit needs a cap per remedy"),
        ("per_remedy_max", "-1", "Caps cannot be negative."),
        ("per_remedy_max", "1.234", "At most two decimals"),
        ("daily_max", "abc", "Enter an amount like 25.00."),
    ],
)
def test_matrix_cell_bad_input_is_explained_and_changes_nothing(
    admin_client, field, value, message
):
    data = {"per_remedy_max": "10.00", "reason": "x", field: value}
    response = admin_client.post("/admin-ui/limits/cell/new/refund/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TrustLimit.objects.filter(tier__code="new").exists()


def test_limits_page_query_count_is_constant(admin_client, django_assert_num_queries):
    admin_client.get("/admin-ui/limits/")
    # session, user, tiers, remedy types, limits (the override form has its own page)
    with django_assert_num_queries(5):
        admin_client.get("/admin-ui/limits/")
    for code in ("refund", "store_credit", "fee_waiver"):
        factories.TrustLimitFactory(tier=factories.tier("new"), remedy_type=factories.remedy(code))
        factories.TrustLimitFactory(
            agent=factories.UserFactory(), remedy_type=factories.remedy(code)
        )
    with django_assert_num_queries(5):
        html = admin_client.get("/admin-ui/limits/").content.decode()
    assert html.count("admin-ui/limits/overrides/") >= 3


def test_tiers_add_rename_with_reason_and_audit(admin_client, admin_user):
    from discretion.models import TrustTier

    page = admin_client.get("/admin-ui/limits/").content.decode()
    assert "Add a tier" in page and "/admin-ui/tiers/standard/" in page

    response = admin_client.post(
        "/admin-ui/tiers/",
        {"code": "lead", "name": "Team lead", "description": "", "rank": "30", "reason": "New"},
    )
    assert response.status_code == 302
    lead = TrustTier.objects.get(code="lead")
    assert (lead.name, lead.rank) == ("Team lead", 30)
    assert "Team lead" in admin_client.get("/admin-ui/limits/").content.decode()

    # The same code again, or no reason: explained, nothing written.
    again = admin_client.post(
        "/admin-ui/tiers/", {"code": "lead", "name": "X", "rank": "1", "reason": "Again"}
    )
    assert again.status_code == 400 and "already exists" in again.content.decode()
    bad = admin_client.post("/admin-ui/tiers/", {"code": "a b", "name": "Y", "rank": "-1"})
    assert bad.status_code == 400 and TrustTier.objects.count() == 4

    edit = admin_client.get("/admin-ui/tiers/lead/").content.decode()
    assert 'value="Team lead"' in edit
    renamed = admin_client.post(
        "/admin-ui/tiers/lead/",
        {"name": "Lead", "description": "Runs a pod", "rank": "30", "reason": "Shorter"},
    )
    assert renamed.status_code == 302
    lead.refresh_from_db()
    assert (lead.code, lead.name, lead.description) == ("lead", "Lead", "Runs a pod")
    events = AuditEvent.objects.filter(object_type="trust_tier", object_id="lead").order_by("id")
    assert [(e.action, e.reason, e.actor_id) for e in events] == [
        ("trust_tier_create", "New", admin_user.pk),
        ("trust_tier_update", "Shorter", admin_user.pk),
    ]
    assert admin_client.get("/admin-ui/tiers/nope/").status_code == 404


def test_overrides_add_edit_delete(admin_client):
    agent = factories.UserFactory(role="agent", username="rosa")
    response = admin_client.post(
        "/admin-ui/limits/overrides/",
        {
            "agent": agent.pk,
            "remedy_type": "refund",
            "per_remedy_max": "75",
            "no_cap_per_case_max": "on",
            "no_cap_daily_max": "on",
            "no_cap_monthly_max": "on",
            "reason": "Trusted",
        },
    )
    assert response.status_code == 302
    limit = TrustLimit.objects.get(agent=agent, remedy_type__code="refund")
    # A duplicate is explained, not a 500.
    response = admin_client.post(
        "/admin-ui/limits/overrides/",
        {
            "agent": agent.pk,
            "remedy_type": "refund",
            "per_remedy_max": "80",
            **{f"no_cap_{n}": "on" for n in ("per_case_max", "daily_max", "monthly_max")},
            "reason": "Again",
        },
    )
    assert response.status_code == 400
    assert "There is already a limit" in response.content.decode()
    admin_client.post(
        f"/admin-ui/limits/overrides/{limit.pk}/",
        {
            "per_remedy_max": "90",
            "approval_max": "10",
            **{f"no_cap_{n}": "on" for n in ("per_case_max", "daily_max", "monthly_max")},
            "reason": "More",
        },
    )
    limit.refresh_from_db()
    assert (limit.per_remedy_max, limit.approval_max) == (Decimal("90.00"), Decimal("10.00"))
    admin_client.post(f"/admin-ui/limits/overrides/{limit.pk}/", {"delete": "1", "reason": "End"})
    assert not TrustLimit.objects.filter(pk=limit.pk).exists()


# --- agents -------------------------------------------------------------------------------


def test_create_and_edit_agent_through_trust_services(admin_client, admin_user):
    response = admin_client.post(
        "/admin-ui/agents/",
        {
            "username": "newbie",
            "password": "long-enough-1",
            "display_name": "New Bie",
            "role": "agent",
            "tier": "new",
            "team": "Returns",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert (user.role, user.tier.code, user.team.name) == ("agent", "new", "Returns")
    assert user.check_password("long-enough-1")
    response = admin_client.post(
        f"/admin-ui/agents/{user.pk}/",
        {"role": "supervisor", "tier": "senior", "team": "", "reason": "Promotion"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.tier.code, user.team, user.is_active) == (
        "supervisor",
        "senior",
        None,
        False,
    )
    event = AuditEvent.objects.filter(action="user_update", object_id=str(user.pk)).get()
    assert event.reason == "Promotion" and event.after["role"] == "supervisor"


def test_last_admin_cannot_demote_themselves(admin_client, admin_user):
    admin_user.is_superuser = False
    admin_user.save()
    response = admin_client.post(
        f"/admin-ui/agents/{admin_user.pk}/", {"role": "agent", "is_active": "on"}
    )
    assert response.status_code == 400
    assert "last active admin" in response.content.decode()


def test_duplicate_username_is_explained(admin_client):
    factories.UserFactory(username="taken")
    response = admin_client.post(
        "/admin-ui/agents/", {"username": "taken", "password": "long-enough-1", "role": "agent"}
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


# --- on-call ------------------------------------------------------------------------------


def test_week_view_add_and_delete_shift(admin_client, supervisor):
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    response = admin_client.post(
        "/admin-ui/oncall/shifts/",
        {
            "supervisor": supervisor.pk,
            "level": "2",
            "starts_at": f"{monday.isoformat()}T08:00",
            "ends_at": f"{monday.isoformat()}T16:00",
        },
    )
    assert response.status_code == 302
    shift = OnCallShift.objects.get(supervisor=supervisor)
    assert shift.level == 2
    html = admin_client.get(f"/admin-ui/oncall/?week={monday.isoformat()}").content.decode()
    assert "08:00\u201316:00" in html and supervisor.label in html
    assert "left:33.33%;width:33.33%" in html  # the block sits over 08:00 to 16:00
    assert AuditEvent.objects.filter(object_type="oncall_shift", action="oncall_shift.create")
    admin_client.post(f"/admin-ui/oncall/shifts/{shift.pk}/delete/", {"day": monday.isoformat()})
    assert not OnCallShift.objects.exists()


def test_shift_for_an_agent_or_backwards_is_refused(admin_client, agent, supervisor):
    response = admin_client.post(
        "/admin-ui/oncall/shifts/",
        {
            "supervisor": supervisor.pk,
            "level": "1",
            "starts_at": "2030-01-01T10:00",
            "ends_at": "2030-01-01T09:00",
        },
    )
    assert response.status_code == 400
    assert "A shift must end after it starts." in response.content.decode()
    response = admin_client.post(
        "/admin-ui/oncall/shifts/",
        {
            "supervisor": agent.pk,
            "level": "1",
            "starts_at": "2030-01-01T08:00",
            "ends_at": "2030-01-01T09:00",
        },
    )
    assert response.status_code == 400
    assert not OnCallShift.objects.exists()


def test_escalation_policy_edit_in_minutes(admin_client):
    page = admin_client.get("/admin-ui/oncall/").content.decode()
    assert "Level 1 timeout (minutes)" in page and 'value="15"' in page  # 900 s
    response = admin_client.post(
        "/admin-ui/oncall/policy/", {"minutes_1": "5", "minutes_2": "10", "minutes_3": "20"}
    )
    assert response.status_code == 302
    assert EscalationPolicy.objects.get(pk=1).levels == [
        {"level": 1, "timeout_seconds": 300},
        {"level": 2, "timeout_seconds": 600},
        {"level": 3, "timeout_seconds": 1200},
    ]
    admin_client.post("/admin-ui/oncall/policy/", {"minutes_1": "0.5", "minutes_2": ""})
    assert EscalationPolicy.objects.get(pk=1).levels == [{"level": 1, "timeout_seconds": 30}]
    response = admin_client.post("/admin-ui/oncall/policy/", {"minutes_1": "0"})
    assert response.status_code == 400
    assert "a timeout is at least 1 minute" in response.content.decode()
    response = admin_client.post("/admin-ui/oncall/policy/", {"minutes_1": "1e9x"})
    assert "is not a number of minutes" in response.content.decode()
    assert AuditEvent.objects.filter(object_type="escalation_policy").count() == 2


# --- rules --------------------------------------------------------------------------------


def test_live_validation_names_the_position(admin_client):
    bad = admin_client.post("/admin-ui/rules/validate/", {"expression": "amount > 100.0 &&"})
    assert "Not valid (line 1, column" in bad.content.decode()
    unknown = admin_client.post("/admin-ui/rules/validate/", {"expression": "amout > 1.0"})
    assert "amout" in unknown.content.decode()
    good = admin_client.post(
        "/admin-ui/rules/validate/", {"expression": 'remedy == "refund" && amount > 100.0'}
    )
    html = good.content.decode()
    assert "Valid." in html and "amount, remedy" in html and "<code>false</code>" in html


def test_create_rule_disabled_backtest_then_enable(admin_client, admin_user):
    response = admin_client.post(
        "/admin-ui/rules/new/",
        {
            "name": "Big refunds",
            "expression": "amount > 100.0",
            "effect": "require_approval",
            "message": "Big refunds get a second look.",
            "priority": "10",
        },
    )
    rule = PolicyRule.objects.get(name="Big refunds")
    assert response["Location"] == f"/admin-ui/rules/{rule.pk}/"
    assert rule.enabled is False
    report = admin_client.post(
        "/admin-ui/rules/backtest/",
        {"expression": "amount > 100.0", "effect": "require_approval", "name": "Big"},
    )
    assert "replayed from the last 30 days" in report.content.decode()
    page = admin_client.get(f"/admin-ui/rules/{rule.pk}/enable/").content.decode()
    assert "Outcomes without and with the rule" in page
    admin_client.post(f"/admin-ui/rules/{rule.pk}/enable/")
    rule.refresh_from_db()
    assert rule.enabled is True and rule.version == 2
    admin_client.post(f"/admin-ui/rules/{rule.pk}/disable/")
    rule.refresh_from_db()
    assert rule.enabled is False
    assert AuditEvent.objects.filter(object_type="policy_rule").count() == 3


def test_backtest_counts_changes_on_real_history(admin_client, agent):
    from discretion.decisions.services import resolution_request

    factories.TrustLimitFactory(agent=agent, per_remedy_max=Decimal("500.00"))
    for amount in ("50.00", "150.00", "250.00"):
        resolution_request(
            case_id=factories.CaseFactory().pk,
            acting_user=agent,
            remedy_type=factories.remedy("refund"),
            amount=Decimal(amount),
            reason="r",
        )
    html = admin_client.post(
        "/admin-ui/rules/backtest/",
        {"expression": "amount > 100.0", "effect": "deny", "name": "No big"},
    ).content.decode()
    assert "<strong>3</strong> requests replayed" in html
    assert "changes <strong>2</strong> outcomes ($400.00)" in html


def test_invalid_rule_is_not_saved(admin_client):
    response = admin_client.post(
        "/admin-ui/rules/new/",
        {"name": "Broken", "expression": "amount >", "effect": "deny", "priority": "1"},
    )
    assert response.status_code == 400
    assert "Line 1, column" in response.content.decode()
    assert not PolicyRule.objects.filter(name="Broken").exists()


def test_edit_rule_bumps_version(admin_client, admin_user):
    rule = policy_rule_create(
        acting_user=admin_user, name="R", expression="amount > 1.0", effect="deny"
    )
    admin_client.post(
        f"/admin-ui/rules/{rule.pk}/",
        {
            "name": "R2",
            "expression": "amount > 2.0",
            "effect": "deny",
            "priority": "5",
            "enabled": "on",
        },
    )
    rule.refresh_from_db()
    assert (rule.name, rule.expression, rule.version, rule.priority) == ("R2", "amount > 2.0", 2, 5)


# --- audit --------------------------------------------------------------------------------


def test_audit_log_filters_and_pages(
    admin_client, admin_user, supervisor, django_assert_num_queries
):
    from discretion.trust.services import trust_limit_create

    for i in range(55):
        trust_limit_create(
            acting_user=admin_user,
            agent=factories.UserFactory(),
            remedy_type=factories.remedy("refund"),
            per_remedy_max=Decimal(i),
            reason=f"r{i}",
        )
    policy_rule_create(acting_user=supervisor, name="S", expression="amount > 1.0", effect="deny")
    admin_client.get("/admin-ui/audit/")
    # session, user, count, page (actor joined), actors for the filter
    with django_assert_num_queries(5):
        page1 = admin_client.get("/admin-ui/audit/").content.decode()
    assert "56 events." in page1 and "Page 1 of 2" in page1
    assert "r54" in page1 and "r0<" not in page1
    page2 = admin_client.get("/admin-ui/audit/?page=2").content.decode()
    assert "r0" in page2
    only_rules = admin_client.get("/admin-ui/audit/?object_type=policy_rule").content.decode()
    assert "1 event." in only_rules and "policy_rule.create" in only_rules
    by_actor = admin_client.get(f"/admin-ui/audit/?actor={supervisor.pk}").content.decode()
    assert "1 event." in by_actor
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "0 events." in admin_client.get(f"/admin-ui/audit/?since={tomorrow}").content.decode()
    today = timezone.localdate().isoformat()
    assert (
        "56 events."
        in admin_client.get(f"/admin-ui/audit/?since={today}&until={today}").content.decode()
    )


def test_admin_forms_refuse_posts_without_csrf(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    for url, data in [
        ("/admin-ui/limits/cell/new/refund/", {"per_remedy_max": "1", "reason": "x"}),
        ("/admin-ui/agents/", {"username": "x", "password": "long-enough-1", "role": "agent"}),
        ("/admin-ui/oncall/policy/", {"minutes_1": "5"}),
        ("/admin-ui/rules/new/", {"name": "x", "expression": "amount > 1.0", "effect": "deny"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert not TrustLimit.objects.exists()
    assert not PolicyRule.objects.filter(name="x").exists()
