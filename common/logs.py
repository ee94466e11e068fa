"""Log records as one JSON object a line (``DISCRETION_LOG_FORMAT=json``), or text; both
with the request id (``common.request_id``) of the request or task they belong to.

A JSON line: ``{"time", "level", "logger", "message", "request_id", "task"?,
"exc_info"?, ...extra}``: ``extra={...}`` fields of the call are kept (values that are not
JSON become strings).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from common.request_id import request_id_get, task_get

# The attributes every LogRecord has: anything else was passed in ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "task",
}


class RequestIdFilter(logging.Filter):
    """Stamps ``record.request_id`` and ``record.task`` (for both formats)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_get() or "-"
        if not getattr(record, "task", None):
            record.task = task_get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id(record),
        }
        task = getattr(record, "task", None) or task_get()
        if task:
            line["task"] = task
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def _request_id(record: logging.LogRecord) -> str | None:
    value = getattr(record, "request_id", None) or request_id_get()
    return value if value and value != "-" else None
