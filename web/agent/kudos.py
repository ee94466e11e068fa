"""Kudos in the browser: the team's recognitions of a week (``/team/kudos/``), and giving
kudos to a teammate (from that page, or next to an applied resolution on the case page,
``templates/agent/_kudos_action.html``). Recognitions only: no verdicts, no mistakes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from cases.models import Resolution
from common.errors import DomainError
from discretion.decisions.selectors import resolution_list
from discretion.models import User
from discretion.recognition.models import RECOGNITION_NOTE_MAX_LENGTH
from discretion.recognition.selectors import kudos_recipients, recognition_team_week, team_get
from discretion.recognition.services import recognition_create
from discretion.recognition.weeks import IsoWeek, iso_week_of, iso_week_parse
from discretion.trust.selectors import user_list
from web.common import acting_user, error_lines


class KudosForm(forms.Form):
    agent = forms.ModelChoiceField(
        queryset=user_list(active=True),
        label="Who",
        error_messages={"required": "Choose who the kudos are for."},
    )
    note = forms.CharField(
        max_length=RECOGNITION_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What they did well",
        error_messages={"required": "Say what they did well."},
    )
    resolution = forms.ModelChoiceField(
        queryset=resolution_list(), required=False, widget=forms.HiddenInput
    )


def _week(request: HttpRequest) -> IsoWeek:
    return iso_week_parse(request.GET.get("week", "")) or iso_week_of(timezone.localdate())


def _page(request: HttpRequest, form: KudosForm, *, status: int = 200) -> HttpResponse:
    user = acting_user(request)
    week = _week(request)
    team = team_get(user=user)
    return render(
        request,
        "agent/kudos.html",
        {
            "form": form,
            "week": week,
            "team": team,
            "recognitions": recognition_team_week(team=team, week=week),
            "recipients": kudos_recipients(user=user),
            "this_week": iso_week_of(timezone.localdate()),
        },
        status=status,
    )


@login_required
@require_GET
def kudos_page(request: HttpRequest) -> HttpResponse:
    return _page(request, KudosForm())


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/team/kudos/"


@login_required
@require_POST
def kudos_give(request: HttpRequest) -> HttpResponse:
    form = KudosForm(request.POST)
    if form.is_valid():
        agent: User = form.cleaned_data["agent"]
        resolution: Resolution | None = form.cleaned_data["resolution"]
        try:
            recognition_create(
                acting_user=acting_user(request),
                agent=agent,
                note=form.cleaned_data["note"],
                resolution=resolution,
            )
        except DomainError as exc:
            for line in error_lines(exc):
                messages.error(request, line)
            return redirect(_next_url(request))
        messages.success(request, f"Kudos sent to {agent.label}. They have been notified.")
        return redirect(_next_url(request))
    if request.POST.get("next"):
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect(_next_url(request))
    return _page(request, form, status=400)


urlpatterns = [
    path("team/kudos/", kudos_page, name="kudos"),
    path("kudos/", kudos_give, name="kudos-give"),
]
