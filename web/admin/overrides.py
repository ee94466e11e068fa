"""Admin screens: per-agent overrides of the trust limits (add, edit, remove), with the
effective limits shown live before saving.

A blank cap in this form inherits the agent's tier cap and "No cap" is a box to tick
(``discretion.trust.caps`` says why); the API keeps the contract's meaning (null = no
cap). Writes go through ``discretion.trust.services``, which lock, validate and audit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from cases.models import RemedyType
from cases.selectors import remedy_type_list
from common.errors import DomainError
from discretion.models import TrustLimit, User
from discretion.trust.caps import (
    CAP_NAMES,
    ResolvedCap,
    cap_warnings,
    override_caps_resolve,
)
from discretion.trust.selectors import override_get, tier_limit_get, user_list
from discretion.trust.services import (
    trust_limit_create,
    trust_limit_delete,
    trust_limit_update,
)
from web.admin.limits import CAP_LABELS, DeleteForm, _money_field
from web.common import acting_user, admin_required, form_errors_add, found

NO_CAP_LABELS = {
    "per_case_max": "No cap per case",
    "daily_max": "No cap per day",
    "monthly_max": "No cap per month",
    "approval_max": "May not approve",
}

BLANK_HELP = "Leave blank to use the tier's cap."


class OverrideCapsForm(forms.Form):
    """The caps of an override: blank inherits the tier's (see the module docstring)."""

    per_remedy_max = _money_field("Per remedy")
    per_case_max = _money_field("Per case")
    no_cap_per_case_max = forms.BooleanField(required=False, label=NO_CAP_LABELS["per_case_max"])
    daily_max = _money_field("Per day")
    no_cap_daily_max = forms.BooleanField(required=False, label=NO_CAP_LABELS["daily_max"])
    monthly_max = _money_field("Per month")
    no_cap_monthly_max = forms.BooleanField(required=False, label=NO_CAP_LABELS["monthly_max"])
    approval_max = _money_field("May approve up to")
    no_cap_approval_max = forms.BooleanField(required=False, label=NO_CAP_LABELS["approval_max"])
    reason = forms.CharField(
        max_length=500,
        label="Reason for the change",
        error_messages={"required": "Say why: the reason is kept in the audit log."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in CAP_NAMES:
            self.fields[name].help_text = BLANK_HELP

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why: the reason is kept in the audit log.")
        return reason

    def typed(self) -> dict[str, Decimal | None]:
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in CAP_NAMES}

    def no_cap(self) -> set[str]:
        data = getattr(self, "cleaned_data", {})
        return {name for name in CAP_NAMES if data.get(f"no_cap_{name}")}

    def cap_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField | None]]:
        """Each cap field with its "No cap" box (per remedy has none: a row needs one)."""
        return [
            (self[name], self[f"no_cap_{name}"] if f"no_cap_{name}" in self.fields else None)
            for name in CAP_NAMES
        ]


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} ({obj.username}, {obj.role})"


class OverrideCreateForm(OverrideCapsForm):
    agent = PersonField(queryset=user_list(active=True), label="Person")
    remedy_type = forms.ModelChoiceField(
        queryset=remedy_type_list(enabled=True), to_field_name="code", label="Remedy"
    )

    field_order = ["agent", "remedy_type"]


