"""DRF permission classes by role (the role rule itself is ``common.roles``)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from common.roles import is_admin, is_supervising, role_of


class IsAdminRole(BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request, view):
        return is_admin(request.user)


class IsSupervisorOrAdmin(BasePermission):
    message = "Only supervisors and admins may do this."

    def has_permission(self, request, view):
        return is_supervising(request.user)


class AdminWritesSupervisorReads(BasePermission):
    """Supervisors and admins read; only admins write. Agents get 403."""

    message = "Supervisors may read this; only admins may change it."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return is_supervising(request.user)
        return is_admin(request.user)


class AdminWritesAllRead(BasePermission):
    """Everyone signed in reads; only admins write."""

    message = "Only admins may change this."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return role_of(request.user) is not None
        return is_admin(request.user)


class SupervisorWritesAllRead(BasePermission):
    """Everyone signed in reads; supervisors and admins write (incidents)."""

    message = "Only supervisors and admins may change this."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return role_of(request.user) is not None
        return is_supervising(request.user)
