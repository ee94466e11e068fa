"""gunicorn reads this file from its working directory by default (the Dockerfile's and
docker-compose's ``gunicorn config.wsgi …`` run in /app): the hooks of /metrics'
multiprocess mode (config/observability.py).

- ``on_starting`` (the master, once, before forking): empty ``PROMETHEUS_MULTIPROC_DIR``,
  so this run counts from zero; the workers inherit the variable.
- ``child_exit``: a dead worker's live gauges go (its counters stay in the sums).
"""

# Module-level names are read as gunicorn settings (``config`` is one): private names only.
# First: it sets PROMETHEUS_MULTIPROC_DIR before prometheus_client is imported.
from config.observability import metrics_dir_reset as _metrics_dir_reset  # noqa: I001
from prometheus_client import multiprocess as _multiprocess


def on_starting(server):
    _metrics_dir_reset()


def child_exit(server, worker):
    _multiprocess.mark_process_dead(worker.pid)
