"""``GET /metrics``: the Prometheus text format, for the addresses in
``DISCRETION_METRICS_ALLOW`` only (default loopback); anyone else gets a 403. The client
is ``REMOTE_ADDR``: behind a proxy, allow the proxy (or scrape the app directly)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.metrics import GaugeQueryCollector, address_allowed, exposition
from discretion.metrics import instruments  # noqa: F401 - its series exist from the first scrape
from discretion.metrics.gauges import GAUGES


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not address_allowed(request.META.get("REMOTE_ADDR", ""), settings.DISCRETION_METRICS_ALLOW):
        return HttpResponseForbidden(
            "Metrics are open only to the addresses in DISCRETION_METRICS_ALLOW.\n",
            content_type="text/plain; charset=utf-8",
        )
    return exposition([GaugeQueryCollector(GAUGES)])
