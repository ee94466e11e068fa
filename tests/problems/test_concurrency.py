"""Problems under concurrency, with real threads on PostgreSQL: of concurrent fixes one
wins (one draft per case, the rest 409); concurrent pulls of the cord on one case link
it once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from common.errors import Conflict, Invalid
from discretion.models import CustomerMessage, ProblemCase
from discretion.problems.services import problem_case_link, problem_fix
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 4


def _race(work: Callable[[int], None]) -> list[str]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
            outcomes.append("ok")
        except (Conflict, Invalid) as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_concurrent_fixes_draft_once():
    supervisor = factories.UserFactory(role="supervisor")
    problem = factories.ProblemFactory()
    for _ in range(2):
        factories.ProblemCaseFactory(problem=problem)
    outcomes = _race(
        lambda n: problem_fix(
            acting_user=supervisor, problem_id=problem.pk, what_we_changed=f"Change {n}"
        )
    )
    assert outcomes == ["already_fixed"] * (THREADS - 1) + ["ok"]
    assert CustomerMessage.objects.count() == 2


def test_concurrent_cords_on_one_case_link_once():
    agent = factories.UserFactory(role="agent")
    problems = [factories.ProblemFactory() for _ in range(THREADS)]
    case = factories.CaseFactory()
    outcomes = _race(lambda n: problem_case_link(acting_user=agent, problem=problems[n], case=case))
    assert outcomes == ["case_already_linked"] * (THREADS - 1) + ["ok"]
    assert ProblemCase.objects.filter(case=case).count() == 1
