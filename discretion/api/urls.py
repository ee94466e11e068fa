"""The discretion API: one module per resource, each owning its paths.

Order matters where paths overlap: ``policy-rules/backtest/`` (backtest) comes before
policies' ``policy-rules/{id}/`` (config/urls.py includes this module first).
"""

from django.urls import include, path

urlpatterns = [
    path("", include("discretion.api.auth")),
    path("", include("discretion.api.agents")),
    path("", include("discretion.api.whatif")),  # before trust-limits/{id}/ (none clash)
    path("", include("discretion.api.trust")),
    path("", include("discretion.api.proposals")),
    path("", include("discretion.api.resolutions")),
    path("", include("discretion.api.resolution_flow")),
    path("", include("discretion.api.escalations")),
    path("", include("discretion.api.limit_requests")),
    path("", include("discretion.api.oncall")),
    path("", include("discretion.api.rotations")),
    path("", include("discretion.api.notifications")),
    path("", include("discretion.api.messages")),
    path("", include("discretion.api.backtest")),
    path("", include("discretion.api.bench")),
    path("", include("discretion.api.reviews")),
    path("", include("discretion.api.recognitions")),
    path("", include("discretion.api.records")),
    path("", include("discretion.api.messages_check")),
    path("", include("discretion.api.brand_promise")),
    path("", include("discretion.api.follow_ups")),
    path("", include("discretion.api.problems")),
    path("", include("discretion.api.problem_changes")),
    path("", include("discretion.api.root_causes")),
    path("", include("discretion.api.webhooks")),
    path("", include("discretion.api.integrations")),
    path("", include("discretion.api.intake")),
    path("", include("discretion.api.incidents")),
]
