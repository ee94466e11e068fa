"""Prometheus plumbing: who may scrape, gauges read at scrape time, the exposition.

prometheus_client writes the text format; nothing here formats it by hand. In
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, always set by ``config/observability.py``)
a scrape sums the counters and histograms every process wrote to that folder (each
gunicorn worker has its own files), then adds the gauges of ``GaugeQuery`` rows, read
from the database at scrape time: the database is the truth of how many escalations
wait or messages are queued, whichever process changed them (web or Celery worker).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(allow: Iterable[str]) -> list[IPNetwork]:
    # A few entries, parsed per scrape (every 15 s or so): no cache to keep in step.
    return [ipaddress.ip_network(entry, strict=False) for entry in allow]


def address_allowed(address: str, allow: Iterable[str]) -> bool:
    """Is the client ``address`` (``REMOTE_ADDR``) in one of the ``allow`` IPs/CIDRs?"""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return any(ip.version == net.version and ip in net for net in _networks(allow))


@dataclass(frozen=True)
class GaugeQuery:
    """One gauge read from the database at each scrape: ``read`` is a selector returning
    a number, or ``{label value: number}`` with ``label`` naming the label."""

    name: str
    documentation: str
    read: Callable[[], float | Mapping[str, float]]
    label: str | None = None


class GaugeQueryCollector(Collector):
    """The gauges of ``queries``, each read once per scrape. A gauge whose query fails is
    left out (and logged); ``discretion_metrics_gauge_errors`` counts such gauges, so
    the rest of the scrape still answers while the database is in trouble."""

    def __init__(self, queries: Iterable[GaugeQuery]):
        self.queries = tuple(queries)

    def collect(self) -> Iterator[Metric]:
        failed = 0
        for query in self.queries:
            try:
                value = query.read()
            except Exception:  # a scrape must not fail on one gauge
                logger.exception("metrics: gauge %s could not be read", query.name)
                failed += 1
                continue
            if isinstance(value, Mapping):
                family = GaugeMetricFamily(
                    query.name, query.documentation, labels=[query.label or "kind"]
                )
                for label, number in value.items():
                    family.add_metric([label], number)
            else:
                family = GaugeMetricFamily(query.name, query.documentation, value=value)
            yield family
        yield GaugeMetricFamily(
            "discretion_metrics_gauge_errors",
            "Gauges of this scrape whose database query failed.",
            value=failed,
        )


def exposition(collectors: Iterable[Collector] = ()) -> HttpResponse:
    """The scrape: every process's counters and histograms (multiprocess mode) or this
    process's (without it), plus ``collectors``."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:  # pragma: no cover - settings always set the folder
        registry = CollectorRegistry()
        registry.register(_Default())
    for collector in collectors:
        registry.register(collector)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _Default(Collector):
    def collect(self) -> Iterator[Metric]:  # pragma: no cover
        yield from REGISTRY.collect()
