"""The named row locks of the decision path, in the one order they are always taken:
the case row, then the requester's budget windows.

Plain SQL (``common.db``), because every decision takes both. Lock order:
docs/concurrency.md, "Lock order".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cases.models import Case, Customer, RemedyType
from common.db import relate, select, select_one
from common.errors import NotFound
from discretion.models import BudgetWindow, User

CASE_LOCK_SQL = (
    f"SELECT {{columns}} FROM {Case._meta.db_table} c "
    f"JOIN {Customer._meta.db_table} cu ON cu.id = c.customer_id WHERE c.id = %(case_id)s "
    "FOR NO KEY UPDATE OF c"
)


def case_lock(case_id: int) -> Case:
    """Lock the case row (not the customer's) and load it with its customer, in one
    plain statement. Raises NotFound."""
    # OF c: the customer row stays unlocked (other cases of theirs go on). NO KEY: a row
    # that merely references the case (its foreign-key check at commit takes KEY SHARE)
    # never waits for this lock (docs/concurrency.md, "Lock modes").
    loaded = select_one(CASE_LOCK_SQL, {"case_id": case_id}, ((Case, "c"), (Customer, "cu")))
    if loaded is None:
        raise NotFound(f"No case #{case_id}.")
    case, customer = loaded
    assert isinstance(case, Case)  # the row found is the case (inner join)
    relate(case, "customer", customer)
    return case


@dataclass(frozen=True)
class LockedWindows:
    day: BudgetWindow
    month: BudgetWindow


_WINDOWS_SQL = (
    f"SELECT {{columns}} FROM {BudgetWindow._meta.db_table} w "
    "WHERE w.user_id = %(user_id)s AND w.remedy_type_id = %(remedy_type_id)s "
    "AND ((w.period = %(day)s AND w.starts_on = %(day_start)s) "
    "OR (w.period = %(month)s AND w.starts_on = %(month_start)s)) "
    "ORDER BY w.id FOR NO KEY UPDATE"
)


def budget_windows_lock(*, user: User, remedy_type: RemedyType, day: date) -> LockedWindows:
    """Lock (creating them if needed) the user's day and month windows for a remedy type.

    Must run inside a transaction; the locks are held until it ends.
    """
    month = day.replace(day=1)
    # FOR UPDATE in pk order: two requests of one user wait for each other here instead
    # of both reading the same 'used' (and no two lockers ever cross).
    # Plain SQL (common.db): this runs on every decision (bench/README.md).
    params = {
        "user_id": user.pk,
        "remedy_type_id": remedy_type.pk,
        "day": BudgetWindow.Period.DAY.value,
        "day_start": day,
        "month": BudgetWindow.Period.MONTH.value,
        "month_start": month,
    }
    rows = select(BudgetWindow, "w", _WINDOWS_SQL, params)
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
        rows = select(BudgetWindow, "w", _WINDOWS_SQL, params)
    by_period = {row.period: row for row in rows}
    return LockedWindows(
        day=by_period[BudgetWindow.Period.DAY], month=by_period[BudgetWindow.Period.MONTH]
    )
