"""URLs. Each area owns its own url module; the API lives under /api/v1/."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from common.api_errors import api_not_found

api_v1: list[URLPattern | URLResolver] = [
    # Order matters where paths overlap: fixed words (backtest/, validate/) before ids.
    path("", include("discretion.api.urls")),
    path("", include("cases.api_urls")),
    path("", include("policies.api_urls")),
    path("", include("audit.api_urls")),
    # Last: any other path under /api/v1/ is a JSON 404, never the HTML page.
    re_path(r"^(?P<unknown>.*)$", api_not_found, name="api-not-found"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("", include("config.health_urls")),
    path("", include("web.urls")),
]
