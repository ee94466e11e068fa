"""The case page: header, status/assignee, timeline, the resolve panel and outcomes.

The resolve panel validates with ``web.agent.forms`` (the same rules and messages as the
API's input, from ``discretion.decisions.rules`` and ``common.money``), previews with
``resolution_preview`` and submits through ``resolution_request`` wrapped in
``common.idempotency.idempotent`` (a per-form random key: a double click or a resubmitted
form never grants twice).
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases import services as case_services
from cases.models import Case, RemedyType, Resolution
from cases.selectors import case_get, case_timeline, remedy_type_get, remedy_type_list
from common.errors import DomainError
from common.idempotency import idempotent, input_fingerprint
from common.money import ZERO
from discretion.decisions.offers import preview_offers
from discretion.decisions.rules import CUSTOMER_MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH
from discretion.decisions.selectors import (
    case_outcome_get,
    case_outcome_list,
    customer_history_list,
)
from discretion.decisions.services import resolution_preview, resolution_request
from discretion.escalations.selectors import oncall_supervisor_get
from discretion.incidents.selectors import (
    incident_active_for_case,
    incident_standard_remedy,
    incident_terms_get,
)
from discretion.metrics.instruments import decision_observe, decision_started
from discretion.models import User
from discretion.playbook.wording import say_why
from discretion.trust.selectors import METER_LABELS, Meter, check_shortfall_list, meter_get
from web.agent.forms import PreviewForm, ResolveForm
from web.agent.messages import helpdesk_ticket_url, messages_context, timeline_entries
from web.agent.playbook import (
    PlaybookForm,
    case_follow_ups_context,
    playbook_context,
    playbook_follow_up,
)
from web.agent.resolve_modes import MODES, mode_handler, resolution_withdraw_view, submitted_extras
from web.common import HtmxHttpRequest, acting_user, error_lines, error_status, found

# --- reads for the page -------------------------------------------------------------------


def _case(case_id: int) -> Case:
    return found(case_get, f"No case #{case_id}.", case_id=case_id)


def _remedy(code: str) -> RemedyType | None:
    try:
        return remedy_type_get(code=code, enabled=True)
    except RemedyType.DoesNotExist:
        return None


def meter_for(
    *, user: User, case: Case, remedy: RemedyType | None, requested: Decimal = ZERO
) -> Meter | None:
    """What the user may still grant here, per check, for one remedy type: under an
    active incident whose schedule covers it, the incident's cap and budget left (what
    the decision reads)."""
    incident = (
        incident_terms_get(case=case, remedy_type=remedy, now=timezone.now()) if remedy else None
    )
    return meter_get(
        user=user, case_id=case.pk, remedy_type=remedy, requested=requested, incident=incident
    )


def _new_key() -> str:
    return secrets.token_urlsafe(18)


def resolve_panel_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    """What the resolve form, the meter and the outcomes need (``agent/_resolve_form.html``,
    ``_meter.html``, ``_outcomes.html``): the case page's and the sidebar panel's
    (``web.embed``)."""
    remedies = list(remedy_type_list(enabled=True))
    # A case in an active incident: its standard remedy is filled in (one click applies).
    incident = incident_active_for_case(case=case)
    standard = incident_standard_remedy(incident=incident, remedies=remedies)
    selected = standard.remedy_type if standard else (remedies[0] if remedies else None)
    user = acting_user(request)
    return {
        **playbook_context(user=user, case=case, remedies=remedies),
        "case": case,
        "remedies": remedies,
        "selected_remedy": selected,
        "incident": incident,
        "incident_remedy": standard,
        "meter": meter_for(user=user, case=case, remedy=selected),
        "resolutions": case_outcome_list(case_id=case.pk),
        "currency": settings.DISCRETION_CURRENCY,
        "idempotency_key": _new_key(),
        "reason_max_length": REASON_MAX_LENGTH,
        "customer_message_max_length": CUSTOMER_MESSAGE_MAX_LENGTH,
    }


def _page_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    story = messages_context(case)
    return {
        **resolve_panel_context(request, case),
        **story,
        "timeline": timeline_entries(
            events=list(case_timeline(case=case)), messages=story["customer_messages"]
        ),
        "helpdesk_ticket_url": helpdesk_ticket_url(case),
        "history": customer_history_list(customer_id=case.customer_id, exclude_case_id=case.pk),
        "statuses": Case.Status.choices,
        **extra,
    }


@login_required
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    return render(request, "agent/case.html", _page_context(request, case))


@login_required
@require_GET
def case_timeline_fragment(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    timeline = timeline_entries(
        events=list(case_timeline(case=case)),
        messages=messages_context(case)["customer_messages"],
    )
    return render(request, "agent/_timeline.html", {"case": case, "timeline": timeline})


@login_required
@require_GET
def case_outcomes_fragment(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    return render(
        request,
        "agent/_outcomes.html",
        {
            "case": case,
            "resolutions": case_outcome_list(case_id=case.pk),
            "currency": settings.DISCRETION_CURRENCY,
        },
    )


@login_required
@require_POST
def case_update_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Status and assignee changes (assign to me / unassign)."""
    case = _case(case_id)
    status = request.POST.get("status") or None
    if status is not None and status not in Case.Status.values:
        return HttpResponse(f'Unknown status "{status}".', status=400)
    assign = request.POST.get("assign")
    if assign not in (None, "", "me", "none"):
        return HttpResponse('assign must be "me" or "none".', status=400)
    user = acting_user(request)
    case_services.case_update(
        acting_user=user,
        case=case,
        status=status,
        assignee=user if assign == "me" else None,
        unassign=assign == "none",
    )
    return redirect("agent-case", case_id=case.pk)


