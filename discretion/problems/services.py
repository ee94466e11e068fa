"""Writes of problems: open one, edit it, link a case (the Andon cord), mark it fixed.

Who may write: anyone signed in opens a problem and links a case to an open one (any
agent may pull the cord); supervisors and admins edit it and mark it fixed. A case is
in at most one problem: the unique link row decides, so two concurrent pulls of the
cord on one case link it once and the other gets a 400 naming ``case``.

The fix is one transaction: the problem row is locked (so of two concurrent fixes one
wins and the other sees it fixed: 409), then every linked case not closed gets a timeline
event and a draft message to its customer, and its assignee is notified.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_change, audit_record
from cases.models import Case
from cases.services import case_event_add
from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.roles import is_supervising
from discretion.messages.services import message_create
from discretion.models import User
from discretion.notifications.services import notification_create
from discretion.problems.models import (
    PROBLEM_TEXT_MAX_LENGTH,
    PROBLEM_TITLE_MAX_LENGTH,
    Problem,
    ProblemCase,
)
from discretion.problems.wording import (
    fix_event_summary,
    fix_message_body,
    fix_notification_body,
    fix_notification_title,
)

EDITABLE = ("title", "description", "owner")


def problem_snapshot(problem: Problem) -> dict[str, Any]:
    return {
        "id": problem.pk,
        "title": problem.title,
        "description": problem.description,
        "status": problem.status,
        "owner": problem.owner_id,
        "what_we_changed": problem.what_we_changed,
        "fixed_at": problem.fixed_at,
    }


def _label(user: User) -> str:
    return user.label or user.username


def _require_supervising(user: User, doing: str) -> None:
    if not is_supervising(user):
        raise Forbidden(f"Only supervisors and admins may {doing}.", code="supervisors_only")


def _clean_text(*, title: str | None, description: str | None) -> None:
    problems: dict[str, list[str]] = {}
    if title is not None:
        if not title.strip():
            problems["title"] = ["Give the problem a title: what keeps happening?"]
        elif len(title.strip()) > PROBLEM_TITLE_MAX_LENGTH:
            problems["title"] = [f"At most {PROBLEM_TITLE_MAX_LENGTH} characters."]
    if description is not None and len(description) > PROBLEM_TEXT_MAX_LENGTH:
        problems["description"] = [f"At most {PROBLEM_TEXT_MAX_LENGTH:,} characters."]
    if problems:
        raise Invalid(next(iter(problems.values()))[0], code="invalid_problem", fields=problems)


def _check_owner(owner: User | None) -> None:
    if owner is not None and (not owner.is_active or not is_supervising(owner)):
        message = "The owner must be an active supervisor or admin."
        raise Invalid(message, code="owner_invalid", fields={"owner": [message]})


@transaction.atomic
def problem_create(
    *,
    acting_user: User,
    title: str,
    description: str = "",
    owner: User | None = None,
    case: Case | None = None,
) -> Problem:
    """Open a problem (anyone may); with ``case``, link that case to it at once (the cord
    pulled from a case page). Only supervisors and admins may name an owner."""
    _clean_text(title=title, description=description)
    if owner is not None:
        _require_supervising(acting_user, "choose a problem's owner")
        _check_owner(owner)
    problem = Problem.objects.create(
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="problem_open",
        object_type=ObjectType.PROBLEM,
        object_id=problem.pk,
        after=problem_snapshot(problem),
    )
    if case is not None:
        _link(problem=problem, case=case, acting_user=acting_user)
    return problem


@transaction.atomic
def problem_update(*, acting_user: User, problem: Problem, changes: dict[str, Any]) -> Problem:
    """Change title, description or owner (supervisors and admins)."""
    _require_supervising(acting_user, "edit a problem")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(
            "These fields cannot be changed here.",
            code="not_editable",
            fields={name: ["This field cannot be changed here."] for name in sorted(unknown)},
        )
    # Locked, so an edit and a fix do not interleave (the fix reads the title it sends).
    locked = Problem.objects.select_for_update(no_key=True).get(pk=problem.pk)
    before = problem_snapshot(locked)
    _clean_text(title=changes.get("title"), description=changes.get("description"))
    if "owner" in changes:
        _check_owner(changes["owner"])
        locked.owner = changes["owner"]
    if "title" in changes:
        locked.title = changes["title"].strip()
    if "description" in changes:
        locked.description = changes["description"].strip()
    locked.updated_at = timezone.now()
    locked.save(update_fields=["title", "description", "owner", "updated_at"])
    audit_change(
        actor=acting_user,
        action="problem_update",
        object_type=ObjectType.PROBLEM,
        object_id=locked.pk,
        before=before,
        after=problem_snapshot(locked),
    )
    return locked


def _link(*, problem: Problem, case: Case, acting_user: User) -> ProblemCase:
    try:
        # A savepoint: the unique case column refuses a second link without poisoning
        # the caller's transaction.
        with transaction.atomic():
            link = ProblemCase.objects.create(problem=problem, case=case, linked_by=acting_user)
    except IntegrityError:
        other = ProblemCase.objects.filter(case=case).values_list("problem_id", flat=True).first()
        where = "this problem" if other == problem.pk else f"problem #{other}"
        message = f"Case #{case.pk} is already linked to {where}: a case belongs to one problem."
        raise Invalid(message, code="case_already_linked", fields={"case": [message]}) from None
    case_event_add(
        case=case,
        kind="problem_linked",
        actor=acting_user,
        summary=f"{_label(acting_user)} linked the case to problem #{problem.pk} "
        f"\u201c{problem.title}\u201d: this keeps happening.",
        data={"problem": problem.pk},
    )
    audit_record(
        actor=acting_user,
        action="problem_case_link",
        object_type=ObjectType.PROBLEM,
        object_id=problem.pk,
        after={"case": case.pk},
    )
    return link


@transaction.atomic
def problem_case_link(*, acting_user: User, problem: Problem, case: Case) -> ProblemCase:
    """Link a case to an open problem (anyone may). Raises Conflict ``problem_fixed`` for
    a fixed problem, Invalid ``case_already_linked`` (naming ``case``) for a case that is
    in a problem already."""
    # Shares the fix's lock: a case linked while the fix runs would get no draft.
    locked = Problem.objects.select_for_update(no_key=True).filter(pk=problem.pk).first()
    if locked is None:
        raise NotFound(f"There is no problem {problem.pk}.")
    if locked.status == Problem.Status.FIXED:
        raise Conflict(
            f"Problem #{locked.pk} is fixed already: open a new problem if it is happening again.",
            code="problem_fixed",
        )
    return _link(problem=locked, case=case, acting_user=acting_user)


@transaction.atomic
def problem_fix(*, acting_user: User, problem_id: int, what_we_changed: str) -> Problem:
    """Mark the problem fixed and draft, for every linked case not closed, a message to
    its customer saying what we changed (its assignee is told to review and send it).

    Raises Forbidden (agents), Invalid naming ``what_we_changed``, NotFound, Conflict
    ``already_fixed``.
    """
    _require_supervising(acting_user, "mark a problem fixed")
    changed = (what_we_changed or "").strip()
    if not changed:
        message = "Say what we changed: the customers of the linked cases will be told."
        raise Invalid(
            message, code="what_we_changed_required", fields={"what_we_changed": [message]}
        )
    if len(changed) > PROBLEM_TEXT_MAX_LENGTH:
        message = f"At most {PROBLEM_TEXT_MAX_LENGTH:,} characters."
        raise Invalid(
            message, code="what_we_changed_too_long", fields={"what_we_changed": [message]}
        )
    # The row lock serializes fixes (and links, which take it too): one fix wins.
    problem = Problem.objects.select_for_update(no_key=True).filter(pk=problem_id).first()
    if problem is None:
        raise NotFound(f"There is no problem {problem_id}.")
    if problem.status == Problem.Status.FIXED:
        raise Conflict(f"Problem #{problem.pk} is already fixed.", code="already_fixed")
    before = problem_snapshot(problem)
    now = timezone.now()
    problem.status = Problem.Status.FIXED
    problem.what_we_changed = changed
    problem.fixed_at = now
    problem.fixed_by = acting_user
    problem.updated_at = now
    problem.save(update_fields=["status", "what_we_changed", "fixed_at", "fixed_by", "updated_at"])
    links = (
        ProblemCase.objects.filter(problem=problem)
        .select_related("case__customer", "case__assignee")
        .order_by("linked_at", "id")
    )
    drafted = 0
    for link in links:
        if _case_told(link=link, problem=problem, acting_user=acting_user):
            drafted += 1
    audit_record(
        actor=acting_user,
        action="problem_fix",
        object_type=ObjectType.PROBLEM,
        object_id=problem.pk,
        before=before,
        after={**problem_snapshot(problem), "drafts": drafted},
    )
    return problem


def _case_told(*, link: ProblemCase, problem: Problem, acting_user: User) -> bool:
    """The fix's lines on one linked case; False for a closed case (nothing to tell)."""
    case = link.case
    if case.status == Case.Status.CLOSED:
        return False
    reviewer = case.assignee if case.assignee is not None and case.assignee.is_active else None
    message = message_create(
        acting_user=reviewer or acting_user,
        case_id=case.pk,
        body=fix_message_body(case=case, problem=problem),
        send=False,
    )
    link.fix_message = message
    link.save(update_fields=["fix_message"])
    case_event_add(
        case=case,
        kind="problem_fixed",
        actor=acting_user,
        summary=fix_event_summary(problem=problem, actor_label=_label(acting_user), drafted=True),
        data={"problem": problem.pk, "message": message.pk},
    )
    notification_create(
        recipient=reviewer or acting_user,
        kind="problem_fixed_draft",
        title=fix_notification_title(case=case),
        body=fix_notification_body(problem=problem),
        link=f"/cases/{case.pk}/#messages",
        dedupe_key=f"problem:{problem.pk}:case:{case.pk}:draft",
    )
    return True
