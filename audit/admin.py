"""Audit events in the Django admin: strictly read-only (view permission only)."""

from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "object_type", "object_id", "actor", "reason"]
    list_filter = ["object_type", "action"]
    search_fields = ["object_id", "action", "reason"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = None  # no bulk delete

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
