"""Writes of customer messages: write, edit and queue a message, and the fate of a
resolution's message (queued, held, or back to a draft when the promise no longer holds).

Every write is the row first, in the transaction of the change it follows; the e-mail goes
out on a worker after commit (``delivery.py``), enqueued by task name. Rules: docs/
concurrency.md, "The customer outbox".
"""

from __future__ import annotations

from email.utils import make_msgid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import Case, Customer, Resolution
from common.db import Batch
from common.errors import Conflict, Invalid, NotFound
from common.tasks import task_send
from discretion.messages.models import MESSAGE_BODY_MAX_LENGTH, CustomerMessage
from discretion.messages.wording import (
    NO_EMAIL,
    draft_reason,
    facts_paragraph,
    subject_default,
)
from discretion.models import User
from discretion.notifications.services import notification_create

Status = CustomerMessage.Status
# What str.splitlines() splits on, and NUL: none may reach an e-mail header.
LINE_BREAKS = "\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _message_id() -> str:
    """A fresh ``Message-ID`` under the sender's domain (no DNS look-up)."""
    domain = settings.CUSTOMER_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def message_text_clean(*, body: str | None, subject: str | None) -> tuple[str | None, str | None]:
    """The body and subject as stored; raises Invalid naming ``body`` or ``subject``.

    None leaves a field as it is. A subject may not hold a line break (it would let a
    sender write e-mail headers of their own), nor be longer than a case subject.
    """
    problems: dict[str, list[str]] = {}
    if body is not None:
        if not body.strip():
            problems["body"] = ["Write the message: it may not be blank."]
        elif len(body) > MESSAGE_BODY_MAX_LENGTH:
            problems["body"] = [
                f"At most {MESSAGE_BODY_MAX_LENGTH:,} characters (this one has {len(body):,})."
            ]
    if subject is not None:
        max_length = CustomerMessage._meta.get_field("subject").max_length or 200
        # Checked before any trimming: a trailing line break is refused too.
        if any(char in subject for char in LINE_BREAKS):
            problems["subject"] = ["One line only: a subject may not contain a line break."]
        elif len(subject.strip()) > max_length:
            problems["subject"] = [f"At most {max_length} characters."]
    if problems:
        raise Invalid(next(iter(problems.values()))[0], code="invalid_message", fields=problems)
    return body, (subject.strip() if subject is not None else None)


def _address(customer: Customer) -> str:
    if not customer.email:
        raise Invalid(NO_EMAIL, code="no_email", fields={"to": [NO_EMAIL]})
    return customer.email


def _enqueue(message_id: int) -> None:
    # Never fails the committed change when the broker is down: the sweeper sends it.
    task_send("discretion.send_customer_message", message_id)


def _queue(message: CustomerMessage, *, address: str, acting_user: User) -> None:
    """Mark a locked (or new, unsaved) message queued, and send it after commit."""
    now = timezone.now()
    message.to = address
    message.status = Status.QUEUED
    message.held = False
    message.draft_reason = ""
    message.sent_by = acting_user
    message.attempts = 0
    message.next_attempt_at = None
    message.last_error = ""
    message.queued_at = now
    message.updated_at = now


def _case(case_id: int) -> Case:
    case = Case.objects.select_related("customer").filter(pk=case_id).first()
    if case is None:
        raise NotFound(f"No case #{case_id}.")
    return case


