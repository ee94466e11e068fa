"""The discretion API: each module owns its own paths."""

from django.urls import include, path

urlpatterns = [
    path("", include("discretion.api.resolutions")),   # cases/{id}/resolutions/, resolutions/
    path("", include("discretion.api.escalations")),   # escalations/, oncall*, escalation-policy/, notifications/
    path("", include("discretion.api.backtest")),      # policy-rules/backtest/
    path("", include("discretion.api.users")),         # auth/token/, agents/, trust-tiers/, trust-limits/, remedy-types/, me/
]
