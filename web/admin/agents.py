"""Admin screens (role admin only): the list of users and the form to create or edit one
(role, team, tier, active flag).

Writes go through ``discretion.trust.users``, which keeps the invariants (superusers are
admins; one active admin always stays) and audits, as for the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from common.errors import DomainError
from common.roles import role_of
from discretion.models import DISPLAY_NAME_MAX_LENGTH, TEAM_NAME_MAX_LENGTH, Role
from discretion.trust.selectors import trust_tier_list, user_get, user_list
from discretion.trust.users import team_get_or_create, user_create, user_update
from web.common import acting_user, admin_required, form_errors_add, found


class AgentForm(forms.Form):
    display_name = forms.CharField(
        max_length=DISPLAY_NAME_MAX_LENGTH, required=False, label="Display name"
    )
    email = forms.EmailField(max_length=254, required=False)
    role = forms.ChoiceField(choices=Role.choices)
    tier = forms.ModelChoiceField(
        queryset=trust_tier_list(), to_field_name="code", required=False, label="Trust tier"
    )
    team = forms.CharField(max_length=TEAM_NAME_MAX_LENGTH, required=False, label="Team")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        team = data["team"].strip()
        return {
            "display_name": data["display_name"],
            "email": data["email"],
            "role": data["role"],
            "tier": data["tier"],
            "team": team_get_or_create(name=team) if team else None,
            "is_active": data["is_active"],
        }


class AgentCreateForm(AgentForm):
    username = forms.RegexField(
        regex=r"^[\w.@+-]+$",
        max_length=150,
        error_messages={"invalid": "Letters, digits and @/./+/-/_ only."},
    )
    password = forms.CharField(
        min_length=8, widget=forms.PasswordInput, help_text="At least 8 characters."
    )
    field_order = ["username", "password", "display_name", "email", "role", "tier", "team"]


class AgentEditForm(AgentForm):
    reason = forms.CharField(max_length=500, required=False, label="Reason (for the audit log)")


@admin_required
@require_http_methods(["GET", "POST"])
def agents_page(request: HttpRequest) -> HttpResponse:
    form = AgentCreateForm(request.POST or None, initial={"role": Role.AGENT, "is_active": True})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = form.values()
            try:
                user = user_create(
                    acting_user=acting_user(request),
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    **values,
                )
            except DomainError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, f"{user.label} can now sign in as {user.username}.")
                return redirect("admin-agents")
        status = 400
    people = user_list(order="role")
    return render(request, "admin_ui/agents.html", {"people": people, "form": form}, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = found(user_get, "No such user.", user_id=pk)
    initial = {
        "display_name": person.display_name,
        "email": person.email,
        "role": role_of(person),
        "tier": person.tier,
        "team": person.team.name if person.team is not None else "",
        "is_active": person.is_active,
    }
    form = AgentEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                user_update(
                    acting_user=acting_user(request),
                    user=person,
                    changes=form.values(),
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, f"Saved {person.username}.")
                return redirect("admin-agents")
        return render(
            request, "admin_ui/agent_edit.html", {"form": form, "person": person}, status=400
        )
    return render(request, "admin_ui/agent_edit.html", {"form": form, "person": person})


urlpatterns = [
    path("admin-ui/agents/", agents_page, name="admin-agents"),
    path("admin-ui/agents/<int:pk>/", agent_edit, name="admin-agent-edit"),
]
