"""Admin screen (role admin only): integration keys for help desks (``/admin-ui/integrations/``).

Creating a key shows it once, on the page the create answers (never in a redirect, a
message or the session: only its digest is stored), with a copy button
(static/js/integrations.js). Revoking asks first, on a page of its own (works without
JavaScript; Enter on the focused button confirms). Both go through
``discretion.integrations.services``, which audits them.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from common.errors import DomainError
from discretion.integrations.models import KEY_NAME_MAX_LENGTH, IntegrationKey
from discretion.integrations.selectors import integration_key_get, integration_key_list
from discretion.integrations.services import integration_key_create, integration_key_revoke
from web.common import acting_user, admin_required, form_errors_add


class KeyForm(forms.Form):
    name = forms.CharField(
        max_length=KEY_NAME_MAX_LENGTH,
        label="Name",
        help_text="Which help desk uses it, e.g. “Zendesk production”.",
    )


def _page(request: HttpRequest, form: KeyForm, *, secret: str = "", status: int = 200):
    context = {
        "form": form,
        "keys": list(integration_key_list()[:200]),
        "secret": secret,
        "intake_url": request.build_absolute_uri(reverse("intake-cases")),
        "embed_url": request.build_absolute_uri(reverse("embed-cases")),
    }
    return render(request, "admin_ui/integrations.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def integrations_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, KeyForm())
    form = KeyForm(request.POST)
    if form.is_valid():
        try:
            _key, secret = integration_key_create(
                acting_user=acting_user(request), name=form.cleaned_data["name"]
            )
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            return _page(request, KeyForm(), secret=secret, status=201)
    return _page(request, form, status=400)


def _key(key_id: int) -> IntegrationKey:
    try:
        return integration_key_get(key_id=key_id)
    except IntegrationKey.DoesNotExist:
        raise Http404(f"No integration key #{key_id}.") from None


@admin_required
@require_http_methods(["GET", "POST"])
def integration_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    """GET: are you sure? POST: revoke, back to the list."""
    key = _key(key_id)
    if request.method == "GET":
        return render(request, "admin_ui/integration_revoke.html", {"key": key})
    integration_key_revoke(acting_user=acting_user(request), key=key)
    messages.success(
        request, f"Revoked “{key.name}”: the help desk using it can no longer send tickets."
    )
    return redirect("admin-integrations")


urlpatterns = [
    path("admin-ui/integrations/", integrations_page, name="admin-integrations"),
    path(
        "admin-ui/integrations/<int:key_id>/revoke/",
        integration_revoke,
        name="admin-integration-revoke",
    ),
]
