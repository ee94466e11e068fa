"""The admin's limit proposals (``/admin-ui/proposals/``): each open proposal with the
agent's track record beside it, the evidence in one sentence and the what-if of the
proposed value; Accept (optional note) or Reject (note required).

Reads through ``discretion.proposals.selectors``; decisions through its services (which
lock, write the limit through the trust services and audit). Keyboard: ``a`` / ``r``
focus the first proposal's accept / reject note, Enter submits.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from common.money import money_display
from discretion.proposals.models import DECISION_NOTE_MAX_LENGTH
from discretion.proposals.rules import WINDOW_DAYS
from discretion.proposals.selectors import (
    evidence_sentence,
    limit_proposal_decided_list,
    limit_proposal_list,
)
from discretion.proposals.services import limit_proposal_accept, limit_proposal_reject
from discretion.records.selectors import agent_remedy_records
from discretion.whatif.replay import what_if_sentence
from web.common import acting_user, admin_required, error_lines, error_status

RECENT = 10
CHANGED_SHOWN = 5


class NoteForm(forms.Form):
    note = forms.CharField(max_length=DECISION_NOTE_MAX_LENGTH, required=False, strip=True)


def _page(
    request: HttpRequest, *, errors: dict[int, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    proposals = list(limit_proposal_list(status="open"))
    records = agent_remedy_records(agent_ids={p.agent_id for p in proposals}, days=WINDOW_DAYS)
    rows: list[dict[str, Any]] = [
        {
            "proposal": p,
            "record": records.get(p.agent_id, []),
            "evidence": evidence_sentence(evidence=p.evidence, remedy_name=p.remedy_type.name),
            "what_if": what_if_sentence(p.what_if) if p.what_if else "",
            "changed": (p.what_if or {}).get("changed", [])[:CHANGED_SHOWN],
            "errors": (errors or {}).get(p.pk, []),
        }
        for p in proposals
    ]
    recent = list(limit_proposal_decided_list(limit=RECENT))
    # A refusal about a proposal no longer open (decided meanwhile) goes at the top.
    shown = {p.pk for p in proposals}
    page_errors = [
        line for pk, lines in (errors or {}).items() if pk not in shown for line in lines
    ]
    return render(
        request,
        "admin_ui/proposals.html",
        {"rows": rows, "recent": recent, "page_errors": page_errors},
        status=status,
    )


@admin_required
@require_GET
def proposals_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _decide(request: HttpRequest, pk: int, *, accept: bool) -> HttpResponse:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if accept:
            proposal = limit_proposal_accept(
                acting_user=acting_user(request), proposal_id=pk, note=note
            )
        else:
            proposal = limit_proposal_reject(
                acting_user=acting_user(request), proposal_id=pk, note=note
            )
    except DomainError as exc:
        return _page(request, errors={pk: error_lines(exc)}, status=error_status(exc, request))
    agent = proposal.agent.label
    if accept:
        messages.success(
            request,
            f"Accepted: {agent}'s {proposal.remedy_type.name.lower()} limit is now "
            f"{money_display(proposal.proposed)} per remedy.",
        )
    else:
        messages.success(request, f"Rejected the proposal for {agent}; no limit changed.")
    return redirect("admin-proposals")


@admin_required
@require_POST
def proposal_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, accept=True)


@admin_required
@require_POST
def proposal_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, accept=False)


urlpatterns = [
    path("admin-ui/proposals/", proposals_page, name="admin-proposals"),
    path("admin-ui/proposals/<int:pk>/accept/", proposal_accept, name="admin-proposal-accept"),
    path("admin-ui/proposals/<int:pk>/reject/", proposal_reject, name="admin-proposal-reject"),
]
