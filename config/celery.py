"""The Celery app: ``celery -A config worker -B`` runs a worker with the beat sweeper."""

import logging.config
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun
from django.conf import settings
from django.db import close_old_connections
from kombu import Queue

from common.request_id import celery_signals_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("discretion")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Without -Q a worker consumes every queue declared here: routing has its own queue so
# a backlog of e-mails can never delay an escalation.
app.conf.task_queues = (Queue("default"), Queue("escalations"))
app.autodiscover_tasks(
    [
        "discretion.escalations",
        "discretion.followups",
        "discretion.incidents",
        "discretion.messages",
        "discretion.notifications",
        "discretion.proposals",
        "discretion.raises",
        "discretion.recognition",
        "discretion.webhooks",
    ]
)

# Tasks published during a request carry its id; the worker's log lines of them show it.
celery_signals_connect()


def _connections_check(task: Any = None, **_: Any) -> None:
    """Around every task, what Django does around every request: close a connection older
    than CONN_MAX_AGE or left unusable by an error, keep the others (the next query
    health-checks it). Celery's own close of every connection per task is off
    (CELERY_DB_REUSE_MAX in settings). Not for an eager run, which may be inside the
    caller's transaction (as Celery's fixup skips it too)."""
    if not getattr(getattr(task, "request", None), "is_eager", False):
        close_old_connections()


task_prerun.connect(_connections_check, weak=False, dispatch_uid="db-pre")
task_postrun.connect(_connections_check, weak=False, dispatch_uid="db-post")


@setup_logging.connect
def _logging_from_settings(**_: Any) -> None:
    """The worker logs like the web (settings.LOGGING: JSON or text, with the request id)
    instead of Celery's own format."""
    logging.config.dictConfig(settings.LOGGING)
