"""Admin screen (role admin only): the brand promise, the playbook's "what we stand for".

One place to set it; the write goes through ``discretion.playbook.services``, which
audits it (object_type ``brand_promise``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from common.errors import DomainError
from discretion.playbook.models import BRAND_PROMISE_MAX_LENGTH
from discretion.playbook.selectors import brand_promise_get
from discretion.playbook.services import brand_promise_update
from web.common import acting_user, admin_required, form_errors_add


class BrandPromiseForm(forms.Form):
    brand_promise = forms.CharField(
        required=False,
        max_length=BRAND_PROMISE_MAX_LENGTH,
        label="Brand promise",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two plain sentences every agent may add to a repair message, "
        "e.g. “We stand behind what we sell: if it isn't right, we make it right.”",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def brand_promise_edit(request: HttpRequest) -> HttpResponse:
    row = brand_promise_get()
    if request.method == "GET":
        form = BrandPromiseForm(initial={"brand_promise": row.brand_promise})
        return render(request, "admin_ui/brand_promise.html", {"form": form, "row": row})
    form = BrandPromiseForm(request.POST)
    if form.is_valid():
        try:
            brand_promise_update(
                acting_user=acting_user(request),
                brand_promise=form.cleaned_data["brand_promise"],
            )
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, "Brand promise saved: new playbooks show it at once.")
            return redirect("admin-brand-promise")
    return render(request, "admin_ui/brand_promise.html", {"form": form, "row": row}, status=400)


urlpatterns = [
    path("admin-ui/brand-promise/", brand_promise_edit, name="admin-brand-promise"),
]
