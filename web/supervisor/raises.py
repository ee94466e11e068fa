"""Limit requests in the supervisor queue: approve at once, or deny with a note in the
side panel, with the escalations' keyboard model (``a``, ``d``).

Decisions go through ``discretion.raises.services.limit_request_decide`` (four-eyes, one
decision wins, expired is refused); its refusals are shown as they are worded.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError, NotFound
from discretion.models import LimitRequest
from discretion.raises.models import NOTE_MAX_LENGTH
from discretion.raises.selectors import limit_request_get
from discretion.raises.services import limit_request_decide
from discretion.raises.wording import raise_phrase, until_phrase
from web.common import HtmxHttpRequest, acting_user, error_status, found, supervisor_required
from web.supervisor.deciding import DenyForm
from web.supervisor.queue import _list_context


class ApproveForm(forms.Form):
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH, label="Note")


def _request_or_404(request: HttpRequest, pk: int) -> LimitRequest:
    return found(
        limit_request_get, "No such limit request.", user=acting_user(request), limit_request_id=pk
    )


def _panel(
    request: HtmxHttpRequest,
    limit_request: LimitRequest,
    *,
    form: forms.Form,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "lr": limit_request,
        "phrase": raise_phrase(limit_request),
        "until": until_phrase(limit_request.expires_at),
        "form": form,
        "error": error,
    }
    template = "supervisor/_raise_panel.html" if request.htmx else "supervisor/decide_raise.html"
    return render(request, template, context, status=status)


@supervisor_required
@require_GET
def raise_decide_form(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The side panel to deny one request with a note (``?action=cancel`` empties it)."""
    limit_request = _request_or_404(request, pk)
    if request.GET.get("action") == "cancel":
        return render(request, "supervisor/_panel_empty.html")
    return _panel(request, limit_request, form=DenyForm())


def _decide(request: HtmxHttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    limit_request = _request_or_404(request, pk)
    form: forms.Form = ApproveForm(request.POST) if approve else DenyForm(request.POST)
    if not form.is_valid():
        return _panel(request, limit_request, form=form, status=200 if request.htmx else 400)
    try:
        decided = limit_request_decide(
            acting_user=acting_user(request),
            limit_request_id=pk,
            approve=approve,
            note=form.cleaned_data.get("note", ""),
        )
    except NotFound:
        raise Http404("No such limit request.") from None
    except DomainError as exc:
        status = error_status(exc, request)
        return _panel(request, limit_request, form=form, error=exc.message, status=status)
    who = decided.requester.label
    verb = "Approved" if approve else "Denied"
    message = (
        f"{verb} {who}'s request: {raise_phrase(decided)} until "
        f"{until_phrase(decided.expires_at)}. {who} has been notified."
    )
    if not request.htmx:
        messages.success(request, message)
        return redirect("queue")
    context = _list_context(request)
    context.update({"result": message, "oob": True})
    return render(request, "supervisor/_panel_result.html", context)


@supervisor_required
@require_POST
def raise_approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@supervisor_required
@require_POST
def raise_deny(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)


urlpatterns = [
    path("queue/limit-requests/<int:pk>/decide/", raise_decide_form, name="queue-raise-decide"),
    path("queue/limit-requests/<int:pk>/approve/", raise_approve, name="queue-raise-approve"),
    path("queue/limit-requests/<int:pk>/deny/", raise_deny, name="queue-raise-deny"),
]
