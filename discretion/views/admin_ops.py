"""Admin screens, continued: the on-call week and escalation policy, policy rules (live
validation, backtest before enabling), and the audit log.

Writes go through ``discretion.oncall`` and ``policies.services`` (both audit); the
backtest is ``discretion.backtest``; validation is ``policies.expressions`` — the
same functions the API calls.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import cel
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEvent, ObjectType
from discretion.backtest import backtest_run, rule_draft_build
from discretion.models import OnCallShift, Role, User
from discretion.oncall import (
    OnCallError,
    escalation_policy_get,
    escalation_policy_update,
    oncall_shift_create,
    oncall_shift_delete,
)
from policies.context import context_merge
from policies.expressions import MAX_EXPRESSION_LENGTH, ExpressionError, check_expression
from policies.models import Effect, PolicyRule
from policies.selectors import policy_rule_get, policy_rule_list
from policies.services import PolicyRuleInvalid, policy_rule_create, policy_rule_update

from .bo_common import admin_required, error_lines

# --- on-call ----------------------------------------------------------------------------


class ShiftForm(forms.Form):
    supervisor = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, role__in=[Role.SUPERVISOR, Role.ADMIN]),
        label="Supervisor",
    )
    level = forms.IntegerField(min_value=1, max_value=20, initial=1)
    starts_at = forms.DateTimeField(
        label="Starts", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    ends_at = forms.DateTimeField(label="Ends", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
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
    shifts = list(
        OnCallShift.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("supervisor")
        .order_by("level", "starts_at", "id")
    )
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
            shift = oncall_shift_create(acting_user=request.user, **form.cleaned_data)
        except OnCallError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
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
    shift = get_object_or_404(OnCallShift.objects.select_related("supervisor"), pk=pk)
    week = timezone.localdate(shift.starts_at)
    oncall_shift_delete(acting_user=request.user, shift=shift)
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
                acting_user=request.user,
                levels=[{"level": i, "timeout_seconds": t} for i, t in enumerate(values, start=1)],
            )
        except OnCallError as exc:
            errors = error_lines(exc)
    if errors:
        context = _week_context(_week_start(request.POST.get("week")))
        context.update({"form": ShiftForm(), "policy_errors": errors})
        return render(request, "admin_ui/oncall.html", context, status=400)
    messages.success(
        request, "Escalation policy saved; escalations already open keep their levels."
    )
    return redirect(f"/admin-ui/oncall/?week={request.POST.get('week', '')}")


# --- policy rules -----------------------------------------------------------------------


class RuleForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expression = forms.CharField(
        max_length=MAX_EXPRESSION_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    effect = forms.ChoiceField(choices=Effect.choices)
    message = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown to the agent when the rule matches.",
    )
    priority = forms.IntegerField(initial=100, min_value=-(2**31), max_value=2**31 - 1)
    enabled = forms.BooleanField(required=False)

    def clean_expression(self) -> str:
        expression = self.cleaned_data["expression"]
        try:
            check_expression(expression)
        except ExpressionError as exc:
            raise forms.ValidationError(exc.message) from exc
        return expression


@admin_required
@require_GET
def rules_page(request: HttpRequest) -> HttpResponse:
    return render(request, "admin_ui/rules.html", {"rules": list(policy_rule_list())})


@admin_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST or None, initial={"priority": 100, "enabled": False})
    if request.method == "POST":
        if form.is_valid():
            try:
                rule = policy_rule_create(acting_user=request.user, **form.cleaned_data)
            except PolicyRuleInvalid as exc:
                for field, errors in exc.errors.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                state = "enabled" if rule.enabled else "saved, not enabled yet"
                messages.success(request, f"Rule “{rule.name}” {state}.")
                return redirect("admin-rule-edit", pk=rule.pk)
        return render(request, "admin_ui/rule_form.html", {"form": form}, status=400)
    return render(request, "admin_ui/rule_form.html", {"form": form})


def _rule_or_404(pk: int) -> PolicyRule:
    try:
        return policy_rule_get(rule_id=pk)
    except PolicyRule.DoesNotExist:
        raise Http404("No such rule.") from None


@admin_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule_or_404(pk)
    initial = {
        f: getattr(rule, f)
        for f in ("name", "description", "expression", "effect", "message", "priority", "enabled")
    }
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                rule = policy_rule_update(
                    acting_user=request.user, rule_id=rule.pk, **form.cleaned_data
                )
            except PolicyRuleInvalid as exc:
                for field, errors in exc.errors.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"Rule “{rule.name}” saved (version {rule.version}).")
                return redirect("admin-rules")
        return render(request, "admin_ui/rule_form.html", {"form": form, "rule": rule}, status=400)
    return render(request, "admin_ui/rule_form.html", {"form": form, "rule": rule})


@admin_required
@require_POST
def rule_validate(request: HttpRequest) -> HttpResponse:
    """Live validation as the admin types (htmx): valid or where it goes wrong."""
    expression = request.POST.get("expression", "")
    context: dict[str, Any] = {"expression": expression}
    if len(expression) > MAX_EXPRESSION_LENGTH:
        context["error"] = f"The expression is longer than {MAX_EXPRESSION_LENGTH} characters."
        return render(request, "admin_ui/_rule_validation.html", context)
    try:
        compiled = check_expression(expression)
    except ExpressionError as exc:
        context.update({"error": exc.message, "line": exc.line, "column": exc.column})
        return render(request, "admin_ui/_rule_validation.html", context)
    context["variables"] = sorted(compiled.variables)
    try:
        context["sample"] = compiled.program.execute(cel.Context(variables=context_merge(None)))
    except Exception:
        context["sample"] = None
    context["valid"] = True
    return render(request, "admin_ui/_rule_validation.html", context)


def _backtest_fields(data: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in ("expression", "effect", "name", "message"):
        value = data.get(name)
        if value not in (None, ""):
            fields[name] = value
    if data.get("priority", "").strip().lstrip("-").isdigit():
        fields["priority"] = int(data["priority"])
    fields["enabled"] = True  # the question is always "what if this rule were on?"
    return fields


@admin_required
@require_POST
def rule_backtest(request: HttpRequest) -> HttpResponse:
    """Replay the last 30 days with the rule as drafted (enabled), next to today's rules."""
    rule_id = request.POST.get("rule_id")
    fields = _backtest_fields(request.POST)
    context: dict[str, Any] = {}
    try:
        days = min(max(int(request.POST.get("days") or 30), 1), 365)
    except ValueError:
        days = 30
    try:
        if rule_id:
            draft = rule_draft_build(rule_id=int(rule_id), **fields)
        else:
            if "expression" not in fields or "effect" not in fields:
                raise ExpressionError("Write an expression and pick an effect first.")
            draft = rule_draft_build(**fields)
        context["report"] = backtest_run(draft=draft, days=days)
    except ExpressionError as exc:
        context["error"] = exc.message
    except (PolicyRule.DoesNotExist, ValueError):
        context["error"] = "That rule no longer exists."
    return render(request, "admin_ui/_backtest.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def rule_enable(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the backtest of switching the rule on, then a confirm button. POST: switch it on."""
    rule = _rule_or_404(pk)
    if request.method == "POST":
        policy_rule_update(acting_user=request.user, rule_id=rule.pk, enabled=True)
        messages.success(request, f"Rule “{rule.name}” is on: it applies to new requests now.")
        return redirect("admin-rules")
    draft = rule_draft_build(rule_id=rule.pk, enabled=True)
    report = backtest_run(draft=draft, days=30)
    return render(request, "admin_ui/rule_enable.html", {"rule": rule, "report": report})


@admin_required
@require_POST
def rule_disable(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule_or_404(pk)
    policy_rule_update(acting_user=request.user, rule_id=rule.pk, enabled=False)
    messages.success(request, f"Rule “{rule.name}” is off.")
    return redirect("admin-rules")


# --- audit log --------------------------------------------------------------------------


class AuditFilter(forms.Form):
    object_type = forms.ChoiceField(
        choices=[("", "Any"), *list(ObjectType.choices)], required=False, label="Object"
    )
    object_id = forms.CharField(max_length=64, required=False, label="Object id")
    actor = forms.ModelChoiceField(
        queryset=User.objects.order_by("username"), required=False, empty_label="Anyone"
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )


AUDIT_PAGE_SIZE = 50


@admin_required
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    """Filtered, paginated (50 a page): a count and one page with the actor joined."""
    form = AuditFilter(request.GET or None)
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    if form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"].strip())
        if data["actor"]:
            events = events.filter(actor=data["actor"])
        if data["since"]:
            events = events.filter(
                at__gte=timezone.make_aware(datetime.combine(data["since"], time.min), tz)
            )
        if data["until"]:
            end = datetime.combine(data["until"] + timedelta(days=1), time.min)
            events = events.filter(at__lt=timezone.make_aware(end, tz))
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [{"event": e, "changes": _changes(e.before, e.after)} for e in page.object_list]
    return render(
        request,
        "admin_ui/audit.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


def _changes(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for what changed; everything for a create or delete."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


urlpatterns = [
    path("admin-ui/oncall/", oncall_page, name="admin-oncall"),
    path("admin-ui/oncall/shifts/", oncall_shift_add, name="admin-oncall-add"),
    path(
        "admin-ui/oncall/shifts/<int:pk>/delete/", oncall_shift_remove, name="admin-oncall-delete"
    ),
    path("admin-ui/oncall/policy/", oncall_policy_save, name="admin-oncall-policy"),
    path("admin-ui/rules/", rules_page, name="admin-rules"),
    path("admin-ui/rules/new/", rule_new, name="admin-rule-new"),
    path("admin-ui/rules/validate/", rule_validate, name="admin-rule-validate"),
    path("admin-ui/rules/backtest/", rule_backtest, name="admin-rule-backtest"),
    path("admin-ui/rules/<int:pk>/", rule_edit, name="admin-rule-edit"),
    path("admin-ui/rules/<int:pk>/enable/", rule_enable, name="admin-rule-enable"),
    path("admin-ui/rules/<int:pk>/disable/", rule_disable, name="admin-rule-disable"),
    path("admin-ui/audit/", audit_page, name="admin-audit"),
]