@transaction.atomic
def message_create(
    *, acting_user: User, case_id: int, body: str, subject: str | None = None, send: bool = False
) -> CustomerMessage:
    """A new message to the case's customer: a draft, or queued with ``send``.

    Raises NotFound (no case), Invalid naming ``body``, ``subject`` or (to send) ``to``.
    """
    case = _case(case_id)
    clean_body, clean_subject = message_text_clean(body=body, subject=subject)
    assert clean_body is not None
    message = CustomerMessage(
        case=case,
        author=acting_user,
        to=case.customer.email,
        subject=clean_subject or subject_default(case),
        body=clean_body,
        message_id=_message_id(),
    )
    if send:
        _queue(message, address=_address(case.customer), acting_user=acting_user)
    message.save()
    if send:
        transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _locked(message_id: int) -> CustomerMessage:
    message = (
        CustomerMessage.objects.select_for_update(of=("self",), no_key=True)
        .select_related("case__customer")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise NotFound(f"No message #{message_id}.")
    return message


@transaction.atomic
def message_update(
    *,
    acting_user: User,
    message_id: int,
    body: str | None = None,
    subject: str | None = None,
) -> CustomerMessage:
    """Edit a draft's body and/or subject (a held draft too: it is still the agent's).

    Raises NotFound, Conflict ``not_a_draft``, Invalid naming ``body`` or ``subject``.
    """
    message = _locked(message_id)
    if message.status != Status.DRAFT:
        raise Conflict(
            f"Message #{message.pk} is {message.status}: only a draft can be edited.",
            code="not_a_draft",
        )
    clean_body, clean_subject = message_text_clean(body=body, subject=subject)
    if clean_body is not None:
        message.body = clean_body
    if subject is not None:
        message.subject = clean_subject or subject_default(message.case)
    message.updated_at = timezone.now()
    message.save(update_fields=["body", "subject", "updated_at"])
    return message


@transaction.atomic
def message_send(*, acting_user: User, message_id: int) -> CustomerMessage:
    """Queue a draft (or a failed message, for another round of attempts).

    Raises NotFound, Conflict ``held`` (it waits for the supervisor's decision on its
    resolution), ``already_queued``, ``already_sent``, Invalid naming ``to``.
    """
    message = _locked(message_id)
    if message.held:
        raise Conflict(
            "This message waits for approval: it goes out when the supervisor approves "
            "the remedy as asked, and comes back to you as a draft otherwise.",
            code="held",
        )
    if message.status == Status.QUEUED:
        raise Conflict("This message is already queued for sending.", code="already_queued")
    if message.status == Status.SENT:
        raise Conflict(
            f"This message was already sent to {message.to}: write a new one.",
            code="already_sent",
        )
    _queue(message, address=_address(message.case.customer), acting_user=acting_user)
    message.save()
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


# --- the fate of a resolution's message ------------------------------------------------


def resolution_message_add(
    *, resolution: Resolution, case: Case, acting_user: User, batch: Batch
) -> CustomerMessage:
    """The message of a just-decided resolution, joining the decision's batch (so it adds
    no round trip). Call only when the resolution has a ``customer_message``; ``case``
    has its customer loaded (the case lock loads it).

    Applied: queued, sent after commit. Pending approval: a held draft. Rejected: a draft
    for its agent, opening with what was not granted, and the agent is notified.
    """
    customer = case.customer
    message = CustomerMessage(
        case=case,
        resolution=resolution,
        author=acting_user,
        to=customer.email,
        subject=subject_default(case),
        body=resolution.customer_message[:MESSAGE_BODY_MAX_LENGTH],
        message_id=_message_id(),
        created_at=resolution.created_at,
        updated_at=resolution.created_at,
    )
    status = resolution.status
    if status == Resolution.Status.APPLIED and customer.email:
        _queue(message, address=customer.email, acting_user=acting_user)
        # The batch does not read the new row's id back: the task finds it by resolution.
        transaction.on_commit(
            lambda: task_send("discretion.send_resolution_message", resolution.pk)
        )
    elif status == Resolution.Status.APPLIED:
        message.draft_reason = NO_EMAIL
    elif status == Resolution.Status.PENDING_APPROVAL:
        message.held = True
    else:
        _back_to_draft(message, resolution=resolution, outcome="rejected")
    batch.insert(message)
    if status == Resolution.Status.REJECTED:
        _tell_author(message, resolution=resolution)
    return message


def _back_to_draft(message: CustomerMessage, *, resolution: Resolution, outcome: str) -> None:
    message.status = Status.DRAFT
    message.held = False
    message.body = (f"{facts_paragraph(resolution=resolution, outcome=outcome)}\n\n{message.body}")[
        :MESSAGE_BODY_MAX_LENGTH
    ]
    message.draft_reason = draft_reason(resolution=resolution, outcome=outcome)
    message.updated_at = timezone.now()


def _tell_author(message: CustomerMessage, *, resolution: Resolution) -> None:
    notification_create(
        recipient=message.author,
        kind="message_draft",
        title=f"Your message on case #{message.case_id} is a draft again",
        body=f"{message.draft_reason} It was not sent to the customer.",
        link=f"/cases/{message.case_id}/#messages",
        dedupe_key=f"res{resolution.pk}:message_draft",
    )


def resolution_message_decided(
    *, resolution: Resolution, case: Case, approved: bool
) -> CustomerMessage | None:
    """Follow a supervisor's decision: a held message is queued when its resolution was
    approved as asked, else turned back into a draft for its author, who is notified.

    Call inside the decision's transaction, after its escalation → case → resolution
    locks and before its audit rows (the message row is the last lock it takes).
    ``resolution`` holds the decided amount.
    """
    message = (
        CustomerMessage.objects.select_for_update(of=("self",), no_key=True)
        .select_related("author")
        .filter(resolution=resolution, status=Status.DRAFT, held=True)
        .first()
    )
    if message is None:
        return None
    if approved and resolution.amount == resolution.requested_amount:
        address = case.customer.email
        if address:
            _queue(message, address=address, acting_user=message.author)
            message.save()
            transaction.on_commit(lambda: _enqueue(message.pk))
            return message
        message.held = False
        message.draft_reason = NO_EMAIL
        message.updated_at = timezone.now()
        message.save()
        return message
    _back_to_draft(message, resolution=resolution, outcome="lowered" if approved else "denied")
    message.save()
    _tell_author(message, resolution=resolution)
    return message
