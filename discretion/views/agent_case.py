"""The case page: header, status/assignee, timeline, resolve panel, outcome."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path

from cases.models import Case


@login_required
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case.objects.select_related("customer", "assignee"), pk=case_id)
    return render(request, "agent/case.html", {"case": case})


case_detail_urls = [
    path("cases/<int:case_id>/", case_page, name="agent-case"),
]
