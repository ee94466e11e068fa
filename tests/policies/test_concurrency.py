"""Concurrent edits of one rule on PostgreSQL: every edit gets its own version, none lost."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AuditEvent
from policies import services
from policies.models import PolicyRule, PolicyRuleVersion


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_each_make_a_version(admin_user):
    assert connection.vendor == "postgresql", "run the suite on PostgreSQL (see README)"
    rule = services.policy_rule_create(
        acting_user=admin_user, name="r", expression="amount > 1.0", effect="deny", message="m"
    )
    threads, errors = [], []
    barrier = threading.Barrier(4)

    def edit(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(5):
                services.policy_rule_update(
                    acting_user=admin_user,
                    rule_id=rule.pk,
                    expression=f"amount > {worker * 100 + i + 2}.0",
                )
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    for worker in range(4):
        threads.append(threading.Thread(target=edit, args=(worker,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rule.refresh_from_db()
    assert rule.version == 21
    assert list(
        PolicyRuleVersion.objects.filter(rule=rule).values_list("version", flat=True)
    ) == list(range(1, 22))
    # the stored expression is the one of the last version
    assert PolicyRuleVersion.objects.get(rule=rule, version=21).expression == rule.expression
    assert (
        AuditEvent.objects.filter(object_type="policy_rule", object_id=str(rule.pk)).count() == 21
    )
    assert PolicyRule.objects.count() == 1
