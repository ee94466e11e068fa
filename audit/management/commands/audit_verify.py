"""``manage.py audit_verify``: recompute the audit trail's hash chain.

Exit 0 with the number of rows verified, or exit 1 naming the first row whose hash does
not follow from the row before it (edited, or the row before it deleted or edited).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_chain_check


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain; name the first broken row (exit 1)."

    def handle(self, *args: Any, **options: Any) -> None:
        check = audit_chain_check()
        if check.broken is not None:
            event = check.broken
            raise CommandError(
                f"audit chain broken at row {event.pk} ({event.at:%Y-%m-%d %H:%M:%S} "
                f"{event.action} {event.object_type}#{event.object_id}): its hash does not "
                f"follow from the row before it ({check.rows} rows checked)"
            )
        self.stdout.write(f"audit chain verified: {check.rows} rows")
