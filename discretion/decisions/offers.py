"""What the live preview offers besides the decision: the split ("apply what I may now,
escalate the rest") when the request is over the agent's headroom, and the warning when
the same remedy was asked on the case minutes ago. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cases.models import RemedyType
from common.money import money
from discretion import engine
from discretion.decisions.repeats import repeat_of_get, repeat_warning
from discretion.engine.split import HEADROOM_REASONS, split_offer
from discretion.models import User


@dataclass(frozen=True)
class SplitOffer:
    now: Decimal  # applies at once
    rest: Decimal  # escalates
    reason: str  # "your limit per remedy"


@dataclass(frozen=True)
class PreviewOffers:
    split: SplitOffer | None
    repeat_warning: str

    def payload(self) -> dict[str, Any]:
        """The preview API's extras: ``split`` ({now, rest, why} or null), ``repeat_warning``."""
        split = self.split
        return {
            "split": (
                {"now": money(split.now), "rest": money(split.rest), "why": split.reason}
                if split
                else None
            ),
            "repeat_warning": self.repeat_warning or None,
        }


def preview_offers(
    *,
    case_id: int,
    user: User,
    remedy_type: RemedyType,
    amount: Decimal,
    decision: engine.Decision,
) -> PreviewOffers:
    """One query (the repeat lookup); the split is worked out from the decision's checks."""
    room = split_offer(decision, amount=amount, monetary=remedy_type.monetary)
    split = (
        SplitOffer(
            now=room.amount, rest=amount - room.amount, reason=HEADROOM_REASONS[room.binding]
        )
        if room
        else None
    )
    now = timezone.now()
    repeat = repeat_of_get(case_id=case_id, remedy_type_id=remedy_type.pk, now=now)
    warning = repeat_warning(repeat=repeat, user=user, now=now) if repeat else ""
    return PreviewOffers(split=split, repeat_warning=warning)
