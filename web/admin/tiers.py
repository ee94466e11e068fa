"""Admin screens (role admin only): create and edit trust tiers.

Writes go through ``discretion.trust.services``, which validates and audits; the create
form is also shown on the limits matrix, so a new tier gets its limits at once.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError
from discretion.models import TIER_CODE_MAX_LENGTH, TIER_NAME_MAX_LENGTH
from discretion.trust.selectors import trust_tier_get
from discretion.trust.services import (
    trust_tier_create,
    trust_tier_update,
)
from web.common import acting_user, admin_required, form_errors_add, found


class TierForm(forms.Form):
    name = forms.CharField(
        max_length=TIER_NAME_MAX_LENGTH, help_text="What people see, e.g. “Senior”."
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Who belongs here."
    )
    rank = forms.IntegerField(
        min_value=0, max_value=32767, initial=0, help_text="Order in the matrix, lowest first."
    )
    reason = forms.CharField(max_length=500, label="Reason (audit log)")


class TierCreateForm(TierForm):
    code = forms.SlugField(
        max_length=TIER_CODE_MAX_LENGTH,
        help_text="Short and permanent: letters, digits, - and _, e.g. “lead”.",
    )
    field_order = ["code", "name", "description", "rank", "reason"]


@admin_required
@require_POST
def tier_create(request: HttpRequest) -> HttpResponse:
    form = TierCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            tier = trust_tier_create(
                acting_user=acting_user(request),
                code=data["code"],
                name=data["name"],
                description=data["description"],
                rank=data["rank"],
                reason=data["reason"],
            )
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(
                request, f"Tier “{tier.name}” added. Its limits are empty until you set them."
            )
            return redirect("admin-limits")
    return render(request, "admin_ui/tier_form.html", {"form": form, "new": True}, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def tier_edit(request: HttpRequest, code: str) -> HttpResponse:
    tier = found(trust_tier_get, "No such tier.", code=code)
    if request.method == "GET":
        form = TierForm(
            initial={"name": tier.name, "description": tier.description, "rank": tier.rank}
        )
        return render(request, "admin_ui/tier_form.html", {"form": form, "tier": tier})
    form = TierForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        tier = trust_tier_update(
            acting_user=acting_user(request),
            tier=tier,
            changes={key: data[key] for key in ("name", "description", "rank")},
            reason=data["reason"],
        )
        messages.success(request, f"Tier “{tier.name}” saved.")
        return redirect("admin-limits")
    return render(request, "admin_ui/tier_form.html", {"form": form, "tier": tier}, status=400)


urlpatterns = [
    path("admin-ui/tiers/", tier_create, name="admin-tier-create"),
    path("admin-ui/tiers/<slug:code>/", tier_edit, name="admin-tier-edit"),
]
