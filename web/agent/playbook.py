"""The repair playbook on the case page, the case's follow-ups, and My follow-ups.

The playbook's steps are fields of the resolve form; ``static/js/playbook.js`` composes
the customer message from them (and runs the plain-language check on any textarea with
``data-plain-check``). The server checks what must hold whatever the browser did: on a
complaint or a crisis, a customer message needs the acknowledgement step; a follow-up
date creates a follow-up once the resolution is committed.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases.models import Case, RemedyType
from cases.selectors import case_get
from common.errors import DomainError
from discretion.followups.models import FOLLOW_UP_NOTE_MAX_LENGTH, FollowUp
from discretion.followups.selectors import (
    follow_up_due_count,
    follow_up_get,
    follow_up_list,
    my_follow_ups_get,
)
from discretion.followups.services import follow_up_create, follow_up_done
from discretion.models import User
from discretion.playbook.selectors import TOKEN_REMEDY, brand_promise_get, goodwill_token_get
from web.common import acting_user, error_lines, found

ACKNOWLEDGE_REQUIRED = (Case.Category.COMPLAINT, Case.Category.CRISIS)
ACKNOWLEDGE_MESSAGE = (
    "Acknowledge first: on a complaint or a crisis, the message starts by owning what went "
    "wrong (step 1)."
)
DATETIME_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class FollowUpFields(forms.Form):
    """A follow-up time and note, as a ``datetime-local`` input gives it: a wall-clock
    time in the deployment's ``TIME_ZONE``."""

    follow_up_at = forms.DateTimeField(required=False, input_formats=DATETIME_LOCAL)
    follow_up_note = forms.CharField(required=False, max_length=FOLLOW_UP_NOTE_MAX_LENGTH)


class PlaybookForm(FollowUpFields):
    """The playbook's fields the server reads, next to the resolve form's own."""

    acknowledge = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: Any, category: str, customer_message: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.category = category
        self.customer_message = customer_message

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            self.category in ACKNOWLEDGE_REQUIRED
            and self.customer_message.strip()
            and not (cleaned.get("acknowledge") or "").strip()
        ):
            self.add_error("acknowledge", ACKNOWLEDGE_MESSAGE)
        return cleaned

    def errors_by_field(self) -> dict[str, str]:
        return {
            LABELS.get(name, name): " ".join(str(m) for m in messages)
            for name, messages in self.errors.items()
        }


# The panel's list of what to fix names these fields in words (``acknowledge`` keeps its
# name: the error next to step 1 is found by it).
LABELS = {"follow_up_at": "follow-up date", "follow_up_note": "follow-up note"}


def playbook_context(*, user: User, case: Case, remedies: list[RemedyType]) -> dict[str, Any]:
    """What the playbook include needs: the brand promise, the small token (if any)."""
    goodwill = next((r for r in remedies if r.code == TOKEN_REMEDY), None)
    return {
        "brand_promise": brand_promise_get().brand_promise,
        "goodwill_token": goodwill_token_get(user=user, case=case, remedy=goodwill),
        "acknowledge_required": case.category in ACKNOWLEDGE_REQUIRED,
        **case_follow_ups_context(user=user, case=case),
    }


def case_follow_ups_context(*, user: User, case: Case) -> dict[str, Any]:
    """The case page's list of follow-ups (one query)."""
    return {"follow_ups": list(follow_up_list(user=user, case_id=case.pk)), "now": timezone.now()}


def playbook_follow_up(*, user: User, case: Case, form: PlaybookForm) -> FollowUp | None:
    """The follow-up the playbook asked for (after the resolution's transaction), or None.
    The agent who promised it is the one who follows through."""
    due_at: datetime | None = form.cleaned_data.get("follow_up_at")
    if due_at is None:
        return None
    return follow_up_create(
        acting_user=user,
        case=case,
        due_at=due_at,
        note=form.cleaned_data.get("follow_up_note") or "",
        assigned_to=user,
    )


# --- the case's follow-ups --------------------------------------------------------------


def _case(case_id: int) -> Case:
    return found(case_get, f"No case #{case_id}.", case_id=case_id)


def _case_follow_ups(request: HttpRequest, case: Case, **extra: Any) -> HttpResponse:
    context = {
        "case": case,
        **case_follow_ups_context(user=acting_user(request), case=case),
        **extra,
    }
    return render(request, "agent/_follow_ups.html", context, status=400 if extra else 200)


@login_required
@require_POST
def case_follow_up_add(request: HttpRequest, case_id: int) -> HttpResponse:
    """Schedule a follow-up by hand (the case page's small form; htmx or a plain POST)."""
    case = _case(case_id)
    form = FollowUpFields(request.POST)
    errors: list[str] = []
    if not form.is_valid():
        errors = [
            f"{name.replace('_', ' ')}: {' '.join(str(x) for x in m)}"
            for name, m in form.errors.items()
        ]
    elif form.cleaned_data.get("follow_up_at") is None:
        errors = ["Pick a date and time for the follow-up."]
    else:
        try:
            follow_up_create(
                acting_user=acting_user(request),
                case=case,
                due_at=form.cleaned_data["follow_up_at"],
                note=form.cleaned_data.get("follow_up_note") or "",
            )
        except DomainError as exc:
            errors = error_lines(exc)
    if getattr(request, "htmx", False):
        return _case_follow_ups(request, case, **({"errors": errors} if errors else {}))
    return redirect("agent-case", case_id=case.pk)


@login_required
@require_POST
def follow_up_done_view(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    """Mark done (one click). Back to where it was clicked: My follow-ups or the case."""
    user = acting_user(request)
    follow_up = found(follow_up_get, "No such follow-up.", user=user, follow_up_id=follow_up_id)
    # Already done: the page shows it done, which is what was asked.
    with contextlib.suppress(DomainError):
        follow_up_done(acting_user=user, follow_up=follow_up)
    if request.POST.get("next") == "case":
        if getattr(request, "htmx", False):
            return _case_follow_ups(request, follow_up.case)
        return redirect("agent-case", case_id=follow_up.case_id)
    return redirect("my-follow-ups")


# --- My follow-ups -------------------------------------------------------------------------


@login_required
@require_GET
def my_follow_ups(request: HttpRequest) -> HttpResponse:
    groups = my_follow_ups_get(user=acting_user(request))
    return render(request, "agent/follow_ups.html", {"groups": groups, "now": timezone.now()})


@login_required
@require_GET
def my_follow_ups_count(request: HttpRequest) -> HttpResponse:
    """The nav link's badge: due today and overdue."""
    count = follow_up_due_count(user=acting_user(request))
    return render(request, "partials/follow_ups_count.html", {"due_count": count})


playbook_urls = [
    path("cases/<int:case_id>/follow-ups/", case_follow_up_add, name="case-follow-up-add"),
    path("follow-ups/<int:follow_up_id>/done/", follow_up_done_view, name="follow-up-done"),
    path("me/follow-ups/", my_follow_ups, name="my-follow-ups"),
    path("me/follow-ups/count/", my_follow_ups_count, name="my-follow-ups-count"),
]
