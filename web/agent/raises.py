"""Asking for more from the browser: the "Ask for more" form (on the case page and on
``/me/limit-requests/``, the agent's own list of requests).

Thin: a Django form turns the quick choices ("end of today", "Friday", a date) into an
``expires_at``; ``discretion.raises.services.limit_request_create`` decides the rules and
its refusals are shown next to the form.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from cases.selectors import remedy_type_list
from common.errors import DomainError
from discretion.raises.models import REASON_MAX_LENGTH
from discretion.raises.selectors import limit_request_list
from discretion.raises.services import limit_request_create
from discretion.raises.wording import raise_phrase, until_phrase
from discretion.trust.selectors import remedy_type_by_code
from web.common import MoneyFormField, acting_user, error_status, form_errors_add

UNTIL_CHOICES = [("today", "End of today"), ("friday", "Friday, 17:00"), ("date", "A date")]
FRIDAY = 4
FRIDAY_CLOSE = time(17, 0)


def expires_at_for(choice: str, day: datetime | None, *, now: datetime) -> datetime | None:
    """The end a quick choice stands for, in the deployment's time zone: the end of today
    (23:59), the coming Friday at 17:00 (next week's once this one's has passed), or the
    date and time given."""
    local = timezone.localtime(now)
    zone = timezone.get_current_timezone()
    if choice == "today":
        return datetime.combine(local.date(), time(23, 59), tzinfo=zone)
    if choice == "friday":
        ahead = (FRIDAY - local.weekday()) % 7
        friday = datetime.combine(local.date() + timedelta(days=ahead), FRIDAY_CLOSE, tzinfo=zone)
        return friday if friday > local else friday + timedelta(days=7)
    if day is None:
        return None
    return day if timezone.is_aware(day) else timezone.make_aware(day, zone)


class AskMoreForm(forms.Form):
    remedy_type = forms.CharField(label="Remedy")
    per_remedy_max = MoneyFormField(required=False, label="New per-remedy limit")
    daily_max = MoneyFormField(required=False, label="New daily cap")
    until = forms.ChoiceField(choices=UNTIL_CHOICES, initial="today", label="Until")
    until_date = forms.DateTimeField(
        required=False,
        label="Date",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, widget=forms.Textarea, label="Why")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        remedy = remedy_type_by_code(data.get("remedy_type") or "")
        if remedy is None:
            self.add_error("remedy_type", "Pick a remedy.")
        data["remedy"] = remedy
        ends = expires_at_for(data.get("until", ""), data.get("until_date"), now=timezone.now())
        if ends is None:
            self.add_error("until_date", "Give the date it should last until.")
        data["expires_at"] = ends
        return data


def _context(request: HttpRequest, form: AskMoreForm) -> dict:
    user = acting_user(request)
    return {
        "ask_form": form,
        "ask_remedies": [r for r in remedy_type_list(enabled=True) if r.monetary],
        "requests": [
            {"request": r, "phrase": raise_phrase(r), "until": until_phrase(r.expires_at)}
            for r in limit_request_list(user=user, requester_id=user.pk)[:50]
        ],
        "reason_max_length": REASON_MAX_LENGTH,
    }


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/me/limit-requests/"


@login_required
def limit_requests_page(request: HttpRequest) -> HttpResponse:
    """GET: my requests and the form. POST: ask; back to where I asked from."""
    if request.method != "POST":
        return render(request, "agent/limit_requests.html", _context(request, AskMoreForm()))
    form = AskMoreForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = limit_request_create(
                acting_user=acting_user(request),
                remedy_type=data["remedy"],
                per_remedy_max=data.get("per_remedy_max"),
                daily_max=data.get("daily_max"),
                reason=data["reason"],
                expires_at=data["expires_at"],
            )
        except DomainError as exc:
            form_errors_add(form, exc)
            status = error_status(exc, request)
        else:
            messages.success(
                request,
                f"Asked for more: {raise_phrase(created)} until "
                f"{until_phrase(created.expires_at)}. The supervisor on call will decide; "
                "you will be notified.",
            )
            return redirect(_next(request))
    return render(request, "agent/limit_requests.html", _context(request, form), status=status)


urlpatterns = [
    path("me/limit-requests/", limit_requests_page, name="agent-limit-requests"),
]
