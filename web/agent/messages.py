"""The case page's messages to the customer: their lines on the timeline, the composer
(write a draft or send it), editing and sending a draft, and the help-desk ticket link.

Thin views over ``discretion.messages`` (services for writes, selectors for reads); a
refusal (a blank body, a subject with a line break, no customer e-mail, a held or sent
message) is shown next to the form it came from, with the API's wording.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from cases.models import Case, CaseEvent
from cases.selectors import case_get
from common.errors import DomainError
from discretion.messages.models import MESSAGE_BODY_MAX_LENGTH, CustomerMessage
from discretion.messages.selectors import message_get, message_list
from discretion.messages.services import message_create, message_send, message_update
from web.common import HtmxHttpRequest, acting_user, error_lines, found


def timeline_entries(
    *, events: list[CaseEvent], messages: list[CustomerMessage]
) -> list[dict[str, Any]]:
    """The case's events and its messages in one story, oldest first."""
    entries = [{"at": event.at, "event": event} for event in events]
    entries += [{"at": message.created_at, "message": message} for message in messages]
    return sorted(entries, key=lambda entry: entry["at"])


def helpdesk_ticket_url(case: Case) -> str:
    """The case's ticket in the help desk (``DISCRETION_HELPDESK_TICKET_URL``), or ""."""
    template = settings.DISCRETION_HELPDESK_TICKET_URL
    if not template or not case.external_ref:
        return ""
    return template.replace("{ref}", quote(case.external_ref, safe=""))


def messages_context(case: Case, **extra: Any) -> dict[str, Any]:
    """What ``agent/_messages.html`` needs."""
    return {
        "case": case,
        "customer_messages": list(message_list(case_id=case.pk)),
        "message_body_max_length": MESSAGE_BODY_MAX_LENGTH,
        **extra,
    }


def _case(case_id: int) -> Case:
    return found(case_get, f"No case #{case_id}.", case_id=case_id)


def _answer(
    request: HtmxHttpRequest, case: Case, *, errors: dict[str, Any] | None = None
) -> HttpResponse:
    """The messages section again (htmx), or back to the case page."""
    if not request.htmx and not errors:
        return redirect(f"/cases/{case.pk}/#messages")
    response = render(
        request,
        "agent/_messages.html",
        messages_context(case, message_errors=errors or {}, posted=request.POST),
        status=200 if request.htmx or not errors else 400,
    )
    response["HX-Trigger"] = "messages-changed"
    return response


def _refusal(exc: DomainError, key: str) -> dict[str, Any]:
    return {"key": key, "fields": exc.fields or {}, "lines": error_lines(exc)}


@login_required
@require_POST
def message_compose(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """A new message: ``action=send`` queues it, anything else keeps it a draft."""
    case = _case(case_id)
    try:
        message_create(
            acting_user=acting_user(request),
            case_id=case.pk,
            body=request.POST.get("body", ""),
            subject=request.POST.get("subject") or None,
            send=request.POST.get("action") == "send",
        )
    except DomainError as exc:
        return _answer(request, case, errors=_refusal(exc, "new"))
    return _answer(request, case)


@login_required
@require_POST
def message_edit(request: HtmxHttpRequest, case_id: int, message_id: int) -> HttpResponse:
    """Save a draft's subject and body; with ``action=send``, then queue it."""
    case = _case(case_id)
    message = found(message_get, f"No message #{message_id}.", message_id=message_id)
    if message.case_id != case.pk:
        return HttpResponse(f"No message #{message_id} on case #{case.pk}.", status=404)
    user = acting_user(request)
    try:
        if "body" in request.POST or "subject" in request.POST:
            message_update(
                acting_user=user,
                message_id=message.pk,
                body=request.POST.get("body"),
                subject=request.POST.get("subject"),
            )
        if request.POST.get("action") == "send":
            message_send(acting_user=user, message_id=message.pk)
    except DomainError as exc:
        return _answer(request, case, errors=_refusal(exc, str(message.pk)))
    return _answer(request, case)


@login_required
def messages_fragment(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """The drafts (the composer stays as the agent left it)."""
    return render(request, "agent/_message_drafts.html", messages_context(_case(case_id)))


message_urls = [
    path("cases/<int:case_id>/messages/", messages_fragment, name="agent-messages"),
    path("cases/<int:case_id>/messages/new/", message_compose, name="agent-message-new"),
    path(
        "cases/<int:case_id>/messages/<int:message_id>/",
        message_edit,
        name="agent-message-edit",
    ),
]
