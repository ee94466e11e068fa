"""Who may decide an escalation: a supervisor or admin, never the requester (four eyes),
and only within their own ``approval_max`` for the remedy type.

``escalation_decide`` runs these after taking its locks and before writing anything, so
a refusal leaves no trace; the messages say why, because the supervisor reads them.
"""

from __future__ import annotations

from decimal import Decimal

from cases.models import Resolution
from common.errors import Forbidden
from common.money import money
from discretion.models import Role, User
from discretion.trust.selectors import effective_limit_get


def _decider_role_check(*, acting_user: User, resolution: Resolution) -> None:
    role = "admin" if acting_user.is_superuser else acting_user.role
    if role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(
            "Only supervisors and admins may decide escalations.", code="supervisor_only"
        )
    if resolution.agent_id == acting_user.pk:
        raise Forbidden(
            "Four-eyes rule: you made this request, so you cannot decide it yourself; "
            "another supervisor or admin must.",
            code="four_eyes",
        )


def _decider_limit_check(*, acting_user: User, resolution: Resolution, amount: Decimal) -> None:
    remedy = resolution.remedy_type
    limit = effective_limit_get(user=acting_user, remedy_type=remedy)
    if limit is None or limit.approval_max is None:
        raise Forbidden(
            f"Your trust limits give you no approval_max for {remedy.code}, so you may not "
            "decide this escalation.",
            code="no_approval_max",
        )
    if amount > limit.approval_max:
        raise Forbidden(
            f"{money(amount)} is above your approval_max for {remedy.code} "
            f"({money(limit.approval_max)}), so you may not decide this escalation.",
            code="approval_max",
        )
