"""Admin screen (role admin only): webhook endpoints and their delivery log.

``/admin-ui/webhooks/`` lists the endpoints with a form to add one (its secret is shown
on the page that answers the creation, once, never again); each endpoint is enabled or
disabled in one click, deleted after a confirmation page, and has a delivery log
(``/admin-ui/webhooks/<id>/``): status, attempts, next attempt, last error and a Resend
button per event. Writes go through ``discretion.webhooks.services`` (audited).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from discretion.webhooks.models import EVENT_TYPES, URL_MAX_LENGTH
from discretion.webhooks.selectors import (
    webhook_delivery_list,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from discretion.webhooks.services import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
)
from web.common import (
    acting_user,
    admin_required,
    error_lines,
    error_status,
    form_errors_add,
    found,
)

LOG_SHOWN = 100


class WebhookForm(forms.Form):
    url = forms.CharField(
        max_length=URL_MAX_LENGTH,
        label="URL",
        help_text="Where to POST each event: an https:// address of your help desk or service.",
        widget=forms.URLInput(
            attrs={"placeholder": "https://helpdesk.example.com/hooks/discretion"}
        ),
    )
    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        label="Events",
        help_text="What to send there.",
    )


def _list_page(
    request: HttpRequest,
    *,
    form: WebhookForm | None = None,
    created: Any = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "endpoints": list(webhook_endpoint_list()),
        "form": form or WebhookForm(initial={"events": ["resolution.applied"]}),
        "created": created,
    }
    response = render(request, "admin_ui/webhooks.html", context, status=status)
    if created is not None:
        response["Cache-Control"] = "no-store"  # the page holds the secret
    return response


@admin_required
@require_http_methods(["GET", "POST"])
def webhooks_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _list_page(request)
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhook_endpoint_create(
                acting_user=acting_user(request),
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            # Rendered, not redirected: the secret is on this page only, never stored for it.
            return _list_page(request, created=endpoint)
    return _list_page(request, form=form, status=400)


@admin_required
@require_POST
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    enable = request.POST.get("enabled") == "1"
    try:
        endpoint = webhook_endpoint_update(
            acting_user=acting_user(request), endpoint_id=pk, enabled=enable
        )
    except DomainError as exc:
        for line in error_lines(exc):
            messages.error(request, line)
        return redirect("admin-webhooks")
    verb = "Enabled" if endpoint.enabled else "Disabled"
    rest = "events are sent to it again." if endpoint.enabled else "no events are sent to it."
    messages.success(request, f"{verb} the webhook to {endpoint.url}: {rest}")
    return redirect("admin-webhooks")


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = found(webhook_endpoint_get, "No such webhook.", endpoint_id=pk)
    if request.method == "GET":
        return render(request, "admin_ui/webhook_delete.html", {"endpoint": endpoint})
    webhook_endpoint_delete(acting_user=acting_user(request), endpoint_id=endpoint.pk)
    messages.success(request, f"Deleted the webhook to {endpoint.url} and its delivery log.")
    return redirect("admin-webhooks")


def _log_page(request: HttpRequest, pk: int, *, errors: list[str], status: int) -> HttpResponse:
    endpoint = found(webhook_endpoint_get, "No such webhook.", endpoint_id=pk)
    deliveries = list(webhook_delivery_list(endpoint_id=endpoint.pk)[:LOG_SHOWN])
    return render(
        request,
        "admin_ui/webhook_log.html",
        {"endpoint": endpoint, "deliveries": deliveries, "shown": LOG_SHOWN, "errors": errors},
        status=status,
    )


@admin_required
@require_GET
def webhook_log(request: HttpRequest, pk: int) -> HttpResponse:
    return _log_page(request, pk, errors=[], status=200)


@admin_required
@require_POST
def webhook_resend(request: HttpRequest, pk: int, event_id: str) -> HttpResponse:
    try:
        delivery = webhook_delivery_resend(
            acting_user=acting_user(request), endpoint_id=pk, event_id=event_id
        )
    except DomainError as exc:
        return _log_page(request, pk, errors=error_lines(exc), status=error_status(exc, request))
    messages.success(
        request, f"Sending {delivery.event.type} {delivery.event_id} again now, with the same id."
    )
    return redirect("admin-webhook-log", pk=pk)


urlpatterns = [
    path("admin-ui/webhooks/", webhooks_page, name="admin-webhooks"),
    path("admin-ui/webhooks/<int:pk>/", webhook_log, name="admin-webhook-log"),
    path("admin-ui/webhooks/<int:pk>/toggle/", webhook_toggle, name="admin-webhook-toggle"),
    path("admin-ui/webhooks/<int:pk>/delete/", webhook_delete, name="admin-webhook-delete"),
    path(
        "admin-ui/webhooks/<int:pk>/deliveries/<str:event_id>/resend/",
        webhook_resend,
        name="admin-webhook-resend",
    ),
]
