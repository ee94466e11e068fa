"""``manage.py seed_demo``: the demo data ``./dev run`` starts with.

Idempotent: everything is looked up by its natural key (username, tier + remedy type,
agent + remedy type, case ``external_ref``) and only created when missing, so running it
twice changes nothing. It never updates or deletes what is already there: an admin who
edited a demo limit keeps the edit.

Everything goes through the app's own services, so the demo starts with the audit
trail, case timelines, budgets and escalations a real deployment would have. The one
exception is the first admin, created like ``createsuperuser`` does (unaudited: there
is nobody yet to act), and the back-dating of demo cases (a bootstrap-only touch so
case ages look real).

``--logins`` prints the demo logins and seeds nothing. Unless ``--no-history``, it also
loads 90 days of history (``discretion.demo.history``: a few thousand cases decided by
the engine and written in bulk, with the services' invariants) before the five demo
decisions, once: the history's first case marks it loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseEvent, RemedyType, Resolution
from cases.services import case_create
from discretion.decisions.services import resolution_request
from discretion.demo.history import history_load
from discretion.demo.problems import demo_problem_seed
from discretion.escalations.oncall import oncall_shift_create
from discretion.followups.services import follow_up_create
from discretion.models import (
    FollowUp,
    OnCallRotation,
    OnCallShift,
    Role,
    TrustLimit,
    TrustTier,
    User,
)
from discretion.playbook.selectors import brand_promise_get
from discretion.playbook.services import brand_promise_update
from discretion.proposals.services import limit_proposals_open
from discretion.rotations.services import oncall_rotation_create
from discretion.trust.services import trust_limit_create
from discretion.trust.users import team_get_or_create, user_create
from policies.examples import EXAMPLE_RULES
from policies.models import PolicyRule
from policies.services import policy_rule_create

DEMO_PASSWORD = "discretion-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    tier: str | None
    team: str | None
    note: str


USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Ada Admin", Role.ADMIN, "senior", None, "admin: limits, tiers, rules"),
    DemoUser("pam", "Pam Beesly", Role.SUPERVISOR, "senior", "Returns", "supervisor, on call L1"),
    DemoUser("sam", "Sam Rivera", Role.SUPERVISOR, "senior", "Billing", "supervisor, on call L2"),
    DemoUser("nina", "Nina Patel", Role.AGENT, "new", "Returns", "agent, tier new"),
    DemoUser("rosa", "Rosa Diaz", Role.AGENT, "standard", "Returns", "agent, tier standard"),
    DemoUser("omar", "Omar Haddad", Role.AGENT, "standard", "Billing", "agent, tier standard"),
    DemoUser("lee", "Lee Chen", Role.AGENT, "senior", "Billing", "agent, tier senior"),
    # The rest of the team, who fill the history (discretion/demo/).
    DemoUser("kofi", "Kofi Mensah", Role.AGENT, "new", "Returns", "agent, tier new"),
    DemoUser("ines", "Ines Laurent", Role.AGENT, "standard", "Billing", "agent, tier standard"),
    DemoUser("mei", "Mei Tanaka", Role.AGENT, "senior", "Field Support", "agent, tier senior"),
    DemoUser("tariq", "Tariq Aziz", Role.AGENT, "standard", "Field Support", "agent, standard"),
    DemoUser("zoe", "Zoe Novak", Role.AGENT, "new", "Field Support", "agent, tier new"),
)

# (per_remedy_max, per_case_max, daily_max, monthly_max) per tier and monetary remedy type.
_Caps = tuple[str, str | None, str | None, str | None]
TIER_LIMITS: dict[str, dict[str, _Caps]] = {
    "new": {
        "refund": ("25.00", "50.00", "100.00", "500.00"),
        "store_credit": ("40.00", "75.00", "150.00", "750.00"),
        "replacement": ("50.00", "100.00", "150.00", "800.00"),
        "goodwill_gesture": ("10.00", "20.00", "40.00", "200.00"),
        "fee_waiver": ("15.00", "30.00", "60.00", "300.00"),
        "expedited_shipping": ("20.00", "40.00", "80.00", "400.00"),
    },
    "standard": {
        "refund": ("100.00", "150.00", "400.00", "2000.00"),
        "store_credit": ("150.00", "200.00", "600.00", "3000.00"),
        "replacement": ("150.00", "250.00", "600.00", "3000.00"),
        "goodwill_gesture": ("30.00", "50.00", "150.00", "750.00"),
        "fee_waiver": ("50.00", "75.00", "200.00", "1000.00"),
        "expedited_shipping": ("40.00", "60.00", "200.00", "1000.00"),
    },
    "senior": {
        "refund": ("300.00", "500.00", "1500.00", "6000.00"),
        "store_credit": ("400.00", "600.00", "2000.00", "8000.00"),
        "replacement": ("400.00", "600.00", "2000.00", "8000.00"),
        "goodwill_gesture": ("75.00", "100.00", "400.00", "2000.00"),
        "fee_waiver": ("150.00", "200.00", "600.00", "3000.00"),
        "expedited_shipping": ("80.00", "120.00", "400.00", "2000.00"),
    },
}

# Supervisors and the admin approve escalations up to approval_max. A personal row
# replaces the tier's row for that remedy type, so it repeats the senior caps.
APPROVERS: dict[str, str] = {"pam": "1000.00", "sam": "5000.00", "admin": "10000.00"}

# Personal overrides of agents: (username, remedy code) -> caps.
AGENT_OVERRIDES: dict[tuple[str, str], _Caps] = {
    ("lee", "refund"): ("400.00", "500.00", "1500.00", "6000.00"),
}

# Two rules from the documented example library (docs/policy-rules.md): one deny, one
# require_approval. None of the demo decisions below trips them.
POLICY_RULES: tuple[str, ...] = (
    "No cash refunds over 1000",
    "Crisis cases: approval for anything over 200",
)

# The on-call chain: (supervisor, level).
ONCALL: tuple[tuple[str, int], ...] = (("pam", 1), ("sam", 2))
ONCALL_DAYS = 90
ROTATION_NAME = "Senior approvers"


@dataclass(frozen=True)
class DemoCase:
    ref: str
    subject: str
    description: str
    category: str
    customer: tuple[str, str, str]  # external_id, name, email
    assignee: str
    age_hours: int


CASES: tuple[DemoCase, ...] = (
    DemoCase(
        "DEMO-1001",
        "Birthday present arrived four days late",
        "Order #58213 was promised for Friday with paid express delivery and arrived the "
        "following Tuesday, after the party. The customer wants the express fee back.",
        "complaint",
        ("C-20417", "Maria Gonzalez", "maria.gonzalez@example.com"),
        "nina",
        30,
    ),
    DemoCase(
        "DEMO-1002",
        "'Waterproof' jacket soaked through on first hike",
        "Trailhead Shell jacket, sold as fully waterproof. Customer sent photos of the "
        "lining wet through after an hour of light rain. Asks for a refund or a better jacket.",
        "complaint",
        ("C-18830", "Jonas Berg", "jonas.berg@example.com"),
        "lee",
        52,
    ),
    DemoCase(
        "DEMO-1003",
        "Charged twice for the same order",
        "Card statement shows two identical charges of 129.00 for order #57702 on the "
        "same day. Payment provider confirms both were captured.",
        "complaint",
        ("C-11092", "Priya Raman", "priya.raman@example.com"),
        "omar",
        20,
    ),
    DemoCase(
        "DEMO-1004",
        "Internet outage for three days in Riverside",
        "Fibre outage affecting the Riverside area from Monday to Wednesday. Customer works "
        "from home and lost three working days; many similar contacts are coming in.",
        "crisis",
        ("C-30215", "Daniel Okafor", "daniel.okafor@example.com"),
        "lee",
        8,
    ),
    DemoCase(
        "DEMO-1005",
        "Dining table arrived with a cracked leg",
        "Oak table delivered yesterday; one leg is split along the grain. Photos attached. "
        "The customer would accept a replacement leg or a partial refund.",
        "complaint",
        ("C-24561", "Sophie Martin", "sophie.martin@example.com"),
        "rosa",
        26,
    ),
    DemoCase(
        "DEMO-1006",
        "Technician missed the installation appointment",
        "Customer took a day off for the 8-12 installation slot; nobody came and nobody "
        "called. A new appointment is booked for next week.",
        "complaint",
        ("C-30988", "Ahmed Karimi", "ahmed.karimi@example.com"),
        "omar",
        5,
    ),
    DemoCase(
        "DEMO-1007",
        "Late-payment fee on an invoice that was paid on time",
        "Invoice INV-88412 was paid on the 3rd (bank confirmation attached) but a 15.00 "
        "late-payment fee was added on the next bill.",
        "complaint",
        ("C-11540", "Laura Schmidt", "laura.schmidt@example.com"),
        "omar",
        70,
    ),
    DemoCase(
        "DEMO-1008",
        "Subscription cancelled in March, still being charged",
        "Customer cancelled the premium plan on 14 March (confirmation e-mail attached) and "
        "has been charged 19.99 each month since.",
        "complaint",
        ("C-09871", "Tom Becker", "tom.becker@example.com"),
        "rosa",
        45,
    ),
    DemoCase(
        "DEMO-1009",
        "Running shoes: wrong size delivered",
        "Ordered size 42, received size 44. The customer needs them for a race on Sunday "
        "and asks whether an exchange can be sent express.",
        "question",
        ("C-27734", "Emma Wilson", "emma.wilson@example.com"),
        "nina",
        3,
    ),
    DemoCase(
        "DEMO-1010",
        "Parcel marked delivered but never arrived",
        "Tracking says delivered on Tuesday at 14:02; the customer was home and nothing "
        "came. Neighbours have not seen it. Order value 86.50.",
        "complaint",
        ("C-15520", "Lucas Moreau", "lucas.moreau@example.com"),
        "nina",
        18,
    ),
    DemoCase(
        "DEMO-1011",
        "Courier was rude and threw the parcel over the fence",
        "Doorbell camera footage shows the courier throwing the parcel over the garden "
        "fence after an argument. Contents (ceramic mugs) are intact but the customer is upset.",
        "complaint",
        ("C-22109", "Hannah Fischer", "hannah.fischer@example.com"),
        "rosa",
        12,
    ),
    DemoCase(
        "DEMO-1012",
        "Cannot log in to the app since this morning's update",
        "Login fails with 'session expired' for many customers on Android since the 7am "
        "release. Customer asks when it will be fixed and whether the missed booking counts.",
        "crisis",
        ("C-31002", "Noah Andersen", "noah.andersen@example.com"),
        "lee",
        2,
    ),
    # The payments outage of 3 Dec: open crisis cases for a supervisor to gather under an
    # incident ("Outage 3 Dec"), so Nina (refund limit 25) applies its 60.00 in one click.
    DemoCase(
        "DEMO-1013",
        "Outage: card payment failed and the order was lost",
        "During this morning's payments outage the checkout took the card but no order was "
        "made. The customer had to order again at a higher price.",
        "crisis",
        ("C-31410", "Grace Kim", "grace.kim@example.com"),
        "nina",
        1,
    ),
    DemoCase(
        "DEMO-1014",
        "Outage: charged but the booking never went through",
        "Payments outage: the customer was charged for a delivery slot that was never booked "
        "and missed the delivery window.",
        "crisis",
        ("C-31411", "Oliver Brown", "oliver.brown@example.com"),
        "nina",
        1,
    ),
    DemoCase(
        "DEMO-1015",
        "Outage: subscription renewal failed, account locked",
        "The renewal failed during the payments outage and the account was locked for a day; "
        "the customer could not use the service they pay for.",
        "crisis",
        ("C-31412", "Amara Singh", "amara.singh@example.com"),
        "nina",
        1,
    ),
)


@dataclass(frozen=True)
class DemoResolution:
    case_ref: str
    agent: str
    remedy: str
    amount: str
    reason: str
    customer_message: str


# A few decisions so the history, budgets and supervisor queue are not empty: two within
# limits, two over them (escalated to the on-call supervisor) and one apology.
RESOLUTIONS: tuple[DemoResolution, ...] = (
    DemoResolution(
        "DEMO-1001",
        "nina",
        "refund",
        "12.50",
        "Refund of the express delivery fee: the parcel arrived four days late.",
        "We're sorry your present arrived late. We've refunded the 12.50 express fee.",
    ),
    DemoResolution(
        "DEMO-1007",
        "omar",
        "fee_waiver",
        "15.00",
        "Payment was on time (bank confirmation on file); the late fee was our error.",
        "You paid on time and the late fee was our mistake: we've removed it.",
    ),
    DemoResolution(
        "DEMO-1003",
        "omar",
        "refund",
        "129.00",
        "Duplicate capture confirmed by the payment provider; refund the second charge.",
        "You were charged twice for order #57702. We're refunding the duplicate 129.00.",
    ),
    DemoResolution(
        "DEMO-1010",
        "nina",
        "replacement",
        "86.50",
        "Parcel lost after a false 'delivered' scan; courier claim opened.",
        "We're sending a replacement for your missing parcel right away.",
    ),
    DemoResolution(
        "DEMO-1011",
        "rosa",
        "apology",
        "0.00",
        "Courier behaviour confirmed on video; complaint forwarded to the courier.",
        "We're sorry about how our courier behaved. We've raised it with them.",
    ),
)


class Command(BaseCommand):
    help = "Load the demo users, limits, on-call shifts, cases and a few decisions (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--logins", action="store_true", help="Print the demo logins and seed nothing."
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Leave out the 90 days of history (users, limits, cases and decisions only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["logins"]:
            width = max(len(u.username) for u in USERS)
            for user in USERS:
                self.stdout.write(f"{user.username:<{width}}  {user.display_name:<12}  {user.note}")
            return
        created = {
            "users": self._users(),
            "trust limits": self._limits(),
            "on-call shifts": self._oncall(),
            "on-call rotations": self._rotation(),
            "cases": self._cases(),
            "policy rules": self._rules(),
        }
        if not options["no_history"]:
            # Before the demo decisions, which then see the history's budgets and totals.
            created["history cases"] = history_load(acting_user=self._admin())
        created["resolutions"] = self._resolutions()
        if not options["no_history"]:
            # What the history earns: Rosa's refunds make a limit proposal (the periodic
            # task would open it within a day; the demo shows it at once).
            created["limit proposals"] = len(limit_proposals_open())
            created["follow-ups"] = self._follow_ups()
            created["brand promise"] = self._brand_promise()
            created["problems"] = demo_problem_seed(admin=self._admin())
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(f"Demo data ready (created now: {summary}).")

    # --- users ---------------------------------------------------------------------

    def _admin(self) -> User:
        return User.objects.get(username="admin")

    def _users(self) -> int:
        created = 0
        with transaction.atomic():
            if not User.objects.filter(username="admin").exists():
                # Like ``createsuperuser``: the first admin has nobody to be audited as.
                User.objects.create_superuser(
                    "admin",
                    "admin@example.com",
                    DEMO_PASSWORD,
                    display_name="Ada Admin",
                    tier=TrustTier.objects.get(code="senior"),
                )
                created += 1
            admin = self._admin()
            for spec in USERS:
                if User.objects.filter(username=spec.username).exists():
                    continue
                user_create(
                    acting_user=admin,
                    username=spec.username,
                    password=DEMO_PASSWORD,
                    display_name=spec.display_name,
                    email=f"{spec.username}@example.com",
                    role=spec.role,
                    team=team_get_or_create(name=spec.team) if spec.team else None,
                    tier=TrustTier.objects.get(code=spec.tier) if spec.tier else None,
                )
                created += 1
        return created

    # --- limits --------------------------------------------------------------------

    def _limits(self) -> int:
        created = 0
        admin = self._admin()
        remedies = {r.code: r for r in RemedyType.objects.all()}
        with transaction.atomic():
            for tier_code, rows in TIER_LIMITS.items():
                tier = TrustTier.objects.get(code=tier_code)
                for remedy_code, caps in rows.items():
                    remedy = remedies[remedy_code]
                    if TrustLimit.objects.filter(tier=tier, remedy_type=remedy).exists():
                        continue
                    trust_limit_create(
                        acting_user=admin,
                        tier=tier,
                        remedy_type=remedy,
                        **_caps(caps),
                        reason="Demo data",
                    )
                    created += 1
            personal: dict[tuple[str, str], tuple[_Caps, str | None]] = {}
            for username, approver_max in APPROVERS.items():
                for remedy_code, caps in TIER_LIMITS["senior"].items():
                    personal[(username, remedy_code)] = (caps, approver_max)
            for key, caps in AGENT_OVERRIDES.items():
                personal[key] = (caps, None)
            for (username, remedy_code), (caps, approval_max) in personal.items():
                agent = User.objects.get(username=username)
                remedy = remedies[remedy_code]
                if TrustLimit.objects.filter(agent=agent, remedy_type=remedy).exists():
                    continue
                trust_limit_create(
                    acting_user=admin,
                    agent=agent,
                    remedy_type=remedy,
                    **_caps(caps),
                    approval_max=_decimal(approval_max),
                    reason="Demo data",
                )
                created += 1
        return created

    # --- on call -------------------------------------------------------------------

    def _oncall(self) -> int:
        """Someone is on call at every level now and for at least 30 more days.

        A new 90-day shift is added only when the supervisor has none covering the next
        30 days, so reruns do not pile up shifts.
        """
        created = 0
        admin = self._admin()
        now = timezone.now()
        for username, level in ONCALL:
            supervisor = User.objects.get(username=username)
            covered = OnCallShift.objects.filter(
                supervisor=supervisor,
                level=level,
                starts_at__lte=now,
                ends_at__gte=now + timedelta(days=30),
            ).exists()
            if covered:
                continue
            oncall_shift_create(
                acting_user=admin,
                supervisor=supervisor,
                level=level,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=ONCALL_DAYS),
            )
            created += 1
        return created

    def _rotation(self) -> int:
        """One weekly rotation of the senior approvers at level 2 (Sam, then Ada, handing
        over on Mondays at 09:00), so a 3,000.00 refund, above Pam's approval_max at level
        1, goes straight to level 2, to someone who may approve it. Created once."""
        if OnCallRotation.objects.filter(name=ROTATION_NAME).exists():
            return 0
        today = timezone.localdate()
        oncall_rotation_create(
            acting_user=self._admin(),
            name=ROTATION_NAME,
            level=2,
            members=[User.objects.get(username="sam"), self._admin()],
            turn_days=7,
            handoff_time=time(9, 0),
            time_zone=timezone.get_current_timezone_name(),
            starts_on=today - timedelta(days=today.weekday() + 7),
        )
        return 1

    # --- cases ---------------------------------------------------------------------

    def _cases(self) -> int:
        created = 0
        admin = self._admin()
        now = timezone.now()
        for spec in CASES:
            if Case.objects.filter(external_ref=spec.ref).exists():
                continue
            with transaction.atomic():
                external_id, name, email = spec.customer
                case = case_create(
                    acting_user=admin,
                    subject=spec.subject,
                    description=spec.description,
                    category=spec.category,
                    customer={"external_id": external_id, "name": name, "email": email},
                    external_ref=spec.ref,
                    assignee=User.objects.get(username=spec.assignee),
                )
                # Bootstrap only: back-date the case and its opening events so the
                # demo's case ages look like a real inbox.
                opened = now - timedelta(hours=spec.age_hours)
                Case.objects.filter(pk=case.pk).update(created_at=opened)
                CaseEvent.objects.filter(case=case).update(at=opened)
            created += 1
        return created

    # --- policy rules --------------------------------------------------------------

    def _rules(self) -> int:
        created = 0
        admin = self._admin()
        examples = {rule["name"]: rule for rule in EXAMPLE_RULES}
        for name in POLICY_RULES:
            if PolicyRule.objects.filter(name=name).exists():
                continue
            example = examples[name]
            policy_rule_create(
                acting_user=admin,
                name=example["name"],
                description=example["description"],
                expression=example["expression"],
                effect=example["effect"],
                message=example["message"],
                priority=example["priority"],
            )
            created += 1
        return created

    # --- resolutions ---------------------------------------------------------------

    def _resolutions(self) -> int:
        # The lead's decision service is the only way a resolution is made: it decides,
        # spends the budget and opens the escalation exactly as the API would.
        created = 0
        for spec in RESOLUTIONS:
            case = Case.objects.get(external_ref=spec.case_ref)
            agent = User.objects.get(username=spec.agent)
            remedy = RemedyType.objects.get(code=spec.remedy)
            if Resolution.objects.filter(case=case, agent=agent, remedy_type=remedy).exists():
                continue
            resolution_request(
                case_id=case.pk,
                acting_user=agent,
                remedy_type=remedy,
                amount=Decimal(spec.amount),
                reason=spec.reason,
                customer_message=spec.customer_message,
            )
            created += 1
        return created

    # --- the playbook's brand promise ------------------------------------------------

    def _brand_promise(self) -> int:
        if brand_promise_get().brand_promise:
            return 0  # an admin's own words stay
        brand_promise_update(acting_user=self._admin(), brand_promise=BRAND_PROMISE)
        return 1

    # --- follow-ups ----------------------------------------------------------------

    def _follow_ups(self) -> int:
        """Nina's follow-through: one overdue, one falling due a few minutes after the
        seed (so the demo shows the reminder arrive), one next week."""
        nina = User.objects.get(username="nina")
        if FollowUp.objects.filter(assigned_to=nina, note__startswith=FOLLOW_UP_MARK).exists():
            return 0
        cases = list(Case.objects.filter(assignee=nina, status=Case.Status.OPEN)[:3])
        now = timezone.now()
        plans = [
            (timedelta(hours=-20), "Check the replacement jacket was delivered."),
            (timedelta(minutes=3), "Call back about the refund: did it reach the card?"),
            (timedelta(days=6), "Ask whether the credit was used and all is well."),
        ]
        for case, (offset, note) in zip(cases, plans, strict=False):
            follow_up_create(
                acting_user=nina, case=case, due_at=now + offset, note=f"{FOLLOW_UP_MARK}{note}"
            )
        return min(len(cases), len(plans))


BRAND_PROMISE = (
    "We want every order to arrive as promised, and when it doesn't, we put it right "
    "without making you chase us."
)

# The demo's follow-ups start with it, so a second seed recognises them.
FOLLOW_UP_MARK = "Demo: "


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


class _CapValues(TypedDict):
    per_remedy_max: Decimal
    per_case_max: Decimal | None
    daily_max: Decimal | None
    monthly_max: Decimal | None


def _caps(caps: _Caps) -> _CapValues:
    per_remedy, per_case, daily, monthly = caps
    return {
        "per_remedy_max": Decimal(per_remedy),
        "per_case_max": _decimal(per_case),
        "daily_max": _decimal(daily),
        "monthly_max": _decimal(monthly),
    }
