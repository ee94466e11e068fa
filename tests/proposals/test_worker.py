"""The proposer on Celery beat, with a REAL worker: it opens the proposal by itself and
later beats open no second one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from discretion.models import LimitProposal
from tests import factories
from tests.proposals.support import decided
from tests.support.worker import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_beat_runs_the_proposer_and_a_second_run_opens_nothing(worker_factory):
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    decided(agent, unchanged=10)
    worker = worker_factory(env={"DISCRETION_PROPOSE_LIMITS_SECONDS": "0.5"})
    worker.purge()
    worker.start()
    proposal = wait_for(lambda: LimitProposal.objects.filter(agent=agent).first(), timeout=15)
    assert (proposal.status, proposal.proposed) == ("open", Decimal("80.00"))
    # Later beats run the task again and open nothing more.
    wait_for(lambda: worker.log().count("discretion.propose_limits[") >= 6, timeout=15)
    assert LimitProposal.objects.filter(agent=agent).count() == 1
