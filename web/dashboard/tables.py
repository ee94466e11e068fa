"""The dashboard's date range, its tables as CSV, and the one-click backtest of turning a
rule off (``discretion.dashboard.tables`` reads; ``discretion.decisions.backtest``
replays)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.money import money
from discretion.dashboard.selectors import DashboardMetrics, FollowThroughRow
from discretion.dashboard.tables import MAX_RANGE_DAYS, OpsTables, Period
from discretion.decisions.backtest import backtest_run, rule_draft_build
from discretion.problems.selectors import ProblemBoard
from web.common import supervisor_required

DEFAULT_DAYS = 30


class RangeForm(forms.Form):
    """``?from=2026-11-01&to=2026-11-30`` (both optional: the last 30 days)."""

    start = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def __init__(self, data: Any) -> None:
        # The query string says from/to; ``from`` is a keyword in Python.
        super().__init__(
            {"start": data.get("from", ""), "end": data.get("to", "")} if data is not None else None
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if "end" not in self.errors and end > today:
            self.add_error("end", "The range cannot end after today.")
        if not self.errors and start > end:
            self.add_error("start", "The start comes after the end: swap them.")
        if not self.errors and (end - start).days + 1 > MAX_RANGE_DAYS:
            self.add_error("start", f"Pick at most {MAX_RANGE_DAYS} days.")
        data["period"] = Period(first=start, last=end)
        return data


def period_from(request: HttpRequest) -> tuple[RangeForm, Period]:
    """The range asked for, or the last 30 days when it is missing or wrong (the form
    then carries the errors, shown next to the fields)."""
    form = RangeForm(request.GET)
    if form.is_valid():
        return form, form.cleaned_data["period"]
    return form, Period.last_days(DEFAULT_DAYS)


def period_words(period: Period) -> str:
    """``last 30 days`` for a range ending today, else ``Nov 1 to Nov 30, 2026``."""
    first, last = period.first, period.last
    if last == timezone.localdate():
        return f"last {period.days} day{'s' if period.days != 1 else ''}"
    start = f"{first:%b} {first.day}" + (f", {first.year}" if first.year != last.year else "")
    return f"{start} to {last:%b} {last.day}, {last.year}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _amount(value: Any) -> str:
    return "" if value is None else money(value)


Columns = list[tuple[str, Callable[[Any], Any]]]

_PEOPLE: Columns = [
    ("requests", lambda r: r.requests),
    ("applied_on_own_authority", lambda r: r.autonomous),
    ("autonomy_rate", lambda r: _pct(r.autonomy_rate)),
    ("escalated", lambda r: r.escalated),
    ("approved", lambda r: r.approved),
    ("lowered", lambda r: r.lowered),
    ("denied", lambda r: r.denied),
    ("approval_rate", lambda r: _pct(r.approval_rate)),
    ("spend_own_authority", lambda r: _amount(r.own_spend)),
    ("spend_approved", lambda r: _amount(r.approved_spend)),
    ("budget", lambda r: "no cap" if r.budget is None else _amount(r.budget)),
    ("budget_used", lambda r: _pct(r.budget_used)),
    ("currency", lambda r: settings.DISCRETION_CURRENCY),
]


@dataclass(frozen=True)
class Sheets:
    """Everything the dashboard shows as a table, for its CSV export."""

    ops: OpsTables
    metrics: DashboardMetrics
    follow_through: list[FollowThroughRow]
    board: ProblemBoard


def _currency(_: Any) -> str:
    return settings.DISCRETION_CURRENCY


_COST: Columns = [("cost", lambda r: _amount(r.total)), ("currency", _currency)]

# Every table of the dashboard, by the name ``?format=csv&table=`` takes.
TABLES: dict[str, tuple[Callable[[Sheets], Iterable[Any]], Columns]] = {
    "agents": (
        lambda s: s.ops.agents,
        [("agent", lambda r: r.name), ("team", lambda r: r.team), *_PEOPLE],
    ),
    "teams": (
        lambda s: s.ops.teams,
        [("team", lambda r: r.name), ("members", lambda r: r.members), *_PEOPLE],
    ),
    "approvers": (
        lambda s: s.ops.approvers,
        [
            ("approver", lambda r: r.name),
            ("decisions", lambda r: r.decisions),
            ("approved", lambda r: r.approved),
            ("approval_rate", lambda r: _pct(r.approval_rate)),
            ("lowered", lambda r: r.lowered),
            ("share_lowered", lambda r: _pct(r.lowered_share)),
            ("median_seconds_to_decide", lambda r: _num(r.median_seconds)),
        ],
    ),
    "rules": (
        lambda s: s.ops.rules,
        [
            ("rule", lambda r: r.name),
            ("enabled", lambda r: "yes" if r.enabled else "no"),
            ("fired", lambda r: r.fired),
            ("escalated", lambda r: r.escalated),
            ("decided", lambda r: r.decided),
            ("approved_unchanged", lambda r: r.unchanged),
            ("approved_unchanged_share", lambda r: _pct(r.unchanged_share)),
            ("finding", lambda r: r.finding),
        ],
    ),
    "days": (
        lambda s: s.metrics.days,
        [
            ("day", lambda r: r.day.isoformat()),
            ("requests", lambda r: r.total),
            ("applied_on_own_authority", lambda r: r.autonomous),
            ("escalated", lambda r: r.escalated),
            ("rejected", lambda r: r.rejected),
            ("autonomy_rate", lambda r: _pct(r.autonomy_rate)),
        ],
    ),
    "spend": (
        # The spend is the calendar month's, whatever the range: each row says which.
        lambda s: [(s.metrics.month_start, row) for row in s.metrics.spend],
        [
            ("month", lambda p: p[0].strftime("%Y-%m")),
            ("remedy_type", lambda p: p[1].remedy_type.code),
            ("own_authority", lambda p: _amount(p[1].own)),
            ("approved", lambda p: _amount(p[1].approved)),
            ("total", lambda p: _amount(p[1].total)),
            (
                "monthly_caps_sum",
                lambda p: "no cap" if p[1].uncapped_users else _amount(p[1].monthly_caps),
            ),
            ("uncapped_users", lambda p: p[1].uncapped_users),
            ("share_of_caps", lambda p: _pct(p[1].share_of_caps)),
            ("currency", _currency),
        ],
    ),
    "failing": (
        lambda s: s.metrics.failing,
        [("check_or_rule", lambda r: r[0]), ("times", lambda r: r[1])],
    ),
    "follow_through": (
        lambda s: s.follow_through,
        [
            ("team", lambda r: r.team),
            ("due", lambda r: r.due),
            ("done_by_due_date", lambda r: r.on_time),
            ("rate", lambda r: _pct(r.rate)),
        ],
    ),
    "problems": (
        lambda s: s.board.problems,
        [("problem", lambda r: r.label), ("cases", lambda r: r.count), *_COST],
    ),
    "root_causes": (
        lambda s: s.board.root_causes,
        [("root_cause", lambda r: r.label), ("remedies", lambda r: r.count), *_COST],
    ),
}


def _num(value: float | None) -> str:
    return "" if value is None else str(round(value))


def tables_csv(sheets: Sheets, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404(f"No such table: pick one of {', '.join(TABLES)}.")
    rows_of, columns = TABLES[table]
    period = sheets.ops.period
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="discretion-{table}-{period.first}-{period.last}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow([name for name, _ in columns])
    for row in rows_of(sheets):
        writer.writerow([value(row) for _, value in columns])
    return response


@supervisor_required
@require_POST
def rule_off_backtest(request: HttpRequest, rule_id: int) -> HttpResponse:
    """What the period's requests would have become with this rule off (htmx)."""
    _, period = period_from(request)
    context: dict[str, Any] = {"turning_off": True}
    try:
        draft = rule_draft_build(rule_id=rule_id, enabled=False)
        # backtest_run counts back from ``now``: the range's end, and its length.
        end = min(period.end, timezone.now())
        context["report"] = backtest_run(draft=draft, days=period.days, now=end)
    except DomainError as exc:
        context["error"] = exc.message
    return render(request, "admin_ui/_backtest.html", context)


urlpatterns = [
    path(
        "dashboard/rules/<int:rule_id>/backtest-off/",
        rule_off_backtest,
        name="dashboard-rule-off-backtest",
    ),
]
