"""The limit matrix's what-if: as an admin edits a cell, what the caps typed so far would
have done over the last 30 days (``discretion.whatif.replay``), before anything is saved.

The cell form's inputs post here as they change (htmx, like the rule editor's backtest);
the answer is a fragment inside the form. Writes nothing.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from cases.selectors import remedy_type_get
from discretion.trust.selectors import trust_tier_get
from discretion.whatif.replay import what_if_run, what_if_sentence
from web.admin.limits import _money_field
from web.common import HtmxHttpRequest, admin_required, found

WHAT_IF_DAYS = 30
CHANGED_SHOWN = 8


class WhatIfForm(forms.Form):
    """The caps of the cell form (the rest of it, the reason, does not matter here)."""

    per_remedy_max = _money_field("Per remedy", required=True)
    per_case_max = _money_field("Per case")
    daily_max = _money_field("Per day")
    monthly_max = _money_field("Per month")


@admin_required
@require_POST
def limit_cell_what_if(request: HtmxHttpRequest, tier_code: str, remedy_code: str) -> HttpResponse:
    tier = found(trust_tier_get, "No such tier.", code=tier_code)
    remedy = found(remedy_type_get, "No such remedy type.", code=remedy_code)
    form = WhatIfForm(request.POST)
    context: dict = {"tier": tier, "remedy": remedy, "days": WHAT_IF_DAYS}
    if not form.is_valid():
        context["waiting"] = (
            "Type a per-remedy cap to see what it would have done."
            if "per_remedy_max" in form.errors
            else "Fix the amounts to see what they would have done."
        )
        return render(request, "admin_ui/_limit_whatif.html", context)
    data = form.cleaned_data
    report = what_if_run(
        remedy_type=remedy,
        tier=tier,
        per_remedy_max=data["per_remedy_max"],
        caps={name: data.get(name) for name in ("per_case_max", "daily_max", "monthly_max")},
        days=WHAT_IF_DAYS,
    )
    context.update(
        report=report,
        sentence=what_if_sentence(report),
        changed=report["changed"][:CHANGED_SHOWN],
        more=report["changed_total"] - min(len(report["changed"]), CHANGED_SHOWN),
    )
    return render(request, "admin_ui/_limit_whatif.html", context)


urlpatterns = [
    path(
        "admin-ui/limits/cell/<slug:tier_code>/<slug:remedy_code>/what-if/",
        limit_cell_what_if,
        name="admin-limit-what-if",
    ),
]
