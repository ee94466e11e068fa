"""Metrics (``GET /metrics``, Prometheus): what the app counts and measures.

- ``instruments.py``: counters and histograms written in the process that decides
  (decisions by outcome, decision latency), summed over processes at scrape.
- ``gauges.py``: the named gauge queries read from the database at each scrape
  (escalations pending and overdue, limit requests pending, the customer-message outbox):
  the one list to add a gauge to.
- ``selectors.py``: those queries. ``views.py``: the scrape, open to
  ``DISCRETION_METRICS_ALLOW`` only.
"""
