from django.contrib import admin

from cases.models import Case, CaseEvent, Customer, RemedyType, Resolution


@admin.register(RemedyType)
class RemedyTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "monetary", "enabled", "sort_order"]
    list_editable = ["enabled", "sort_order"]

    def has_delete_permission(self, request, obj=None):
        # Limits, resolutions and budgets point at remedy types: disable one instead.
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "email", "created_at"]
    search_fields = ["external_id", "name", "email"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("at", "kind", "actor", "summary")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "category", "status", "customer", "assignee", "remedies_total"]
    list_filter = ["status", "category"]
    search_fields = ["subject", "customer__name", "customer__external_id", "external_ref"]
    list_select_related = ["customer", "assignee"]
    raw_id_fields = ["customer", "assignee", "created_by"]
    # Totals move only with resolutions (under the case's row lock), never by hand.
    readonly_fields = ["remedies_total", "created_at", "updated_at"]
    inlines = [CaseEventInline]


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    """Resolutions are decisions with budget consequences: read here, never edited."""

    list_display = ["id", "case", "agent", "remedy_type", "amount", "status", "created_at"]
    list_filter = ["status", "remedy_type"]
    list_select_related = ["case", "agent", "remedy_type"]
    readonly_fields = [f.name for f in Resolution._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
