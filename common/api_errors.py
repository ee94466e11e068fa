"""The one place where an error becomes an HTTP status and a JSON body.

Every error body under ``/api/v1/`` is ``{"detail": <human sentence>, "code": <machine
code>, "request_id": <the X-Request-ID of the response>}`` (CONTRACT.md, "Conventions,
tightened": every 4xx and 5xx body has a human ``detail`` and a machine ``code``). A 400
that names fields keeps naming each one as a key of the body, as before
(``{"amount": ["…"], "detail": "amount: …", "code": "invalid", "request_id": …}``), and
under ``fields`` too: a field called ``detail``, ``code``, ``request_id`` or ``fields``
(a trust tier's ``code``) is named there only, since those keys are the envelope's. The
request id (``common.request_id``) finds the request's log lines; it is also in the
``X-Request-ID`` header of every response.

- ``exception_handler`` is DRF's ``EXCEPTION_HANDLER``: a ``common.errors.DomainError``
  maps by kind (``http_status``); DRF's own errors keep their status and get a ``code``
  (``not_authenticated``, ``permission_denied``, ``not_found``, ``method_not_allowed``,
  ``unsupported_media_type``, ``throttled``…); a body over
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 ``request_too_large``.
- ``ApiErrorsMiddleware`` (first in ``MIDDLEWARE``) answers an oversized body with 413
  before anything reads it, and turns any error response under ``/api/v1/`` that is not
  JSON (Django's 404/400/500 pages, DEBUG's traceback page) into ``{detail, code}``;
  Django has already logged the exception and sent ``got_request_exception`` by then.
  A JSON error body made anywhere else without a ``request_id`` gets one there too.
- ``api_not_found`` is the last pattern under ``/api/v1/``: a JSON 404 for unknown
  paths (a GET without its trailing slash is redirected, as ``APPEND_SLASH`` would).

The HTML views map the same errors with ``http_status`` (``web.common``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from common.errors import Conflict, DomainError, Forbidden, Invalid, Mismatch, NotFound
from common.request_id import request_id_get

REQUEST_ID = "request_id"

API_PREFIX = "/api/v1/"

# Kind of refusal → status. The first match wins (a subclass maps like its kind).
DOMAIN_STATUSES: tuple[tuple[type[DomainError], int], ...] = (
    (Invalid, 400),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Mismatch, 422),
)

# The code of an error body that has no better one (Django's own pages, DRF fallbacks).
STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
}
STATUS_DETAILS = {
    400: "Bad request.",
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request body is too large.",
    500: "Internal server error: the request failed on our side and changed nothing.",
}
TOO_LARGE = 413
# Headers an error response keeps when its body is replaced.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def http_status(error: DomainError) -> int:
    """The HTTP status of a refusal, by its kind."""
    for kind, status in DOMAIN_STATUSES:
        if isinstance(error, kind):
            return status
    return 400


# The keys of the error envelope; a field of the same name is named under ``fields`` only.
ENVELOPE = ("detail", "code", REQUEST_ID, "fields")


def field_errors_body(
    fields: Mapping[str, Any], *, detail: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """The 400 that names fields: ``{field: [messages]…, fields, detail, code, request_id}``.
    ``detail`` defaults to the first field's first message, prefixed with its name;
    ``code`` to that message's DRF code (``required``, ``max_length``…) or ``invalid``."""
    named = {str(name): _messages(value) for name, value in fields.items()}
    first_name, first = next(iter(named.items()), ("", [""]))
    first_message = _first_leaf(first)
    if detail is None:
        where = "" if first_name in ("non_field_errors", "") else f"{first_name}: "
        detail = f"{where}{first_message}" if first_message else STATUS_DETAILS[400]
        if len(named) > 1:
            detail += f" (and {len(named) - 1} more: {', '.join(list(named)[1:])})"
    if code is None:
        code = str(getattr(first_message, "code", None) or "invalid")
    body: dict[str, Any] = {name: value for name, value in named.items() if name not in ENVELOPE}
    body.update(detail=str(detail), code=code, fields=named)
    body[REQUEST_ID] = request_id_get()
    return body


