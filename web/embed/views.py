"""The help desk's sidebar panel (``/embed/…``): an agent resolves a ticket's case without
leaving the help desk (docs/help-desk.md).

``/embed/cases/?source=zendesk&external_ref=123&subject=…&customer_external_id=…
&customer_name=…&customer_email=…`` opens the ticket's case, or creates it through
intake (assigned to the agent) when it is new, then redirects to ``/embed/cases/<id>/``:
the resolve form with its live preview, the meter and the outcomes, the case page's own
partials (``web.agent.case.resolve_panel_context``), which post to the case page's
endpoints (htmx requests, not framed documents). Not signed in: ``/embed/login/``, the
login form in the panel's frame, which comes back here.

Every page here is ``@framable`` (``web.embed.framing``): only DISCRETION_EMBED_ORIGINS may
frame it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import CUSTOMER_NAME_MAX_LENGTH, SUBJECT_MAX_LENGTH, Case
from cases.selectors import case_by_ticket, case_get
from common.errors import DomainError
from discretion.integrations.services import ticket_case_open
from web.agent.case import resolve_panel_context
from web.common import acting_user, error_lines, error_status, found
from web.embed.framing import framable, opened_from_help_desk

LOGIN_URL = "/embed/login/"
TICKET_PARAMS = (
    "source",
    "external_ref",
    "subject",
    "category",
    "customer_external_id",
    "customer_name",
    "customer_email",
)


def _ticket(params: QueryDict) -> dict[str, str]:
    return {name: params.get(name, "").strip() for name in TICKET_PARAMS}


def _missing(ticket: dict[str, str]) -> list[str]:
    return [name for name in ("source", "external_ref", "customer_external_id") if not ticket[name]]


def _open(request: HttpRequest, ticket: dict[str, str]) -> HttpResponse:
    category = ticket["category"] if ticket["category"] in Case.Category.values else "question"
    try:
        case = ticket_case_open(
            acting_user=acting_user(request),
            source=ticket["source"],
            external_ref=ticket["external_ref"],
            subject=(ticket["subject"] or f"Ticket {ticket['external_ref']}")[:SUBJECT_MAX_LENGTH],
            category=category,
            customer={
                "external_id": ticket["customer_external_id"],
                "name": ticket["customer_name"][:CUSTOMER_NAME_MAX_LENGTH],
                "email": ticket["customer_email"],
            },
        )
    except DomainError as exc:
        return render(
            request,
            "embed/problem.html",
            {"lines": error_lines(exc), "ticket": ticket},
            status=error_status(exc, request),
        )
    return redirect("embed-case", case_id=case.pk)


@framable
@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def ticket_panel(request: HttpRequest) -> HttpResponse:
    """The ticket's case: opened, or created (GET from the help desk, or the POST of the
    "Open a case" button a request from elsewhere gets instead)."""
    params = request.POST if request.method == "POST" else request.GET
    ticket = _ticket(params)
    missing = _missing(ticket)
    if missing:
        lines = [f"The panel's address needs {', '.join(missing)} (docs/help-desk.md)."]
        return render(request, "embed/problem.html", {"lines": lines}, status=400)
    case = case_by_ticket(source=ticket["source"], external_ref=ticket["external_ref"])
    if case is not None:
        return redirect("embed-case", case_id=case.pk)
    if request.method == "POST" or opened_from_help_desk(request):
        return _open(request, ticket)
    return render(request, "embed/confirm.html", {"ticket": ticket})


@framable
@login_required(login_url=LOGIN_URL)
@require_GET
def case_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    case = found(case_get, f"No case #{case_id}.", case_id=case_id)
    context: dict[str, Any] = resolve_panel_context(request, case)
    return render(request, "embed/case.html", context)


class EmbedLoginView(auth_views.LoginView):
    """The login form, in the panel's frame; back to the panel (``next``) after it."""

    template_name = "embed/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("embed-cases")


@framable
@require_POST
def embed_logout(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    logout(request)
    query = urlencode({"next": back}) if back and safe else ""
    return redirect(f"{LOGIN_URL}?{query}" if query else LOGIN_URL)


urlpatterns = [
    path("embed/login/", framable(EmbedLoginView.as_view()), name="embed-login"),
    path("embed/logout/", embed_logout, name="embed-logout"),
    path("embed/cases/", ticket_panel, name="embed-cases"),
    path("embed/cases/<int:case_id>/", case_panel, name="embed-case"),
]
