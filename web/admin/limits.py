"""Admin screens (role admin only): the landing page, the trust-limit matrix (tier by
remedy type, edited cell by cell) and per-agent overrides.

Every write goes through ``discretion.trust.services`` (which locks, validates and
audits); a change to a limit asks for a reason, stored on its audit event.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from cases.models import RemedyType
from cases.selectors import remedy_type_get, remedy_type_list
from common.errors import DomainError
from discretion.models import TrustLimit, TrustTier
from discretion.proposals.selectors import limit_proposal_open_count
from discretion.trust.caps import cap_warnings
from discretion.trust.selectors import (
    tier_limit_get,
    trust_limit_list,
    trust_tier_get,
    trust_tier_list,
)
from discretion.trust.services import (
    trust_limit_create,
    trust_limit_delete,
    trust_limit_update,
)
from web.admin.tiers import TierCreateForm
from web.common import (
    HtmxHttpRequest,
    MoneyFormField,
    acting_user,
    admin_required,
    error_lines,
    found,
)

CAP_FIELDS = ("per_remedy_max", "per_case_max", "daily_max", "monthly_max", "approval_max")


CAP_LABELS = {
    "per_remedy_max": "Per remedy",
    "per_case_max": "Per case",
    "daily_max": "Per day",
    "monthly_max": "Per month",
    "approval_max": "May approve up to",
}


def _money_field(label: str, *, required: bool = False) -> MoneyFormField:
    return MoneyFormField(
        label=label,
        required=required,
        error_messages={
            "max_decimal_places": "At most two decimals (cents).",
            "min_value": "Caps cannot be negative.",
            "invalid": "Enter an amount like 25.00.",
            "required": "Type an amount: every limit needs a cap per remedy.",
        },
    )


class Caps(TypedDict):
    """A limit's caps as ``LimitForm`` cleans them: only ``per_remedy_max`` is required."""

    per_remedy_max: Decimal
    per_case_max: Decimal | None
    daily_max: Decimal | None
    monthly_max: Decimal | None
    approval_max: Decimal | None


class LimitForm(forms.Form):
    per_remedy_max = _money_field("Per remedy", required=True)
    per_case_max = _money_field("Per case")
    daily_max = _money_field("Per day")
    monthly_max = _money_field("Per month")
    approval_max = _money_field("May approve up to")
    reason = forms.CharField(
        max_length=500,
        label="Reason for the change",
        error_messages={"required": "Say why: the reason is kept in the audit log."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why: the reason is kept in the audit log.")
        return reason

    def caps(self) -> Caps:
        data = self.cleaned_data
        return Caps(
            per_remedy_max=data["per_remedy_max"],
            per_case_max=data.get("per_case_max"),
            daily_max=data.get("daily_max"),
            monthly_max=data.get("monthly_max"),
            approval_max=data.get("approval_max"),
        )


class DeleteForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Reason for removing it",
        error_messages={"required": "Say why: the reason is kept in the audit log."},
    )


def _initial(limit: TrustLimit | None) -> dict[str, Any]:
    if limit is None:
        return {}
    return {name: getattr(limit, name) for name in CAP_FIELDS}


@admin_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "admin_ui/index.html", {"open_proposals": limit_proposal_open_count()})


def _override_order(limit: TrustLimit) -> tuple[str, int, str]:
    assert limit.agent is not None  # an override is a per-agent row
    return (limit.agent.username, limit.remedy_type.sort_order, limit.remedy_type.code)


