"""Admin screens (role admin only): the on-call week (shifts and rotation turns by level
and day; a shift added, or one occurrence of it removed after a confirm step that warns
of the gap it leaves), the gaps of the coming week, and the escalation policy's levels
(timeouts in minutes). Rotations and overrides: ``web.admin.rotations``.

Writes go through ``discretion.escalations.oncall`` (which validates and audits), the
same functions the API calls.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from discretion.escalations.oncall import (
    escalation_policy_get,
    escalation_policy_update,
    oncall_gaps_coming,
    oncall_shift_create,
    oncall_shift_cut,
    oncall_shift_delete,
    oncall_shift_get,
    oncall_shift_list,
)
from discretion.models import OnCallShift
from discretion.rotations.selectors import override_list, rotation_blocks, rotation_list
from discretion.trust.selectors import user_list
from web.admin.rotations import OverrideForm, RotationForm, override_initial, rotation_initial
from web.common import acting_user, admin_required, error_lines, form_errors_add, found


class ShiftForm(forms.Form):
    supervisor = forms.ModelChoiceField(
        queryset=user_list(active=True, supervising=True),
        label="Supervisor",
    )
    level = forms.IntegerField(min_value=1, max_value=20, initial=1)
    starts_at = forms.DateTimeField(
        label="Starts", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    ends_at = forms.DateTimeField(label="Ends", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "A shift must end after it starts.")
        return data


def _week_start(value: str | None) -> date:
    today = timezone.localdate()
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


def _block(lo: datetime, hi: datetime, day_start: datetime, day_end: datetime, now: datetime):
    tz = timezone.get_current_timezone()
    return {
        "left": round((lo - day_start).total_seconds() / 864, 2),
        "width": max(round((hi - lo).total_seconds() / 864, 2), 2),
        "from": timezone.localtime(lo, tz).strftime("%H:%M"),
        "to": "24:00" if hi == day_end else timezone.localtime(hi, tz).strftime("%H:%M"),
        "live": lo <= now < hi,
    }


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)


def _week_context(week: date) -> dict[str, Any]:
    """The 7 x levels grid: each cell lists the shifts and rotation turns overlapping
    that day as positioned blocks (left/width in % of the day), then the rotations, the
    overrides still to come and the gaps of the coming week."""
    start, _ = _day_bounds(week)
    _, end = _day_bounds(week + timedelta(days=6))
    shifts = list(oncall_shift_list(overlapping=(start, end)))
    turns = rotation_blocks(start=start, end=end)
    policy = escalation_policy_get()
    levels = sorted(
        {int(e["level"]) for e in policy.levels}
        | {s.level for s in shifts}
        | {t.level for t in turns}
    )
    days = [week + timedelta(days=i) for i in range(7)]
    now = timezone.now()
    grid = []
    for level in levels:
        cells = []
        for day in days:
            day_start, day_end = _day_bounds(day)
            blocks = []
            for shift in shifts:
                if shift.level != level or shift.ends_at <= day_start or shift.starts_at >= day_end:
                    continue
                lo, hi = max(shift.starts_at, day_start), min(shift.ends_at, day_end)
                blocks.append({"shift": shift, **_block(lo, hi, day_start, day_end, now)})
            for turn in turns:
                if turn.level != level or turn.ends_at <= day_start or turn.starts_at >= day_end:
                    continue
                lo, hi = max(turn.starts_at, day_start), min(turn.ends_at, day_end)
                blocks.append({"turn": turn, **_block(lo, hi, day_start, day_end, now)})
            blocks.sort(key=lambda b: b["from"])
            cells.append({"day": day, "blocks": blocks})
        grid.append({"level": level, "cells": cells})
    return {
        "week": week,
        "days": days,
        "grid": grid,
        "shifts": shifts,
        "policy": policy,
        "policy_minutes": [
            {"level": e["level"], "minutes": _minutes(int(e["timeout_seconds"]))}
            for e in policy.levels
        ],
        "rotations": list(rotation_list()),
        "overrides": list(override_list(ending_after=now)),
        "gaps": oncall_gaps_coming(start=now, end=now + timedelta(days=7)),
        "time_zone": timezone.get_current_timezone_name(),
        "prev_week": week - timedelta(days=7),
        "next_week": week + timedelta(days=7),
        "today": timezone.localdate(),
        "rotation_form": RotationForm(initial=rotation_initial()),
        "override_form": OverrideForm(initial=override_initial()),
    }


def _minutes(seconds: int) -> str:
    """Seconds as minutes for the form: ``15``, or ``0.5`` for 30 s."""
    return str(seconds // 60) if seconds % 60 == 0 else f"{seconds / 60:.2f}".rstrip("0")


def _removal(request: HttpRequest) -> dict[str, Any] | None:
    """The confirm step of the remove button on one occurrence (``?remove=<shift>&day=<date>``):
    which hours go, and the gaps removing them would leave at that level."""
    raw_id, raw_day = request.GET.get("remove", ""), request.GET.get("day", "")
    if not raw_id.isdigit() or len(raw_id) > 18:
        return None
    try:
        shift = oncall_shift_get(shift_id=int(raw_id))
        day = date.fromisoformat(raw_day)
    except (OnCallShift.DoesNotExist, ValueError):
        return None
    day_start, day_end = _day_bounds(day)
    lo, hi = max(shift.starts_at, day_start), min(shift.ends_at, day_end)
    if hi <= lo:
        return None
    gaps = [
        gap
        for gap in oncall_gaps_coming(start=lo, end=hi, without_shift_id=shift.pk)
        if gap.level == shift.level
    ]
    return {
        "shift": shift,
        "day": day,
        **_block(lo, hi, day_start, day_end, timezone.now()),
        "whole": lo == shift.starts_at and hi == shift.ends_at,
        "gaps": gaps,
    }


@admin_required
@require_GET
def oncall_page(request: HttpRequest) -> HttpResponse:
    week = _week_start(request.GET.get("week"))
    context = _week_context(week)
    context["removal"] = _removal(request)
    starts = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    context["form"] = ShiftForm(
        initial={
            "level": 1,
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        }
    )
    return render(request, "admin_ui/oncall.html", context)


@admin_required
@require_POST
def oncall_shift_add(request: HttpRequest) -> HttpResponse:
    form = ShiftForm(request.POST)
    if form.is_valid():
        try:
            shift = oncall_shift_create(acting_user=acting_user(request), **form.cleaned_data)
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(
                request,
                f"{shift.supervisor.label} is on call at level {shift.level} "
                f"from {timezone.localtime(shift.starts_at):%a %b %-d %H:%M} "
                f"to {timezone.localtime(shift.ends_at):%a %b %-d %H:%M}.",
            )
            week = timezone.localdate(shift.starts_at)
            return redirect(f"/admin-ui/oncall/?week={week.isoformat()}")
    context = _week_context(_week_start(request.POST.get("week")))
    context["form"] = form
    return render(request, "admin_ui/oncall.html", context, status=400)


@admin_required
@require_POST
def oncall_shift_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The remove button of one occurrence, confirmed: with ``day``, only that day's
    part of the shift goes (the rest of the shift stays); without, the whole shift."""
    shift = found(oncall_shift_get, "No such shift.", shift_id=pk)
    week = request.POST.get("week") or timezone.localdate(shift.starts_at).isoformat()
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        day = None
    who = f"{shift.supervisor.label}'s level {shift.level} shift"
    if day is None:
        oncall_shift_delete(acting_user=acting_user(request), shift=shift)
        messages.success(request, f"Removed {who}.")
        return redirect(f"/admin-ui/oncall/?week={week}")
    day_start, day_end = _day_bounds(day)
    try:
        left = oncall_shift_cut(
            acting_user=acting_user(request), shift=shift, starts_at=day_start, ends_at=day_end
        )
    except DomainError as exc:
        messages.error(request, " ".join(error_lines(exc)))
    else:
        rest = " The rest of the shift stays." if left else ""
        messages.success(request, f"Removed {who} on {day:%a %b %-d}.{rest}")
    return redirect(f"/admin-ui/oncall/?week={week}")


