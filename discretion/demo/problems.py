"""The demo's problem: parcels the courier marks delivered that never arrive, opened by
Nina from one of those cases, owned by Pam, with a few more of them linked and their
remedies tagged with the root cause, so the problem page and the dashboard show it.

Everything goes through the services (audited, on the timelines), as a user would do it.
"""

from __future__ import annotations

from cases.models import Case, Resolution
from discretion.models import Problem, User
from discretion.problems.root_causes import resolution_root_cause_set, root_cause_create
from discretion.problems.selectors import root_cause_list
from discretion.problems.services import problem_case_link, problem_create, problem_update

PROBLEM_TITLE = "Parcels marked delivered but not received"
CASE_SUBJECT = "Parcel marked delivered but not received"
LINKED_CASES = 4
ROOT_CAUSES = (
    ("carrier_scan_early", "Courier scans parcels delivered before leaving them"),
    ("late_carrier", "Carrier delivered late"),
    ("wrong_item_packed", "Warehouse packed the wrong item"),
)


def demo_problem_seed(*, admin: User) -> int:
    """Seed the root-cause codes and the problem once. Returns 1 if it made the problem."""
    known = set(root_cause_list().values_list("code", flat=True))
    for code, name in ROOT_CAUSES:
        if code not in known:
            root_cause_create(acting_user=admin, code=code, name=name)
    if Problem.objects.filter(title=PROBLEM_TITLE).exists():
        return 0
    cases = list(
        Case.objects.filter(subject=CASE_SUBJECT, problem_link__isnull=True)
        .exclude(status=Case.Status.CLOSED)
        .order_by("-created_at")[:LINKED_CASES]
    )
    if len(cases) < LINKED_CASES:  # closed ones too, when the history has few open
        cases += list(
            Case.objects.filter(subject=CASE_SUBJECT, problem_link__isnull=True)
            .exclude(pk__in=[case.pk for case in cases])
            .order_by("-created_at")[: LINKED_CASES - len(cases)]
        )
    nina = User.objects.get(username="nina")
    pam = User.objects.get(username="pam")
    problem = problem_create(
        acting_user=nina,
        title=PROBLEM_TITLE,
        description="The tracking page says delivered, the customer and the neighbours "
        "have seen nothing. Always the same courier depot; we refund each one.",
        case=cases[0] if cases else None,
    )
    for case in cases[1:]:
        problem_case_link(acting_user=nina, problem=problem, case=case)
    problem_update(acting_user=pam, problem=problem, changes={"owner": pam})
    cause = root_cause_list().get(code=ROOT_CAUSES[0][0])
    decided = Resolution.objects.filter(case__in=cases).exclude(
        status=Resolution.Status.PENDING_APPROVAL
    )
    for pk in decided.values_list("pk", flat=True):
        resolution_root_cause_set(acting_user=nina, resolution_id=pk, root_cause=cause)
    return 1
