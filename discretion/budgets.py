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
from config.sql import select

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


_SPEND_SQL = (
    f"UPDATE {BudgetWindow._meta.db_table} "
    "SET used = used + CAST(%s AS NUMERIC), cap = CAST(%s AS NUMERIC) "
    "WHERE id = %s AND (%s IS NULL OR used + CAST(%s AS NUMERIC) <= CAST(%s AS NUMERIC))"
)


def budget_spend(
    *,
    windows: LockedWindows,
    amount: Decimal,
    daily_max: Decimal | None,
    monthly_max: Decimal | None,
) -> None:
    """Add ``amount`` to both windows, each only if it stays within its cap.

    The caller holds the window locks and has already decided; the WHERE clause is the
    belt to that pair of braces, and the CHECK constraint on the table the last line.
    """
    # Plain SQL (CASTs keep SQLite's arithmetic numeric): this runs on every decision.
    with connection.cursor() as cursor:
        for window, cap in ((windows.day, daily_max), (windows.month, monthly_max)):
            cursor.execute(_SPEND_SQL, [amount, cap, window.pk, cap, amount, cap])
            if cursor.rowcount != 1:
                raise BudgetExceeded(f"{window.period} budget has no room for {amount}")
