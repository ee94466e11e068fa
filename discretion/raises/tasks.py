"""Limit request tasks: thin (fetch by id, call a service), idempotent, named explicitly.
The beat entry is in ``config/settings.py`` (``discretion-sweep-limit-requests``)."""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from common.tasks import RETRY
from discretion.notifications.services import notifications_sent_inline
from discretion.raises.routing import limit_request_route, limit_request_sweep


@shared_task(name="discretion.route_limit_request", **RETRY)
def route_limit_request(limit_request_id: int) -> bool:
    """Route (or move up) one limit request, on the ``escalations`` queue."""
    with notifications_sent_inline():
        return limit_request_route(limit_request_id=limit_request_id)


@shared_task(name="discretion.sweep_limit_requests", **RETRY)
def sweep_limit_requests() -> int:
    """Expire lapsed requests and move every unrouted or past-due pending one."""
    close_old_connections()
    return limit_request_sweep()
