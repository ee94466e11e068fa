"""Customers, complaint cases, remedy types, resolution records and the case timeline.

``cases`` knows nothing of budgets or escalations (``discretion`` does): a resolution here
is the record of what was asked and what was granted.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from common.money import MONEY_MAX_DIGITS, MONEY_PLACES

# Text limits the API serializers and the HTML forms share with the columns.
SUBJECT_MAX_LENGTH = 200
CUSTOMER_ID_MAX_LENGTH = 100
CUSTOMER_NAME_MAX_LENGTH = 200
EXTERNAL_REF_MAX_LENGTH = 100
SOURCE_MAX_LENGTH = 40


class RemedyType(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    monetary = models.BooleanField(default=True)
    enabled = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    external_id = models.CharField(max_length=CUSTOMER_ID_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=CUSTOMER_NAME_MAX_LENGTH)
    email = models.EmailField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


CASE_TICKET_UNIQUE = "case_unique_source_ref"


def ticket_key(source: str, external_ref: str) -> tuple[str, str]:
    """How a help-desk ticket is named: "Zendesk " and "zendesk" are one source."""
    return source.strip().lower(), external_ref.strip()


class Case(models.Model):
    class Category(models.TextChoices):
        QUESTION = "question", "Question"
        COMPLAINT = "complaint", "Complaint"
        CRISIS = "crisis", "Crisis"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH)
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=16, choices=Category.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    external_ref = models.CharField(max_length=EXTERNAL_REF_MAX_LENGTH, blank=True, default="")
    # The help desk a case came from ("zendesk"…) through intake; "" for cases opened here.
    # (source, external_ref) names one ticket: at most one case per ticket.
    source = models.CharField(max_length=SOURCE_MAX_LENGTH, blank=True, default="")
    # Applied remedies on this case, moved with F() under the case's row lock.
    remedies_total = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, default=Decimal("0.00")
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The one active incident the case is in (discretion.incidents), or None. One column,
    # so a case is in at most one active incident; written only by conditional UPDATEs
    # of discretion.incidents.services (cases knows nothing of incidents: a plain id).
    active_incident_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "category"], name="case_status_category_idx"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(remedies_total__gte=0), name="case_remedies_total_nonnegative"
            ),
            # Intake's idempotency (cases.services.case_intake): one case per help-desk
            # ticket. Cases opened here (source "") may share an external_ref, as before.
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~Q(source=""),
                name=CASE_TICKET_UNIQUE,
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class RootCause(models.Model):
    """Why something went wrong, as admins name it (``late_carrier``, ``damaged_in_transit``).

    An optional tag on a resolution, so the dashboard can rank what things cost by cause.
    A code is permanent (reports and the API refer to it); retire one by making it inactive.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return self.name


class Resolution(models.Model):
    """An agent's request for a remedy on a case, and what became of it."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        PENDING_APPROVAL = "pending_approval", "Pending approval"
        REJECTED = "rejected", "Rejected"
        DENIED = "denied", "Denied"
        # The agent took back their own request while it waited (discretion.decisions.withdraw).
        WITHDRAWN = "withdrawn", "Withdrawn"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="resolutions")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resolutions"
    )
    remedy_type = models.ForeignKey(RemedyType, on_delete=models.PROTECT, related_name="+")
    requested_amount = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES)
    # What is (or would be) granted: the requested amount, or what an approver lowered it to.
    amount = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES)
    reason = models.TextField()
    customer_message = models.TextField(blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices)
    # True when applied on the requester's own authority: only then does it spend their
    # day and month budgets (approved remedies were granted on the approver's authority).
    counts_against_budget = models.BooleanField(default=False)
    # The decision as it was made: outcome, summary, checks, rules (with rule versions).
    decision = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # The calendar day (in TIME_ZONE) whose budget it spent; the month follows from it.
    budget_day = models.DateField(null=True, blank=True)
    # Why it was needed, when someone tagged it (discretion.problems.root_causes).
    root_cause = models.ForeignKey(
        RootCause, null=True, blank=True, on_delete=models.PROTECT, related_name="resolutions"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["case", "remedy_type", "status"], name="resolution_case_remedy_idx"
            ),
            models.Index(
                fields=["agent", "remedy_type", "budget_day"], name="resolution_agent_budget_idx"
            ),
            models.Index(fields=["status", "created_at"], name="resolution_status_created_idx"),
            # An agent's track record: their requests in a window (discretion.records). The
            # included columns are all the record's GROUP BY reads of a resolution, so it is
            # an index-only scan (bench/README.md, "Track record").
            models.Index(
                fields=["agent", "created_at"],
                include=[
                    "id",
                    "remedy_type",
                    "status",
                    "counts_against_budget",
                    "amount",
                    "requested_amount",
                ],
                name="resolution_agent_created_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="resolution_amount_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=models.F("requested_amount")),
                name="resolution_amount_not_above_requested",
            ),
            models.CheckConstraint(
                condition=Q(counts_against_budget=False) | Q(status="applied"),
                name="resolution_budget_only_when_applied",
            ),
        ]

    def __str__(self) -> str:
        return f"Resolution #{self.pk} {self.remedy_type_id} {self.amount} ({self.status})"


class CaseEvent(models.Model):
    """One line of a case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"
