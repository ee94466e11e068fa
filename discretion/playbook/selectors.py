"""Reads of the playbook: the plain-language check, the brand promise, the small token."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from cases.models import Case, RemedyType
from common.errors import Invalid
from common.money import ZERO
from discretion.models import User
from discretion.playbook.models import MessagingSettings
from discretion.playbook.plain import BODY_MAX_LENGTH, Finding, findings_of
from discretion.trust.selectors import meter_get

# The goodwill gesture the playbook suggests, when the agent's headroom allows it all;
# with less headroom it suggests what is left (in whole units), with none nothing.
TOKEN_SUGGESTED = Decimal("10.00")
TOKEN_REMEDY = "goodwill_gesture"


def message_check(*, body: str) -> list[Finding]:
    """The official-sounding phrases in ``body`` (``plain.findings_of``). Never blocks
    anything: the caller shows the findings; a body over the limit is refused."""
    if len(body) > BODY_MAX_LENGTH:
        message = f"Check at most {BODY_MAX_LENGTH:,} characters at a time."
        raise Invalid(message, code="body_too_long", fields={"body": [message]})
    return findings_of(body)


def brand_promise_get() -> MessagingSettings:
    """The one settings row (created empty on first read)."""
    row, _ = MessagingSettings.objects.select_related("updated_by").get_or_create(pk=1)
    return row


def goodwill_token_get(*, user: User, case: Case, remedy: RemedyType | None) -> Decimal | None:
    """The small token the playbook may suggest: a goodwill gesture the user can grant
    at once on this case (within every capped check of their meter), or None.

    ``remedy`` is the enabled goodwill remedy type (None when it is disabled). With no
    limit at all for it, anything would escalate: no suggestion.
    """
    if remedy is None or remedy.code != TOKEN_REMEDY:
        return None
    meter = meter_get(user=user, case_id=case.pk, remedy_type=remedy)
    if meter is None or meter.no_limit:
        return None
    capped = [bar.left for bar in meter.bars if bar.capped]
    headroom = min(capped) if capped else TOKEN_SUGGESTED
    token = min(headroom, TOKEN_SUGGESTED).quantize(Decimal("1"), rounding=ROUND_DOWN)
    return token.quantize(Decimal("0.01")) if token > ZERO else None
