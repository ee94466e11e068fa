"""The request id: chosen per request, returned, in every {detail, code} error body under
/api/v1/, on every log line (JSON or text) and carried into Celery tasks."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from common import request_id as rid
from common.logs import JsonFormatter, RequestIdFilter
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_sane_client_id_is_kept_and_returned(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="helpdesk-4711:abc")
    assert response["X-Request-ID"] == "helpdesk-4711:abc"


@pytest.mark.parametrize("header", [None, "", "short", "a b c d e f g h", "x" * 129, "é" * 10])
def test_anything_else_gets_a_new_id(client, header):
    extra = {} if header is None else {"HTTP_X_REQUEST_ID": header}
    response = client.get("/healthz", **extra)
    assert response["X-Request-ID"] != header
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/no-such-thing/", 404, "not_found"),
        ("get", "/api/v1/me/", 401, "not_authenticated"),
        ("delete", "/api/v1/auth/token/", 405, "method_not_allowed"),
        ("post", "/api/v1/auth/token/", 415, "unsupported_media_type"),
        ("big", "/api/v1/auth/token/", 413, "request_too_large"),
    ],
)
def test_every_api_error_body_carries_it(client, settings, method, path, status, code):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    extra = {"HTTP_X_REQUEST_ID": "trace-0001-abcd"}
    if method == "post":
        response = client.post(path, "username=x", content_type="text/plain", **extra)
    elif method == "big":
        body = '{"username": "' + "x" * 200 + '"}'
        response = client.post(path, body, content_type="application/json", **extra)
    else:
        response = getattr(client, method)(path, **extra)
    assert response.status_code == status
    assert response.json() == {
        "detail": response.json()["detail"],
        "code": code,
        "request_id": "trace-0001-abcd",
    }


def test_a_500_under_the_api_is_json_with_the_id(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("discretion.api.agents.MeView.get", boom)
    client.raise_request_exception = False
    client.force_login(factories.UserFactory())
    response = client.get("/api/v1/me/", HTTP_X_REQUEST_ID="trace-0500-abcd")
    assert response.status_code == 500
    assert response.json()["request_id"] == "trace-0500-abcd"
    assert response.json()["code"] == "server_error"


def _record(message: str = "hello") -> logging.LogRecord:
    return logging.LogRecord("discretion.test", logging.INFO, __file__, 1, message, (), None)


def test_json_lines_name_the_request_and_keep_extra_fields():
    token = rid._request_id.set("trace-json-0001")
    try:
        record = _record("decided %s")
        record.args = ("42",)
        record.case_id = 7
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        rid._request_id.reset(token)
    assert line["message"] == "decided 42"
    assert line["level"] == "INFO" and line["logger"] == "discretion.test"
    assert line["request_id"] == "trace-json-0001"
    assert line["case_id"] == 7
    assert line["time"].endswith("+00:00")


def test_outside_a_request_the_id_is_null():
    record = _record()
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] is None
    assert record.request_id == "-"  # the text format's placeholder


def test_a_task_published_in_a_request_runs_with_its_id():
    headers: dict[str, str] = {}
    token = rid._request_id.set("trace-task-0001")
    try:
        rid._task_publish_attach(headers=headers)
    finally:
        rid._request_id.reset(token)
    assert headers == {rid.TASK_HEADER: "trace-task-0001"}
    # The worker: protocol 2 makes the header an attribute of the task's request.
    task = SimpleNamespace(name="discretion.send_x", request=SimpleNamespace(**headers))
    rid._task_prerun_adopt(task_id="t-1", task=task)
    try:
        assert rid.request_id_get() == "trace-task-0001"
        assert rid.task_get() == "discretion.send_x[t-1]"
    finally:
        rid._task_postrun_forget()
    assert rid.request_id_get() == ""
    # No request (beat): nothing is attached.
    untouched: dict[str, str] = {}
    rid._task_publish_attach(headers=untouched)
    assert untouched == {}
