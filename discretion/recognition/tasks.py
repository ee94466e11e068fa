"""Recognition tasks: thin, the service does the work (and its dedupe key the once-only)."""

from __future__ import annotations

from celery import shared_task

from common.tasks import RETRY
from discretion.recognition.services import recognition_digest_send


@shared_task(name="discretion.recognition_digest", **RETRY)
def recognition_digest() -> int:
    return recognition_digest_send()
