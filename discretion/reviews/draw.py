"""The review draw: which applied resolutions are sampled for a review after the fact.

Pure and reproducible: the draw of a resolution is HMAC-SHA256 of its id under a secret
derived from ``SECRET_KEY``, read as a uniform number in [0, 1) (its first 8 bytes over
2**64). Anyone holding the deployment's secret can recompute why a resolution was (or
was not) sampled; nobody can steer it by choosing amounts or times.

The comparison is exact integer arithmetic: ``u < percent / 100`` is
``value * 10000 < basis_points * 2**64`` with ``basis_points = percent * 100`` (the
policy keeps two decimals). The decision's batch makes the same comparison in SQL on
``numeric`` (``discretion.reviews.services.review_draw_sql``), so both always agree.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

from django.conf import settings

SCALE = 2**64
_CONTEXT = b"discretion.reviews.draw/v1"


def review_secret() -> bytes:
    """The draw's key: derived from SECRET_KEY, never SECRET_KEY itself."""
    return hmac.new(settings.SECRET_KEY.encode(), _CONTEXT, hashlib.sha256).digest()


def review_draw_value(resolution_id: int, *, secret: bytes | None = None) -> int:
    """The resolution's draw as an integer in [0, 2**64): ``/ 2**64`` is the uniform number."""
    digest = hmac.new(
        secret if secret is not None else review_secret(),
        str(int(resolution_id)).encode(),
        hashlib.sha256,
    ).digest()
    return int.from_bytes(digest[:8], "big")


def basis_points(sample_percent: Decimal | int | str) -> int:
    """``5`` → 500, ``0.25`` → 25 (the policy keeps two decimals)."""
    return int((Decimal(sample_percent) * 100).to_integral_value())


def review_draw(
    resolution_id: int, sample_percent: Decimal | int | str, *, secret: bytes | None = None
) -> bool:
    """Is this resolution sampled at random under ``sample_percent``? Deterministic."""
    value = review_draw_value(resolution_id, secret=secret)
    return value * 10000 < basis_points(sample_percent) * SCALE


def review_reason(
    *,
    resolution_id: int,
    amount: Decimal,
    sample_percent: Decimal,
    always_above: Decimal | None,
    secret: bytes | None = None,
) -> str | None:
    """Why a resolution applied on the agent's own authority (monetary, amount above zero)
    is reviewed under this policy: ``"always_above"``, ``"sampled"``, or None (not)."""
    if always_above is not None and amount >= always_above:
        return "always_above"
    if review_draw(resolution_id, sample_percent, secret=secret):
        return "sampled"
    return None
