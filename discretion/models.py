"""Users, trust tiers and limits, budgets, escalations, on-call, notifications, idempotency.

Invariants the database holds (so that a bug in Python cannot break them):
- a trust limit has exactly one scope (tier xor agent) and one row per (scope, remedy);
- a budget window's ``used`` never goes below zero nor above the cap recorded with it;
- a resolution has at most one escalation; an idempotency key is unique per user.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common import roles
from common.money import MONEY_MAX_DIGITS, MONEY_PLACES
from common.roles import Role

# Text limits the API serializers and the HTML forms share with the columns.
TEAM_NAME_MAX_LENGTH = 100
TIER_CODE_MAX_LENGTH = 40
TIER_NAME_MAX_LENGTH = 80
DISPLAY_NAME_MAX_LENGTH = 150


class Team(models.Model):
    name = models.CharField(max_length=TEAM_NAME_MAX_LENGTH, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrustTier(models.Model):
    code = models.SlugField(max_length=TIER_CODE_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=TIER_NAME_MAX_LENGTH)
    description = models.TextField(blank=True, default="")
    rank = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return self.name


class DiscretionUserManager(UserManager["User"]):
    def create_superuser(self, username, email=None, password=None, **extra_fields):  # type: ignore[no-untyped-def]
        # Django superusers are admins (docs/api.md, "Conventions").
        extra_fields["role"] = Role.ADMIN
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(max_length=DISPLAY_NAME_MAX_LENGTH, blank=True, default="")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    tier = models.ForeignKey(
        TrustTier, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )

    objects: ClassVar[DiscretionUserManager] = DiscretionUserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=False) | Q(role="admin"), name="user_superuser_is_admin"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_supervisor_or_admin(self) -> bool:
        return roles.is_supervising(self)

    @property
    def is_admin(self) -> bool:
        return roles.is_admin(self)


class TrustLimit(models.Model):
    """A cap per remedy type, for a tier or for one agent (the agent's row wins)."""

    tier = models.ForeignKey(
        TrustTier, null=True, blank=True, on_delete=models.CASCADE, related_name="limits"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="trust_limits",
    )
    remedy_type = models.ForeignKey(
        "cases.RemedyType", on_delete=models.CASCADE, related_name="trust_limits"
    )
    per_remedy_max = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES)
    per_case_max = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    daily_max = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    monthly_max = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    approval_max = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(tier__isnull=False, agent__isnull=True))
                | (Q(tier__isnull=True, agent__isnull=False)),
                name="trustlimit_exactly_one_scope",
            ),
            models.UniqueConstraint(
                fields=["tier", "remedy_type"],
                condition=Q(tier__isnull=False),
                name="trustlimit_unique_tier_remedy",
            ),
            models.UniqueConstraint(
                fields=["agent", "remedy_type"],
                condition=Q(agent__isnull=False),
                name="trustlimit_unique_agent_remedy",
            ),
            models.CheckConstraint(
                condition=Q(per_remedy_max__gte=0)
                & (Q(per_case_max__isnull=True) | Q(per_case_max__gte=0))
                & (Q(daily_max__isnull=True) | Q(daily_max__gte=0))
                & (Q(monthly_max__isnull=True) | Q(monthly_max__gte=0))
                & (Q(approval_max__isnull=True) | Q(approval_max__gte=0)),
                name="trustlimit_caps_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        scope = f"tier {self.tier_id}" if self.tier_id else f"agent {self.agent_id}"
        return f"{scope} / {self.remedy_type_id}"


class BudgetWindow(models.Model):
    """What one user has spent of one remedy type in one calendar day or month.

    ``used`` is the running sum of that user's applied amounts in the window (the ledger
    is ``Resolution`` rows with ``counts_against_budget``). It moves only with a
    conditional UPDATE under a row lock (``discretion.trust.budgets``); ``cap`` is the cap in
    force at the last spend, so the database itself refuses ``used > cap``.
    """

    class Period(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budget_windows"
    )
    remedy_type = models.ForeignKey("cases.RemedyType", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8, choices=Period.choices)
    starts_on = models.DateField()
    used = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, default=Decimal("0.00")
    )
    cap = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "remedy_type", "period", "starts_on"], name="budget_window_unique"
            ),
            models.CheckConstraint(condition=Q(used__gte=0), name="budget_used_nonnegative"),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(used__lte=F("cap")), name="budget_used_within_cap"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.remedy_type_id} {self.period} {self.starts_on}: {self.used}"


class EscalationPolicy(models.Model):
    """The levels of the on-call chain. One row (pk=1); escalations copy it when created."""

    levels = models.JSONField(default=list)
    # How many more times the whole chain is tried, from level 1, after the last level
    # times out, before the escalation is marked overdue (PagerDuty's num_loops).
    repeat_times = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    DEFAULT_LEVELS = [
        {"level": 1, "timeout_seconds": 900},
        {"level": 2, "timeout_seconds": 900},
    ]

    def __str__(self) -> str:
        return f"Escalation policy ({len(self.levels)} levels)"


