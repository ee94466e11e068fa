"""Row locks are FOR NO KEY UPDATE, so a row that merely references a locked row never
waits for it (docs/concurrency.md, "Lock modes").

Django's foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED), and the
check takes KEY SHARE on the referenced row. A transaction that has written its audit
row holds the audit chain's append lock until that commit. If a decision held its case
FOR UPDATE while waiting for the append lock, a writer that had appended and inserted a
row on that case (a timeline event, a message) would wait at its commit for the case:
a deadlock, and PostgreSQL aborts one of them. These run in committed transactions on
separate connections, as two app servers would.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal as D

import psycopg2
import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from cases.models import Resolution
from discretion.decisions.services import resolution_request
from discretion.incidents.selectors import incident_terms_get
from discretion.trust.locks import case_lock
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

# audit/migrations/0004_hash_chain.py: the append lock's key.
CHAIN_LOCK = 7_746_001


def _other_connection():
    """A second backend, outside Django (as another app server's would be)."""
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    other.autocommit = False
    return other


def _can_lock_now(other, mode: str, table: str, pk: int) -> bool:
    """True if ``other`` can lock the row in ``mode`` now: ``KEY SHARE`` is what a
    foreign-key check takes, ``NO KEY UPDATE`` what another locker takes."""
    with other.cursor() as cursor:
        try:
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR {mode} NOWAIT", [pk])
        except psycopg2.errors.LockNotAvailable:
            other.rollback()
            return False
    other.rollback()
    return True


def test_the_case_lock_serializes_lockers_but_not_rows_that_reference_the_case():
    case = factories.CaseFactory()
    other = _other_connection()
    try:
        with transaction.atomic():
            case_lock(case.pk)
            # Another decision or approval on the case still waits ...
            assert not _can_lock_now(other, "NO KEY UPDATE", "cases_case", case.pk)
            # ... but a row referencing it (its FK check) does not.
            assert _can_lock_now(other, "KEY SHARE", "cases_case", case.pk)
    finally:
        other.close()


def test_the_incident_lock_does_not_block_rows_that_reference_the_incident():
    incident = factories.IncidentFactory()
    factories.IncidentRemedyFactory(incident=incident)
    case = factories.IncidentCaseFactory(incident=incident).case
    other = _other_connection()
    try:
        with transaction.atomic():
            terms = incident_terms_get(
                case=case, remedy_type=factories.remedy("refund"), now=timezone.now(), lock=True
            )
            assert terms is not None
            assert not _can_lock_now(other, "NO KEY UPDATE", "discretion_incident", incident.pk)
            assert _can_lock_now(other, "KEY SHARE", "discretion_incident", incident.pk)
    finally:
        other.close()


def test_a_decision_and_a_writer_that_appended_first_both_commit():
    """The writer appends (takes the append lock) and adds a timeline event on the case;
    meanwhile a decision on that case locks it and waits for the append lock. The writer's
    commit checks its event's foreign key (KEY SHARE on the case): with the case held FOR
    UPDATE that was a deadlock; with FOR NO KEY UPDATE both commit."""
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    case = factories.CaseFactory()
    writer = _other_connection()
    outcome: dict = {}

    def decide() -> None:
        try:
            resolution = resolution_request(
                case_id=case.pk,
                acting_user=agent,
                remedy_type=factories.remedy("refund"),
                amount=D("10.00"),
                reason="parcel late",
            )
            outcome["status"] = resolution.status
        except Exception as error:  # the deadlock's victim, on the old lock mode
            outcome["error"] = error
        finally:
            connections.close_all()

    try:
        with writer.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
            cursor.execute(
                "INSERT INTO cases_caseevent (case_id, at, kind, actor_id, summary, data) "
                "VALUES (%s, now(), 'note', NULL, 'A note', '{}')",
                [case.pk],
            )
        thread = threading.Thread(target=decide)
        thread.start()
        # Until the decision holds the case and waits for the append lock.
        deadline = time.monotonic() + 20
        with writer.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND objid = %s AND NOT granted",
                    [CHAIN_LOCK],
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.02)
            else:
                pytest.fail("the decision never reached the append lock")
        writer.commit()  # the deferred FK check: KEY SHARE on the case
        thread.join(timeout=30)
    finally:
        writer.close()
    assert outcome == {"status": Resolution.Status.APPLIED}
