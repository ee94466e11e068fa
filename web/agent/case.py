"""The case page: header, status/assignee, timeline, the resolve panel and outcomes.

The resolve panel validates with the API's own input serializers (one set of rules and
messages), previews with ``resolution_preview`` and submits through
``resolution_request`` wrapped in ``common.idempotency.idempotent`` (a per-form
random key: a double click or a resubmitted form never grants twice).
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from cases import services as case_services
from cases.models import Case, RemedyType, Resolution
from cases.selectors import case_timeline
from common.errors import DomainError
from common.idempotency import idempotent, input_fingerprint
from common.money import ZERO
from discretion.api.resolutions import PreviewInput, ResolutionInput
from discretion.decisions.services import resolution_preview, resolution_request
from discretion.escalations.oncall import oncall_supervisors_at
from discretion.trust.selectors import me_discretion
from web.common import error_lines, error_status

CHECK_LABELS = {
    "per_remedy_max": "Per remedy",
    "per_case_max": "This case",
    "daily_max": "Today",
    "monthly_max": "This month",
    "policy_rules": "Policy rules",
}


# --- reads for the page -------------------------------------------------------------------


def _case(case_id: int) -> Case:
    return get_object_or_404(
        Case.objects.select_related("customer", "assignee", "created_by"), pk=case_id
    )


def _remedies() -> list[RemedyType]:
    return list(RemedyType.objects.filter(enabled=True).order_by("sort_order", "code"))


def _case_used(case: Case) -> dict[int, Decimal]:
    """Applied amount on this case per remedy type id (one grouped query)."""
    rows = (
        Resolution.objects.filter(case=case, status=Resolution.Status.APPLIED)
        .values("remedy_type_id")
        .annotate(total=Sum("amount"))
    )
    return {row["remedy_type_id"]: row["total"] or ZERO for row in rows}


def _bar(label: str, cap: str | None, used: Decimal, requested: Decimal) -> dict[str, Any]:
    """One meter bar: what is left of ``cap`` after ``used``, and this request's share."""
    if cap is None:
        return {"label": label, "capped": False}
    cap_d = Decimal(cap)
    left = max(cap_d - used, ZERO)
    fits = requested <= left
    used_pct = float(min(used / cap_d, 1)) * 100 if cap_d else 100.0
    request_pct = float(min(requested, left) / cap_d) * 100 if cap_d else 0.0
    left_pct = 100.0 - used_pct
    return {
        "label": label,
        "capped": True,
        "cap": cap_d,
        "used": used,
        "left": left,
        "left_after": max(left - requested, ZERO),
        "requested": requested,
        "fits": fits,
        "over_by": max(requested - left, ZERO),
        "left_pct": round(max(left_pct - request_pct, 0), 1),
        "request_pct": round(request_pct, 1),
        "level": "bad" if left_pct < 10 else ("warn" if left_pct < 35 else "ok"),
    }


def meter_for(
    *, user, case: Case, remedy: RemedyType | None, requested: Decimal = ZERO
) -> dict[str, Any] | None:
    """What the user may still grant here, per check, for one remedy type."""
    if remedy is None:
        return None
    row = next((r for r in me_discretion(user) if r["remedy_type"] == remedy.code), None)
    if row is None:
        return None
    case_used = _case_used(case).get(remedy.pk, ZERO)
    bars = [
        # A single remedy's cap: nothing is "used" of it, only this request counts.
        _bar("Per remedy", row["per_remedy_max"], ZERO, requested),
        _bar("This case", row["per_case_max"], case_used, requested),
        _bar("Today", row["daily_max"], Decimal(row["daily_used"]), requested),
        _bar("This month", row["monthly_max"], Decimal(row["monthly_used"]), requested),
    ]
    return {
        "remedy": remedy,
        "row": row,
        "bars": bars,
        "monetary": remedy.monetary,
        "no_limit": row["limit_source"] is None,
        "approval_max": row["approval_max"],
    }


def _case_resolutions(case: Case) -> list[Resolution]:
    return list(
        Resolution.objects.filter(case=case)
        .select_related("remedy_type", "agent", "escalation__assigned_to", "escalation__decided_by")
        .order_by("-created_at", "-id")[:20]
    )


def _customer_history(case: Case) -> list[Resolution]:
    return list(
        Resolution.objects.filter(case__customer_id=case.customer_id)
        .exclude(case=case)
        .select_related("remedy_type", "case")
        .order_by("-created_at", "-id")[:8]
    )


def _escalation(resolution: Resolution):
    try:
        return resolution.escalation
    except Resolution.escalation.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return None


def _new_key() -> str:
    return secrets.token_urlsafe(18)


