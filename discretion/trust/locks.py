"""The named row locks of the decision path, in the one order they are always taken:
the case row, then the requester's budget windows (docs/concurrency.md, "Lock order").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection

from cases.models import Case, Customer, RemedyType
from common.db import relate, select, select_one
from common.errors import NotFound
from discretion.models import BudgetWindow, User

CASE_LOCK_SQL = (
    f"SELECT {{columns}} FROM {Case._meta.db_table} c "
    f"JOIN {Customer._meta.db_table} cu ON cu.id = c.customer_id WHERE c.id = %s"
)


def case_lock(case_id: int) -> Case:
    """Lock the case row (not the customer's) and load it with its customer, in one
    plain statement. Raises NotFound."""
    # SQLite has no row locks: its transactions hold the write lock (BEGIN IMMEDIATE).
    lock = " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""
    loaded = select_one(CASE_LOCK_SQL + lock, [case_id], ((Case, "c"), (Customer, "cu")))
    if loaded is None:
        raise NotFound(f"No case #{case_id}.")
    case, customer = loaded
    relate(case, "customer", customer)
    return case


@dataclass(frozen=True)
class LockedWindows:
    day: BudgetWindow
    month: BudgetWindow


_WINDOWS_SQL = (
    f"SELECT {{columns}} FROM {BudgetWindow._meta.db_table} w "
    "WHERE w.user_id = %s AND w.remedy_type_id = %s "
    "AND ((w.period = %s AND w.starts_on = %s) OR (w.period = %s AND w.starts_on = %s)) "
    "ORDER BY w.id"
)


def budget_windows_lock(*, user: User, remedy_type: RemedyType, day: date) -> LockedWindows:
    """Lock (creating them if needed) the user's day and month windows for a remedy type.

    Must run inside a transaction; the locks are held until it ends.
    """
    month = day.replace(day=1)
    # FOR UPDATE in pk order: two requests of one user wait for each other here instead
    # of both reading the same 'used' (and no two lockers ever cross). SQLite has no row
    # locks; its transactions hold the write lock from BEGIN IMMEDIATE (settings).
    # Plain SQL (common.db): this runs on every decision (bench/README.md).
    sql = _WINDOWS_SQL + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    ops = connection.ops
    params = [
        user.pk,
        remedy_type.pk,
        BudgetWindow.Period.DAY.value,
        ops.adapt_datefield_value(day),
        BudgetWindow.Period.MONTH.value,
        ops.adapt_datefield_value(month),
    ]
    rows = select(BudgetWindow, "w", sql, params)
    if len(rows) < 2:
        # ON CONFLICT DO NOTHING: a concurrent first request of the day may insert too.
        BudgetWindow.objects.bulk_create(
            [
                BudgetWindow(user=user, remedy_type=remedy_type, period=period, starts_on=start)
                for period, start in (
                    (BudgetWindow.Period.DAY, day),
                    (BudgetWindow.Period.MONTH, month),
                )
            ],
            ignore_conflicts=True,
        )
        rows = select(BudgetWindow, "w", sql, params)
    by_period = {row.period: row for row in rows}
    return LockedWindows(
        day=by_period[BudgetWindow.Period.DAY], month=by_period[BudgetWindow.Period.MONTH]
    )
