"""The supervisor queue: pending escalations, live, with approve / lower / deny.

Decisions go through ``web.supervisor.deciding`` (the case page's panel uses it too), which
calls ``escalation_decide`` (four-eyes, approval_max, one decision wins); its refusals are
shown to the supervisor as they are worded.
The list polls every 3 s with the signature of what it shows and gets 204 (no swap)
when nothing changed, so focus and scroll stay put between changes.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from discretion.escalations.queue import QueueItem, queue_list
from discretion.models import Escalation
from discretion.raises.selectors import RaiseCard, raise_queue
from web.common import (
    HtmxHttpRequest,
    acting_user,
    error_status,
    form_errors_add,
    supervisor_required,
)
from web.supervisor.deciding import (
    ApproveForm,
    DenyForm,
    decision_post,
    escalation_for_screen,
)


def _signature(items: list[QueueItem], raises: list[RaiseCard]) -> str:
    raw = "|".join(
        f"{i.escalation.pk}:{i.escalation.version}:{i.escalation.assigned_to_id}:{i.late}"
        for i in items
    )
    raw += "|lr:" + "|".join(f"{c.request.pk}:{c.request.version}" for c in raises)
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def _list_context(request: HttpRequest) -> dict:
    user = acting_user(request)
    items = queue_list(user=user)
    # Temporary limit requests (discretion.raises) wait in the same queue, as their own cards.
    raises = raise_queue(user=user)
    return {
        "items": items,
        "raises": raises,
        "pending_count": len(items) + len(raises),
        "sig": _signature(items, raises),
        "mine_count": sum(1 for i in items if i.mine) + sum(1 for c in raises if c.mine),
    }


@supervisor_required
@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    return render(request, "supervisor/queue.html", _list_context(request))


@supervisor_required
@require_GET
def queue_items(request: HttpRequest) -> HttpResponse:
    """The polled list. 204 when the caller's signature is still current (htmx skips it)."""
    context = _list_context(request)
    if request.GET.get("sig") == context["sig"]:
        return HttpResponse(status=204)
    return render(request, "supervisor/_queue_list.html", context)


def _escalation_or_404(request: HttpRequest, pk: int) -> Escalation:
    return escalation_for_screen(request, pk)


@supervisor_required
@require_GET
def decide_form(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The side panel for one escalation: lower-and-approve, or deny with a note."""
    escalation = _escalation_or_404(request, pk)
    action = request.GET.get("action", "lower")
    if action == "cancel":
        return render(request, "supervisor/_panel_empty.html")
    if action not in ("lower", "deny", "approve"):
        action = "lower"
    form = DenyForm() if action == "deny" else ApproveForm()
    return _panel(request, escalation, action=action, form=form)


def _panel(
    request: HtmxHttpRequest,
    escalation: Escalation,
    *,
    action: str,
    form: forms.Form,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    template = "supervisor/_panel_form.html"
    context = {"escalation": escalation, "action": action, "form": form, "error": error}
    if not request.htmx:
        template = "supervisor/decide.html"
    return render(request, template, context, status=status)


def _decided(request: HtmxHttpRequest, escalation: Escalation, message: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, message)
        return redirect("queue")
    context = _list_context(request)
    context.update({"result": message, "escalation": escalation, "oob": True})
    return render(request, "supervisor/_panel_result.html", context)


def _decide(request: HtmxHttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    escalation = _escalation_or_404(request, pk)
    action = request.POST.get("action") or ("approve" if approve else "deny")
    outcome = decision_post(request, escalation, approve=approve)
    if outcome.escalation is not None:
        return _decided(request, outcome.escalation, outcome.message)
    if outcome.error is None:
        # htmx swaps only 2xx bodies by default: the form with its errors comes with a 200.
        status = 200 if request.htmx else 400
        return _panel(request, escalation, action=action, form=outcome.form, status=status)
    exc = outcome.error
    if exc.fields:
        form_errors_add(outcome.form, exc)
    return _panel(
        request,
        escalation,
        action=action,
        form=outcome.form,
        error=exc.message,
        status=error_status(exc, request),
    )


@supervisor_required
@require_POST
def approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@supervisor_required
@require_POST
def deny(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)


urlpatterns = [
    path("queue/", queue_page, name="queue"),
    path("queue/items/", queue_items, name="queue-items"),
    path("queue/<int:pk>/decide/", decide_form, name="queue-decide"),
    path("queue/<int:pk>/approve/", approve, name="queue-approve"),
    path("queue/<int:pk>/deny/", deny, name="queue-deny"),
]
