"""Agent workspace: the case lists (mine / team's open) with filters and search; new case."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cases import services as case_services
from cases.models import (
    CUSTOMER_ID_MAX_LENGTH,
    CUSTOMER_NAME_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    Case,
)
from cases.selectors import case_search_list, case_workspace_list
from common.errors import DomainError
from common.roles import is_supervising
from discretion.incidents.selectors import incident_active_choices
from web.common import HtmxHttpRequest, acting_user, form_errors_add

PAGE_SIZE = 50


class CaseFilterForm(forms.Form):
    tab = forms.ChoiceField(
        choices=[("mine", "My cases"), ("team", "Team's open cases")], required=False
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *Case.Status.choices], required=False)
    category = forms.ChoiceField(
        choices=[("", "Any category"), *Case.Category.choices], required=False
    )
    q = forms.CharField(max_length=200, required=False, strip=True)


class CaseCreateForm(forms.Form):
    subject = forms.CharField(max_length=SUBJECT_MAX_LENGTH)
    category = forms.ChoiceField(choices=Case.Category.choices)
    description = forms.CharField(widget=forms.Textarea, required=False, max_length=10_000)
    customer_external_id = forms.CharField(
        label="Customer id",
        max_length=CUSTOMER_ID_MAX_LENGTH,
        help_text="The customer's id in your CRM, e.g. C-1042.",
    )
    customer_name = forms.CharField(
        label="Customer name",
        max_length=CUSTOMER_NAME_MAX_LENGTH,
        required=False,
        help_text="Needed for a new customer.",
    )
    customer_email = forms.EmailField(label="Customer email", max_length=254, required=False)
    assign_to_me = forms.BooleanField(label="Assign to me", required=False, initial=True)


@login_required
@require_http_methods(["GET"])
def case_list_view(request: HtmxHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    tab = data.get("tab") or "mine"
    status = data.get("status") or ""
    category = data.get("category") or ""
    q = data.get("q") or ""
    # One row more than a page tells whether the list was cut.
    # A search looks through ALL cases and customers, whatever the tab and filters.
    found = (
        case_search_list(q=q)
        if q
        else case_workspace_list(
            user=acting_user(request), tab=tab, status=status, category=category
        )
    )
    rows = list(found[: PAGE_SIZE + 1])
    context = {
        "form": form if form.is_bound else CaseFilterForm(initial={"tab": tab}),
        "cases": rows[:PAGE_SIZE],
        "truncated": len(rows) > PAGE_SIZE,
        "tab": tab,
        "status": status,
        "category": category,
        "q": q,
        "statuses": Case.Status.choices,
        "categories": Case.Category.choices,
        # Supervisors tick cases to link them to an active incident (one query more).
        "link_incidents": incident_active_choices() if is_supervising(request.user) else [],
    }
    template = "agent/_case_rows.html" if request.htmx and not request.htmx.boosted else None
    if template and request.htmx.target == "case-results":
        return render(request, template, context)
    return render(request, "agent/case_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_new_view(request: HttpRequest) -> HttpResponse:
    form = CaseCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = acting_user(request)
        try:
            case = case_services.case_create(
                acting_user=user,
                subject=data["subject"],
                category=data["category"],
                description=data["description"],
                customer={
                    "external_id": data["customer_external_id"],
                    "name": data["customer_name"],
                    "email": data["customer_email"] or "",
                },
                assignee=user if data["assign_to_me"] else None,
            )
        except DomainError as exc:
            form_errors_add(form, exc, rename={"customer": "customer_name"})
        else:
            return redirect("agent-case", case_id=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "agent/case_new.html", {"form": form}, status=status)
