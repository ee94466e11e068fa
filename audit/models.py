"""Append-only audit trail.

Rows are only ever inserted (``audit.services.audit_record``). Database triggers refuse
UPDATE and DELETE (migration 0003), the Django admin is read-only, and the API has no
write endpoint: nothing in the app can edit or delete an audit event. The app's database
role may only INSERT and SELECT audit rows (``audit/grants.py``), and every row is chained
to the one before by ``hash``, which a trigger computes (migration 0004;
``manage.py audit_verify`` checks the chain).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ObjectType(models.TextChoices):
    TRUST_LIMIT = "trust_limit", "Trust limit"
    TRUST_TIER = "trust_tier", "Trust tier"
    USER = "user", "User"
    POLICY_RULE = "policy_rule", "Policy rule"
    ONCALL_SHIFT = "oncall_shift", "On-call shift"
    ESCALATION_POLICY = "escalation_policy", "Escalation policy"
    RESOLUTION = "resolution", "Resolution"
    ESCALATION = "escalation", "Escalation"
    LIMIT_REQUEST = "limit_request", "Limit request"
    REVIEW_POLICY = "review_policy", "Review policy"
    REVIEW = "review", "Review"
    LIMIT_PROPOSAL = "limit_proposal", "Limit proposal"
    BRAND_PROMISE = "brand_promise", "Brand promise"
    PROBLEM = "problem", "Problem"
    ROOT_CAUSE = "root_cause", "Root cause"
    WEBHOOK_ENDPOINT = "webhook_endpoint", "Webhook endpoint"
    INTEGRATION_KEY = "integration_key", "Integration key"
    ONCALL_ROTATION = "oncall_rotation", "On-call rotation"
    ONCALL_OVERRIDE = "oncall_override", "On-call override"
    INCIDENT = "incident", "Incident"


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: deleting a user must never rewrite (SET NULL) an audit row.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32, choices=ObjectType.choices)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    # sha256(previous row's hash || this row's canonical text), hex: set by the database
    # (migration 0004's trigger), whatever an INSERT passes.
    hash = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