class OverridePreviewForm(OverrideCreateForm):
    """The live preview reads whatever is typed so far: nothing is required."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


def _edit_initial(limit: TrustLimit) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for name in CAP_NAMES:
        value = getattr(limit, name)
        initial[name] = value
        if value is None and name != "per_remedy_max":
            initial[f"no_cap_{name}"] = True
    return initial


def _tier_limit(agent: User | None, remedy: RemedyType | None) -> TrustLimit | None:
    if agent is None or remedy is None or agent.tier is None:
        return None
    return tier_limit_get(tier=agent.tier, remedy_type=remedy)


def _resolve(form: OverrideCapsForm, tier_limit: TrustLimit | None) -> dict[str, ResolvedCap]:
    """The caps to save; a cap with nothing to inherit becomes an error on its field."""
    resolved = override_caps_resolve(
        typed=form.typed(), no_cap=form.no_cap(), tier_limit=tier_limit
    )
    for name, cap in resolved.items():
        if cap.source == "missing":
            form.add_error(
                name,
                "The tier has no cap here to inherit: type an amount"
                + ("." if name == "per_remedy_max" else " or tick the box."),
            )
    return resolved


def _caps(resolved: dict[str, ResolvedCap]) -> dict[str, Any]:
    return {name: cap.value for name, cap in resolved.items()}


def _warn(request: HttpRequest, resolved: dict[str, ResolvedCap]) -> None:
    for warning in cap_warnings(_caps(resolved)):
        messages.warning(request, warning)


def _page(request: HttpRequest, form: OverrideCapsForm, status: int = 200, **extra: Any):
    return render(
        request,
        "admin_ui/override_form.html",
        {"form": form, "cap_labels": CAP_LABELS, **extra},
        status=status,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def override_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, OverrideCreateForm(), new=True)
    form = OverrideCreateForm(request.POST)
    if form.is_valid():
        agent, remedy = form.cleaned_data["agent"], form.cleaned_data["remedy_type"]
        resolved = _resolve(form, _tier_limit(agent, remedy))
        if not form.errors:
            try:
                trust_limit_create(
                    acting_user=acting_user(request),
                    agent=agent,
                    remedy_type=remedy,
                    reason=form.cleaned_data["reason"],
                    **_caps(resolved),
                )
            except DomainError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, f"Override added for {agent.label} ({remedy.name}).")
                _warn(request, resolved)
                return redirect("admin-limits")
    return _page(request, form, status=400, new=True)


@admin_required
@require_http_methods(["GET", "POST"])
def override_edit(request: HttpRequest, pk: int) -> HttpResponse:
    limit = found(override_get, "No such override.", limit_id=pk)
    agent = limit.agent
    assert agent is not None  # override_get returns per-agent rows only
    if request.method == "GET":
        return _page(request, OverrideCapsForm(initial=_edit_initial(limit)), limit=limit)
    if request.POST.get("delete"):
        delete = DeleteForm(request.POST)
        if delete.is_valid():
            trust_limit_delete(
                acting_user=acting_user(request),
                trust_limit=limit,
                reason=delete.cleaned_data["reason"],
            )
            messages.success(request, f"Override removed: {agent.label} now follows their tier.")
            return redirect("admin-limits")
        form = OverrideCapsForm(initial=_edit_initial(limit))
        return _page(
            request, form, 400, limit=limit, delete_error="Say why you remove this override."
        )
    form = OverrideCapsForm(request.POST)
    if form.is_valid():
        resolved = _resolve(form, _tier_limit(agent, limit.remedy_type))
        if not form.errors:
            try:
                trust_limit_update(
                    acting_user=acting_user(request),
                    trust_limit=limit,
                    changes=_caps(resolved),
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, f"Override saved for {agent.label}.")
                _warn(request, resolved)
                return redirect("admin-limits")
    return _page(request, form, 400, limit=limit)


@admin_required
@require_POST
def override_preview(request: HttpRequest) -> HttpResponse:
    """The effective limits the form would save, and the caps that contradict each other
    (htmx, as the admin types). Nothing is saved."""
    form = OverridePreviewForm(request.POST)
    form.is_valid()  # a half-typed form still previews what it can
    data = getattr(form, "cleaned_data", {})
    agent, remedy = data.get("agent"), data.get("remedy_type")
    limit_id = request.POST.get("limit_id", "")
    if limit_id.isdigit():
        limit = found(override_get, "No such override.", limit_id=int(limit_id))
        agent, remedy = limit.agent, limit.remedy_type
    tier_limit = _tier_limit(agent, remedy)
    resolved = override_caps_resolve(
        typed=form.typed(), no_cap=form.no_cap(), tier_limit=tier_limit
    )
    bad_fields = [name for name in CAP_NAMES if name in form.errors]
    context = {
        "agent": agent,
        "remedy": remedy,
        "tier_limit": tier_limit,
        "caps": [cap for name, cap in resolved.items() if name not in bad_fields],
        "bad_fields": [CAP_LABELS[name] for name in bad_fields],
        "warnings": cap_warnings({n: c.value for n, c in resolved.items() if n not in bad_fields}),
    }
    return render(request, "admin_ui/_override_preview.html", context)


urlpatterns = [
    path("admin-ui/limits/overrides/", override_create, name="admin-override-create"),
    path("admin-ui/limits/overrides/preview/", override_preview, name="admin-override-preview"),
    path("admin-ui/limits/overrides/<int:pk>/", override_edit, name="admin-override-edit"),
]
