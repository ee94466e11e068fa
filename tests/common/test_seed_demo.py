"""``manage.py seed_demo``: the demo data ``./dev run`` loads, idempotent."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, CaseEvent, Customer, RemedyType, Resolution
from discretion.management.commands import seed_demo
from discretion.models import Escalation, OnCallShift, Role, Team, TrustLimit, User
from policies.models import PolicyRule

pytestmark = pytest.mark.django_db

MODELS = (
    User,
    Team,
    TrustLimit,
    OnCallShift,
    Customer,
    Case,
    CaseEvent,
    PolicyRule,
    Resolution,
    Escalation,
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--no-history", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS} | {
        "AuditEvent": AuditEvent.objects.count()
    }


def test_running_twice_changes_nothing():
    first_output = seed()
    first = counts()
    assert first["User"] == len(seed_demo.USERS)
    assert first["Case"] == len(seed_demo.CASES) == 15
    assert first["Resolution"] == len(seed_demo.RESOLUTIONS)

    second_output = seed()
    assert counts() == first
    # Quiet: one summary line each time.
    assert len(first_output.strip().splitlines()) == 1
    assert (
        "created now: 0 users, 0 trust limits, 0 on-call shifts, 0 on-call rotations, 0 cases, "
        "0 policy rules, " in (second_output)
    )
    assert second_output.rstrip().endswith(" 0 resolutions).")


def test_demo_users_log_in_with_the_demo_password_and_have_their_roles():
    seed()
    roles = {}
    for spec in seed_demo.USERS:
        # A login request, as the form and the token endpoint give (django-axes needs one).
        request = RequestFactory().post("/login/")
        user = authenticate(request, username=spec.username, password=seed_demo.DEMO_PASSWORD)
        assert user is not None, spec.username
        assert user.display_name == spec.display_name
        roles[spec.username] = user.role
    assert roles["admin"] == Role.ADMIN
    assert User.objects.get(username="admin").is_superuser
    assert sorted(u for u, r in roles.items() if r == Role.SUPERVISOR) == ["pam", "sam"]
    agents = {u: User.objects.get(username=u) for u, r in roles.items() if r == Role.AGENT}
    assert {a.tier.code for a in agents.values()} == {"new", "standard", "senior"}
    assert agents["nina"].team.name == "Returns"
    assert agents["omar"].team.name == "Billing"


def _effective(user: User, remedy: RemedyType) -> TrustLimit | None:
    own = TrustLimit.objects.filter(agent=user, remedy_type=remedy).first()
    return own or TrustLimit.objects.filter(tier=user.tier, remedy_type=remedy).first()


def test_every_demo_user_has_a_limit_for_every_monetary_remedy():
    seed()
    monetary = list(RemedyType.objects.filter(monetary=True))
    assert len(monetary) == 6
    for user in User.objects.all():
        for remedy in monetary:
            limit = _effective(user, remedy)
            assert limit is not None, (user.username, remedy.code)
            assert limit.per_remedy_max > 0
            assert limit.per_case_max is None or limit.per_case_max >= limit.per_remedy_max
            assert limit.daily_max is None or limit.daily_max >= limit.per_remedy_max
            assert limit.monthly_max is None or limit.monthly_max >= limit.daily_max


def test_tiers_grow_with_trust_and_overrides_win():
    seed()
    refund = RemedyType.objects.get(code="refund")
    caps = [
        TrustLimit.objects.get(tier__code=code, remedy_type=refund).per_remedy_max
        for code in ("new", "standard", "senior")
    ]
    assert caps == [Decimal("25.00"), Decimal("100.00"), Decimal("300.00")]
    lee = User.objects.get(username="lee")
    assert _effective(lee, refund).per_remedy_max == Decimal("400.00")
    assert _effective(lee, refund).approval_max is None


def test_supervisors_and_admin_may_approve_and_agents_may_not():
    seed()
    refund = RemedyType.objects.get(code="refund")
    approval = {u.username: _effective(u, refund).approval_max for u in User.objects.all()}
    assert approval["pam"] == Decimal("1000.00")
    assert approval["sam"] == Decimal("5000.00")
    assert approval["admin"] == Decimal("10000.00")
    assert all(approval[name] is None for name in ("nina", "rosa", "omar", "lee"))


def test_someone_is_on_call_at_every_level_now_and_next_month():
    seed()
    seed()
    now = timezone.now()
    for moment in (now, now + timezone.timedelta(days=30)):
        on_call = {
            (shift.supervisor.username, shift.level)
            for shift in OnCallShift.objects.filter(starts_at__lte=moment, ends_at__gt=moment)
        }
        assert on_call == {("pam", 1), ("sam", 2)}
    assert OnCallShift.objects.count() == 2


def test_cases_are_realistic_assigned_and_back_dated():
    seed()
    cases = list(Case.objects.select_related("assignee"))
    assert {c.category for c in cases} == {"question", "complaint", "crisis"}
    assert {c.assignee.role for c in cases} == {Role.AGENT}
    subjects = " ".join(c.subject.lower() for c in cases)
    for word in ("late", "waterproof", "charged twice", "outage"):
        assert word in subjects
    jacket = Case.objects.get(external_ref="DEMO-1002")
    assert timezone.now() - jacket.created_at > timezone.timedelta(hours=50)
    assert jacket.events.first().at == jacket.created_at


def test_demo_decisions_went_through_the_decision_service():
    seed()
    by_case = {r.case.external_ref: r for r in Resolution.objects.select_related("case")}
    # Within the agents' limits: applied and spent.
    assert by_case["DEMO-1001"].status == Resolution.Status.APPLIED
    assert by_case["DEMO-1007"].status == Resolution.Status.APPLIED
    # Over them: waiting for the on-call supervisor, with an escalation.
    for ref in ("DEMO-1003", "DEMO-1010"):
        assert by_case[ref].status == Resolution.Status.PENDING_APPROVAL
        assert Escalation.objects.filter(resolution=by_case[ref]).exists()
    for resolution in by_case.values():
        assert resolution.decision["summary"]
    assert AuditEvent.objects.filter(object_type="resolution").count() == len(by_case)


def test_logins_prints_the_table_and_seeds_nothing():
    out = StringIO()
    call_command("seed_demo", "--logins", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert [line.split()[0] for line in lines] == [u.username for u in seed_demo.USERS]
    assert not User.objects.exists()


def test_two_example_policy_rules_are_enabled_one_deny_one_approval():
    seed()
    rules = {rule.effect: rule for rule in PolicyRule.objects.all()}
    assert set(rules) == {"deny", "require_approval"}
    assert all(rule.enabled and rule.version == 1 for rule in rules.values())
    assert rules["deny"].versions.count() == 1
    assert AuditEvent.objects.filter(object_type="policy_rule").count() == 2
