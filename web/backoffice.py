"""Supervisor queue, admin screens and the dashboard (the back office).

URL map (every view checks the role; agents get 403, anonymous users the login page):

- ``/queue/`` … supervisors and admins: pending escalations, live (``views.queue``)
- ``/reviews/`` … supervisors and admins: sampled resolutions to review (``supervisor.reviews``)
- ``/escalations/<id>/`` … the link in notifications: the decision page, or the case
- ``/incidents/`` … supervisors and admins: declare, link cases, end (``supervisor.incidents``)
- ``/dashboard/`` … supervisors and admins: metrics as charts (``views.dashboard``)
- ``/admin-ui/…`` … admins: limits, agents, on-call, rules, audit (``views.admin_ui``)
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from common.roles import Role, is_supervising
from discretion.escalations.rules import may_decide
from discretion.escalations.selectors import escalation_get
from web.common import acting_user, role_required


@role_required(*Role.values)
def escalation_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a notification about an escalation leads: deciders decide, requesters see the case."""
    user = acting_user(request)
    escalation = escalation_get(user=user, escalation_id=pk)
    if escalation is None:
        return redirect("queue" if is_supervising(user) else "agent-cases")
    if may_decide(user=user, escalation=escalation):
        return redirect(f"/queue/{pk}/decide/?action=approve")
    return redirect(f"/cases/{escalation.resolution.case_id}/")


urlpatterns = [
    path("", include("web.supervisor.queue")),
    path("", include("web.supervisor.decide_here")),
    path("", include("web.supervisor.raises")),
    path("", include("web.supervisor.reviews")),
    path("", include("web.supervisor.incidents")),
    path("", include("web.dashboard.views")),
    path("", include("web.dashboard.tables")),
    path("", include("web.admin.urls")),
    path("escalations/<int:pk>/", escalation_link, name="escalation-link"),
]
