"""The case page's "This keeps happening" panel (an Andon cord any agent may pull) and
the root-cause tags of the case's decided remedies.

The panel loads itself (``agent/_problem.html`` asks for it with htmx), so the case
page's own view needs nothing from this room. Each form posts here and gets the panel
back (htmx), or the case page again without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from cases.models import Case
from cases.selectors import case_get
from common.errors import DomainError
from discretion.problems.models import PROBLEM_TITLE_MAX_LENGTH
from discretion.problems.root_causes import resolution_root_cause_set
from discretion.problems.selectors import (
    case_problem_get,
    case_root_cause_rows,
    problem_get,
    problem_join_choices,
    root_cause_get,
    root_cause_list,
)
from discretion.problems.services import problem_case_link, problem_create
from web.common import HtmxHttpRequest, acting_user, error_lines, found


def _case(case_id: int) -> Case:
    return found(case_get, f"No case #{case_id}.", case_id=case_id)


def panel_context(case: Case, **extra: Any) -> dict[str, Any]:
    problem = case_problem_get(case_id=case.pk)
    return {
        "case": case,
        "case_problem": problem,
        "join_choices": [] if problem is not None else problem_join_choices(case=case),
        "tagged_resolutions": case_root_cause_rows(case_id=case.pk),
        "root_causes": list(root_cause_list(active=True)),
        "problem_title_max_length": PROBLEM_TITLE_MAX_LENGTH,
        **extra,
    }


def _answer(request: HtmxHttpRequest, case: Case, **extra: Any) -> HttpResponse:
    if request.htmx:
        return render(request, "agent/_problem_panel.html", panel_context(case, **extra))
    return redirect("agent-case", case_id=case.pk)


@login_required
@require_GET
def problem_panel(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    return render(request, "agent/_problem_panel.html", panel_context(case))


@login_required
@require_POST
def problem_cord_pull(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """Open a new problem from this case, or join an open one (``problem`` = its id)."""
    case = _case(case_id)
    user = acting_user(request)
    chosen = request.POST.get("problem", "")
    try:
        if chosen:
            problem = found(problem_get, "No such problem.", problem_id=_int(chosen))
            problem_case_link(acting_user=user, problem=problem, case=case)
        else:
            problem_create(
                acting_user=user,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                case=case,
            )
    except DomainError as exc:
        return _answer(request, case, cord_errors=error_lines(exc))
    return _answer(request, case)


@login_required
@require_POST
def root_cause_tag(request: HtmxHttpRequest, case_id: int, resolution_id: int) -> HttpResponse:
    case = _case(case_id)
    code = request.POST.get("root_cause", "")
    ids = {r.pk for r in case_root_cause_rows(case_id=case.pk)}
    try:
        if resolution_id not in ids:
            return HttpResponse("That remedy is not a decided remedy of this case.", status=404)
        cause = found(root_cause_get, "No such root cause.", code=code) if code else None
        resolution_root_cause_set(
            acting_user=acting_user(request), resolution_id=resolution_id, root_cause=cause
        )
    except DomainError as exc:
        return _answer(request, case, tag_errors=error_lines(exc))
    return _answer(request, case, tagged=resolution_id)


def _int(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 19 else 0


urlpatterns = [
    path("cases/<int:case_id>/problem/", problem_panel, name="agent-case-problem"),
    path("cases/<int:case_id>/problem/pull/", problem_cord_pull, name="agent-case-problem-pull"),
    path(
        "cases/<int:case_id>/resolutions/<int:resolution_id>/root-cause/",
        root_cause_tag,
        name="agent-root-cause-tag",
    ),
]