class OnCallShift(models.Model):
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_shifts"
    )
    level = models.PositiveSmallIntegerField(default=1)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "level", "id"]
        indexes = [models.Index(fields=["level", "starts_at", "ends_at"], name="oncall_window_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="oncall_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(level__gte=1), name="oncall_level_positive"),
        ]

    def __str__(self) -> str:
        window = f"{self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%H:%M}"
        return f"L{self.level} {self.supervisor_id} {window}"


class Escalation(models.Model):
    """An over-limit (or rule-flagged) resolution waiting for a supervisor's decision.

    Created in the decision's transaction with ``routed_at`` null; routing (a Celery task
    and the periodic sweeper) assigns it. Every move is a conditional UPDATE on
    ``version`` so a duplicate task or two sweepers can never move it twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        # Closed by its requester before anyone decided it (decided_by is the requester).
        WITHDRAWN = "withdrawn", "Withdrawn"

    resolution = models.OneToOneField(
        "cases.Resolution", on_delete=models.PROTECT, related_name="escalation"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    level = models.PositiveSmallIntegerField(default=1)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_escalations",
    )
    # The escalation policy's levels (and repeat_times) when this escalation was created.
    policy_levels = models.JSONField(default=list)
    policy_repeat_times = models.PositiveSmallIntegerField(default=0)
    # The rounds of the chain begun again from level 1 so far (at most policy_repeat_times).
    round = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    overdue = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_escalations",
    )
    decision_note = models.TextField(blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="escalation_status_due_idx"),
            models.Index(fields=["status", "routed_at"], name="escalation_status_routed_idx"),
            models.Index(fields=["assigned_to", "status"], name="escalation_assignee_idx"),
            # The queue: pending ones, newest first, a page at a time (bench/scale.py).
            models.Index(
                fields=["status", "-created_at", "-id"], name="escalation_status_created_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False),
                name="escalation_decided_has_decider",
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation #{self.pk} ({self.status}, L{self.level})"


class EscalationEvent(models.Model):
    """One entry of an escalation's history."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(default=timezone.now)
    event = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.event} L{self.level}"


class Notification(models.Model):
    """An in-app notification, written in the transaction of what it announces. Its
    ``dedupe_key`` makes "notify once" a database fact (a duplicate hits the constraint)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    link = models.CharField(max_length=300, blank=True, default="")
    escalation = models.ForeignKey(
        Escalation, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the first response given for it.

    The in-flight row is committed before the work starts (so a concurrent repeat sees it
    and gets 409); the response is stored in the same transaction as the work.
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", "In flight"
        DONE = "done", "Done"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} ({self.state})"


# The rooms' models (each room has its own models module), re-exported so Django registers them.
from discretion.followups.models import FollowUp as FollowUp  # noqa: E402
from discretion.incidents.models import Incident as Incident  # noqa: E402
from discretion.incidents.models import IncidentCase as IncidentCase  # noqa: E402
from discretion.incidents.models import IncidentRemedy as IncidentRemedy  # noqa: E402
from discretion.integrations.models import IntegrationKey as IntegrationKey  # noqa: E402
from discretion.messages.models import CustomerMessage as CustomerMessage  # noqa: E402
from discretion.playbook.models import MessagingSettings as MessagingSettings  # noqa: E402
from discretion.problems.models import ChangeProposal as ChangeProposal  # noqa: E402
from discretion.problems.models import Problem as Problem  # noqa: E402
from discretion.problems.models import ProblemCase as ProblemCase  # noqa: E402
from discretion.proposals.models import LimitProposal as LimitProposal  # noqa: E402
from discretion.raises.models import LimitRequest as LimitRequest  # noqa: E402
from discretion.recognition.models import Recognition as Recognition  # noqa: E402
from discretion.reviews.models import Review as Review  # noqa: E402
from discretion.reviews.models import ReviewPolicy as ReviewPolicy  # noqa: E402
from discretion.rotations.models import OnCallOverride as OnCallOverride  # noqa: E402
from discretion.rotations.models import OnCallRotation as OnCallRotation  # noqa: E402
from discretion.rotations.models import (  # noqa: E402
    OnCallRotationMember as OnCallRotationMember,
)
from discretion.webhooks.models import WebhookDelivery as WebhookDelivery  # noqa: E402
from discretion.webhooks.models import WebhookEndpoint as WebhookEndpoint  # noqa: E402
from discretion.webhooks.models import WebhookEvent as WebhookEvent  # noqa: E402
