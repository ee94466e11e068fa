"""The audit trail's hash chain (migration 0004) and ``manage.py audit_verify``."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import UTC

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.models import AuditEvent, ObjectType
from audit.selectors import audit_chain_check
from audit.services import audit_record
from tests import factories


def verify() -> str:
    out: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    call_command("audit_verify", stdout=Sink())
    return "".join(out)


def tamper(sql: str, params: list[int]) -> None:
    """What only a superuser can do: turn the triggers off and rewrite a row."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.mark.django_db
def test_each_row_chains_to_the_one_before():
    events = [factories.AuditEventFactory(reason=f"edit {i}") for i in range(3)]
    rows = list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("id"))
    assert len({row.hash for row in rows}) == 3
    # The link, written out: sha256(prev || canonical JSON array of the row's fields).
    prev = ""
    for row in rows:
        fields = [
            row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            row.actor_id,
            row.action,
            row.object_type,
            row.object_id,
            row.before,
            row.after,
            row.reason,
        ]
        text = json.dumps(fields, separators=(", ", ": "))
        assert row.hash == hashlib.sha256((prev + text).encode()).hexdigest()
        prev = row.hash


@pytest.mark.django_db
def test_audit_verify_passes_on_a_good_chain():
    for i in range(4):
        factories.AuditEventFactory(reason=f"edit {i}")
    assert verify().strip() == "audit chain verified: 4 rows"


@pytest.mark.django_db
def test_audit_verify_on_an_empty_trail():
    assert verify().strip() == "audit chain verified: 0 rows"


@pytest.mark.django_db
def test_audit_verify_names_an_edited_row():
    events = [factories.AuditEventFactory(reason=f"edit {i}") for i in range(4)]
    tamper("UPDATE audit_auditevent SET reason = 'nothing to see' WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=rf"broken at row {events[2].pk} \("):
        verify()


@pytest.mark.django_db
def test_audit_verify_names_the_row_after_a_deleted_one():
    events = [factories.AuditEventFactory(reason=f"edit {i}") for i in range(4)]
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=rf"broken at row {events[2].pk} \("):
        verify()


@pytest.mark.django_db
def test_audit_verify_names_a_row_whose_hash_was_forged_after_an_edit():
    events = [factories.AuditEventFactory(reason=f"edit {i}") for i in range(4)]
    # Rewrite row 1 and recompute its own hash: the next link no longer holds.
    tamper("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [events[1].pk])
    tamper(
        "UPDATE audit_auditevent e SET hash = audit_event_hash("
        "(SELECT hash FROM audit_auditevent WHERE id < e.id ORDER BY id DESC LIMIT 1), e)"
        " WHERE id = %s",
        [events[1].pk],
    )
    assert AuditEvent.objects.get(pk=events[1].pk).reason == "x"
    broken = audit_chain_check().broken
    assert broken is not None and broken.pk == events[2].pk


@pytest.mark.django_db
def test_a_deleted_first_row_is_found_too():
    events = [factories.AuditEventFactory(reason=f"edit {i}") for i in range(3)]
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    broken = audit_chain_check().broken
    assert broken is not None and broken.pk == events[1].pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain():
    threads_n, each = 8, 5
    start = threading.Barrier(threads_n)
    failures: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            start.wait()
            for i in range(each):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        action="probe",
                        object_type=ObjectType.USER,
                        object_id=f"{worker}-{i}",
                        after={"i": i},
                    )
                    # Hold the transaction open a moment: a naive "read the last hash,
                    # then insert" would fork here.
                    time.sleep(0.002)
        except BaseException as failed:
            failures.append(failed)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    assert audit_chain_check() == (threads_n * each, None)
    hashes = list(AuditEvent.objects.values_list("hash", flat=True))
    assert len(set(hashes)) == threads_n * each
