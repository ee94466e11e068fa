"""Reviews: the policy that samples them, the draw in the decision's batch, and verdicts.

A review never changes money: nothing here touches the resolution, its budget windows
or the case's total. Completing one is a conditional UPDATE on its status, so of two
concurrent verdicts exactly one is recorded (docs/concurrency.md, "Conditional UPDATEs").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Resolution
from common.db import Batch
from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.money import ZERO
from common.roles import is_admin, is_supervising
from discretion.models import Review, ReviewPolicy, User
from discretion.recognition.services import recognition_create
from discretion.reviews.draw import SCALE, review_draw_value
from discretion.reviews.models import REVIEW_NOTE_MAX_LENGTH

VERDICTS = [choice for choice, _ in Review.Verdict.choices]
NOTE_REQUIRED = (Review.Verdict.COACH.value, Review.Verdict.POLICY_GAP.value)
SAMPLE_PERCENT_MAX = Decimal("100")


def review_policy_get() -> ReviewPolicy:
    """The one policy row (pk=1), created with the defaults (5 %, none always) if missing."""
    policy, _ = ReviewPolicy.objects.get_or_create(pk=1)
    return policy


def _policy_fields(policy: ReviewPolicy) -> dict[str, Any]:
    return {
        "sample_percent": str(policy.sample_percent),
        "always_above": None if policy.always_above is None else str(policy.always_above),
    }


def review_policy_validate(
    *, sample_percent: Decimal, always_above: Decimal | None
) -> tuple[Decimal, Decimal | None]:
    """Raises Invalid naming ``sample_percent`` (0 to 100, two decimals at most) or
    ``always_above`` (above zero)."""
    if sample_percent < 0 or sample_percent > SAMPLE_PERCENT_MAX:
        raise Invalid(
            "The sample is a share from 0 to 100 percent.",
            code="review_policy_invalid",
            fields={"sample_percent": ["A number from 0 to 100."]},
        )
    if sample_percent != sample_percent.quantize(Decimal("0.01")):
        raise Invalid(
            "The sample takes at most two decimals.",
            code="review_policy_invalid",
            fields={"sample_percent": ["At most two decimal places."]},
        )
    if always_above is not None and always_above <= ZERO:
        raise Invalid(
            "Always review from an amount above zero, or leave it empty.",
            code="review_policy_invalid",
            fields={"always_above": ["An amount above zero, or null for none."]},
        )
    return sample_percent.quantize(Decimal("0.01")), always_above


def review_policy_update(
    *, acting_user: User, sample_percent: Decimal, always_above: Decimal | None
) -> ReviewPolicy:
    """Admins only (Forbidden otherwise). Audited; decisions use the new policy at once
    (the decision's batch reads the row itself, so there is no cache to invalidate)."""
    if not is_admin(acting_user):
        raise Forbidden("Only admins may change the review policy.", code="admin_only")
    sample_percent, always_above = review_policy_validate(
        sample_percent=sample_percent, always_above=always_above
    )
    with transaction.atomic():
        review_policy_get()
        # One row, locked for one edit so its audit event has a coherent before/after.
        policy = ReviewPolicy.objects.select_for_update(no_key=True).get(pk=1)
        before = _policy_fields(policy)
        policy.sample_percent = sample_percent
        policy.always_above = always_above
        policy.save()
        after = _policy_fields(policy)
        if after != before:
            audit_record(
                actor=acting_user,
                action="review_policy.update",
                object_type=ObjectType.REVIEW_POLICY,
                object_id=policy.pk,
                before=before,
                after=after,
            )
    return policy


def _draw_sql() -> str:
    """The draw's INSERT … SELECT: a pure function of the models, built once at import."""
    review, policy = Review._meta, ReviewPolicy._meta
    columns = ", ".join(
        str(review.get_field(name).column)  # type: ignore[union-attr]  # concrete fields
        for name in (
            "resolution",
            "agent",
            "remedy_type",
            "reason",
            "status",
            "verdict",
            "note",
            "reviewer",
            "created_at",
            "done_at",
        )
    )
    always = "(p.always_above IS NOT NULL AND %(amount)s >= p.always_above)"
    return (
        f"INSERT INTO {review.db_table} ({columns}) "
        "SELECT %(resolution_id)s, %(agent_id)s, %(remedy_type_id)s, "
        f"CASE WHEN {always} THEN 'always_above' ELSE 'sampled' END, "
        "'pending', '', '', NULL, %(created_at)s, NULL "
        f"FROM {policy.db_table} p WHERE p.id = 1 AND ({always} "
        # u < percent/100, exactly: value * 10000 < round(percent * 100) * 2**64.
        "OR %(draw)s::numeric * 10000 < ROUND(p.sample_percent * 100) * %(scale)s::numeric)"
    )


DRAW_SQL = _draw_sql()


def review_sample(*, resolution: Resolution, monetary: bool, batch: Batch) -> None:
    """Add the review draw of a just-decided resolution to the decision's batch.

    Only a resolution applied on its agent's own authority (``counts_against_budget``),
    of a monetary remedy and above zero, is drawn; escalated, rejected and non-monetary
    ones never are. The statement reads the policy row itself and inserts the review only
    when the draw (``discretion.reviews.draw``) or ``always_above`` says so: no round
    trip of its own, and no cache to keep fresh. Must not be the batch's last statement
    when that one's row count is checked (it is added before the budget UPDATE).
    """
    if not (resolution.counts_against_budget and monetary and resolution.amount > ZERO):
        return
    assert resolution.pk is not None, "draw after the resolution is inserted"
    # Plain SQL: every applied decision runs it, in the decision's one final round trip.
    batch.add(
        DRAW_SQL,
        {
            "resolution_id": resolution.pk,
            "agent_id": resolution.agent_id,
            "remedy_type_id": resolution.remedy_type_id,
            "amount": resolution.amount,
            "created_at": resolution.created_at,
            "draw": review_draw_value(resolution.pk),
            "scale": SCALE,
        },
    )


def _review_fields(review: Review) -> dict[str, Any]:
    return {
        "status": review.status,
        "verdict": review.verdict,
        "reviewer": review.reviewer_id,
        "resolution": review.resolution_id,
        "agent": review.agent_id,
    }


def review_complete(*, acting_user: User, review_id: int, verdict: str, note: str = "") -> Review:
    """Record a supervisor's verdict. Raises Forbidden (not a supervisor or admin; one's
    own resolution, code ``own_resolution``), Invalid naming ``verdict`` or ``note`` (a
    note is required for ``coach`` and ``policy_gap``), NotFound, and Conflict
    ``already_reviewed`` (done before, or a concurrent verdict won).

    ``above_and_beyond`` records a Recognition from the reviewer in the same transaction.
    Writes the review, maybe the recognition and its notification, then the audit row
    (the last lock, docs/concurrency.md). Never touches the resolution or any budget.
    """
    if not is_supervising(acting_user):
        raise Forbidden("Only supervisors and admins review resolutions.", code="forbidden")
    if verdict not in VERDICTS:
        raise Invalid(
            f"Give a verdict: one of {', '.join(VERDICTS)}.",
            code="invalid_verdict",
            fields={"verdict": [f"One of: {', '.join(VERDICTS)}."]},
        )
    note = (note or "").strip()
    if verdict in NOTE_REQUIRED and not note:
        raise Invalid(
            "Write a note: a coach or policy-gap verdict says what to do differently.",
            code="note_required",
            fields={"note": ["Required for coach and policy_gap verdicts."]},
        )
    if len(note) > REVIEW_NOTE_MAX_LENGTH:
        raise Invalid(
            f"The note is at most {REVIEW_NOTE_MAX_LENGTH} characters.",
            code="note_too_long",
            fields={"note": [f"At most {REVIEW_NOTE_MAX_LENGTH} characters."]},
        )
    now = timezone.now()
    with transaction.atomic():
        review = Review.objects.select_related("resolution", "agent").filter(pk=review_id).first()
        if review is None:
            raise NotFound(f"No review #{review_id}.")
        if review.agent_id == acting_user.pk:
            raise Forbidden(
                "This is your own resolution: someone else reviews it (four eyes).",
                code="own_resolution",
            )
        before = _review_fields(review)
        # The condition is in the UPDATE: a concurrent verdict waits on the row, then
        # matches nothing (docs/concurrency.md, "Conditional UPDATEs").
        updated = Review.objects.filter(pk=review.pk, status=Review.Status.PENDING).update(
            status=Review.Status.DONE,
            verdict=verdict,
            note=note,
            reviewer=acting_user,
            done_at=now,
        )
        if updated != 1:
            raise Conflict("This review is already done.", code="already_reviewed")
        review.status, review.verdict, review.note = Review.Status.DONE, verdict, note
        review.reviewer, review.done_at = acting_user, now
        if verdict == Review.Verdict.ABOVE_AND_BEYOND:
            recognition_create(
                acting_user=acting_user,
                agent=review.agent,
                note=note or "Above and beyond, found in a review.",
                resolution=review.resolution,
                review=review,
            )
        audit_record(
            actor=acting_user,
            action="review.complete",
            object_type=ObjectType.REVIEW,
            object_id=review.pk,
            before=before,
            after=_review_fields(review),
        )
    return review
