"""The review policy screen (``/admin-ui/review-policy/``): how much autonomous spend is
reviewed after the fact, with the evidence before saving: what the edited policy would
have sampled over the last 30 days (count and spend), replayed with the decision's own
draw (``discretion.reviews.selectors.review_policy_preview``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from discretion.reviews.selectors import review_policy_current, review_policy_preview
from discretion.reviews.services import review_policy_update, review_policy_validate
from web.common import MoneyFormField, acting_user, admin_required, form_errors_add


class PercentField(forms.CharField):
    def clean(self, value: Any) -> Decimal:
        text = (super().clean(value) or "").strip()
        try:
            return Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError("A number from 0 to 100.") from None


class ReviewPolicyForm(forms.Form):
    sample_percent = PercentField(
        label="Review this share at random (%)",
        help_text="0 to 100, at most two decimals. 5 reviews about one in twenty.",
    )
    always_above = MoneyFormField(
        required=False,
        label="Always review from this amount",
        help_text="Leave empty for none.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "sample_percent" in data and "always_above" in data:
            try:
                review_policy_validate(
                    sample_percent=data["sample_percent"], always_above=data["always_above"]
                )
            except DomainError as exc:
                form_errors_add(self, exc)
        return data


def _initial() -> dict[str, Any]:
    policy = review_policy_current()
    return {"sample_percent": policy.sample_percent, "always_above": policy.always_above}


def _context(form: ReviewPolicyForm, preview_of: dict[str, Any] | None) -> dict[str, Any]:
    current = _initial()
    return {
        "form": form,
        "current": current,
        "current_preview": review_policy_preview(**current),
        "preview": review_policy_preview(**preview_of) if preview_of else None,
    }


@admin_required
@require_GET
def review_policy_page(request: HttpRequest) -> HttpResponse:
    form = ReviewPolicyForm(initial=_initial())
    return render(request, "admin_ui/review_policy.html", _context(form, None))


@admin_required
@require_GET
def review_policy_preview_fragment(request: HttpRequest) -> HttpResponse:
    """As the admin types: what these values would have sampled (nothing is saved)."""
    form = ReviewPolicyForm(request.GET)
    preview = None
    if form.is_valid():
        preview = review_policy_preview(
            sample_percent=form.cleaned_data["sample_percent"],
            always_above=form.cleaned_data["always_above"],
        )
    return render(request, "admin_ui/_review_preview.html", {"preview": preview, "form": form})


@admin_required
@require_POST
def review_policy_save(request: HttpRequest) -> HttpResponse:
    form = ReviewPolicyForm(request.POST)
    if form.is_valid():
        try:
            review_policy_update(
                acting_user=acting_user(request),
                sample_percent=form.cleaned_data["sample_percent"],
                always_above=form.cleaned_data["always_above"],
            )
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, "Review policy saved: the next decision uses it.")
            return redirect("admin-review-policy")
    return render(request, "admin_ui/review_policy.html", _context(form, None), status=400)


urlpatterns = [
    path("admin-ui/review-policy/", review_policy_page, name="admin-review-policy"),
    path(
        "admin-ui/review-policy/preview/",
        review_policy_preview_fragment,
        name="admin-review-policy-preview",
    ),
    path("admin-ui/review-policy/save/", review_policy_save, name="admin-review-policy-save"),
]
