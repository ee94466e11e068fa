"""Problem pages: the list (``/problems/``) and one problem (``/problems/<id>/``): its
cases and what they cost, its owner (a supervisor sets it), "Mark fixed" (which needs
what we changed), the drafts the fix wrote, and the changes proposed from it.

Anyone signed in reads them; supervisors and admins set the owner, fix and propose;
admins accept or decline a proposal. The services refuse everyone else, and the page
shows their refusal next to the form it came from.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from cases.models import RemedyType
from cases.selectors import remedy_type_list
from common.errors import DomainError
from discretion.models import TrustTier, User
from discretion.problems.changes import (
    change_proposal_accept,
    change_proposal_decline,
    limit_change_propose,
    rule_change_propose,
)
from discretion.problems.models import PROBLEM_TEXT_MAX_LENGTH, Problem
from discretion.problems.selectors import (
    FILTER_STATUSES,
    change_proposal_get,
    problem_case_list,
    problem_get,
    problem_list,
    problem_proposal_list,
)
from discretion.problems.services import problem_fix, problem_update
from discretion.trust.selectors import trust_tier_list, user_list
from discretion.whatif.replay import what_if_sentence
from policies.models import Effect
from web.common import MoneyFormField, acting_user, error_lines, found

LIST_ROWS = 200


class FixForm(forms.Form):
    what_we_changed = forms.CharField(
        max_length=PROBLEM_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What we changed",
        error_messages={
            "required": "Say what we changed: the customers of the linked cases will be told."
        },
    )


class RuleProposalForm(forms.Form):
    name = forms.CharField(max_length=200)
    expression = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    effect = forms.ChoiceField(choices=Effect.choices)
    message = forms.CharField(required=False, max_length=500)
    enabled = forms.BooleanField(required=False, label="Enable it when accepted")
    note = forms.CharField(required=False, max_length=2000)


class LimitProposalForm(forms.Form):
    tier = forms.ModelChoiceField(queryset=trust_tier_list(), to_field_name="code")
    remedy_type = forms.ModelChoiceField(
        queryset=remedy_type_list(enabled=True), to_field_name="code"
    )
    per_remedy_max = MoneyFormField(label="New per-remedy limit")
    note = forms.CharField(required=False, max_length=2000)


def _problem(problem_id: int) -> Problem:
    return found(problem_get, f"No problem #{problem_id}.", problem_id=problem_id)


def _detail_context(problem: Problem, **extra: Any) -> dict[str, Any]:
    links = list(problem_case_list(problem_id=problem.pk))
    proposals = list(problem_proposal_list(problem_id=problem.pk))
    for proposal in proposals:
        if proposal.kind == "limit" and proposal.result:
            proposal.sentence = what_if_sentence(proposal.result)  # type: ignore[attr-defined]
    return {
        "problem": problem,
        "links": links,
        "drafts": [link.fix_message for link in links if link.fix_message is not None],
        "proposals": proposals,
        "owners": list(user_list(active=True, supervising=True)),
        "fix_form": extra.pop("fix_form", None) or FixForm(),
        "rule_form": extra.pop("rule_form", None) or RuleProposalForm(prefix="rule"),
        "limit_form": extra.pop("limit_form", None) or LimitProposalForm(prefix="limit"),
        **extra,
    }


@login_required
@require_GET
def problem_list_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in FILTER_STATUSES:
        status = ""
    rows = list(problem_list(status=status or None)[:LIST_ROWS])
    return render(
        request,
        "agent/problems.html",
        {"problems": rows, "status": status, "statuses": FILTER_STATUSES},
    )


@login_required
@require_GET
def problem_page(request: HttpRequest, problem_id: int) -> HttpResponse:
    return render(request, "agent/problem.html", _detail_context(_problem(problem_id)))


def _refused(
    request: HttpRequest, problem: Problem, exc: DomainError, **extra: Any
) -> HttpResponse:
    context = _detail_context(problem, errors=error_lines(exc), **extra)
    return render(request, "agent/problem.html", context, status=400)


@login_required
@require_POST
def problem_fix_view(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = _problem(problem_id)
    form = FixForm(request.POST)
    if not form.is_valid():
        return render(
            request, "agent/problem.html", _detail_context(problem, fix_form=form), status=400
        )
    try:
        fixed = problem_fix(
            acting_user=acting_user(request),
            problem_id=problem.pk,
            what_we_changed=form.cleaned_data["what_we_changed"],
        )
    except DomainError as exc:
        return _refused(request, problem, exc, fix_form=form)
    messages.success(request, f"Problem #{fixed.pk} is fixed. The drafts below wait for review.")
    return redirect("problem", problem_id=problem.pk)


@login_required
@require_POST
def problem_owner_view(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = _problem(problem_id)
    raw = request.POST.get("owner", "")
    owners = {user.pk: user for user in user_list(active=True, supervising=True)}
    owner: User | None = owners.get(int(raw)) if raw.isdigit() and len(raw) < 19 else None
    try:
        problem_update(acting_user=acting_user(request), problem=problem, changes={"owner": owner})
    except DomainError as exc:
        return _refused(request, problem, exc)
    messages.success(request, "Owner saved." if owner else "Nobody owns it now.")
    return redirect("problem", problem_id=problem.pk)


@login_required
@require_POST
def problem_propose_view(request: HttpRequest, problem_id: int, kind: str) -> HttpResponse:
    if kind not in ("rule", "limit"):
        raise Http404("Propose a rule or a limit.")
    problem = _problem(problem_id)
    user = acting_user(request)
    if kind == "rule":
        rule_form = RuleProposalForm(request.POST, prefix="rule")
        if not rule_form.is_valid():
            return render(
                request,
                "agent/problem.html",
                _detail_context(problem, rule_form=rule_form),
                status=400,
            )
        try:
            rule_change_propose(acting_user=user, problem=problem, **rule_form.cleaned_data)
        except DomainError as exc:
            return _refused(request, problem, exc, rule_form=rule_form)
    else:
        limit_form = LimitProposalForm(request.POST, prefix="limit")
        if not limit_form.is_valid():
            return render(
                request,
                "agent/problem.html",
                _detail_context(problem, limit_form=limit_form),
                status=400,
            )
        data = limit_form.cleaned_data
        tier: TrustTier = data["tier"]
        remedy: RemedyType = data["remedy_type"]
        cap: Decimal = data["per_remedy_max"]
        try:
            limit_change_propose(
                acting_user=user,
                problem=problem,
                tier=tier,
                remedy_type=remedy,
                per_remedy_max=cap,
                note=data["note"],
            )
        except DomainError as exc:
            return _refused(request, problem, exc, limit_form=limit_form)
    messages.success(request, "Proposed. An admin accepts or declines it on this page.")
    return redirect("problem", problem_id=problem.pk)


@login_required
@require_POST
def proposal_decide_view(request: HttpRequest, proposal_id: int, decision: str) -> HttpResponse:
    if decision not in ("accept", "decline"):
        raise Http404("Accept or decline.")
    proposal = found(change_proposal_get, "No such proposal.", proposal_id=proposal_id)
    decide = change_proposal_accept if decision == "accept" else change_proposal_decline
    try:
        decide(
            acting_user=acting_user(request),
            proposal_id=proposal.pk,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _refused(request, _problem(proposal.problem_id), exc)
    messages.success(
        request, "Accepted: the change is made." if decision == "accept" else "Declined."
    )
    return redirect("problem", problem_id=proposal.problem_id)


urlpatterns = [
    path("problems/", problem_list_page, name="problems"),
    path("problems/<int:problem_id>/", problem_page, name="problem"),
    path("problems/<int:problem_id>/fix/", problem_fix_view, name="problem-fix-form"),
    path("problems/<int:problem_id>/owner/", problem_owner_view, name="problem-owner"),
    path(
        "problems/<int:problem_id>/propose/<str:kind>/",
        problem_propose_view,
        name="problem-propose",
    ),
    path(
        "problem-proposals/<int:proposal_id>/<str:decision>/",
        proposal_decide_view,
        name="problem-proposal-decide",
    ),
]
