"""Kudos: anyone recognises a teammate (never themself); the weekly team digest.

Recognition is about what went right: the digest lists recognitions only, never review
verdicts or mistakes.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cases.models import Resolution
from common.errors import Forbidden, Invalid
from discretion.models import Recognition, Review, Team, User
from discretion.notifications.services import notification_create
from discretion.recognition.models import RECOGNITION_NOTE_MAX_LENGTH
from discretion.recognition.weeks import iso_week_of


def _label(user: User) -> str:
    return user.display_name or user.username


def recognition_create(
    *,
    acting_user: User,
    agent: User,
    note: str,
    resolution: Resolution | None = None,
    review: Review | None = None,
) -> Recognition:
    """Record kudos from ``acting_user`` to ``agent`` and notify the agent (once per
    recognition). Raises Forbidden ``not_for_yourself`` and Invalid naming ``note``
    (required, at most 2000 characters), ``agent`` (inactive) or ``resolution`` (not
    the agent's)."""
    if agent.pk == acting_user.pk:
        raise Forbidden(
            "Kudos are for someone else: you cannot recognise yourself.", code="not_for_yourself"
        )
    note = (note or "").strip()
    if not note:
        raise Invalid(
            "Say what they did well.", code="note_required", fields={"note": ["Required."]}
        )
    if len(note) > RECOGNITION_NOTE_MAX_LENGTH:
        raise Invalid(
            f"The note is at most {RECOGNITION_NOTE_MAX_LENGTH} characters.",
            code="note_too_long",
            fields={"note": [f"At most {RECOGNITION_NOTE_MAX_LENGTH} characters."]},
        )
    if not agent.is_active:
        raise Invalid(
            "That user is no longer active.",
            code="inactive_user",
            fields={"agent": ["This user is not active."]},
        )
    if resolution is not None and resolution.agent_id != agent.pk:
        raise Invalid(
            "That resolution was made by someone else.",
            code="resolution_not_agents",
            fields={"resolution": ["Not a resolution of this agent."]},
        )
    with transaction.atomic():
        recognition = Recognition.objects.create(
            agent=agent, from_user=acting_user, note=note, resolution=resolution, review=review
        )
        where = f" on case #{resolution.case_id}" if resolution is not None else ""
        notification_create(
            recipient=agent,
            kind="recognition",
            title=f"Kudos from {_label(acting_user)}{where}",
            body=note,
            link="/team/kudos/",
            dedupe_key=f"recognition{recognition.pk}",
        )
    return recognition


def recognition_digest_send(*, now: datetime | None = None) -> int:
    """Notify each team's active members of that team's recognitions of the past ISO
    week (the one before ``now``'s). Once per week and team: the dedupe key names both,
    so running it again (every hour, on beat) notifies nobody twice. Teams without
    recognitions that week get nothing. Returns the number of notifications written."""
    now = now or timezone.now()
    week = iso_week_of(timezone.localdate(now)).previous()
    start, end = week.bounds()
    recognitions = list(
        Recognition.objects.filter(
            created_at__gte=start, created_at__lt=end, agent__team__isnull=False
        )
        .select_related("agent", "from_user")
        .order_by("created_at", "id")
    )
    by_team: dict[int, list[Recognition]] = {}
    for recognition in recognitions:
        team_id = recognition.agent.team_id
        assert team_id is not None
        by_team.setdefault(team_id, []).append(recognition)
    if not by_team:
        return 0
    sent = 0
    teams = Team.objects.filter(pk__in=by_team).prefetch_related("members")
    for team in teams:
        items = by_team[team.pk]
        lines = [f"- {_label(r.agent)}, from {_label(r.from_user)}: {r.note}" for r in items]
        title = f"{team.name}: {len(items)} kudos last week ({week.key})"
        body = "Recognitions from last week:\n" + "\n".join(lines)
        with transaction.atomic():
            for member in team.members.all():
                if not member.is_active:
                    continue
                created = notification_create(
                    recipient=member,
                    kind="recognition_digest",
                    title=title,
                    body=body,
                    link=f"/team/kudos/?week={week.key}",
                    dedupe_key=f"kudos-digest:{week.key}:team{team.pk}",
                )
                sent += created is not None
    return sent
