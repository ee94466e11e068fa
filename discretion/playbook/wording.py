"""The playbook's "say why" step, in plain words, from a decision (or its preview)."""

from __future__ import annotations

from typing import Any

NEEDS_SUPERVISOR = "This is more than I can {verb} on my own, so a supervisor is checking it now."
RULE_SUPERVISOR = "This one needs a supervisor's OK, so I've asked one to look at it now."
WITHIN = "This is within what I can do for you right away."
REJECTED = "This isn't something I can offer here, so let me tell you what I can do instead."

VERBS = {
    "refund": "refund",
    "store_credit": "give as credit",
    "replacement": "send",
    "goodwill_gesture": "give",
    "fee_waiver": "waive",
    "expedited_shipping": "upgrade",
}


def say_why(*, outcome: str, remedy_code: str, checks: Any = (), rules: Any = ()) -> str:
    """One plain sentence on why the remedy is (or is not) happening now.

    ``checks``/``rules`` are the decision's: a failed limit check reads "more than I can
    refund on my own"; a matched rule alone reads "needs a supervisor's OK".
    """
    if outcome == "apply":
        return WITHIN
    if outcome == "reject":
        return REJECTED
    failed_limit = any(
        not _get(check, "passed", True) and _get(check, "name", "") != "policy_rules"
        for check in checks
    )
    if failed_limit or not rules:
        return NEEDS_SUPERVISOR.format(verb=VERBS.get(remedy_code, "do"))
    return RULE_SUPERVISOR


def _get(item: Any, name: str, default: Any) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)
