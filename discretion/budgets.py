"""Budget windows: lock, then spend with a conditional UPDATE.

Concurrency rule (README, "Concurrency"): a request locks its case row first, then the
user's day and month windows for the remedy type, in primary-key order. Approvals lock
the escalation, then the case, and never touch budgets. No other code path locks these
rows, so there is no lock cycle. On SQLite, which has no row locks, every transaction
starts with BEGIN IMMEDIATE (settings) and so holds the database write lock throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from cases.models import RemedyType
from config.sql import Batch, select

from .models import BudgetWindow, User


class BudgetExceeded(Exception):
    """The conditional UPDATE found no room: a cap would have been exceeded."""


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
    # Plain SQL (config.sql): this runs on every decision (bench/README.md).
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


# Both windows in one statement; each row only if it stays within its own cap.
_SPEND_SQL = (
    f"UPDATE {BudgetWindow._meta.db_table} "
    "SET used = used + CAST(%s AS NUMERIC), "
    "cap = CASE WHEN id = %s THEN CAST(%s AS NUMERIC) ELSE CAST(%s AS NUMERIC) END "
    "WHERE (id = %s AND (%s IS NULL OR used + CAST(%s AS NUMERIC) <= CAST(%s AS NUMERIC))) "
    "OR (id = %s AND (%s IS NULL OR used + CAST(%s AS NUMERIC) <= CAST(%s AS NUMERIC)))"
)


def budget_spend(
    *,
    windows: LockedWindows,
    amount: Decimal,
    daily_max: Decimal | None,
    monthly_max: Decimal | None,
    batch: Batch | None = None,
) -> None:
    """Add ``amount`` to both windows, each only if it stays within its cap; else raise
    BudgetExceeded (the caller's transaction then rolls back, so nothing is half-spent).

    The caller holds the window locks and has already decided; the WHERE clause is the
    belt to that pair of braces, and the CHECK constraint on the table the last line.
    With ``batch``, the UPDATE is added as the batch's last statement and its check runs
    when the batch runs.
    """
    # Plain SQL (CASTs keep SQLite's arithmetic numeric): this runs on every decision.
    day, month = windows.day, windows.month
    params = [
        amount,
        *(day.pk, daily_max, monthly_max),
        *(day.pk, daily_max, amount, daily_max),
        *(month.pk, monthly_max, amount, monthly_max),
    ]
    error = BudgetExceeded(f"the day or month budget has no room for {amount}")
    if batch is not None:
        batch.add(_SPEND_SQL, params, rows=2, error=error)
        return
    with connection.cursor() as cursor:
        cursor.execute(_SPEND_SQL, params)
        if cursor.rowcount != 2:
            raise error
