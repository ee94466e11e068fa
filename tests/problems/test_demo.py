"""The demo's problem (``discretion.demo.problems``, run by ``seed_demo``): four linked
cases, an owner, tagged remedies; a second seed changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases.models import RootCause
from discretion.demo.problems import CASE_SUBJECT, PROBLEM_TITLE, demo_problem_seed
from discretion.problems.selectors import problem_list
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_problem_is_seeded_once(admin_user):
    factories.UserFactory(username="nina", role="agent")
    pam = factories.UserFactory(username="pam", role="supervisor")
    cases = [factories.CaseFactory(subject=CASE_SUBJECT) for _ in range(5)]
    tagged = factories.ResolutionFactory(case=cases[-1], status="applied", amount=Decimal("9.00"))
    factories.CaseFactory(subject="Something else")
    assert demo_problem_seed(admin=admin_user) == 1
    assert demo_problem_seed(admin=admin_user) == 0
    problem = problem_list().get()
    assert problem.title == PROBLEM_TITLE and problem.owner == pam and problem.cases_count == 4
    tagged.refresh_from_db()
    assert tagged.root_cause is not None and RootCause.objects.count() == 3
