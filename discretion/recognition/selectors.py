"""Reads of recognitions: the API list, a team's week, who one may give kudos to."""

from __future__ import annotations

from django.db.models import QuerySet

from discretion.models import Recognition, Team, User
from discretion.recognition.weeks import IsoWeek


def recognition_list(*, agent_id: int | None = None) -> QuerySet[Recognition]:
    """Newest first; one query for any page size (agent, giver and resolution joined)."""
    qs = Recognition.objects.select_related("agent", "from_user", "resolution")
    if agent_id is not None:
        qs = qs.filter(agent_id=agent_id)
    return qs.order_by("-created_at", "-id")


def recognition_get(*, recognition_id: int) -> Recognition:
    """Raises Recognition.DoesNotExist."""
    return recognition_list().get(pk=recognition_id)


def recognition_team_week(*, team: Team | None, week: IsoWeek) -> list[Recognition]:
    """The recognitions of ``team``'s members in ``week`` (every team's when None), oldest
    first, as the weekly digest lists them. One query."""
    start, end = week.bounds()
    qs = recognition_list().filter(created_at__gte=start, created_at__lt=end)
    if team is not None:
        qs = qs.filter(agent__team=team)
    return list(qs.select_related("agent__team").order_by("created_at", "id"))


def kudos_recipients(*, user: User) -> list[User]:
    """Everyone active ``user`` may give kudos to (never themself): their team first."""
    people = list(
        User.objects.filter(is_active=True)
        .exclude(pk=user.pk)
        .select_related("team")
        .order_by("display_name", "username")
    )
    people.sort(key=lambda person: person.team_id != user.team_id or user.team_id is None)
    return people


def team_get(*, user: User) -> Team | None:
    """The user's team, loaded (None without one)."""
    return Team.objects.filter(pk=user.team_id).first() if user.team_id else None
