"""Roles: every user has exactly one, ``agent``, ``supervisor`` or ``admin``.

The one place that says what a user's role is (Django superusers are admins) and which
roles may supervise. The API permissions, the HTML screens and the services all ask here.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"


SUPERVISING_ROLES = (Role.SUPERVISOR.value, Role.ADMIN.value)


def role_of(user: Any) -> str | None:
    """The user's role; ``None`` for nobody or an anonymous user."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN.value
    return str(getattr(user, "role", "") or "") or None


def is_supervising(user: Any) -> bool:
    """Supervisors and admins: they decide escalations and read the back office."""
    return role_of(user) in SUPERVISING_ROLES


def is_admin(user: Any) -> bool:
    return role_of(user) == Role.ADMIN.value


def supervising_q(prefix: str = "") -> Q:
    """``is_supervising`` as a query filter on users (``prefix`` e.g. ``"assignee__"``)."""
    return Q(**{f"{prefix}role__in": SUPERVISING_ROLES}) | Q(**{f"{prefix}is_superuser": True})


def admin_q(prefix: str = "") -> Q:
    """``is_admin`` as a query filter on users."""
    return Q(**{f"{prefix}role": Role.ADMIN.value}) | Q(**{f"{prefix}is_superuser": True})
