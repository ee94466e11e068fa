"""The Celery app: ``celery -A config worker -B`` runs a worker with the beat sweeper."""

import logging.config
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings
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


@setup_logging.connect
def _logging_from_settings(**_: Any) -> None:
    """The worker logs like the web (settings.LOGGING: JSON or text, with the request id)
    instead of Celery's own format."""
    logging.config.dictConfig(settings.LOGGING)
