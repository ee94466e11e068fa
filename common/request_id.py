"""The request id: one id per HTTP request, on every log line, task and error body of it.

``RequestIdMiddleware`` (outermost in ``MIDDLEWARE``) takes the client's ``X-Request-ID``
when it is sane (8 to 128 characters of letters, digits and ``._:-``; a proxy's or the
help desk's id joins the logs up), else makes a uuid4; it sets it on ``request.request_id``
and in a context variable for the request's duration, and returns it in the
``X-Request-ID`` response header.

Celery tasks published during the request carry it in a message header
(``before_task_publish``); the worker adopts it for the task's run (``task_prerun``), so
the worker's log lines of that task show the same id. ``config/celery.py`` connects the
signals in every process that loads the Celery app (web and worker).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from celery import signals
from django.http import HttpRequest, HttpResponseBase

HEADER = "X-Request-ID"
# The name of the Celery message header that carries it.
TASK_HEADER = "discretion_request_id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{8,128}")

_request_id: ContextVar[str] = ContextVar("discretion_request_id", default="")
# "<task name>[<task id>]" while a Celery task runs in this thread, else "".
_task: ContextVar[str] = ContextVar("discretion_task", default="")


def request_id_get() -> str:
    """The id of the request (or of the request that enqueued the running task); ""."""
    return _request_id.get()


def task_get() -> str:
    return _task.get()


def request_id_choose(header: str | None) -> str:
    """The client's id when it is sane, else a new one."""
    if header and _SANE.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_choose(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[HEADER] = request_id
        return response


# --- Celery -----------------------------------------------------------------------------


def _task_publish_attach(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = _request_id.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


def _task_prerun_adopt(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    context = getattr(task, "request", None)
    # Protocol 2 makes a custom message header an attribute of the task's request.
    request_id = getattr(context, TASK_HEADER, None) or (
        (getattr(context, "headers", None) or {}).get(TASK_HEADER)
    )
    _request_id.set(request_id if isinstance(request_id, str) else "")
    _task.set(f"{getattr(task, 'name', '?')}[{task_id}]")


def _task_postrun_forget(**_: Any) -> None:
    _request_id.set("")
    _task.set("")


def celery_signals_connect() -> None:
    """Carry the request id from the publisher to the worker (idempotent)."""
    signals.before_task_publish.connect(_task_publish_attach, weak=False, dispatch_uid="rid-pub")
    signals.task_prerun.connect(_task_prerun_adopt, weak=False, dispatch_uid="rid-pre")
    signals.task_postrun.connect(_task_postrun_forget, weak=False, dispatch_uid="rid-post")