def _page_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    remedies = _remedies()
    selected = remedies[0] if remedies else None
    resolutions = _case_resolutions(case)
    for resolution in resolutions:
        resolution.escalation_or_none = _escalation(resolution)
    return {
        "case": case,
        "timeline": list(case_timeline(case=case)),
        "remedies": remedies,
        "selected_remedy": selected,
        "meter": meter_for(user=request.user, case=case, remedy=selected),
        "resolutions": resolutions,
        "history": _customer_history(case),
        "statuses": Case.Status.choices,
        "currency": settings.DISCRETION_CURRENCY,
        "idempotency_key": _new_key(),
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
    return render(
        request, "agent/_timeline.html", {"case": case, "timeline": case_timeline(case=case)}
    )


@login_required
@require_GET
def case_outcomes_fragment(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    resolutions = _case_resolutions(case)
    for resolution in resolutions:
        resolution.escalation_or_none = _escalation(resolution)
    return render(
        request,
        "agent/_outcomes.html",
        {"case": case, "resolutions": resolutions, "currency": settings.DISCRETION_CURRENCY},
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
    case_services.case_update(
        acting_user=request.user,
        case=case,
        status=status,
        assignee=request.user if assign == "me" else None,
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


def _errors(serializer) -> dict[str, str]:
    flat: dict[str, str] = {}
    for field, messages in serializer.errors.items():
        if isinstance(messages, dict):
            messages = [m for v in messages.values() for m in v]
        flat[field] = " ".join(str(m) for m in messages)
    return flat


def _failed_checks(checks) -> list[dict[str, Any]]:
    rows = []
    for check in checks:
        if check.passed or check.name == "policy_rules":
            continue
        limit = check.limit if check.limit is not None else ZERO
        rows.append(
            {
                "label": CHECK_LABELS.get(check.name, check.name),
                "limit": limit,
                "used": check.used,
                "left": max(limit - check.used, ZERO),
                "requested": check.requested,
            }
        )
    return rows


def _oncall_label() -> str | None:
    people = oncall_supervisors_at(level=1)
    return people[0].label if people else None


@login_required
@require_POST
def resolve_preview(request: HttpRequest, case_id: int) -> HttpResponse:
    """The live preview and meter, as the agent types. Writes nothing."""
    case = _case(case_id)
    serializer = PreviewInput(data=_form_data(request))
    remedy = RemedyType.objects.filter(
        code=request.POST.get("remedy_type", ""), enabled=True
    ).first()
    context: dict[str, Any] = {"case": case, "currency": settings.DISCRETION_CURRENCY}
    if not serializer.is_valid():
        errors = _errors(serializer)
        if "amount" in errors and not request.POST.get("amount", "").strip():
            errors = {}  # nothing typed yet: no error, just the prompt
        context.update(errors=errors, meter=meter_for(user=request.user, case=case, remedy=remedy))
        return render(request, "agent/_preview.html", context)
    data = serializer.validated_data
    decision = resolution_preview(
        case_id=case.pk,
        acting_user=request.user,
        remedy_type=data["remedy_type"],
        amount=data["amount"],
    )
    context.update(
        decision=decision,
        failed=_failed_checks(decision.checks),
        oncall=_oncall_label() if decision.outcome == "escalate" else None,
        meter=meter_for(
            user=request.user, case=case, remedy=data["remedy_type"], requested=data["amount"]
        ),
    )
    return render(request, "agent/_preview.html", context)


@login_required
@require_POST
def resolve_submit(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    serializer = ResolutionInput(data=_form_data(request))
    if not serializer.is_valid():
        return render(
            request,
            "agent/_submit_errors.html",
            {"errors": _errors(serializer)},
            status=400 if not request.htmx else 200,
        )
    data = serializer.validated_data
    key = request.POST.get("idempotency_key", "").strip() or _new_key()

    def handler() -> tuple[int, dict[str, Any]]:
        resolution = resolution_request(
            case_id=case.pk,
            acting_user=request.user,
            remedy_type=data["remedy_type"],
            amount=data["amount"],
            reason=data["reason"],
            customer_message=data["customer_message"],
        )
        return 201, {"resolution": resolution.pk}

    payload = {k: str(v) for k, v in _form_data(request).items()}
    try:
        outcome = idempotent(
            user_id=request.user.pk,
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
            "meter": meter_for(user=request.user, case=case, remedy=resolution.remedy_type),
            "currency": settings.DISCRETION_CURRENCY,
            "check_labels": CHECK_LABELS,
        },
    )
    page["HX-Trigger"] = "resolution-submitted"
    return page


def _resolution(case_id: int, resolution_id: int) -> Resolution:
    resolution = (
        Resolution.objects.select_related(
            "remedy_type", "agent", "escalation__assigned_to", "escalation__decided_by"
        )
        .filter(case_id=case_id, pk=resolution_id)
        .first()
    )
    if resolution is None:
        raise Http404(f"No resolution #{resolution_id} on case #{case_id}.")
    resolution.escalation_or_none = _escalation(resolution)
    return resolution


@login_required
@require_GET
def resolution_status(request: HttpRequest, case_id: int, resolution_id: int) -> HttpResponse:
    """One outcome card; while pending it polls itself every 3 s (and stops once decided)."""
    resolution = _resolution(case_id, resolution_id)
    return render(
        request,
        "agent/_outcome.html",
        {
            "resolution": resolution,
            "currency": settings.DISCRETION_CURRENCY,
            "check_labels": CHECK_LABELS,
        },
    )


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
]
