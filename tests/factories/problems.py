"""Factories for the problems room (``discretion.problems``) and root-cause codes."""

from __future__ import annotations

import factory

from cases.models import RootCause
from discretion.models import ChangeProposal, Problem, ProblemCase
from tests.factories.cases import CaseFactory
from tests.factories.discretion import UserFactory


class RootCauseFactory(factory.django.DjangoModelFactory[RootCause]):
    class Meta:
        model = RootCause
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cause_{n}")
    name = factory.Sequence(lambda n: f"Cause {n}")


class ProblemFactory(factory.django.DjangoModelFactory[Problem]):
    """An open problem with no cases yet."""

    class Meta:
        model = Problem

    title = factory.Sequence(lambda n: f"Parcels marked delivered but not received ({n})")
    description = "Several customers say the same."
    created_by = factory.SubFactory(UserFactory)


class ProblemCaseFactory(factory.django.DjangoModelFactory[ProblemCase]):
    class Meta:
        model = ProblemCase

    problem = factory.SubFactory(ProblemFactory)
    case = factory.SubFactory(CaseFactory)
    linked_by = factory.SelfAttribute("problem.created_by")


class ChangeProposalFactory(factory.django.DjangoModelFactory[ChangeProposal]):
    """An open proposal of a disabled policy rule."""

    class Meta:
        model = ChangeProposal

    problem = factory.SubFactory(ProblemFactory)
    kind = ChangeProposal.Kind.RULE
    change = factory.LazyFunction(
        lambda: {
            "name": "Big refunds need a look",
            "expression": "amount > 100.0",
            "effect": "require_approval",
            "message": "Big refunds need a look",
            "enabled": False,
        }
    )
    created_by = factory.SubFactory(UserFactory)
    result = factory.LazyFunction(
        lambda: {"days": 30, "replayed": 0, "draft_matched": 0, "changed": 0, "changes": []}
    )
