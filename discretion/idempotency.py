"""``Idempotency-Key`` for POST endpoints, after Stripe's.

A repeat of an earlier key of the same user with the same request returns the first
response again (same status and body) and changes nothing; the same key with another
request is 422; a repeat while the first is still in flight is 409 (docs/api.md,
"Idempotency"). How that holds under concurrency (the claim in its own transaction, the
response stored with the work, stale takeover): docs/concurrency.md, "Idempotency".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from discretion.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def fingerprint(request: Request, scope: str) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    raw = f"{scope}\n{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def idempotent(request: Request, scope: str, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` at most once per (user, Idempotency-Key); replay its response.

    ``handler`` must do its writes in transactions (they nest inside the one here) and
    return a Response whose ``data`` is JSON-serializable. Without the header it just runs.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return Response(
            {HEADER: [f"An Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters."]},
            status=400,
        )

    print_ = fingerprint(request, scope)
    claim, early = _claim(request=request, key=key, print_=print_)
    if early is not None:
        return early
    assert claim is not None

    try:
        with transaction.atomic():
            response = handler()
            if response.status_code >= 500:
                raise _ServerError(response)
            body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            IdempotencyKey.objects.filter(pk=claim.pk).update(
                state=IdempotencyKey.State.DONE,
                response_status=response.status_code,
                response_body=body,
                updated_at=timezone.now(),
            )
    except _ServerError as error:
        _release(claim)
        return error.response
    except BaseException:
        _release(claim)
        raise
    return response


class _ServerError(Exception):
    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


def _release(claim: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=claim.pk, state=IdempotencyKey.State.IN_FLIGHT).delete()


def _claim(
    *, request: Request, key: str, print_: str
) -> tuple[IdempotencyKey | None, Response | None]:
    # A few rounds: the first request's claim can be released (it failed) between our
    # INSERT conflict and our read; then the key is free again and we try to take it.
    for _ in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(
                    user=request.user, key=key, fingerprint=print_, created_at=now, updated_at=now
                )
            return claim, None
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if existing is None:
            continue
        return _existing(existing=existing, print_=print_, now=now)
    return None, _in_flight()


def _existing(
    *, existing: IdempotencyKey, print_: str, now
) -> tuple[IdempotencyKey | None, Response | None]:
    if existing.fingerprint != print_:
        return None, Response(
            {
                "detail": (
                    "This Idempotency-Key was already used for a different request. "
                    "Use a new key for a new request."
                )
            },
            status=422,
        )
    if existing.state == IdempotencyKey.State.DONE:
        response = Response(existing.response_body, status=existing.response_status)
        response["Idempotent-Replayed"] = "true"
        return None, response
    stale_before = now - timedelta(seconds=settings.DISCRETION_IDEMPOTENCY_STALE_SECONDS)
    if existing.updated_at < stale_before:
        # The first request's process died before committing: take the claim over, once.
        taken = IdempotencyKey.objects.filter(
            pk=existing.pk, state=IdempotencyKey.State.IN_FLIGHT, updated_at=existing.updated_at
        ).update(updated_at=now)
        if taken:
            existing.updated_at = now
            return existing, None
    return None, _in_flight()


def _in_flight() -> Response:
    return Response(
        {"detail": "A request with this Idempotency-Key is still in progress. Retry shortly."},
        status=409,
    )


def idempotency_keys_purge(*, older_than_hours: int | None = None) -> int:
    """Delete keys past their retention (at least 24 hours; default from settings)."""
    hours = max(older_than_hours or settings.DISCRETION_IDEMPOTENCY_TTL_HOURS, 24)
    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=hours)
    ).delete()
    return deleted
