"""The effective limit: the user's own row for a remedy type, else their tier's, with the
caps of an approved, unexpired temporary raise (``LimitRequest``) laid over it dimension
by dimension. The base row's other dimensions are kept.

One plain statement each (``common.db`` loaders, which still convert column types): every
decision, preview, approval check and meter runs it, and the lapse of a raise is only a
comparison of ``expires_at`` with now in that statement, so nothing has to run when a
raise ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db import connection
from django.utils import timezone

from cases.models import RemedyType
from common.db import loader
from discretion.models import LimitProposal, LimitRequest, TrustLimit

LimitSource = Literal["agent", "tier", "temporary"]


@dataclass(frozen=True)
class EffectiveLimit:
    """The caps in force for one user and remedy type. ``source`` is "temporary" while a
    raise is in force (then ``expires_at`` and ``limit_request_id`` say which one), and
    ``base`` is the agent or tier row it was laid over."""

    base: TrustLimit
    per_remedy_max: Decimal
    per_case_max: Decimal | None
    daily_max: Decimal | None
    monthly_max: Decimal | None
    approval_max: Decimal | None
    source: LimitSource
    expires_at: datetime | None = None
    limit_request_id: int | None = None
    # The dimensions the raise in force lifts (``per_remedy_max``, ``daily_max``…).
    raised: tuple[str, ...] = ()
    # The accepted limit proposal that set the agent's row's per-remedy cap (its proposed
    # value is the cap now), if one did: when, and on what evidence.
    raised_at: datetime | None = None
    raised_evidence: dict[str, Any] | None = None

    @property
    def remedy_type_id(self) -> int:
        return self.base.remedy_type_id


# The newest approved raise of the user for the row's remedy type that has not expired.
_RAISE_LATERAL = (
    "LEFT JOIN LATERAL ("
    "SELECT r.id, r.per_remedy_max, r.daily_max, r.monthly_max, r.expires_at "
    f"FROM {LimitRequest._meta.db_table} r "
    "WHERE r.requester_id = %(user_id)s AND r.remedy_type_id = l.remedy_type_id "
    "AND r.status = %(approved)s AND r.expires_at > %(now)s "
    "ORDER BY r.decided_at DESC, r.id DESC LIMIT 1) t ON TRUE"
)
_RAISE_COLUMNS = "t.id, t.per_remedy_max, t.daily_max, t.monthly_max, t.expires_at"

# The accepted proposal whose value the agent's own row still holds (never for a tier row).
_PROPOSAL_LATERAL = (
    "LEFT JOIN LATERAL ("
    "SELECT p.decided_at, p.evidence "
    f"FROM {LimitProposal._meta.db_table} p "
    "WHERE l.agent_id IS NOT NULL AND p.agent_id = l.agent_id "
    "AND p.remedy_type_id = l.remedy_type_id AND p.status = %(accepted)s "
    "AND p.proposed = l.per_remedy_max "
    "ORDER BY p.decided_at DESC, p.id DESC LIMIT 1) pr ON TRUE"
)
_PROPOSAL_COLUMNS = "pr.decided_at, pr.evidence"

_ONE_SQL = (
    f"SELECT {{columns}}, {_RAISE_COLUMNS}, {_PROPOSAL_COLUMNS} "
    f"FROM {TrustLimit._meta.db_table} l {_RAISE_LATERAL} {_PROPOSAL_LATERAL} "
    "WHERE l.remedy_type_id = %(remedy_type_id)s "
    "AND (l.agent_id = %(user_id)s OR l.tier_id = %(tier_id)s) "
    "ORDER BY l.agent_id IS NULL LIMIT 1"
)

# Every remedy type's: the agent's row first within each remedy type.
_ALL_SQL = (
    f"SELECT DISTINCT ON (l.remedy_type_id) {{columns}}, {_RAISE_COLUMNS}, {_PROPOSAL_COLUMNS} "
    f"FROM {TrustLimit._meta.db_table} l {_RAISE_LATERAL} {_PROPOSAL_LATERAL} "
    "WHERE l.agent_id = %(user_id)s OR l.tier_id = %(tier_id)s "
    "ORDER BY l.remedy_type_id, l.agent_id IS NULL"
)


def _params(user: Any, at: datetime | None, **extra: Any) -> dict[str, Any]:
    return {
        "user_id": user.pk,
        "tier_id": user.tier_id,
        "approved": LimitRequest.Status.APPROVED.value,
        "accepted": LimitProposal.Status.ACCEPTED.value,
        "now": at or timezone.now(),
        **extra,
    }


def _effective(rows: list[tuple[Any, ...]]) -> list[EffectiveLimit]:
    base_rows = loader(TrustLimit, "l")
    out = []
    for row in rows:
        base = base_rows.load(row)
        assert isinstance(base, TrustLimit)
        raise_id, per_remedy, daily, monthly, expires_at, raised_at, evidence = row[
            base_rows.width :
        ]
        temporary = raise_id is not None
        out.append(
            EffectiveLimit(
                base=base,
                per_remedy_max=per_remedy if per_remedy is not None else base.per_remedy_max,
                per_case_max=base.per_case_max,
                daily_max=daily if daily is not None else base.daily_max,
                monthly_max=monthly if monthly is not None else base.monthly_max,
                approval_max=base.approval_max,
                source="temporary" if temporary else ("agent" if base.agent_id else "tier"),
                expires_at=expires_at if temporary else None,
                limit_request_id=raise_id,
                raised=tuple(
                    name
                    for name, cap in (
                        ("per_remedy_max", per_remedy),
                        ("daily_max", daily),
                        ("monthly_max", monthly),
                    )
                    if temporary and cap is not None
                ),
                raised_at=raised_at,
                raised_evidence=_json(evidence),
            )
        )
    return out


def _json(value: Any) -> dict[str, Any] | None:
    """A jsonb column read through a raw cursor (Django leaves it as text for JSONField)."""
    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, dict) else None


def _run(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = loader(TrustLimit, "l")
    with connection.cursor() as cursor:
        cursor.execute(sql.format(columns=rows.columns), params)
        return cursor.fetchall()


def effective_limit_get(
    *, user: Any, remedy_type: RemedyType | int, at: datetime | None = None
) -> EffectiveLimit | None:
    """The limit in force at ``at`` (default: now, read at the call, so the request path,
    which calls this under its window locks, uses the caps in force when it spends).
    None when the user has no row for the remedy type: a raise needs a base to raise."""
    remedy_type_id = remedy_type if isinstance(remedy_type, int) else remedy_type.pk
    found = _effective(_run(_ONE_SQL, _params(user, at, remedy_type_id=remedy_type_id)))
    return found[0] if found else None


def effective_limits_for(user: Any, *, at: datetime | None = None) -> dict[int, EffectiveLimit]:
    """The effective limit per remedy type id, for every remedy type the user has one for."""
    return {limit.remedy_type_id: limit for limit in _effective(_run(_ALL_SQL, _params(user, at)))}
