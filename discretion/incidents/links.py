"""Linking cases to an incident: by hand, in bulk (all or none), or by the incident's
matcher as a case is created (the ``DISCRETION_CASE_CREATED_HOOKS`` hook).

A case is in at most one active incident: its single ``active_incident_id`` column, set
by one conditional UPDATE. The cases are locked (by that UPDATE) before the incident
row, the decision's lock order (docs/concurrency.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Case
from cases.services import case_event_add
from common.db import Batch
from common.errors import Conflict, Invalid, NotFound
from discretion.incidents.matcher import matcher_context, matcher_matches
from discretion.incidents.models import Incident, IncidentCase
from discretion.incidents.selectors import incident_matchers_active
from discretion.incidents.services import (
    MAX_BULK_LINK,
    invalid,
    lock,
    require_supervising,
)
from discretion.models import User

# Link only cases in no incident, or in one that is over (ended, or past its end before
# the sweeper flipped it): one column per case, so at most one active incident. The
# cases are locked (by this UPDATE) before the incident: the decision's lock order.
_LINK_SQL = (
    f"UPDATE {Case._meta.db_table} SET active_incident_id = %(incident_id)s "
    "WHERE id = ANY(%(case_ids)s) AND (active_incident_id IS NULL "
    "OR active_incident_id = %(incident_id)s OR active_incident_id IN ("
    f"SELECT id FROM {Incident._meta.db_table} "
    "WHERE status = 'ended' OR ends_at <= %(now)s)) RETURNING id"
)


def _ended(incident_id: int) -> Conflict:
    return Conflict(
        f"Incident #{incident_id} has ended: no more cases can be linked to it.",
        code="incident_ended",
    )


def _link(
    *, incident_id: int, case_ids: list[int], acting_user: User | None, via: str
) -> tuple[Incident, list[int]]:
    """Link cases to an active incident, every case or none: Invalid naming ``case`` for
    an unknown case or one in another active incident, Conflict when the incident is over.
    Returns the incident (locked) and the ids newly linked."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_LINK_SQL, {"incident_id": incident_id, "case_ids": case_ids, "now": now})
        linked = {row[0] for row in cursor.fetchall()}
    incident = lock(incident_id)
    if not incident.active_at(now):
        raise _ended(incident_id)
    refused = [pk for pk in case_ids if pk not in linked]
    if refused:
        others = dict(Case.objects.filter(pk__in=refused).values_list("pk", "active_incident_id"))
        lines = [
            f"Case #{pk} is already in active incident #{others[pk]}: a case is in at "
            "most one active incident (end that one first)."
            if pk in others
            else f"No case #{pk}."
            for pk in refused
        ]
        raise Invalid(lines[0], code="case_in_other_incident", fields={"case": lines})
    new = sorted(
        set(case_ids)
        - set(
            IncidentCase.objects.filter(incident=incident, case_id__in=case_ids).values_list(
                "case_id", flat=True
            )
        )
    )
    if not new:
        return incident, []
    IncidentCase.objects.bulk_create(
        [
            IncidentCase(
                incident=incident, case_id=pk, via=via, linked_by=acting_user, linked_at=now
            )
            for pk in new
        ],
        ignore_conflicts=True,
    )
    events = Batch()
    for pk in new:
        case_event_add(
            case=Case(pk=pk),
            kind="incident_linked",
            actor=acting_user,
            summary=f"Linked to incident #{incident.pk} '{incident.title}'.",
            data={"incident": incident.pk, "via": via},
            batch=events,
        )
    audit_record(
        actor=acting_user,
        action="incident.link_cases",
        object_type=ObjectType.INCIDENT,
        object_id=incident.pk,
        before=None,
        after={"cases": new, "via": via},
        batch=events,
    )
    events.run()
    return incident, new


@transaction.atomic
def incident_cases_link(
    *, acting_user: User, incident_id: int, case_ids: Sequence[int]
) -> list[int]:
    """Link cases to an active incident (one or many; all or none). Returns the ids newly
    linked (a case already linked to it is no change). Raises Forbidden, NotFound,
    Conflict ``incident_ended`` (ended, or past its end) and Invalid naming ``case`` (an
    unknown case, or one in another active incident)."""
    require_supervising(acting_user)
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise invalid("cases", "Give at least one case.", "cases_empty")
    if len(ids) > MAX_BULK_LINK:
        raise invalid("cases", f"Link at most {MAX_BULK_LINK} cases at once.", "too_many")
    if not Incident.objects.filter(pk=incident_id).exists():
        raise NotFound(f"No incident #{incident_id}.")
    _, new = _link(incident_id=incident_id, case_ids=ids, acting_user=acting_user, via="hand")
    return new


def incident_case_created(*, case: Case, customer_external_id: str = "") -> int | None:
    """The case-created hook (``DISCRETION_CASE_CREATED_HOOKS``): link a new case to the
    oldest active incident whose matcher says yes. Runs in the creating transaction.
    Returns the incident's id, or None."""
    now = timezone.now()
    candidates = incident_matchers_active(now=now)
    if not candidates:
        return None
    context = matcher_context(case=case, customer_external_id=customer_external_id)
    for incident_id, matcher in candidates:
        if not matcher_matches(matcher, context):
            continue
        try:
            with transaction.atomic():  # a savepoint: an incident that just ended is skipped
                _link(incident_id=incident_id, case_ids=[case.pk], acting_user=None, via="matcher")
        except (Conflict, NotFound):
            continue
        case.active_incident_id = incident_id
        return incident_id
    return None
