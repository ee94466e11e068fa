"""Admin screen (role admin only): the audit log, filtered by object, actor and dates,
each event shown with the fields it changed.

Reads only: audit events are append-only (the database refuses UPDATE and DELETE).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.models import ObjectType
from audit.selectors import audit_event_list
from discretion.trust.selectors import user_list
from web.common import admin_required


class AuditFilter(forms.Form):
    object_type = forms.ChoiceField(
        choices=[("", "Any"), *list(ObjectType.choices)], required=False, label="Object"
    )
    object_id = forms.CharField(max_length=64, required=False, label="Object id")
    actor = forms.ModelChoiceField(queryset=user_list(), required=False, empty_label="Anyone")
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
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "object_type": data["object_type"] or None,
            "object_id": data["object_id"].strip() or None,
            "actor_id": data["actor"].pk if data["actor"] else None,
            # The dates are whole local days: from the first one's midnight to the
            # midnight after the last one.
            "since": _midnight(data["since"]) if data["since"] else None,
            "until": _midnight(data["until"] + timedelta(days=1)) if data["until"] else None,
        }
    events = audit_event_list(**filters)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [{"event": e, "changes": _changes(e.before, e.after)} for e in page.object_list]
    return render(
        request,
        "admin_ui/audit.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _changes(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for what changed; everything for a create or delete."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


urlpatterns = [
    path("admin-ui/audit/", audit_page, name="admin-audit"),
]
