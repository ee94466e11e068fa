"""Integration keys: how a help desk (Zendesk, Freshdesk, a script) sends its tickets to
intake (``POST /api/v1/intake/cases/``) and nothing else.

Only the SHA-256 of a key is stored (``key_hash``, unique, so a key is found by one index
probe); the key itself is shown once, when it is created. ``prefix`` (the first characters,
``dsk_`` and a few more) lets an admin tell keys apart. A revoked key stays, for the
record (audit rows and ``last_used_at`` keep their meaning), and authenticates nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_NAME_MAX_LENGTH = 100
KEY_PREFIX = "dsk_"  # "discretion key": recognisable in a config file or a leaked log
KEY_PREFIX_LENGTH = len(KEY_PREFIX) + 8  # what the list shows: "dsk_Ab3dE9xQ…"


class IntegrationKey(models.Model):
    name = models.CharField(max_length=KEY_NAME_MAX_LENGTH)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=KEY_PREFIX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Moved at most once a minute (discretion.integrations.services.integration_key_touch).
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.name} ({self.prefix}…, {state})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
