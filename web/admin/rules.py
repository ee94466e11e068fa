"""Admin screens (role admin only): policy rules, listed, created, edited, enabled and
disabled, with live validation as the admin types and a backtest before enabling.

Writes go through ``policies.services`` (versioned and audited); validation is
``policies.expressions`` and the backtest ``discretion.decisions.backtest``, the same
functions the API calls.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.selectors import remedy_type_list
from common.errors import DomainError, NotFound
from discretion.decisions.backtest import backtest_run, rule_draft_build
from policies.expressions import MAX_EXPRESSION_LENGTH, ExpressionError
from policies.models import RULE_NAME_MAX_LENGTH, Effect, PolicyRule
from policies.remedy_codes import UnknownRemedyCode, unknown_remedy_codes
from policies.selectors import expression_validation_get, policy_rule_get, policy_rule_list
from policies.services import policy_rule_create, policy_rule_update
from web.common import acting_user, admin_required, form_errors_add


class RuleForm(forms.Form):
    name = forms.CharField(max_length=RULE_NAME_MAX_LENGTH)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expression = forms.CharField(
        max_length=MAX_EXPRESSION_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    # A new rule asks for approval unless the admin picks "deny": the milder effect.
    effect = forms.ChoiceField(choices=Effect.choices, initial=Effect.REQUIRE_APPROVAL)
    message = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown to the agent when the rule matches.",
    )
    priority = forms.IntegerField(initial=100, min_value=-(2**31), max_value=2**31 - 1)
    enabled = forms.BooleanField(required=False)

    def __init__(self, *args: Any, acting_user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user

    def clean_expression(self) -> str:
        expression = self.cleaned_data["expression"]
        validation = expression_validation_get(acting_user=self.acting_user, expression=expression)
        if not validation.valid:
            assert validation.error is not None  # an invalid expression always says why
            raise forms.ValidationError(validation.error)
        return expression


def remedy_code_warnings(expression: str) -> list[UnknownRemedyCode]:
    """Remedy codes the expression compares with that no remedy type has."""
    return unknown_remedy_codes(expression, {r.code for r in remedy_type_list()})


def _warn_codes(request: HttpRequest, expression: str) -> None:
    for unknown in remedy_code_warnings(expression):
        messages.warning(request, unknown.sentence)


@admin_required
@require_GET
def rules_page(request: HttpRequest) -> HttpResponse:
    return render(request, "admin_ui/rules.html", {"rules": list(policy_rule_list())})


@admin_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    form = RuleForm(
        request.POST or None,
        initial={"priority": 100, "enabled": False, "effect": Effect.REQUIRE_APPROVAL},
        acting_user=acting_user(request),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                rule = policy_rule_create(acting_user=acting_user(request), **form.cleaned_data)
            except DomainError as exc:
                form_errors_add(form, exc)
            else:
                state = "enabled" if rule.enabled else "saved, not enabled yet"
                messages.success(request, f"Rule “{rule.name}” {state}.")
                _warn_codes(request, rule.expression)
                return redirect("admin-rule-edit", pk=rule.pk)
        return render(request, "admin_ui/rule_form.html", {"form": form}, status=400)
    return render(request, "admin_ui/rule_form.html", {"form": form})


def _rule_or_404(pk: int) -> PolicyRule:
    try:
        return policy_rule_get(rule_id=pk)
    except NotFound:
        raise Http404("No such rule.") from None


@admin_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule_or_404(pk)
    initial = {
        f: getattr(rule, f)
        for f in ("name", "description", "expression", "effect", "message", "priority", "enabled")
    }
    form = RuleForm(request.POST or None, initial=initial, acting_user=acting_user(request))
    if request.method == "POST":
        if form.is_valid():
            try:
                rule = policy_rule_update(
                    acting_user=acting_user(request), rule_id=rule.pk, **form.cleaned_data
                )
            except DomainError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, f"Rule “{rule.name}” saved (version {rule.version}).")
                _warn_codes(request, rule.expression)
                return redirect("admin-rules")
        return render(request, "admin_ui/rule_form.html", {"form": form, "rule": rule}, status=400)
    return render(request, "admin_ui/rule_form.html", {"form": form, "rule": rule})


@admin_required
@require_POST
def rule_validate(request: HttpRequest) -> HttpResponse:
    """Live validation as the admin types (htmx): valid or where it goes wrong."""
    expression = request.POST.get("expression", "")
    validation = expression_validation_get(acting_user=acting_user(request), expression=expression)
    context: dict[str, Any] = {"expression": expression, "valid": validation.valid}
    if validation.valid:
        context.update(variables=list(validation.variables), sample=validation.result)
        context["unknown_codes"] = remedy_code_warnings(expression)
    else:
        context.update(error=validation.error, line=validation.line, column=validation.column)
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
    except (ExpressionError, DomainError) as exc:
        context["error"] = exc.message
    except ValueError:
        context["error"] = "That rule no longer exists."
    return render(request, "admin_ui/_backtest.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def rule_enable(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the backtest of switching the rule on, then a confirm button. POST: switch it on."""
    rule = _rule_or_404(pk)
    if request.method == "POST":
        policy_rule_update(acting_user=acting_user(request), rule_id=rule.pk, enabled=True)
        messages.success(request, f"Rule “{rule.name}” is on: it applies to new requests now.")
        return redirect("admin-rules")
    draft = rule_draft_build(rule_id=rule.pk, enabled=True)
    report = backtest_run(draft=draft, days=30)
    return render(request, "admin_ui/rule_enable.html", {"rule": rule, "report": report})


@admin_required
@require_POST
def rule_disable(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule_or_404(pk)
    policy_rule_update(acting_user=acting_user(request), rule_id=rule.pk, enabled=False)
    messages.success(request, f"Rule “{rule.name}” is off.")
    return redirect("admin-rules")


urlpatterns = [
    path("admin-ui/rules/", rules_page, name="admin-rules"),
    path("admin-ui/rules/new/", rule_new, name="admin-rule-new"),
    path("admin-ui/rules/validate/", rule_validate, name="admin-rule-validate"),
    path("admin-ui/rules/backtest/", rule_backtest, name="admin-rule-backtest"),
    path("admin-ui/rules/<int:pk>/", rule_edit, name="admin-rule-edit"),
    path("admin-ui/rules/<int:pk>/enable/", rule_enable, name="admin-rule-enable"),
    path("admin-ui/rules/<int:pk>/disable/", rule_disable, name="admin-rule-disable"),
]
