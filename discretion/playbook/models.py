"""The brand promise: what we stand for, set by admins in one place. One row (pk=1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

BRAND_PROMISE_MAX_LENGTH = 1000


class MessagingSettings(models.Model):
    brand_promise = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "messaging settings"

    def __str__(self) -> str:
        return f"Brand promise: {self.brand_promise[:40]}"
