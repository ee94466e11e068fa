"""DRF permission classes by role (the role rule itself is ``common.roles``)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from common.roles import role_of


class IsAdminRole(BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request, view):
        return role_of(request.user) == "admin"


class IsSupervisorOrAdmin(BasePermission):
    message = "Only supervisors and admins may do this."

    def has_permission(self, request, view):
        return role_of(request.user) in ("supervisor", "admin")


class AdminWritesSupervisorReads(BasePermission):
    """Supervisors and admins read; only admins write. Agents get 403."""

    message = "Supervisors may read this; only admins may change it."

    def has_permission(self, request, view):
        role = role_of(request.user)
        if request.method in SAFE_METHODS:
            return role in ("supervisor", "admin")
        return role == "admin"


class AdminWritesAllRead(BasePermission):
    """Everyone signed in reads; only admins write."""

    message = "Only admins may change this."

    def has_permission(self, request, view):
        role = role_of(request.user)
        if request.method in SAFE_METHODS:
            return role is not None
        return role == "admin"
