"""Repeat-safe writes, after Stripe's ``Idempotency-Key``: one helper for the API and the
HTML forms alike.

A repeat of an earlier key of the same user with the same input returns the first
outcome again (same status and body) and changes nothing; the same key with another
input is refused (``Mismatch``, code ``idempotency_mismatch``); a repeat while the first
is still in flight is refused too (``Conflict``, code ``idempotency_in_flight``).

How: the key is claimed in a committed transaction of its own (so a concurrent repeat
sees it at once and is refused, instead of waiting on a lock), then the work runs and
its outcome is stored in the SAME transaction as the work. If the work raises (or
reports a server error), the claim is released and nothing is stored: a refusal the
caller wants replayed must be *returned* as a ``(status, body)``, not raised. If the
process dies mid-way, the uncommitted work rolls back and the claim goes stale and may
be taken over after ``DISCRETION_IDEMPOTENCY_STALE_SECONDS``.

This module imports no app: the key model is named by the setting
``DISCRETION_IDEMPOTENCY_MODEL`` (``"app_label.Model"``, the ``AUTH_USER_MODEL`` way) and
needs the fields ``user``, ``key``, ``fingerprint``, ``state`` (``in_flight``/``done``),
``response_status``, ``response_body``, ``created_at`` and ``updated_at``, unique on
(user, key). The status is whatever the caller's handler says (an HTTP status for the
API); this module only stores and replays it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from common.errors import Conflict, Invalid, Mismatch

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
IN_FLIGHT = "in_flight"
DONE = "done"
# A handler's status from here up is a server error: never stored, the claim is released.
SERVER_ERROR = 500


class Outcome(NamedTuple):
    """What a keyed call answers: its status and JSON body, and whether it is a replay."""

    status: int
    body: Any
    replayed: bool = False


Handler = Callable[[], tuple[int, Any]]


def key_model() -> type[models.Model]:
    return apps.get_model(settings.DISCRETION_IDEMPOTENCY_MODEL)


def input_fingerprint(*parts: Any) -> str:
    """A stable digest of a request's input: strings as they are, anything else as JSON
    with sorted keys (so the same body in another key order is the same request)."""
    raw = "\n".join(
        part
        if isinstance(part, str)
        else json.dumps(part, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
        for part in parts
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def idempotent(
    *, user_id: int, key: str, scope: str, fingerprint: str, handler: Handler
) -> Outcome:
    """Run ``handler`` at most once per (user, key); replay its ``(status, body)``.

    ``scope`` names the operation (with the object it acts on, where that is not in the
    input), so one key reused for another operation is a mismatch. ``fingerprint`` is
    the caller's digest of the input (``input_fingerprint(...)``). ``handler`` does its
    writes in transactions (they nest inside the one here) and returns a status and a
    JSON-serializable body. Raises ``Invalid`` for a blank or overlong key, ``Mismatch``
    and ``Conflict`` as the module docstring says, and whatever ``handler`` raises.
    """
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        message = f"An Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters."
        raise Invalid(message, code="idempotency_key_invalid", fields={HEADER: [message]})
    print_ = input_fingerprint(scope, fingerprint)
    claim, replay = _claim(user_id=user_id, key=key, print_=print_)
    if replay is not None:
        return replay
    model = key_model()
    try:
        with transaction.atomic():
            status, body = handler()
            if status >= SERVER_ERROR:
                raise _ServerError(status, body)
            stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            model._default_manager.filter(pk=claim.pk).update(
                state=DONE, response_status=status, response_body=stored, updated_at=timezone.now()
            )
    except _ServerError as error:
        _release(claim)
        return Outcome(error.status, error.body)
    except BaseException:
        _release(claim)
        raise
    return Outcome(status, body)


class _ServerError(Exception):
    def __init__(self, status: int, body: Any):
        super().__init__(status)
        self.status = status
        self.body = body


def _release(claim: models.Model) -> None:
    key_model()._default_manager.filter(pk=claim.pk, state=IN_FLIGHT).delete()


def _claim(*, user_id: int, key: str, print_: str) -> tuple[Any, Outcome | None]:
    """Our claim on the key, or the stored outcome to replay. Raises Mismatch/Conflict."""
    manager = key_model()._default_manager
    # A few rounds: the first request's claim can be released (it failed) between our
    # INSERT conflict and our read; then the key is free again and we try to take it.
    for _ in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                claim = manager.create(
                    user_id=user_id, key=key, fingerprint=print_, created_at=now, updated_at=now
                )
            return claim, None
        except IntegrityError:
            pass
        existing = manager.filter(user_id=user_id, key=key).first()
        if existing is None:
            continue
        return _existing(existing=existing, print_=print_, now=now)
    raise _in_flight()


def _existing(*, existing: Any, print_: str, now: datetime) -> tuple[Any, Outcome | None]:
    if existing.fingerprint != print_:
        raise Mismatch(
            "This Idempotency-Key was already used for a different request. "
            "Use a new key for a new request.",
            code="idempotency_mismatch",
        )
    if existing.state == DONE:
        return None, Outcome(existing.response_status, existing.response_body, replayed=True)
    stale_before = now - timedelta(seconds=settings.DISCRETION_IDEMPOTENCY_STALE_SECONDS)
    if existing.updated_at < stale_before:
        # The first request's process died before committing: take the claim over, once.
        taken = (
            key_model()
            ._default_manager.filter(
                pk=existing.pk, state=IN_FLIGHT, updated_at=existing.updated_at
            )
            .update(updated_at=now)
        )
        if taken:
            existing.updated_at = now
            return existing, None
    raise _in_flight()


def _in_flight() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still in progress. Retry shortly.",
        code="idempotency_in_flight",
    )


def idempotency_keys_purge(*, older_than_hours: int | None = None) -> int:
    """Delete keys past their retention (at least 24 hours; default from settings)."""
    hours = max(older_than_hours or settings.DISCRETION_IDEMPOTENCY_TTL_HOURS, 24)
    deleted, _ = (
        key_model()
        ._default_manager.filter(created_at__lt=timezone.now() - timedelta(hours=hours))
        .delete()
    )
    return deleted
