"""Policy rules: boolean CEL expressions over the decision context, versioned on every edit."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# The API serializers and the rule editor's form share it with the column.
RULE_NAME_MAX_LENGTH = 120


class Effect(models.TextChoices):
    DENY = "deny", "Deny"
    REQUIRE_APPROVAL = "require_approval", "Require approval"


class PolicyRule(models.Model):
    name = models.CharField(max_length=RULE_NAME_MAX_LENGTH)
    description = models.TextField(blank=True, default="")
    expression = models.TextField()
    effect = models.CharField(max_length=20, choices=Effect.choices)
    message = models.TextField()
    priority = models.IntegerField(default=100)
    enabled = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Rules are never deleted from the table: past decisions name (id, version) and must
    # stay explainable. A deleted rule is disabled, hidden from the API, and keeps its
    # versions.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="policyrule_version_positive")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class PolicyRuleVersion(models.Model):
    """An immutable copy of a rule as it was at one version."""

    rule = models.ForeignKey(PolicyRule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=RULE_NAME_MAX_LENGTH)
    description = models.TextField(blank=True, default="")
    expression = models.TextField()
    effect = models.CharField(max_length=20, choices=Effect.choices)
    message = models.TextField()
    priority = models.IntegerField()
    enabled = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["rule_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="policyruleversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
