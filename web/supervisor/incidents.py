"""Incidents for supervisors and admins (``/incidents/``): the list with the "Declare
incident" form, an incident's page (its cases, spend over time, the spread of remedies
granted, link a case, End now), and the bulk link from the case list.

Thin: Django forms in, ``discretion.incidents`` services and selectors out; a refusal
shows on its form or as a flash message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cases.selectors import remedy_type_list
from common.errors import DomainError
from discretion.incidents.links import incident_cases_link
from discretion.incidents.models import EXPLANATION_MAX_LENGTH, MATCHER_MAX_LENGTH, TITLE_MAX_LENGTH
from discretion.incidents.selectors import (
    OUTLIER_FACTOR,
    incident_case_list,
    incident_get,
    incident_list,
    incident_spend_by_day,
    incident_spread,
)
from discretion.incidents.services import incident_declare, incident_end
from web.agent.playbook import DATETIME_LOCAL
from web.common import (
    MoneyFormField,
    acting_user,
    error_lines,
    form_errors_add,
    found,
    supervisor_required,
)
from web.dashboard.charts import Column, column_chart


class DeclareForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    customer_explanation = forms.CharField(
        label="What we tell customers",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=EXPLANATION_MAX_LENGTH,
        required=False,
    )
    budget = MoneyFormField(label="Budget")
    ends_at = forms.DateTimeField(
        label="Ends at",
        input_formats=DATETIME_LOCAL,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    matcher = forms.CharField(
        label="Matcher (optional)",
        max_length=MATCHER_MAX_LENGTH,
        required=False,
        help_text="A CEL expression over new cases, e.g. "
        "case.category == 'crisis' && case.words.contains(' outage ')",
    )

    def __init__(self, *args: Any, remedies: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.remedies = remedies
        for remedy in remedies:
            self.fields[f"cap_{remedy.code}"] = MoneyFormField(
                label=f"{remedy.name} up to", required=False
            )

    def schedule(self) -> list:
        return [
            (remedy, self.cleaned_data[f"cap_{remedy.code}"])
            for remedy in self.remedies
            if self.cleaned_data.get(f"cap_{remedy.code}") is not None
        ]

    def cap_fields(self) -> list:
        return [self[f"cap_{remedy.code}"] for remedy in self.remedies]


class LinkForm(forms.Form):
    cases = forms.CharField(
        label="Case numbers", max_length=4000, help_text="One or more, e.g. 12, 15 #17"
    )

    def clean_cases(self) -> list[int]:
        text = self.cleaned_data["cases"].replace("#", " ").replace(",", " ")
        ids = [int(word) for word in text.split() if word.isdigit() and len(word) < 19]
        if not ids:
            raise forms.ValidationError("Give case numbers, e.g. 12 or 12, 15.")
        return ids


def _money_remedies() -> list:
    return [remedy for remedy in remedy_type_list(enabled=True) if remedy.monetary]


def _list_page(request: HttpRequest, form: DeclareForm, status: int = 200) -> HttpResponse:
    incidents = list(incident_list()[:100])
    now = timezone.now()
    return render(
        request,
        "incidents/list.html",
        {
            "form": form,
            "active": [i for i in incidents if i.active_at(now)],
            "ended": [i for i in incidents if not i.active_at(now)],
        },
        status=status,
    )


@supervisor_required
@require_http_methods(["GET", "POST"])
def incidents_page(request: HttpRequest) -> HttpResponse:
    remedies = _money_remedies()
    if request.method == "GET":
        ends = timezone.localtime() + timedelta(hours=24)
        form = DeclareForm(
            remedies=remedies, initial={"ends_at": ends.replace(second=0, microsecond=0)}
        )
        return _list_page(request, form)
    form = DeclareForm(request.POST, remedies=remedies)
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = incident_declare(
                acting_user=acting_user(request),
                title=data["title"],
                customer_explanation=data["customer_explanation"],
                budget=data["budget"],
                ends_at=data["ends_at"],
                remedies=form.schedule(),
                matcher=data["matcher"],
            )
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Incident #{incident.pk} '{incident.title}' is active.")
            return redirect("incident", pk=incident.pk)
    return _list_page(request, form, status=400)


def _spend_chart(days) -> Any:
    return column_chart(
        title="Spent from the incident budget, per day",
        desc=", ".join(f"{d.day:%b %-d}: {d.amount}" for d in days) or "Nothing spent yet",
        columns=[
            Column(f"{d.day:%b %-d}", float(d.amount), f"{d.day:%b %-d}: {d.amount:,} ({d.count})")
            for d in days
        ],
    )


def _incident_context(pk: int, link_form: LinkForm | None = None) -> dict[str, Any]:
    incident = found(incident_get, f"No incident #{pk}.", incident_id=pk)
    days = incident_spend_by_day(incident=incident)
    return {
        "incident": incident,
        "active": incident.active_at(),
        "links": incident_case_list(incident_id=pk),
        "spend_days": days,
        "spend_chart": _spend_chart(days) if days else None,
        "spread": incident_spread(incident=incident),
        "outlier_factor": OUTLIER_FACTOR,
        "link_form": link_form or LinkForm(),
    }


@supervisor_required
@require_http_methods(["GET"])
def incident_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "incidents/detail.html", _incident_context(pk))


@supervisor_required
@require_POST
def incident_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Link cases typed on the incident page, or ticked on the case list (``cases``
    repeated, ``next`` to go back)."""
    ticked = request.POST.getlist("case")
    form = LinkForm({"cases": " ".join(ticked)} if ticked else request.POST)
    back = request.POST.get("next", "")
    if not form.is_valid():
        if back.startswith("/cases/"):
            messages.error(request, "Tick at least one case to link.")
            return redirect(back)
        return render(request, "incidents/detail.html", _incident_context(pk, form), status=400)
    try:
        linked = incident_cases_link(
            acting_user=acting_user(request), incident_id=pk, case_ids=form.cleaned_data["cases"]
        )
    except DomainError as exc:
        if back.startswith("/cases/"):
            messages.error(request, " ".join(error_lines(exc)))
            return redirect(back)
        form_errors_add(form, exc, rename={"case": "cases"})
        linked = None
    if linked is None:
        return render(request, "incidents/detail.html", _incident_context(pk, form), status=400)
    count = len(linked)
    messages.success(
        request,
        f"Linked {count} case{'s' if count != 1 else ''} to incident #{pk}."
        if count
        else "Those cases were already linked.",
    )
    return redirect(back if back.startswith("/cases/") else f"/incidents/{pk}/")


@supervisor_required
@require_POST
def incidents_bulk_link(request: HttpRequest) -> HttpResponse:
    """The case list's "Link to incident": the ticked cases to the chosen incident."""
    raw = request.POST.get("incident", "")
    if not raw.isdigit() or len(raw) > 18:
        messages.error(request, "Choose an incident.")
        return redirect(
            request.POST.get("next", "")
            if request.POST.get("next", "").startswith("/cases/")
            else "agent-cases"
        )
    return incident_link_view(request, int(raw))


@supervisor_required
@require_POST
def incident_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = incident_end(acting_user=acting_user(request), incident_id=pk)
    except DomainError as exc:
        messages.error(request, " ".join(error_lines(exc)))
    else:
        messages.success(request, f"Incident #{incident.pk} '{incident.title}' has ended.")
    return redirect("incident", pk=pk)


urlpatterns = [
    path("incidents/", incidents_page, name="incidents"),
    path("incidents/link/", incidents_bulk_link, name="incidents-bulk-link"),
    path("incidents/<int:pk>/", incident_page, name="incident"),
    path("incidents/<int:pk>/cases/", incident_link_view, name="incident-link"),
    path("incidents/<int:pk>/end/", incident_end_view, name="incident-end"),
]
