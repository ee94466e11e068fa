"""One path for deciding an escalation from a screen: the queue's side panel
(``web.supervisor.queue``) and the case page's "decide here" panel
(``web.supervisor.decide_here``) both post here. It checks the form, calls
``discretion.escalations.services.escalation_decide`` (four-eyes, approval_max, one
decision wins) and words the outcome once; each screen only renders what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import Http404, HttpRequest

from common.errors import DomainError, NotFound
from common.money import money_display
from discretion.escalations.rules import NOTE_MAX_LENGTH
from discretion.escalations.selectors import escalation_get
from discretion.escalations.services import escalation_decide
from discretion.models import Escalation
from web.common import MoneyFormField, acting_user, found

DENY_NOTE_REQUIRED = "Write a note: the agent sees it and needs to know why."


class ApproveForm(forms.Form):
    amount = MoneyFormField(required=False, label="Amount to approve")
    note = forms.CharField(
        required=False, max_length=NOTE_MAX_LENGTH, widget=forms.Textarea, label="Note"
    )


class DenyForm(forms.Form):
    note = forms.CharField(
        required=True,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea,
        label="Why are you denying it?",
        error_messages={"required": DENY_NOTE_REQUIRED},
    )

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError(DENY_NOTE_REQUIRED)
        return note


@dataclass
class Decided:
    """What posting a decision came to: the bound form; then either the decided
    escalation (read back with its joins) and the sentence to show, or the refusal."""

    form: forms.Form
    escalation: Escalation | None = None
    message: str = ""
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.escalation is not None


def escalation_for_screen(request: HttpRequest, pk: int) -> Escalation:
    """The escalation as the caller may see it, else 404."""
    return found(escalation_get, "No such escalation.", user=acting_user(request), escalation_id=pk)


def decision_post(request: HttpRequest, escalation: Escalation, *, approve: bool) -> Decided:
    """Validate the posted form and decide; never raises a domain error (it is returned)."""
    form: forms.Form = ApproveForm(request.POST) if approve else DenyForm(request.POST)
    if not form.is_valid():
        return Decided(form=form)
    try:
        decided = escalation_decide(
            acting_user=acting_user(request),
            escalation_id=escalation.pk,
            approve=approve,
            amount=form.cleaned_data.get("amount") if approve else None,
            note=form.cleaned_data.get("note", ""),
        )
    except NotFound:
        raise Http404("No such escalation.") from None
    except DomainError as exc:
        return Decided(form=form, error=exc)
    # Read back as decided, with the agent and remedy joined.
    decided = escalation_for_screen(request, decided.pk)
    return Decided(form=form, escalation=decided, message=decided_message(decided))


def decided_message(escalation: Escalation) -> str:
    """The one sentence both screens show once a decision is made (past tense)."""
    resolution = escalation.resolution
    agent = resolution.agent.label
    what = resolution.remedy_type.name.lower()
    if escalation.status == Escalation.Status.APPROVED:
        lowered = resolution.amount != resolution.requested_amount
        message = f"Approved {agent}'s {what} of {money_display(resolution.amount)}" + (
            f" (lowered from {money_display(resolution.requested_amount)})." if lowered else "."
        )
    else:
        message = f"Denied {agent}'s {what} request."
    return f"{message} {agent} has been notified."
