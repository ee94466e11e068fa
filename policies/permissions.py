"""Role checks for the policy API.

``policies`` may not import ``discretion`` (layering), so this repeats the one-line role
rule of ``discretion.api.permissions``: superusers are admins, else ``user.role``.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission


def role_of(user) -> str | None:
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return "admin"
    return getattr(user, "role", None)


class AdminWritesAllRead(BasePermission):
    """Everyone signed in reads; only admins write."""

    message = "Only admins may change policy rules."

    def has_permission(self, request, view):
        role = role_of(request.user)
        if request.method in SAFE_METHODS:
            return role is not None
        return role == "admin"


class IsAdminRole(BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request, view):
        return role_of(request.user) == "admin"
