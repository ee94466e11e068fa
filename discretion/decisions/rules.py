"""What a remedy request must carry, checked the same way by the API and the case page.

The reason and customer-message limits (the model's fields are unbounded text), the
remedy type (a known, enabled code) and the amount rule (a money remedy needs an amount,
above 0.00; any other remedy is for 0.00). The API's serializers and the case page's form both call
these, so both say the same thing.
"""

from __future__ import annotations

from decimal import Decimal

from cases.models import RemedyType
from cases.selectors import remedy_type_list
from common.errors import Invalid
from common.money import AMOUNT_MESSAGES, ZERO
from common.roles import is_supervising
from discretion.trust.selectors import remedy_type_by_code

REASON_MAX_LENGTH = 4000
CUSTOMER_MESSAGE_MAX_LENGTH = 8000


def resolution_amount(*, remedy_type: RemedyType, amount: Decimal | None) -> Decimal:
    """The amount a request is for. Raises Invalid naming ``amount``."""
    if not remedy_type.monetary:
        if amount is not None and amount != 0:
            message = f"{remedy_type.name} is not a money remedy: its amount is 0.00."
            raise Invalid(message, code="amount_not_monetary", fields={"amount": [message]})
        return Decimal(ZERO)
    if amount is None:
        raise Invalid(
            "A money remedy needs an amount.",
            code="amount_required",
            fields={"amount": ["This field is required."]},
        )
    if amount <= 0:
        # Nothing granted is not a money remedy: an apology says so without touching budgets.
        message = AMOUNT_MESSAGES["zero"]
        raise Invalid(message, code="amount_zero", fields={"amount": [message]})
    return amount


def resolution_remedy_type(code: object) -> RemedyType:
    """The enabled remedy type called ``code``. Raises Invalid naming ``remedy_type``."""
    if not isinstance(code, str) or not code.strip():
        message = 'Give a remedy type code, e.g. "refund".'
        raise Invalid(message, code="remedy_type_missing", fields={"remedy_type": [message]})
    remedy = remedy_type_by_code(code.strip())
    if remedy is None or not remedy.enabled:
        known = ", ".join(r.code for r in remedy_type_list(enabled=True))
        state = "is disabled" if remedy else "is not a remedy type"
        message = f'"{code}" {state}. Use one of: {known}.'
        raise Invalid(message, code="remedy_type_unknown", fields={"remedy_type": [message]})
    return remedy


def resolution_details_visible(*, user: object, agent_id: int) -> bool:
    """Whether ``user`` may see the limits, usage and escalation routing behind a
    resolution of ``agent_id``: its own agent, supervisors and admins. Another agent sees
    what was decided, not someone else's trust limits or who is handling it."""
    return is_supervising(user) or getattr(user, "pk", None) == agent_id