@admin_required
@require_POST
def oncall_policy_save(request: HttpRequest) -> HttpResponse:
    """Levels from ``minutes_<n>`` fields (minutes, fractions allowed down to whole
    seconds); a blank one drops that level."""
    values = []
    errors = []
    keys = sorted(
        (k for k in request.POST if k.startswith("minutes_")),
        key=lambda k: int(k.split("_")[1]) if k.split("_")[1].isdigit() else 10**6,
    )
    for key in keys:
        raw = request.POST.get(key, "").strip()
        if not raw:
            continue
        try:
            minutes = Decimal(raw) if raw.isascii() and len(raw) < 12 else Decimal("NaN")
            seconds = minutes * 60
            if not seconds.is_finite() or seconds != seconds.to_integral_value():
                raise InvalidOperation
        except InvalidOperation:
            errors.append(f"“{raw[:20]}” is not a number of minutes.")
            continue
        values.append(int(seconds))
    raw_repeat = request.POST.get("repeat_times", "").strip()
    repeat_times = int(raw_repeat) if raw_repeat.isdigit() and len(raw_repeat) < 4 else None
    if raw_repeat and repeat_times is None:
        errors.append(f"“{raw_repeat[:20]}” is not a whole number of repeats.")
    if not errors:
        try:
            escalation_policy_update(
                acting_user=acting_user(request),
                levels=[{"level": i, "timeout_seconds": t} for i, t in enumerate(values, start=1)],
                repeat_times=repeat_times,
            )
        except DomainError as exc:
            errors = [_in_minutes(line) for line in error_lines(exc)]
    if errors:
        context = _week_context(_week_start(request.POST.get("week")))
        context.update({"form": ShiftForm(), "policy_errors": errors})
        return render(request, "admin_ui/oncall.html", context, status=400)
    messages.success(
        request, "Escalation policy saved; escalations already open keep their levels."
    )
    return redirect(f"/admin-ui/oncall/?week={request.POST.get('week', '')}")


def _in_minutes(line: str) -> str:
    """The policy's refusals speak of seconds (the API's unit); this form's of minutes."""
    return line.replace(
        "timeout_seconds must be a whole number ≥ 1", "a timeout is at least 1 minute"
    ).replace("timeout_seconds is at most a week", "a timeout is at most a week (10080 minutes)")


urlpatterns = [
    path("admin-ui/oncall/", oncall_page, name="admin-oncall"),
    path("admin-ui/oncall/shifts/", oncall_shift_add, name="admin-oncall-add"),
    path(
        "admin-ui/oncall/shifts/<int:pk>/delete/", oncall_shift_remove, name="admin-oncall-delete"
    ),
    path("admin-ui/oncall/policy/", oncall_policy_save, name="admin-oncall-policy"),
]
