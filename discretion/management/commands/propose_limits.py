"""``manage.py propose_limits``: run the limit proposer at once (what beat runs daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from common.money import money
from discretion.proposals.services import limit_proposals_open


class Command(BaseCommand):
    help = "Open the limit proposals the agents' records earn, and print them."

    def handle(self, *args, **options):
        opened = limit_proposals_open()
        for proposal in opened:
            self.stdout.write(
                f"#{proposal.pk} {proposal.agent.username} {proposal.remedy_type.code}: "
                f"per_remedy_max {money(proposal.current)} -> {money(proposal.proposed)} "
                f"({proposal.evidence['approved_unchanged']} of "
                f"{proposal.evidence['escalations_decided']} approved unchanged)"
            )
        self.stdout.write(f"{len(opened)} limit proposal{'s' if len(opened) != 1 else ''} opened.")
