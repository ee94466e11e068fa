"""Admin screen (role admin only): the root-cause codes agents tag remedies with.

Writes go through ``discretion.problems.root_causes``, which validates and audits. A code
is permanent; retiring one (inactive) keeps the remedies already tagged with it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError
from discretion.problems.root_causes import (
    ROOT_CAUSE_NAME_MAX_LENGTH,
    root_cause_create,
    root_cause_update,
)
from discretion.problems.selectors import root_cause_get, root_cause_list
from web.common import acting_user, admin_required, form_errors_add, found


class RootCauseForm(forms.Form):
    code = forms.SlugField(
        max_length=40,
        help_text="Short and permanent: letters, digits, - and _, e.g. “carrier_scan”.",
    )
    name = forms.CharField(
        max_length=ROOT_CAUSE_NAME_MAX_LENGTH,
        help_text="What agents pick, e.g. “Carrier scans too early”.",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def root_causes_page(request: HttpRequest) -> HttpResponse:
    form = RootCauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cause = root_cause_create(
                acting_user=acting_user(request),
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
            )
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Root cause “{cause.name}” added.")
            return redirect("admin-root-causes")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "admin_ui/root_causes.html",
        {"form": form, "causes": list(root_cause_list())},
        status=status,
    )


@admin_required
@require_POST
def root_cause_toggle(request: HttpRequest, code: str) -> HttpResponse:
    cause = found(root_cause_get, "No such root cause.", code=code)
    cause = root_cause_update(
        acting_user=acting_user(request), cause=cause, active=not cause.active
    )
    messages.success(request, f"“{cause.name}” is {'active again' if cause.active else 'retired'}.")
    return redirect("admin-root-causes")


urlpatterns = [
    path("admin-ui/root-causes/", root_causes_page, name="admin-root-causes"),
    path(
        "admin-ui/root-causes/<slug:code>/toggle/",
        root_cause_toggle,
        name="admin-root-cause-toggle",
    ),
]
