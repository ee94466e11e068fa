"""The resolve panel's other ways to submit, and taking a request back.

- "Resolve & close" (``mode=close``): the request, and the case closed when it applied;
  when it escalates the case stays open and the panel says why.
- "Apply … now, send … to …" (``mode=split``, offered by the preview when the amount is
  over the agent's headroom): ``resolution_request_split``.
- Withdraw: the agent's own pending request, from its outcome card.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cases.models import Resolution
from common.errors import DomainError, NotFound
from discretion.decisions.combined import resolution_request_close, resolution_request_split
from discretion.decisions.selectors import case_outcome_get
from discretion.decisions.withdraw import resolution_withdraw
from discretion.models import User
from discretion.trust.selectors import METER_LABELS
from web.common import acting_user, error_lines, error_status, found

MODES = ("", "close", "split")


def mode_handler(
    *, mode: str, case_id: int, user: User, data: dict[str, Any]
) -> Callable[[], tuple[int, dict[str, Any]]] | None:
    """The idempotent handler of a close or split submit (None for a plain submit)."""
    fields = {
        "case_id": case_id,
        "acting_user": user,
        "remedy_type": data["remedy_type"],
        "amount": data["amount"],
        "reason": data["reason"],
        "customer_message": data["customer_message"],
    }
    if mode == "split":

        def split() -> tuple[int, dict[str, Any]]:
            done = resolution_request_split(**fields)
            return 201, {
                "resolution": done.escalated.pk,
                "applied": done.applied.pk,
                "summary": done.summary,
            }

        return split
    if mode == "close":

        def close() -> tuple[int, dict[str, Any]]:
            resolution, closed = resolution_request_close(**fields)
            return 201, {"resolution": resolution.pk, "closed": closed}

        return close
    return None


def submitted_extras(*, case_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """What the submitted fragment adds for a split (the applied part, the sentence) or
    a close (whether the case closed)."""
    extras: dict[str, Any] = {"closed": bool(body.get("closed")), "mode_used": ""}
    if "closed" in body:
        extras["mode_used"] = "close"
    if body.get("applied"):
        extras["mode_used"] = "split"
        extras["split_summary"] = body.get("summary", "")
        extras["applied_part"] = found(
            case_outcome_get,
            "No such resolution.",
            case_id=case_id,
            resolution_id=body["applied"],
        )
    return extras


@login_required
@require_POST
def resolution_withdraw_view(
    request: HttpRequest, case_id: int, resolution_id: int
) -> HttpResponse:
    """Withdraw my pending request; answers with its outcome card (now withdrawn)."""
    try:
        resolution_withdraw(acting_user=acting_user(request), resolution_id=resolution_id)
        error = ""
        status = 200
    except NotFound:
        raise Http404("No such resolution.") from None
    except DomainError as exc:
        error = " ".join(error_lines(exc))
        status = error_status(exc, request)
    if not getattr(request, "htmx", False):
        return redirect("agent-case", case_id=case_id)
    resolution: Resolution = found(
        case_outcome_get, "No such resolution.", case_id=case_id, resolution_id=resolution_id
    )
    response = render(
        request,
        "agent/_outcome.html",
        {
            "resolution": resolution,
            "currency": settings.DISCRETION_CURRENCY,
            "check_labels": METER_LABELS,
            "withdraw_error": error,
        },
        status=status,
    )
    response["HX-Trigger"] = "resolution-decided"
    return response
