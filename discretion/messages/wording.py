"""What a message says by default: its subject, and the first paragraph a draft gets when
its resolution was not granted as the message first said (the agent edits it)."""

from __future__ import annotations

from decimal import Decimal

from cases.models import SUBJECT_MAX_LENGTH, Case, Resolution
from common.money import money_display

NO_EMAIL = "The customer has no e-mail address: add one to the customer, then send."


def subject_default(case: Case) -> str:
    """``About your case #12: Late delivery``."""
    return f"About your case #{case.pk}: {case.subject}"[:SUBJECT_MAX_LENGTH]


def _amount(value: Decimal) -> str:
    return money_display(value)


def _remedy(resolution: Resolution) -> str:
    return resolution.remedy_type.name.lower()


def facts_paragraph(*, resolution: Resolution, outcome: str) -> str:
    """The customer-facing first paragraph of a draft whose promise no longer holds.

    ``outcome``: ``lowered`` (approved with ``resolution.amount`` below the request),
    ``denied`` or ``rejected``.
    """
    remedy = _remedy(resolution)
    if outcome == "lowered":
        return (
            f"A correction to the message below: the {remedy} we can give you is "
            f"{_amount(resolution.amount)}, not the {_amount(resolution.requested_amount)} "
            "it mentions."
        )
    what = (
        f"the {_amount(resolution.requested_amount)} {remedy}"
        if resolution.remedy_type.monetary
        else f"the {remedy}"
    )
    return f"A correction to the message below: we are not able to give you {what} it mentions."


def draft_reason(*, resolution: Resolution, outcome: str) -> str:
    """Why the message is a draft again, for the agent (the case page's timeline)."""
    remedy = _remedy(resolution)
    if outcome == "lowered":
        return f"The {remedy} was lowered to {money_display(resolution.amount)}: edit and send."
    if outcome == "denied":
        return f"The {remedy} was denied: edit and send."
    return f"The {remedy} was not allowed by a policy rule: edit and send."
