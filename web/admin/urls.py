"""The admin screens (``/admin-ui/…``): one module per screen, each owning its paths."""

from django.urls import include, path

urlpatterns = [
    path("", include("web.admin.limits")),
    path("", include("web.admin.overrides")),
    path("", include("web.admin.limits_whatif")),
    path("", include("web.admin.proposals")),
    path("", include("web.admin.tiers")),
    path("", include("web.admin.agents")),
    path("", include("web.admin.oncall")),
    path("", include("web.admin.rotations")),
    path("", include("web.admin.rules")),
    path("", include("web.admin.audit")),
    path("", include("web.admin.reviews")),
    path("", include("web.admin.brand")),
    path("", include("web.admin.root_causes")),
    path("", include("web.admin.webhooks")),
    path("", include("web.admin.integrations")),
]