@admin_required
@require_GET
def limits_page(request: HttpRequest) -> HttpResponse:
    """Tiers x remedy types, and the per-agent overrides below. Four queries in all."""
    tiers = list(trust_tier_list())
    remedies = list(remedy_type_list(enabled=True))
    limits = list(trust_limit_list())
    by_cell = {(lim.tier_id, lim.remedy_type_id): lim for lim in limits if lim.tier_id}
    rows = [
        {
            "tier": tier,
            "cells": [{"remedy": r, "limit": by_cell.get((tier.pk, r.pk))} for r in remedies],
        }
        for tier in tiers
    ]
    overrides = sorted((lim for lim in limits if lim.agent_id), key=_override_order)
    return render(
        request,
        "admin_ui/limits.html",
        {
            "rows": rows,
            "remedies": remedies,
            "overrides": overrides,
            "form": LimitForm(),
            "tier_form": TierCreateForm(),
            "cap_labels": CAP_LABELS,
        },
    )


def _cell_context(tier: TrustTier, remedy: RemedyType, limit: TrustLimit | None) -> dict:
    return {"tier": tier, "remedy": remedy, "limit": limit, "cap_labels": CAP_LABELS}


@admin_required
@require_http_methods(["GET", "POST"])
def limit_cell(request: HtmxHttpRequest, tier_code: str, remedy_code: str) -> HttpResponse:
    """One cell of the matrix: shown, edited (``?edit=1``) or saved (POST)."""
    tier = found(trust_tier_get, "No such tier.", code=tier_code)
    remedy = found(remedy_type_get, "No such remedy type.", code=remedy_code)
    limit = tier_limit_get(tier=tier, remedy_type=remedy)
    context = _cell_context(tier, remedy, limit)
    if request.method == "GET":
        if request.GET.get("edit"):
            context["form"] = LimitForm(initial=_initial(limit))
            return render(request, "admin_ui/_limit_cell_form.html", context)
        return render(request, "admin_ui/_limit_cell.html", context)

    if request.POST.get("delete"):
        delete = DeleteForm(request.POST)
        if limit is None:
            return render(request, "admin_ui/_limit_cell.html", context)
        if not delete.is_valid():
            context["form"] = LimitForm(initial=_initial(limit), data=None)
            context["delete_error"] = "Say why you remove this limit (it goes in the audit log)."
            return render(request, "admin_ui/_limit_cell_form.html", context, status=_bad(request))
        trust_limit_delete(
            acting_user=acting_user(request),
            trust_limit=limit,
            reason=delete.cleaned_data["reason"],
        )
        context.update({"limit": None, "saved": "Limit removed."})
        return _cell_done(request, context)

    form = LimitForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "admin_ui/_limit_cell_form.html", context, status=_bad(request))
    try:
        if limit is None:
            limit = trust_limit_create(
                acting_user=acting_user(request),
                tier=tier,
                remedy_type=remedy,
                reason=form.cleaned_data["reason"],
                **form.caps(),
            )
        else:
            limit = trust_limit_update(
                acting_user=acting_user(request),
                trust_limit=limit,
                changes=form.caps(),
                reason=form.cleaned_data["reason"],
            )
    except DomainError as exc:
        context["errors"] = error_lines(exc)
        return render(request, "admin_ui/_limit_cell_form.html", context, status=_bad(request))
    # Caps that contradict each other are saved (the lower one applies) but said.
    context.update({"limit": limit, "saved": "Saved.", "warnings": cap_warnings(form.caps())})
    return _cell_done(request, context)


def _bad(request: HtmxHttpRequest) -> int:
    # htmx swaps only 2xx bodies by default; plain form posts get a real 400.
    return 200 if request.htmx else 400


def _cell_done(request: HtmxHttpRequest, context: dict) -> HttpResponse:
    if request.htmx:
        return render(request, "admin_ui/_limit_cell.html", context)
    messages.success(request, context.get("saved", "Saved."))
    for warning in context.get("warnings", []):
        messages.warning(request, warning)
    return redirect("admin-limits")


urlpatterns = [
    path("admin-ui/", index, name="admin-index"),
    path("admin-ui/limits/", limits_page, name="admin-limits"),
    path(
        "admin-ui/limits/cell/<slug:tier_code>/<slug:remedy_code>/",
        limit_cell,
        name="admin-limit-cell",
    ),
]
