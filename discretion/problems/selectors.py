"""Reads of problems: the API and the pages, the case page's cord, the dashboard board.

A problem's cost is the remedies granted on its linked cases (the sum of their
``remedies_total``), counted in the database, one GROUP BY per list.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case as Choose
from django.db.models import Count, DecimalField, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from cases.models import Case, Resolution, RootCause
from common.errors import NotFound
from common.money import MONEY_MAX_DIGITS, MONEY_PLACES, ZERO
from discretion.problems.models import ChangeProposal, Problem, ProblemCase

BIGINT_MAX = 2**63 - 1
FILTER_STATUSES = ("open", "fixed")
JOIN_CHOICES = 8  # open problems offered on a case page
BOARD_ROWS = 5

_MONEY: DecimalField = DecimalField(max_digits=MONEY_MAX_DIGITS + 4, decimal_places=MONEY_PLACES)


def _with_totals(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    # One join to the links and their cases: one row per link, so COUNT and SUM agree.
    return qs.annotate(
        cases_count=Count("links"),
        remedies_total=Coalesce(
            Sum("links__case__remedies_total"), Value(ZERO), output_field=_MONEY
        ),
    )


def problem_list(*, status: str | None = None) -> QuerySet[Problem]:
    """Every problem, newest first, with ``cases_count`` and ``remedies_total`` (one query)."""
    qs = _with_totals(Problem.objects.select_related("owner", "created_by", "fixed_by"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def problem_get(*, problem_id: int) -> Problem:
    """One problem with its totals and people. Raises NotFound."""
    if not 0 < problem_id <= BIGINT_MAX:
        raise NotFound(f"There is no problem {problem_id}.")
    problem = problem_list().filter(pk=problem_id).first()
    if problem is None:
        raise NotFound(f"There is no problem {problem_id}.")
    return problem


def problem_case_list(*, problem_id: int) -> QuerySet[ProblemCase]:
    """A problem's linked cases, oldest link first, with case, customer, assignee and the
    fix's draft joined (one query)."""
    return (
        ProblemCase.objects.filter(problem_id=problem_id)
        .select_related("case__customer", "case__assignee", "linked_by", "fix_message")
        .order_by("linked_at", "id")
    )


def problem_proposal_list(*, problem_id: int) -> QuerySet[ChangeProposal]:
    return (
        ChangeProposal.objects.filter(problem_id=problem_id)
        .select_related("created_by", "decided_by")
        .order_by("-created_at", "-id")
    )


def change_proposal_get(*, proposal_id: int) -> ChangeProposal:
    if not 0 < proposal_id <= BIGINT_MAX:
        raise NotFound(f"There is no proposal {proposal_id}.")
    proposal = ChangeProposal.objects.select_related("problem").filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(f"There is no proposal {proposal_id}.")
    return proposal


def case_problem_get(*, case_id: int) -> Problem | None:
    """The problem a case is linked to, if any (one query)."""
    link = ProblemCase.objects.select_related("problem").filter(case_id=case_id).first()
    return link.problem if link is not None else None


def problem_join_choices(*, case: Case, limit: int = JOIN_CHOICES) -> list[Problem]:
    """Open problems a case may join: those that already hold cases of its category
    first, then the most recent (one query)."""
    same_category = Count("links", filter=Q(links__case__category=case.category))
    return list(
        Problem.objects.filter(status=Problem.Status.OPEN)
        .annotate(same=same_category)
        .annotate(
            first=Choose(
                When(same__gt=0, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("first", "-created_at", "-id")[:limit]
    )


def root_cause_list(*, active: bool | None = None) -> QuerySet[RootCause]:
    qs = RootCause.objects.order_by("name", "code")
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def root_cause_get(*, code: str) -> RootCause:
    cause = RootCause.objects.filter(code=code).first()
    if cause is None:
        raise NotFound(f"There is no root cause '{code}'.")
    return cause


def resolution_for_root_cause_get(*, resolution_id: int) -> Resolution:
    if not 0 < resolution_id <= BIGINT_MAX:
        raise NotFound(f"There is no resolution {resolution_id}.")
    resolution = (
        Resolution.objects.select_related("case", "root_cause").filter(pk=resolution_id).first()
    )
    if resolution is None:
        raise NotFound(f"There is no resolution {resolution_id}.")
    return resolution


def case_root_cause_rows(*, case_id: int) -> list[Resolution]:
    """A case's decided resolutions (applied, denied, rejected), each with its remedy type
    and root cause, for tagging on the case page (one query)."""
    return list(
        Resolution.objects.filter(case_id=case_id)
        .exclude(status=Resolution.Status.PENDING_APPROVAL)
        .select_related("remedy_type", "root_cause")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class CostRow:
    label: str
    total: Decimal
    count: int
    link: str = ""


@dataclass(frozen=True)
class ProblemBoard:
    problems: list[CostRow]
    root_causes: list[CostRow]


def problem_board(*, rows: int = BOARD_ROWS) -> ProblemBoard:
    """The dashboard's ranking: problems by what their cases cost, and root causes by
    what their applied remedies cost (two queries)."""
    problems = [
        CostRow(
            label=problem.title,
            total=problem.remedies_total,  # type: ignore[attr-defined]  # annotated
            count=problem.cases_count,  # type: ignore[attr-defined]
            link=f"/problems/{problem.pk}/",
        )
        for problem in problem_list().order_by("-remedies_total", "-cases_count", "-id")[:rows]
    ]
    causes = (
        Resolution.objects.filter(root_cause__isnull=False, status=Resolution.Status.APPLIED)
        .values("root_cause__name")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("-total", "root_cause__name")[:rows]
    )
    root_causes = [
        CostRow(label=row["root_cause__name"], total=row["total"], count=row["count"])
        for row in causes
    ]
    return ProblemBoard(problems=problems, root_causes=root_causes)
