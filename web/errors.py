"""The app's own 400, 403, 404 and 500 pages (``handler400``…``handler500`` in
``config/urls.py``): plain words, a link home and the request id, which finds the
request's log lines. Under ``/api/v1/`` ``common.api_errors`` turns them into JSON.

The 500 page renders without a request: no context processor (the session, the user,
messages: each may need the database that just failed) and no base template.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from common.request_id import request_id_get


def _message(exception: Exception | None) -> str:
    """The refusal's own sentence (``PermissionDenied("This page is for admins only.")``,
    ``Http404("No case #7.")``); not a URL resolver's technical details."""
    args = getattr(exception, "args", ())
    return args[0] if args and isinstance(args[0], str) else ""


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django refused before any view (a bad Host, a suspicious operation):
    not the exception's technical words, which may echo what the client sent."""
    return render(request, "400.html", {"request_id": request_id_get()}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {"message": _message(exception), "request_id": request_id_get()}
    return render(request, "403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {"message": _message(exception), "request_id": request_id_get()}
    return render(request, "404.html", context, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent from a page that was open across a login or a
    logout (its token is stale), in plain words instead of Django's technical page."""
    message = (
        "This form was opened before you last logged in or out, so it can't be sent. "
        "Go back, reload the page and try again."
    )
    context = {"message": message, "request_id": request_id_get()}
    return render(request, "403.html", context, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    html = loader.get_template("500.html").render({"request_id": request_id_get()})
    return HttpResponseServerError(html)
