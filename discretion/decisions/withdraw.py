"""An agent takes back their own pending request: the escalation closes as withdrawn
(the supervisor's card leaves the queue), the resolution is withdrawn (it granted and
spent nothing), its held customer message becomes an ordinary draft again.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Case, Resolution
from cases.services import case_event_add
from common.errors import Conflict, Forbidden, NotFound
from discretion.escalations.wording import _label, _remedy_phrase
from discretion.messages.models import CustomerMessage
from discretion.models import Escalation, EscalationEvent, User

WITHDRAWN_DRAFT = "You withdrew the request, so this was not sent: edit it, or leave it unsent."


@transaction.atomic
def resolution_withdraw(*, acting_user: User, resolution_id: int) -> Resolution:
    """Withdraw a pending request. Only its own agent may (Forbidden ``not_yours``); a
    decided one is Conflict ``already_decided``; writes nothing then.

    Locks the escalation, then the case, then the resolution (the order every escalation
    move takes, docs/concurrency.md); the move itself is a conditional UPDATE on the
    escalation's status and version, like routing's and deciding's.
    """
    row = Resolution.objects.only("case_id", "agent_id").filter(pk=resolution_id).first()
    if row is None:
        raise NotFound(f"No resolution #{resolution_id}.")
    if row.agent_id != acting_user.pk:
        raise Forbidden(
            "Only the agent who asked for this remedy may withdraw it.", code="not_yours"
        )
    escalation = (
        Escalation.objects.select_for_update(of=("self",), no_key=True)
        .filter(resolution_id=row.pk)
        .first()
    )
    Case.objects.select_for_update(of=("self",), no_key=True).filter(pk=row.case_id).first()
    resolution = (
        Resolution.objects.select_for_update(of=("self",), no_key=True)
        .select_related("remedy_type", "case")
        .get(pk=row.pk)
    )
    now = timezone.now()
    moved = (
        escalation is not None
        and resolution.status == Resolution.Status.PENDING_APPROVAL
        and Escalation.objects.filter(
            pk=escalation.pk, status=Escalation.Status.PENDING, version=escalation.version
        ).update(
            status=Escalation.Status.WITHDRAWN,
            decided_by=acting_user,
            decided_at=now,
            version=F("version") + 1,
        )
        == 1
    )
    if not moved:
        raise Conflict(
            f"This request is no longer waiting (it is {resolution.get_status_display().lower()}):"
            " only a pending request can be withdrawn.",
            code="already_decided",
        )
    assert escalation is not None
    Resolution.objects.filter(pk=resolution.pk).update(status=Resolution.Status.WITHDRAWN)
    resolution.status = Resolution.Status.WITHDRAWN
    # The held message promised what was never granted: a plain draft, for the agent.
    CustomerMessage.objects.filter(
        resolution=resolution, status=CustomerMessage.Status.DRAFT, held=True
    ).update(held=False, draft_reason=WITHDRAWN_DRAFT, updated_at=now)
    EscalationEvent.objects.create(
        escalation=escalation,
        at=now,
        event="withdrawn",
        actor=acting_user,
        level=escalation.level,
        assigned_to_id=escalation.assigned_to_id,
    )
    summary = f"{_label(acting_user)} withdrew their {_remedy_phrase(resolution)} request."
    case_event_add(
        case=resolution.case,
        kind="resolution_withdrawn",
        actor=acting_user,
        summary=summary,
        data={"resolution": resolution.pk, "escalation": escalation.pk},
    )
    audit_record(
        actor=acting_user,
        action="escalation.withdraw",
        object_type=ObjectType.ESCALATION,
        object_id=escalation.pk,
        before={"status": Escalation.Status.PENDING, "version": escalation.version},
        after={"status": Escalation.Status.WITHDRAWN, "version": escalation.version + 1},
    )
    audit_record(
        actor=acting_user,
        action="resolution.withdraw",
        object_type=ObjectType.RESOLUTION,
        object_id=resolution.pk,
        before={"status": Resolution.Status.PENDING_APPROVAL},
        after={"status": Resolution.Status.WITHDRAWN},
    )
    return resolution
