"""Admin screens (role admin only): the on-call week (shifts by level and day, added and
removed) and the escalation policy's levels.

Writes go through ``discretion.escalations.oncall`` (which validates and audits), the
same functions the API calls.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
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
    oncall_shift_create,
    oncall_shift_delete,
    oncall_shift_get,
    oncall_shift_list,
)
from discretion.trust.selectors import user_list
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


def _week_context(week: date) -> dict[str, Any]:
    """The 7 x levels grid: each cell lists the shifts overlapping that day as positioned
    blocks (left/width in % of the day). Two queries: the policy and the week's shifts."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(week, time.min), tz)
    end = start + timedelta(days=7)
    shifts = list(oncall_shift_list(overlapping=(start, end)))
    policy = escalation_policy_get()
    levels = sorted({int(e["level"]) for e in policy.levels} | {s.level for s in shifts})
    days = [week + timedelta(days=i) for i in range(7)]
    now = timezone.now()
    grid = []
    for level in levels:
        cells = []
        for day in days:
            day_start = timezone.make_aware(datetime.combine(day, time.min), tz)
            day_end = day_start + timedelta(days=1)
            blocks = []
            for shift in shifts:
                if shift.level != level or shift.ends_at <= day_start or shift.starts_at >= day_end:
                    continue
                lo, hi = max(shift.starts_at, day_start), min(shift.ends_at, day_end)
                blocks.append(
                    {
                        "shift": shift,
                        "left": round((lo - day_start).total_seconds() / 864, 2),
                        "width": max(round((hi - lo).total_seconds() / 864, 2), 2),
                        "from": timezone.localtime(lo, tz).strftime("%H:%M"),
                        "to": "24:00"
                        if hi == day_end
                        else timezone.localtime(hi, tz).strftime("%H:%M"),
                        "live": lo <= now < hi,
                    }
                )
            cells.append({"day": day, "blocks": blocks})
        grid.append({"level": level, "cells": cells})
    return {
        "week": week,
        "days": days,
        "grid": grid,
        "shifts": shifts,
        "policy": policy,
        "prev_week": week - timedelta(days=7),
        "next_week": week + timedelta(days=7),
        "today": timezone.localdate(),
    }


@admin_required
@require_GET
def oncall_page(request: HttpRequest) -> HttpResponse:
    week = _week_start(request.GET.get("week"))
    context = _week_context(week)
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
    shift = found(oncall_shift_get, "No such shift.", shift_id=pk)
    week = timezone.localdate(shift.starts_at)
    oncall_shift_delete(acting_user=acting_user(request), shift=shift)
    messages.success(request, f"Removed {shift.supervisor.label}'s level {shift.level} shift.")
    return redirect(f"/admin-ui/oncall/?week={request.POST.get('week') or week.isoformat()}")


@admin_required
@require_POST
def oncall_policy_save(request: HttpRequest) -> HttpResponse:
    """Levels from ``timeout_<n>`` fields (seconds); a blank one drops that level."""
    values = []
    errors = []
    keys = sorted(
        (k for k in request.POST if k.startswith("timeout_")),
        key=lambda k: int(k.split("_")[1]) if k.split("_")[1].isdigit() else 10**6,
    )
    for key in keys:
        raw = request.POST.get(key, "").strip()
        if not raw:
            continue
        try:
            values.append(int(raw))
        except ValueError:
            errors.append(f"“{raw}” is not a whole number of seconds.")
    if not errors:
        try:
            escalation_policy_update(
                acting_user=acting_user(request),
                levels=[{"level": i, "timeout_seconds": t} for i, t in enumerate(values, start=1)],
            )
        except DomainError as exc:
            errors = error_lines(exc)
    if errors:
        context = _week_context(_week_start(request.POST.get("week")))
        context.update({"form": ShiftForm(), "policy_errors": errors})
        return render(request, "admin_ui/oncall.html", context, status=400)
    messages.success(
        request, "Escalation policy saved; escalations already open keep their levels."
    )
    return redirect(f"/admin-ui/oncall/?week={request.POST.get('week', '')}")


urlpatterns = [
    path("admin-ui/oncall/", oncall_page, name="admin-oncall"),
    path("admin-ui/oncall/shifts/", oncall_shift_add, name="admin-oncall-add"),
    path(
        "admin-ui/oncall/shifts/<int:pk>/delete/", oncall_shift_remove, name="admin-oncall-delete"
    ),
    path("admin-ui/oncall/policy/", oncall_policy_save, name="admin-oncall-policy"),
]