def _first_leaf(value: Any) -> Any:
    """The first message in a field's errors, however nested (a nested serializer's
    mapping, a list serializer's list of mappings)."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            leaf = _first_leaf(item)
            if leaf:
                return leaf
        return ""
    return value


def _messages(value: Any) -> Any:
    """A field's messages as a list (a nested serializer's stay a mapping)."""
    if isinstance(value, (list, dict)):
        return value
    return [value]


def error_body(error: DomainError) -> dict[str, Any]:
    """``{detail, code, request_id}``, with each field named for a 400 that names fields."""
    status = http_status(error)
    if error.fields and status == 400:
        return field_errors_body(error.fields, detail=error.message, code=error.code)
    body: dict[str, Any] = {"detail": error.message, "code": error.code}
    if error.fields:
        body["fields"] = dict(error.fields)
    body[REQUEST_ID] = request_id_get()
    return body


def status_body(status: int, detail: str | None = None) -> dict[str, str]:
    """``{detail, code}`` for a bare status (Django's pages, the 413, the catch-all)."""
    code = STATUS_CODES.get(status, "server_error" if status >= 500 else "error")
    default = STATUS_DETAILS.get(status, STATUS_DETAILS[500] if status >= 500 else "Error.")
    return {"detail": detail or default, "code": code, REQUEST_ID: request_id_get()}


def is_api(request: HttpRequest) -> bool:
    path = request.path_info
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


# --- DRF ---------------------------------------------------------------------------------


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``. ``None`` (an unexpected exception) lets Django log it
    and answer 500; the middleware below makes that answer JSON."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc), status=http_status(exc))
    if isinstance(exc, RequestDataTooBig):
        return Response(status_body(TOO_LARGE), status=TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):
        return Response(status_body(400), status=400)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _drf_body(exc, response.data, response.status_code)
    return response


def _drf_body(exc: Exception, data: Any, status: int) -> Any:
    if isinstance(exc, drf_exceptions.ValidationError):
        # Each field named; a bare message list gets the usual field name.
        return field_errors_body(data if isinstance(data, dict) else {"non_field_errors": data})
    if isinstance(data, dict) and set(data) == {"detail"}:
        detail = data["detail"]
        code = getattr(detail, "code", None) or status_body(status)["code"]
        return {"detail": str(detail), "code": str(code), REQUEST_ID: request_id_get()}
    return data


# --- outside DRF ---------------------------------------------------------------------------


class ApiErrorsMiddleware:
    """JSON errors for every request under ``/api/v1/``, whoever produced the error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        if _too_large(request):
            # The same test Django makes when the body is first read (RequestDataTooBig),
            # made before anything reads it.
            return JsonResponse(status_body(TOO_LARGE), status=TOO_LARGE)
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            replaced = JsonResponse(status_body(response.status_code), status=response.status_code)
            for header in KEPT_HEADERS:
                if header in response:
                    replaced[header] = response[header]
            return replaced
        if response.status_code >= 400:
            _envelope_add(response)
        return response


def _envelope_add(response: HttpResponse) -> None:
    """A JSON error body built outside the handler (a view's own ``Response(…,
    status=400)``, a third-party view) gets the envelope too: ``{detail, code,
    request_id}``, each field named for a 400. Errors only: a success never pays for the
    parse."""
    if getattr(response, "streaming", False):
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        return
    if not isinstance(body, dict) or {"detail", "code", REQUEST_ID} <= set(body):
        return
    status = response.status_code
    if "detail" in body:
        body.setdefault("code", status_body(status)["code"])
        body.setdefault(REQUEST_ID, request_id_get())
    elif status == 400 and body:
        body = field_errors_body(body)
    else:
        body = {**status_body(status), **body}
    response.content = json.dumps(body).encode()


def _too_large(request: HttpRequest) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return content_type.startswith("application/json") or "+json" in content_type


@csrf_exempt
def api_not_found(request: HttpRequest, unknown: str = "") -> HttpResponse:
    """The last pattern under /api/v1/: no endpoint here."""
    path = request.path_info
    detail = f"There is no API endpoint at {path}."
    if settings.APPEND_SLASH and not path.endswith("/") and _is_endpoint(request, path + "/"):
        if request.method in ("GET", "HEAD"):
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
        detail += f" Did you mean {path}/ (paths end with a slash)?"
    return JsonResponse(status_body(404, detail), status=404)


def _is_endpoint(request: HttpRequest, path: str) -> bool:
    try:
        match = resolve(path, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.func is not api_not_found
