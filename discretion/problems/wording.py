"""What the problems room says to customers and on timelines, in plain words."""

from __future__ import annotations

from cases.models import Case
from discretion.problems.models import Problem


def fix_message_body(*, case: Case, problem: Problem) -> str:
    """The draft a fix writes to a linked case's customer: what happened, what we changed,
    and that they can come back to us. The assignee reviews it before it is sent."""
    name = case.customer.name.split(" ")[0] if case.customer.name else "there"
    changed = problem.what_we_changed.strip()
    return (
        f"Hello {name},\n\n"
        f"When you told us about \u201c{case.subject}\u201d, you were not the only one, and "
        "we went looking for the reason it happened instead of only fixing it for you.\n\n"
        f"Here is what we changed: {changed}\n\n"
        "Thank you for telling us: it helped us put this right for everyone who comes after "
        "you. If anything is still not right on your side, just reply to this message and "
        "we will sort it out."
    )


def fix_event_summary(*, problem: Problem, actor_label: str, drafted: bool) -> str:
    tail = (
        " A message telling the customer what changed waits as a draft for review."
        if drafted
        else ""
    )
    return f"{actor_label} marked problem #{problem.pk} \u201c{problem.title}\u201d fixed.{tail}"


def fix_notification_title(*, case: Case) -> str:
    return f"Review and send: what we fixed, for case #{case.pk}"


def fix_notification_body(*, problem: Problem) -> str:
    return (
        f"Problem \u201c{problem.title}\u201d was fixed: {problem.what_we_changed.strip()} "
        "A draft to the customer says so; read it, change what you like, and send it."
    )
