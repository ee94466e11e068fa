"""Budget windows: spend with one conditional UPDATE under the window locks.

``budget_spend`` moves the requester's day and month windows together or not at all
(``BudgetExceeded``), and records the cap in force with each spend. Lock order, the
conditional UPDATE and its CHECK backstop: docs/concurrency.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection

from common.db import Batch
from discretion.models import BudgetWindow
from discretion.trust.locks import LockedWindows


class BudgetExceeded(Exception):
    """The conditional UPDATE found no room: a cap would have been exceeded."""


# Both windows in one statement; each row only if it stays within its own cap. The caps
# are typed: both may be NULL (no cap), and a CASE of two bare NULLs would be text.
_SPEND_SQL = (
    f"UPDATE {BudgetWindow._meta.db_table} "
    "SET used = used + %(amount)s, "
    "cap = CASE WHEN id = %(day_id)s THEN %(daily_max)s::numeric "
    "ELSE %(monthly_max)s::numeric END "
    "WHERE (id = %(day_id)s AND (%(daily_max)s IS NULL OR used + %(amount)s <= %(daily_max)s)) "
    "OR (id = %(month_id)s "
    "AND (%(monthly_max)s IS NULL OR used + %(amount)s <= %(monthly_max)s))"
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
    # Plain SQL: this runs on every decision.
    params: dict[str, Any] = {
        "amount": amount,
        "day_id": windows.day.pk,
        "daily_max": daily_max,
        "month_id": windows.month.pk,
        "monthly_max": monthly_max,
    }
    error = BudgetExceeded(f"the day or month budget has no room for {amount}")
    if batch is not None:
        batch.add(_SPEND_SQL, params, rows=2, error=error)
        return
    with connection.cursor() as cursor:
        cursor.execute(_SPEND_SQL, params)
        if cursor.rowcount != 2:
            raise error
