"""The demo's on-call chain (``seed_demo``): a 3,000.00 refund, above Pam's approval_max
at level 1, goes straight to someone at level 2 who may approve it; the demo has one
rotation."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from discretion.escalations.routing import escalation_route
from discretion.models import OnCallRotation, User
from discretion.trust.selectors import effective_limit_get
from tests import factories
from tests.support.escalations import open_escalation

pytestmark = pytest.mark.django_db


def test_a_3000_refund_in_the_demo_goes_straight_to_an_able_approver():
    call_command("seed_demo", "--no-history", stdout=StringIO())
    rotation = OnCallRotation.objects.get()
    assert rotation.level == 2 and rotation.members.count() == 2
    nina = User.objects.get(username="nina")
    escalation = open_escalation(agent=nina, amount="3000.00")
    assert escalation_route(escalation_id=escalation.pk) is True
    escalation.refresh_from_db()
    assert escalation.level == 2 and not escalation.overdue
    assert escalation.assigned_to.username in ("sam", "admin")
    limit = effective_limit_get(user=escalation.assigned_to, remedy_type=factories.remedy("refund"))
    assert limit is not None and limit.approval_max >= 3000
    # Pam (1,000) is passed over at once, named in the history.
    skipped = escalation.history.get(event="skipped_no_oncall")
    assert "Pam Beesly" in skipped.note
