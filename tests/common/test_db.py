"""common.db writes and reads exactly what the ORM would (every field type we use)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from cases.models import CaseEvent, Resolution
from common.db import Batch, insert, loader, relate, select
from discretion.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def values(instance: Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def a_resolution(**overrides) -> Resolution:
    case = factories.CaseFactory()
    fields = {
        "case": case,
        "agent": factories.UserFactory(),
        "remedy_type": factories.remedy("refund"),
        "requested_amount": Decimal("1234.56"),
        "amount": Decimal("1234.56"),
        "reason": "Parcel arrived damaged — “quotes” and ünïcode",
        "status": Resolution.Status.APPLIED,
        "counts_against_budget": True,
        "decision": {"outcome": "apply", "checks": [{"limit": "100.00", "passed": True}]},
        "created_at": datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC),
        "applied_at": datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC),
        "budget_day": date(2026, 11, 24),
    }
    return Resolution(**{**fields, **overrides})


@pytest.mark.parametrize("applied", [True, False])
def test_insert_writes_the_row_the_orm_reads_back(applied):
    overrides = {} if applied else {"applied_at": None, "budget_day": None}
    written = insert(a_resolution(**overrides))
    assert written.pk is not None and not written._state.adding
    assert values(Resolution.objects.get(pk=written.pk)) == values(written)


def test_loader_reads_what_the_orm_reads_and_relates_like_select_related():
    written = insert(a_resolution())
    rows = select(
        Resolution, "r", "SELECT {columns} FROM cases_resolution r WHERE r.id = %s", [written.pk]
    )
    orm = Resolution.objects.get(pk=written.pk)
    assert len(rows) == 1 and values(rows[0]) == values(orm)
    assert isinstance(rows[0].amount, Decimal) and rows[0].decision == orm.decision

    agent = loader(User, "u").load([None] * loader(User, "u").width)
    assert agent is None  # a LEFT JOIN that found nothing
    relate(rows[0], "agent", orm.agent)
    assert rows[0].agent is orm.agent  # cached: no query


def test_a_batch_writes_everything_in_order_and_checks_the_last_row_count():
    case = factories.CaseFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        batch = Batch()
        batch.insert(CaseEvent(case=case, kind="note", summary="one", data={"n": 1}))
        batch.insert(AuditEvent(action="x", object_type="resolution", object_id="1"))
        batch.add(
            "UPDATE cases_case SET remedies_total = remedies_total + 5 WHERE id = %s",
            [case.pk],
            rows=1,
        )
        batch.run()
    one_round_trip = connection.vendor == "postgresql"
    assert len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]) == (
        1 if one_round_trip else 3
    )
    case.refresh_from_db()
    assert case.remedies_total == Decimal("5.00")
    assert CaseEvent.objects.get(case=case, kind="note").data == {"n": 1}
    assert AuditEvent.objects.filter(action="x").count() == 1


def test_a_batch_whose_last_count_is_wrong_raises_and_its_transaction_rolls_back():

    case = factories.CaseFactory()
    with pytest.raises(LookupError), transaction.atomic():
        batch = Batch()
        batch.insert(CaseEvent(case=case, kind="note", summary="lost", data={}))
        batch.add(
            "UPDATE cases_case SET status = status WHERE id = %s",
            [-1],
            rows=1,
            error=LookupError("no such case"),
        )
        batch.run()
    assert not CaseEvent.objects.filter(case=case, kind="note").exists()

    with pytest.raises(RuntimeError, match="last one"):
        batch = Batch()
        batch.add("SELECT 1", rows=1)
        batch.add("SELECT 2")
