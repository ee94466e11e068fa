"""Who may decide an escalation: a supervisor or admin, never the requester (four eyes),
and only within their own ``approval_max`` for the remedy type.

``escalation_decide`` runs these after taking its locks and before writing anything, so
a refusal leaves no trace; the messages say why, because the supervisor reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cases.models import Resolution
from common.errors import Forbidden
from common.money import money_display
from common.roles import is_supervising
from discretion.models import Escalation, User
from discretion.trust.selectors import EffectiveLimit, effective_limit_get

# The longest note a decider may leave when approving or denying. The API has documented
# 4000 since the start and the model's field is unbounded text; the queue's forms use it.
NOTE_MAX_LENGTH = 4000


@dataclass(frozen=True)
class Refusal:
    """Why a user may not decide an escalation, with a stable ``code``.

    ``detail`` is what a refused decision says (the API's 403, the decide form's error);
    ``hint`` is the queue's shorter wording, shown on the card before anyone clicks.
    """

    code: str
    detail: str
    hint: str


_LOOK_UP: Any = object()


def decider_refusal(*, user: User, resolution: Resolution) -> Refusal | None:
    """Whether ``user`` may decide an escalation of ``resolution`` at all: a supervising
    role (``common.roles``), and never their own request (four-eyes). None: they may."""
    if not is_supervising(user):
        text = "Only supervisors and admins may decide escalations."
        return Refusal(code="supervisor_only", detail=text, hint=text)
    if resolution.agent_id == user.pk:
        return Refusal(
            code="four_eyes",
            detail=(
                "Four-eyes rule: you made this request, so you cannot decide it yourself; "
                "another supervisor or admin must."
            ),
            hint="You made this request: another supervisor must decide it.",
        )
    return None


def approval_refusal(
    *,
    user: User,
    resolution: Resolution,
    amount: Decimal,
    limit: EffectiveLimit | None = _LOOK_UP,
) -> Refusal | None:
    """Whether ``user``'s own approval_max covers granting ``amount`` of the remedy.

    ``limit`` is the user's effective limit for the remedy type when the caller has it
    already (the queue reads all of them in one query); otherwise it is looked up here
    (one query). None: they may.
    """
    remedy = resolution.remedy_type
    if limit is _LOOK_UP:
        limit = effective_limit_get(user=user, remedy_type=remedy)
    approval_max = limit.approval_max if limit is not None else None
    if approval_max is None:
        return Refusal(
            code="no_approval_max",
            detail=(
                f"Your trust limits give you no approval_max for {remedy.code}, so you may "
                "not decide this escalation."
            ),
            hint=f"You have no approval limit for {remedy.name.lower()}.",
        )
    if amount > approval_max:
        return Refusal(
            code="approval_max",
            detail=(
                f"{money_display(amount)} is above what you may approve for a "
                f"{remedy.name.lower()} ({money_display(approval_max)}), so you may not "
                "decide this escalation."
            ),
            hint=(
                f"Above your approval limit of {money_display(approval_max)}: "
                "you can lower it to that."
            ),
        )
    return None


def may_decide(*, user: User, escalation: Escalation) -> bool:
    """Whether ``escalation`` is ``user``'s to decide: still pending, and neither the role
    nor the four-eyes rule stands in the way. (Their approval_max is checked against the
    amount they choose: they may lower it.)"""
    return (
        escalation.status == Escalation.Status.PENDING
        and decider_refusal(user=user, resolution=escalation.resolution) is None
    )


def _decider_role_check(*, acting_user: User, resolution: Resolution) -> None:
    refusal = decider_refusal(user=acting_user, resolution=resolution)
    if refusal is not None:
        raise Forbidden(refusal.detail, code=refusal.code)


def _decider_limit_check(*, acting_user: User, resolution: Resolution, amount: Decimal) -> None:
    refusal = approval_refusal(user=acting_user, resolution=resolution, amount=amount)
    if refusal is not None:
        raise Forbidden(refusal.detail, code=refusal.code)
