"""My record (``/me/record/``): the signed-in user's own track record, over time, with the
recognitions and reviews they received. ``/agents/<id>/record/`` opens anyone's for
supervisors and admins; another agent gets 403 (the record, coaching notes included, is
private to the agent and the people who supervise them).

Celebrate, don't create fear: the page leads with what the agent handled on their own
and the thanks they got; it never compares agents.
"""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from common.errors import Forbidden, Invalid, NotFound
from discretion.models import Review, User
from discretion.records.selectors import (
    DAYS_CHOICES,
    DEFAULT_DAYS,
    RecordWeek,
    agent_recognition_list,
    agent_record_get,
    agent_record_weeks,
    agent_review_list,
    record_days_parse,
    record_subject_get,
)
from web.common import acting_user
from web.dashboard.charts import (
    Column,
    Point,
    Segment,
    Stack,
    column_chart,
    legend,
    rate_line_chart,
    stacked_column_chart,
)

# Verdicts in plain, forward-looking words, with their chart colour classes.
VERDICT_WORDS = {
    Review.Verdict.GOOD_CALL: "Good call",
    Review.Verdict.ABOVE_AND_BEYOND: "Above and beyond",
    Review.Verdict.COACH: "A tip for next time",
    Review.Verdict.POLICY_GAP: "The policy needs a look",
}
VERDICT_CSS = {
    Review.Verdict.GOOD_CALL: "seg-good",
    Review.Verdict.ABOVE_AND_BEYOND: "seg-star",
    Review.Verdict.COACH: "seg-coach",
    Review.Verdict.POLICY_GAP: "seg-gap",
}
DAYS_SHORTCUTS = {30: "1", 90: "3", 365: "y"}


def _week_label(index: int, week: RecordWeek, count: int) -> str:
    # At most about seven labels, always the newest week's.
    step = max(math.ceil(count / 7), 1)
    last = index == count - 1
    shown = last or (index % step == 0 and count - 1 - index >= step)
    return week.ends_on.strftime("%b %-d") if shown else ""


def _span(week: RecordWeek) -> str:
    return f"{week.starts_on:%b %-d} to {week.ends_on:%b %-d}"


def _charts(weeks: list[RecordWeek]) -> dict[str, object]:
    n = len(weeks)
    autonomy = rate_line_chart(
        title="Autonomy rate per week",
        desc="Share of requests applied on their own authority, week by week.",
        points=[
            Point(
                label=_week_label(i, w, n),
                value=w.autonomy_rate,
                tooltip=(
                    f"{_span(w)}: {w.applied} of {w.requests} applied on their own authority"
                    if w.requests
                    else f"{_span(w)}: no requests"
                ),
            )
            for i, w in enumerate(weeks)
        ],
        css="chart-autonomy",
    )
    requests = stacked_column_chart(
        title="Requests per week",
        desc="Requests per week: applied on their own authority, sent to a supervisor, "
        "stopped by a policy rule.",
        stacks=[
            Stack(
                label=_week_label(i, w, n),
                segments=[
                    Segment(w.applied, "seg-own", f"{_span(w)}: {w.applied} applied"),
                    Segment(w.escalated, "seg-escalated", f"{_span(w)}: {w.escalated} escalated"),
                    Segment(w.rejected, "seg-rejected", f"{_span(w)}: {w.rejected} rejected"),
                ],
            )
            for i, w in enumerate(weeks)
        ],
        css="chart-requests",
    )
    reviews = stacked_column_chart(
        title="Reviews per week, by verdict",
        desc="Done reviews of each week's requests, by verdict.",
        stacks=[
            Stack(
                label=_week_label(i, w, n),
                segments=[
                    Segment(
                        w.verdicts.get(verdict, 0),
                        VERDICT_CSS[verdict],
                        f"{_span(w)}: {words}, {w.verdicts.get(verdict, 0)}",
                    )
                    for verdict, words in VERDICT_WORDS.items()
                ],
            )
            for i, w in enumerate(weeks)
        ],
        css="chart-reviews",
    )
    recognitions = column_chart(
        title="Recognitions per week",
        desc="Kudos from colleagues and reviewers, week by week.",
        columns=[
            Column(
                label=_week_label(i, w, n),
                value=w.recognitions,
                tooltip=f"{_span(w)}: {w.recognitions} recognitions",
            )
            for i, w in enumerate(weeks)
        ],
        css="chart-recognitions",
    )
    return {
        "autonomy_chart": autonomy,
        "requests_chart": requests,
        "requests_legend": legend(
            [
                ("seg-own", "Applied on own authority"),
                ("seg-escalated", "Sent to a supervisor"),
                ("seg-rejected", "Stopped by a policy rule"),
            ]
        ),
        "reviews_chart": reviews,
        "reviews_legend": legend([(VERDICT_CSS[v], w) for v, w in VERDICT_WORDS.items()]),
        "recognitions_chart": recognitions,
    }


def _record_page(request: HttpRequest, viewer: User, subject: User) -> HttpResponse:
    errors: list[str] = []
    try:
        days = record_days_parse(request.GET.get("days"))
    except Invalid as refusal:
        errors, days = refusal.lines(), DEFAULT_DAYS
    is_self = subject.pk == viewer.pk
    whose = "Your" if is_self else f"{subject.label}'s"
    record = agent_record_get(agent=subject, days=days)
    weeks = agent_record_weeks(agent=subject, days=days)
    context = {
        "subject": subject,
        "is_self": is_self,
        "whose": whose,
        "record": record,
        "weeks": weeks,
        "days": days,
        "days_options": [
            {"days": d, "shortcut": DAYS_SHORTCUTS[d], "current": d == days} for d in DAYS_CHOICES
        ],
        "recognitions": agent_recognition_list(agent=subject, days=days),
        "reviews": agent_review_list(agent=subject, days=days),
        "verdict_words": {str(k): v for k, v in VERDICT_WORDS.items()},
        "verdict_css": {str(k): v for k, v in VERDICT_CSS.items()},
        "errors": errors,
        **_charts(weeks),
    }
    return render(request, "agent/record.html", context, status=400 if errors else 200)


@login_required
@require_GET
def my_record(request: HttpRequest) -> HttpResponse:
    viewer = acting_user(request)
    return _record_page(request, viewer, viewer)


@login_required
@require_GET
def agent_record(request: HttpRequest, agent_id: int) -> HttpResponse:
    viewer = acting_user(request)
    try:
        subject = record_subject_get(viewer=viewer, agent_id=agent_id)
    except Forbidden as refusal:
        raise PermissionDenied(refusal.message) from None
    except NotFound:
        raise Http404("No such agent.") from None
    return _record_page(request, viewer, subject)


urlpatterns = [
    path("me/record/", my_record, name="my-record"),
    path("agents/<int:agent_id>/record/", agent_record, name="agent-record-page"),
]
