"""Deciding an escalation from the case page: a small panel for supervisors and admins
when the case has a pending escalation (``templates/agent/_decide_here.html`` loads it),
approve as asked, lower and approve, or deny with a note. The same path as the queue
(``web.supervisor.deciding``: form, service, wording); the page reloads on the decision,
so the outcome card, the meter and the bell all show it at once.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from discretion.escalations.rules import approval_refusal, decider_refusal
from discretion.escalations.selectors import escalation_pending_for_case
from discretion.trust.effective import effective_limit_get
from web.common import acting_user, error_lines, supervisor_required
from web.supervisor.deciding import decision_post, escalation_for_screen


@supervisor_required
@require_GET
def decide_here(request: HttpRequest, case_id: int) -> HttpResponse:
    """The panel (htmx), empty when nothing on the case waits for a decision."""
    user = acting_user(request)
    escalation = escalation_pending_for_case(user=user, case_id=case_id)
    if escalation is None:
        return HttpResponse("")
    resolution = escalation.resolution
    limit = effective_limit_get(user=user, remedy_type=resolution.remedy_type)
    refusal = decider_refusal(user=user, resolution=resolution) or approval_refusal(
        user=user, resolution=resolution, amount=resolution.amount, limit=limit
    )
    return render(
        request,
        "supervisor/_decide_here_panel.html",
        {"escalation": escalation, "r": resolution, "refusal": refusal},
    )


@supervisor_required
@require_POST
def decide_here_submit(request: HttpRequest, case_id: int, pk: int) -> HttpResponse:
    escalation = escalation_for_screen(request, pk)
    if escalation.resolution.case_id != case_id:
        raise Http404("No such escalation on this case.")
    outcome = decision_post(request, escalation, approve=request.POST.get("decision") != "deny")
    if outcome.ok:
        messages.success(request, outcome.message)
    elif outcome.error is not None:
        messages.error(request, " ".join(error_lines(outcome.error)))
    else:
        for errors in outcome.form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
    return redirect("agent-case", case_id=case_id)


urlpatterns = [
    path("cases/<int:case_id>/decide-here/", decide_here, name="case-decide-here"),
    path(
        "cases/<int:case_id>/decide-here/<int:pk>/",
        decide_here_submit,
        name="case-decide-here-submit",
    ),
]
