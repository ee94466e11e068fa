"""How long a username stays locked out after too many failed logins (django-axes).

Axes (configured in settings, ``AXES_*``) counts the failures and refuses a locked-out
username; this only reads its rows to tell the client when to try again.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.utils import timezone


def login_lockout_remaining(*, username: str | None) -> timedelta:
    """Time until the lockout of ``username`` ends: the cool-off counted from its last
    counted failure (attempts while locked out are not counted). At least a second."""
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    last = None
    if username:
        last = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))[
            "last"
        ]
    if last is None:
        return cool_off
    return max(last + cool_off - timezone.now(), timedelta(seconds=1))


def retry_after_seconds(remaining: timedelta) -> int:
    """A ``Retry-After`` value: whole seconds, rounded up, so a client that waits exactly
    that long is let in."""
    return max(1, math.ceil(remaining.total_seconds()))
