"""Problems: the cause behind several cases, found, owned and fixed (ITIL's "problem").

Invariants the database holds: a case is linked to at most one problem (``case`` is
unique on the link); a fixed problem has its fix time and says what we changed; the
fix drafts at most one message per link (``fix_message`` is one-to-one); a decided
change proposal names who decided it and when.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

PROBLEM_TITLE_MAX_LENGTH = 200
PROBLEM_TEXT_MAX_LENGTH = 5000


class Problem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FIXED = "fixed", "Fixed"

    title = models.CharField(max_length=PROBLEM_TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems_owned",
    )
    what_we_changed = models.TextField(blank=True, default="")
    fixed_at = models.DateTimeField(null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="problem_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", fixed_at__isnull=True)
                | (Q(status="fixed", fixed_at__isnull=False) & ~Q(what_we_changed="")),
                name="problem_fixed_says_what_changed",
            ),
        ]

    def __str__(self) -> str:
        return f"Problem #{self.pk} {self.title} ({self.status})"


class ProblemCase(models.Model):
    """A case that is one more instance of a problem (the Andon cord, pulled)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links")
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="problem_link")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)
    # The draft the fix wrote to this case's customer (none for a case closed by then).
    fix_message = models.OneToOneField(
        "discretion.CustomerMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problem_link",
    )

    class Meta:
        ordering = ["linked_at", "id"]
        indexes = [models.Index(fields=["problem", "linked_at"], name="problemcase_problem_idx")]

    def __str__(self) -> str:
        return f"case {self.case_id} in problem {self.problem_id}"


class ChangeProposal(models.Model):
    """A change proposed from a problem: a policy rule or a tier's limit, with the
    backtest or what-if it was proposed with, for an admin to accept or decline."""

    class Kind(models.TextChoices):
        RULE = "rule", "Policy rule"
        LIMIT = "limit", "Limit change"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # rule: {name, expression, effect, message, enabled}; limit: {tier, remedy_type,
    # per_remedy_max} (codes and a money string), as proposed.
    change = models.JSONField(default=dict)
    # The backtest (rule) or what-if (limit) report as it was when proposed.
    result = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    note = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="change_proposal_decided_has_decider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} proposal #{self.pk} on problem {self.problem_id} ({self.status})"
