"""The discretion API: each module owns its own paths.

- resolutions: cases/{id}/resolutions/, cases/{id}/resolutions/preview/, resolutions/
- escalations: escalations/, oncall-shifts/, oncall/, escalation-policy/, notifications/
- backtest: policy-rules/backtest/ (before policies' policy-rules/{id}/)
- users: auth/token/, agents/, trust-tiers/, trust-limits/, remedy-types/, me/
"""

from django.urls import include, path

urlpatterns = [
    path("", include("discretion.api.resolutions")),
    path("", include("discretion.api.escalations")),
    path("", include("discretion.api.backtest")),
    path("", include("discretion.api.users")),
    path("", include("discretion.api.bench")),
]
