"""The Django admin for discretion's models.

Changes that the audit trail must record (users' role/team/tier/active flag, trust tiers,
trust limits) go through ``discretion.trust.services`` services, so the admin writes the same
audit events as the API. Models whose changes belong to a service with its own audit and
side effects (escalations, on-call, budgets, idempotency keys) are read-only here.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import transaction
from knox.models import AuthToken

from discretion.models import (
    BudgetWindow,
    Escalation,
    EscalationEvent,
    EscalationPolicy,
    Incident,
    IncidentRemedy,
    Notification,
    OnCallShift,
    Team,
    TrustLimit,
    TrustTier,
    User,
)
from discretion.trust.services import (
    LIMIT_FIELDS,
    TIER_EDITABLE_FIELDS,
    trust_limit_create,
    trust_limit_delete,
    trust_limit_update,
    trust_tier_create,
    trust_tier_update,
)
from discretion.trust.tokens import api_tokens_revoke
from discretion.trust.users import user_audit_change, user_snapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" form; a new password revokes the user's API tokens."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            api_tokens_revoke(user=user)
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "email", "role", "team", "tier", "is_active"]
    list_filter = ["role", "tier", "team", "is_active", "is_superuser"]
    list_select_related = ["team", "tier"]
    search_fields = ["username", "display_name", "email"]
    assert DjangoUserAdmin.fieldsets is not None  # Django's UserAdmin sets them; stubs say optional
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Discretion", {"fields": ("display_name", "role", "team", "tier")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Discretion", {"fields": ("display_name", "email", "role", "team", "tier")}),
    )
    actions = None  # no bulk delete: users are referenced by audit events (PROTECT)
    change_password_form = PasswordChangeForm

    def save_model(self, request, obj, form, change):
        # The admin's change view already runs in a transaction; the audit row joins it.
        with transaction.atomic():
            if change:
                current = User.objects.select_related("team", "tier").get(pk=obj.pk)
                before = user_snapshot(current)
                super().save_model(request, obj, form, change)
                if current.is_active and not obj.is_active:
                    api_tokens_revoke(user=obj)
                user_audit_change(acting_user=request.user, before=before, user=obj)
            else:
                super().save_model(request, obj, form, change)
                user_audit_change(acting_user=request.user, before=None, user=obj)


# Knox's own admin lists token digests (the primary key) and finds tokens by them:
# replaced by a list of whose tokens exist and when they expire, with no digest in it
# (no links or checkboxes, which carry the key). Tokens are revoked by a logout, a
# password change or a deactivation.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "created", "expiry"]
    list_display_links = None
    list_select_related = ["user"]
    search_fields = ["user__username"]

    def has_view_permission(self, request, obj=None):
        return obj is None  # the list only: a token's page would carry its digest


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(TrustTier)
class TrustTierAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "rank"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []  # the code is the tier's identity (API lookups)

    def has_delete_permission(self, request, obj=None):
        return False  # users and limits point at tiers; deletions are not audited

    def save_model(self, request, obj, form, change):
        if change:
            changes = {
                f: form.cleaned_data[f] for f in form.changed_data if f in TIER_EDITABLE_FIELDS
            }
            trust_tier_update(acting_user=request.user, tier=obj, changes=changes)
        else:
            saved = trust_tier_create(
                acting_user=request.user,
                code=obj.code,
                name=obj.name,
                description=obj.description,
                rank=obj.rank,
            )
            obj.pk = saved.pk


@admin.register(TrustLimit)
class TrustLimitAdmin(admin.ModelAdmin):
    list_display = ["id", *LIMIT_FIELDS]
    list_filter = ["tier", "remedy_type"]
    list_select_related = ["tier", "agent", "remedy_type"]
    raw_id_fields = ["agent"]
    actions = None  # bulk delete would bypass the audit trail

    def save_model(self, request, obj, form, change):
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in LIMIT_FIELDS}
            trust_limit_update(acting_user=request.user, trust_limit=obj, changes=changes)
        else:
            saved = trust_limit_create(
                acting_user=request.user, **{f: getattr(obj, f) for f in LIMIT_FIELDS}
            )
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        trust_limit_delete(acting_user=request.user, trust_limit=obj)

    def delete_queryset(self, request, queryset):
        for limit in queryset:
            trust_limit_delete(acting_user=request.user, trust_limit=limit)


@admin.register(BudgetWindow)
class BudgetWindowAdmin(ReadOnlyAdmin):
    list_display = ["user", "remedy_type", "period", "starts_on", "used", "cap"]
    list_filter = ["period", "remedy_type"]
    list_select_related = ["user", "remedy_type"]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(ReadOnlyAdmin):
    list_display = ["id", "levels", "updated_at"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(ReadOnlyAdmin):
    list_display = ["supervisor", "level", "starts_at", "ends_at"]
    list_select_related = ["supervisor"]


class EscalationEventInline(admin.TabularInline):
    model = EscalationEvent
    extra = 0
    can_delete = False
    fields = ("at", "event", "actor", "level", "assigned_to", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["id", "resolution", "status", "level", "assigned_to", "due_at", "overdue"]
    list_filter = ["status", "overdue", "level"]
    list_select_related = ["resolution", "assigned_to"]
    inlines = [EscalationEventInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at"]
    list_select_related = ["recipient"]


class IncidentRemedyInline(admin.TabularInline):
    model = IncidentRemedy
    extra = 0
    can_delete = False
    fields = ("remedy_type", "per_remedy_max")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Read-only: incidents are declared, changed and ended on /incidents/ or the API."""

    list_display = ["id", "title", "status", "starts_at", "ends_at", "budget", "spent"]
    list_filter = ["status"]
    inlines = [IncidentRemedyInline]
