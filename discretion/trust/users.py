"""Write services for users and teams: create and update users (role, team, tier, active
flag), each change audited.

Every function is one atomic action with a keyword-only ``acting_user`` that writes its
audit event in the same transaction. The invariants of a user change (superusers are
admins; one active admin always stays) are checked here, so the API, the admin screens
and the Django admin refuse the same changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from knox.models import AuthToken

from audit.models import ObjectType
from audit.services import audit_change, audit_record
from common.errors import Invalid
from discretion.models import Role, Team, TrustTier, User
from discretion.trust.tokens import api_tokens_revoke

# What the audit trail records of a user: the fields that decide what they may do.
USER_AUDITED_FIELDS = ("username", "role", "team", "tier", "is_active", "is_superuser")


USER_EDITABLE_FIELDS = ("display_name", "email", "role", "team", "tier", "is_active")


def user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "team": user.team.name if user.team else None,
        "tier": user.tier.code if user.tier else None,
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
    }


def team_get_or_create(*, name: str) -> Team:
    """The team of that name, created if new (agents are put in teams by name)."""
    team, _ = Team.objects.get_or_create(name=name.strip())
    return team


def _check_user_invariants(user: User, *, previous: dict[str, Any] | None) -> None:
    # A superuser is an admin (DB constraint user_superuser_is_admin). We refuse rather
    # than silently dropping superuser status: losing it is a change an admin must make
    # on purpose (in the Django admin), not a side effect of a role edit.
    if user.is_superuser and user.role != Role.ADMIN:
        message = (
            "This user is a superuser, and superusers are always admins. "
            "Remove superuser status in the Django admin first."
        )
        raise Invalid(message, code="superuser_is_admin", fields={"role": [message]})
    # Never lock everybody out: the last active admin cannot be demoted or deactivated.
    if previous and previous["role"] == Role.ADMIN and previous["is_active"]:
        still_admin = user.role == Role.ADMIN and user.is_active
        if not still_admin:
            others = (
                User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists()
            )
            if not others:
                field = "role" if user.role != Role.ADMIN else "is_active"
                message = "This is the last active admin; keep at least one."
                raise Invalid(message, code="last_admin", fields={field: [message]})


@transaction.atomic
def user_create(
    *,
    acting_user: User | None,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    role: str = Role.AGENT,
    team: Team | None = None,
    tier: TrustTier | None = None,
    is_active: bool = True,
) -> User:
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        role=role,
        team=team,
        tier=tier,
        is_active=is_active,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent create of the same username
        message = "A user with that username already exists."
        raise Invalid(message, code="duplicate_username", fields={"username": [message]}) from exc
    audit_record(
        actor=acting_user,
        action="user_create",
        object_type=ObjectType.USER,
        object_id=user.pk,
        before=None,
        after=user_snapshot(user),
    )
    return user


@transaction.atomic
def user_update(
    *, acting_user: User | None, user: User, changes: Mapping[str, Any], reason: str = ""
) -> User:
    """Change a user's profile, role, team, tier or active flag.

    Locks the user's row so two admins editing at once each see the other's change in
    their "before". Writes an audit event when anything the audit trail tracks changed.
    Deactivating a user revokes all their API tokens (reactivating gives none back).
    """
    unknown = set(changes) - set(USER_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"user_update cannot change {sorted(unknown)}")
    # Row lock: the before snapshot must be the row as it is when we change it.
    user = (
        User.objects.select_for_update(of=("self",), no_key=True)
        .select_related("team", "tier")
        .get(pk=user.pk)
    )
    before = user_snapshot(user)
    for name, value in changes.items():
        setattr(user, name, value)
    _check_user_invariants(user, previous=before)
    user.save()
    if before["is_active"] and not user.is_active:
        api_tokens_revoke(user=user)
    after = user_snapshot(user)
    audit_change(
        actor=acting_user,
        action="user_update",
        object_type=ObjectType.USER,
        object_id=user.pk,
        before=before,
        after=after,
        reason=reason,
    )
    return user


def user_audit_change(
    *, acting_user: User | None, before: dict[str, Any] | None, user: User
) -> None:
    """Record a change made elsewhere (the Django admin's user form) if it matters.

    Call inside the transaction of the change, with ``before = user_snapshot(...)`` taken
    from the database row before it (``None`` for a new user).
    """
    after = user_snapshot(user)
    audit_change(
        actor=acting_user,
        action="user_create" if before is None else "user_update",
        object_type=ObjectType.USER,
        object_id=user.pk,
        before=before,
        after=after,
    )


def _valid_new_password(password: str, user: User, *, field: str) -> None:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS), as a 400 naming ``field``."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(exc.messages[0], code="weak_password", fields={field: exc.messages}) from exc


@transaction.atomic
def user_password_change(
    *, user: User, old_password: str, new_password: str, keep: AuthToken | None = None
) -> User:
    """A user changes their own password: the old one must be right and the new one pass
    the validators. Revokes all their API tokens but ``keep`` (the contract: a password
    change revokes every token; pass ``keep`` only to spare the one in use). Other
    browser sessions end by themselves: Django's session hash includes the password."""
    if not user.check_password(old_password):
        message = "Your old password was entered incorrectly."
        raise Invalid(message, code="wrong_password", fields={"old_password": [message]})
    _valid_new_password(new_password, user, field="new_password")
    return _password_set(user, new_password, keep=keep)


@transaction.atomic
def user_password_set(*, user: User, password: str, field: str = "password") -> User:
    """An admin sets a user's password (validators apply); revokes all their tokens."""
    _valid_new_password(password, user, field=field)
    return _password_set(user, password, keep=None)


def _password_set(user: User, password: str, *, keep: AuthToken | None) -> User:
    user.set_password(password)
    user.save(update_fields=["password"])
    api_tokens_revoke(user=user, keep=keep)
    return user
