"""The Celery app: ``celery -A config worker -B`` runs a worker with the beat sweeper."""

import os

from celery import Celery
from kombu import Queue

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
    ]
)