# --- resolve panel --------------------------------------------------------------------------


def _form_data(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {"remedy_type": request.POST.get("remedy_type", "")}
    amount = request.POST.get("amount", "").strip()
    if amount:
        data["amount"] = amount
    for field in ("reason", "customer_message"):
        if field in request.POST:
            data[field] = request.POST[field]
    return data


def _oncall_label(user: User, remedy_type_id: int, amount: Decimal, outcome: str) -> str | None:
    """The name of whoever an escalation of ``amount`` would be routed to now, or None
    when it would not escalate or nobody on call may approve it."""
    if outcome != "escalate":
        return None
    person = oncall_supervisor_get(
        remedy_type_id=remedy_type_id, amount=amount, requester_id=user.pk
    )
    return person.label if person else None


@login_required
@require_POST
def resolve_preview(request: HttpRequest, case_id: int) -> HttpResponse:
    """The live preview and meter, as the agent types. Writes nothing."""
    case = _case(case_id)
    user = acting_user(request)
    form = PreviewForm(request.POST)
    remedy = _remedy(request.POST.get("remedy_type", ""))
    context: dict[str, Any] = {"case": case, "currency": settings.DISCRETION_CURRENCY}
    if not form.is_valid():
        errors = form.errors_by_field()
        if "amount" in errors and not request.POST.get("amount", "").strip():
            errors = {}  # nothing typed yet: no error, just the prompt
        context.update(errors=errors, meter=meter_for(user=user, case=case, remedy=remedy))
        return render(request, "agent/_preview.html", context)
    data = form.cleaned_data
    decision = resolution_preview(
        case_id=case.pk,
        acting_user=user,
        remedy_type=data["remedy_type"],
        amount=data["amount"],
    )
    offers = preview_offers(
        case_id=case.pk,
        user=user,
        remedy_type=data["remedy_type"],
        amount=data["amount"],
        decision=decision,
    )
    context.update(
        decision=decision,
        failed=check_shortfall_list(checks=decision.checks),
        # Who the request would go to: as routing picks, someone on call whose own
        # approval_max covers the amount (the split's rest, when split), never the agent.
        oncall=_oncall_label(user, data["remedy_type"].pk, data["amount"], decision.outcome),
        decision_amount=data["amount"],
        split_oncall=(
            _oncall_label(user, data["remedy_type"].pk, offers.split.rest, "escalate")
            if offers.split
            else None
        ),
        say_why=say_why(
            outcome=decision.outcome,
            remedy_code=data["remedy_type"].code,
            checks=decision.checks,
            rules=decision.rules,
        ),
        meter=meter_for(user=user, case=case, remedy=data["remedy_type"], requested=data["amount"]),
        offers=offers,
    )
    return render(request, "agent/_preview.html", context)


@login_required
@require_POST
def resolve_submit(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    user = acting_user(request)
    form = ResolveForm(request.POST)
    valid = form.is_valid()
    playbook = PlaybookForm(
        request.POST,
        category=case.category,
        customer_message=form.cleaned_data.get("customer_message") or "",
    )
    if not (playbook.is_valid() and valid):
        return render(
            request,
            "agent/_submit_errors.html",
            {"errors": {**form.errors_by_field(), **playbook.errors_by_field()}},
            status=400 if not request.htmx else 200,
        )
    data = form.cleaned_data
    key = request.POST.get("idempotency_key", "").strip() or _new_key()
    # "Resolve & close" and the split (web.agent.resolve_modes); a plain submit has none.
    mode = request.POST.get("mode", "")
    if mode not in MODES:
        return HttpResponse(f'Unknown mode "{mode}".', status=400)

    def plain() -> tuple[int, dict[str, Any]]:
        started = decision_started()
        resolution = resolution_request(
            case_id=case.pk,
            acting_user=user,
            remedy_type=data["remedy_type"],
            amount=data["amount"],
            reason=data["reason"],
            customer_message=data["customer_message"],
        )
        decision_observe(
            outcome=str((resolution.decision or {}).get("outcome")), started=started, channel="web"
        )
        return 201, {"resolution": resolution.pk}

    handler = mode_handler(mode=mode, case_id=case.pk, user=user, data=data) or plain
    payload = {k: str(v) for k, v in _form_data(request).items()}
    if mode:
        payload["mode"] = mode
    try:
        outcome = idempotent(
            user_id=user.pk,
            key=key,
            scope="ui_resolution_request",
            fingerprint=input_fingerprint(request.path, payload),
            handler=handler,
        )
    except DomainError as exc:  # a closed case, a key in flight or reused, a bad key
        return render(
            request,
            "agent/_submit_errors.html",
            {"errors": {"__all__": " ".join(error_lines(exc))}},
            status=error_status(exc, request),
        )
    # After the resolution's transaction; a replayed form already made its follow-up.
    follow_up = (
        None if outcome.replayed else playbook_follow_up(user=user, case=case, form=playbook)
    )
    if not request.htmx:
        return redirect("agent-case", case_id=case.pk)
    resolution = _resolution(case.pk, outcome.body["resolution"])
    page = render(
        request,
        "agent/_submitted.html",
        {
            "case": _case(case.pk),
            "resolution": resolution,
            "replayed": outcome.replayed,
            "idempotency_key": _new_key(),
            "meter": meter_for(user=user, case=case, remedy=resolution.remedy_type),
            "currency": settings.DISCRETION_CURRENCY,
            "check_labels": METER_LABELS,
            **(case_follow_ups_context(user=user, case=case) if follow_up else {}),
            "follow_ups_oob": follow_up is not None,
            **submitted_extras(case_id=case.pk, body=outcome.body),
        },
    )
    page["HX-Trigger"] = "resolution-submitted"
    return page


def _resolution(case_id: int, resolution_id: int) -> Resolution:
    return found(
        case_outcome_get,
        f"No resolution #{resolution_id} on case #{case_id}.",
        case_id=case_id,
        resolution_id=resolution_id,
    )


@login_required
@require_GET
def resolution_status(request: HttpRequest, case_id: int, resolution_id: int) -> HttpResponse:
    """One outcome card; while pending it polls itself every 3 s (and stops once decided)."""
    resolution = _resolution(case_id, resolution_id)
    response = render(
        request,
        "agent/_outcome.html",
        {
            "resolution": resolution,
            "currency": settings.DISCRETION_CURRENCY,
            "check_labels": METER_LABELS,
        },
    )
    if resolution.status != Resolution.Status.PENDING_APPROVAL:
        # Decided: the page's messages follow (a lowered or denied remedy's message is a
        # draft again). The card stops polling, so this fires once.
        response["HX-Trigger"] = "resolution-decided"
    return response


case_detail_urls = [
    path("cases/<int:case_id>/", case_page, name="agent-case"),
    path("cases/<int:case_id>/timeline/", case_timeline_fragment, name="agent-case-timeline"),
    path("cases/<int:case_id>/outcomes/", case_outcomes_fragment, name="agent-case-outcomes"),
    path("cases/<int:case_id>/update/", case_update_view, name="agent-case-update"),
    path("cases/<int:case_id>/preview/", resolve_preview, name="agent-resolve-preview"),
    path("cases/<int:case_id>/resolve/", resolve_submit, name="agent-resolve"),
    path(
        "cases/<int:case_id>/resolutions/<int:resolution_id>/",
        resolution_status,
        name="agent-resolution-status",
    ),
    path(
        "cases/<int:case_id>/resolutions/<int:resolution_id>/withdraw/",
        resolution_withdraw_view,
        name="agent-resolution-withdraw",
    ),
]
