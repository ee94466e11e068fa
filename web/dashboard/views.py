"""/dashboard/: autonomy, escalations, SLA, spend against caps, failing checks — as charts."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from common.money import money_display
from discretion.dashboard.selectors import (
    dashboard_metrics,
    follow_through_list,
    review_findings,
)
from discretion.dashboard.tables import ops_tables
from discretion.problems.selectors import problem_board
from web.common import supervisor_required
from web.dashboard.charts import (
    Column,
    HBar,
    Point,
    Segment,
    column_chart,
    hbar_chart,
    legend,
    rate_line_chart,
)
from web.dashboard.tables import Sheets, period_from, period_words, tables_csv
from web.templatetags.backoffice_tags import span


def _axis_label(index: int, day, count: int) -> str:
    # A label every 7 days and on the last day, so 30 labels never overlap.
    last = index == count - 1
    return day.strftime("%b %-d") if last or (index % 7 == 0 and count - 1 - index >= 4) else ""


def _team_spend_text(team) -> str:
    spent = money_display(team.own_spend + team.approved_spend)
    if team.budget is None:
        return f"{spent} · someone's monthly spend is uncapped"
    if not team.budget:
        return f"{spent} · no limits set"
    return f"{money_display(team.own_spend)} of {money_display(team.budget)} own · {spent} in all"


@supervisor_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The dashboard over a date range (``?from=&to=``, default the last 30 days);
    ``?format=csv&table=<name>`` downloads one of its tables (``web.dashboard.tables.TABLES``:
    every table the page shows)."""
    range_form, period = period_from(request)
    tables = ops_tables(period=period)
    # The charts count back from the range's last moment (or now, for a range to today).
    until = min(period.end - timedelta(microseconds=1), timezone.now())
    m = dashboard_metrics(now=until, days=period.days)
    follow_through = follow_through_list(now=m.until, days=period.days)
    board = problem_board()
    if request.GET.get("format") == "csv":
        sheets = Sheets(ops=tables, metrics=m, follow_through=follow_through, board=board)
        return tables_csv(sheets, request.GET.get("table", ""))
    span_words = period_words(period)
    n = len(m.days)
    autonomy_chart = rate_line_chart(
        title=f"Autonomy rate per day, {span_words}",
        desc=(
            f"Share of resolutions applied without an escalation. Over the period: "
            f"{m.autonomous} of {m.resolutions}."
        ),
        points=[
            Point(
                label=_axis_label(i, d.day, n),
                value=d.autonomy_rate,
                tooltip=(
                    f"{d.day:%b %-d}: {d.autonomous} of {d.total} applied without escalation"
                    if d.total
                    else f"{d.day:%b %-d}: no resolutions"
                ),
            )
            for i, d in enumerate(m.days)
        ],
        css="chart-autonomy",
    )
    escalations_chart = column_chart(
        title=f"Escalations per day, {span_words}",
        desc=f"{m.escalations} escalations in the period.",
        columns=[
            Column(
                label=_axis_label(i, d.day, n),
                value=d.escalated,
                tooltip=f"{d.day:%b %-d}: {d.escalated} escalated of {d.total} requests",
            )
            for i, d in enumerate(m.days)
        ],
        css="chart-escalations",
    )
    spend_chart = hbar_chart(
        title=f"Spend per team against its budget, {span_words}",
        desc="Per team: applied on the agents' own authority, applied on a supervisor's "
        "approval, and the team's budget for the period (its agents' monthly caps, "
        "prorated; the table below says how).",
        bars=[
            HBar(
                label=team.name,
                segments=[
                    Segment(
                        float(team.own_spend),
                        "seg-own",
                        f"Own authority: {money_display(team.own_spend)}",
                    ),
                    Segment(
                        float(team.approved_spend),
                        "seg-approved",
                        f"Approved: {money_display(team.approved_spend)}",
                    ),
                ],
                display=_team_spend_text(team),
                marker=float(team.budget) if team.budget else None,
                marker_label=f"Budget: {money_display(team.budget or 0)}",
            )
            for team in tables.teams
        ],
        css="chart-spend",
    )
    failing_chart = hbar_chart(
        title=f"Checks and rules that fail most, {span_words}",
        desc="How often each limit check failed or each policy rule matched, in requests "
        "that were escalated or rejected.",
        bars=[
            HBar(
                label=name,
                segments=[Segment(count, "seg-bad", f"{name}: {count}")],
                display=str(count),
            )
            for name, count in m.failing
        ],
        css="chart-failing",
    )
    context = {
        "m": m,
        "follow_through": follow_through,
        "range_form": range_form,
        "range_fields": [
            (range_form["start"], "from", request.GET.get("from") or period.first.isoformat()),
            (range_form["end"], "to", request.GET.get("to") or period.last.isoformat()),
        ],
        "period": period,
        "tables": tables,
        # The range as a query string, for the tables' "Download as CSV" links.
        "csv_q": urlencode({"from": period.first.isoformat(), "to": period.last.isoformat()}),
        "autonomy_chart": autonomy_chart,
        "escalations_chart": escalations_chart,
        "spend_chart": spend_chart,
        "period_words": span_words,
        "spend_legend": legend(
            [
                ("seg-own", "Own authority"),
                ("seg-approved", "Approved by a supervisor"),
                ("marker", "Budget"),
            ]
        ),
        "failing_chart": failing_chart,
        "median_text": span(m.median_decision_seconds)
        if m.median_decision_seconds is not None
        else "—",
        "problem_board": board,
        "reviews": review_findings(now=m.until, days=period.days),
    }
    return render(
        request, "dashboard/dashboard.html", context, status=400 if range_form.errors else 200
    )


urlpatterns = [path("dashboard/", dashboard_page, name="dashboard")]
