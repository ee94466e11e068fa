"""URLs. Each area owns its own url module; the API lives under /api/v1/."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from common.api_errors import api_not_found
from discretion.metrics.views import metrics

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
    # The split view serves its init script from ?script= instead of inline (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Redoc (styled-components) writes <style> tags at run time and searches in a blob:
    # worker: this page alone allows inline styles and blob: workers; still no inline script.
    path(
        "api/redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="api-redoc",
    ),
    path("admin/", admin.site.urls),
    path("", include("config.health_urls")),
    # Prometheus (DISCRETION_METRICS_ALLOW only): discretion/metrics.
    path("metrics", metrics, name="metrics"),
    path("", include("web.urls")),
]

# The app's own error pages (plain words, a link home, the request id): web/errors.py.
handler400 = "web.errors.bad_request"
handler403 = "web.errors.permission_denied"
handler404 = "web.errors.page_not_found"
handler500 = "web.errors.server_error"
