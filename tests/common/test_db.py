"""common.db writes and reads exactly what the ORM would (every field type we use)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection, models, transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext, isolate_apps

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
        Resolution,
        "r",
        "SELECT {columns} FROM cases_resolution r WHERE r.id = %(id)s",
        {"id": written.pk},
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
            "UPDATE cases_case SET remedies_total = remedies_total + %(amount)s WHERE id = %(id)s",
            {"amount": Decimal("5.00"), "id": case.pk},
            rows=1,
        )
        batch.run()
    assert len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]) == 1
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
            "UPDATE cases_case SET status = status WHERE id = %(id)s",
            {"id": -1},
            rows=1,
            error=LookupError("no such case"),
        )
        batch.run()
    assert not CaseEvent.objects.filter(case=case, kind="note").exists()

    with pytest.raises(RuntimeError, match="last one"):
        batch = Batch()
        batch.add("SELECT 1", rows=1)
        batch.add("SELECT 2")


def test_a_batch_keeps_each_statements_named_parameters_apart():
    first, second = factories.CaseFactory(), factories.CaseFactory()
    add = "UPDATE cases_case SET remedies_total = remedies_total + %(amount)s WHERE id = %(id)s"
    with transaction.atomic():
        batch = Batch()
        batch.add(add, {"amount": Decimal("1.50"), "id": first.pk})
        batch.add("SELECT '100%%'")  # an escaped percent sign stays one
        batch.add(add, {"amount": Decimal("2.25"), "id": second.pk}, rows=1)
        batch.run()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.remedies_total, second.remedies_total) == (Decimal("1.50"), Decimal("2.25"))

    with pytest.raises(TypeError, match="named parameters"):
        Batch().add(add, [Decimal("1.00"), first.pk])


@isolate_apps("cases")
def test_insert_refuses_a_model_that_overrides_save():
    class Stamped(Model):  # noqa: DJ008 (a throwaway model, never shown)
        note = models.CharField(max_length=10)

        class Meta:
            app_label = "cases"

        def save(self, *args, **kwargs):
            self.note = "stamped"
            super().save(*args, **kwargs)

    with pytest.raises(TypeError, match=r"cases\.Stamped overrides save\(\)"):
        insert(Stamped(note="x"))
    with pytest.raises(TypeError, match=r"cases\.Stamped overrides save\(\)"):
        Batch().insert(Stamped(note="x"))


@isolate_apps("cases")
@pytest.mark.parametrize("signal", [pre_save, post_save], ids=["pre_save", "post_save"])
def test_insert_refuses_a_model_with_save_receivers(signal):
    class Watched(Model):  # noqa: DJ008 (a throwaway model, never shown)
        note = models.CharField(max_length=10)

        class Meta:
            app_label = "cases"

    def receiver(**kwargs):
        raise AssertionError("insert() never sends signals")

    name = "pre_save" if signal is pre_save else "post_save"
    signal.connect(receiver, sender=Watched, weak=False)
    try:
        with pytest.raises(TypeError, match=rf"cases\.Watched: it has {name} receivers"):
            insert(Watched(note="x"))
    finally:
        signal.disconnect(receiver, sender=Watched)
