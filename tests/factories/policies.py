"""Factories for ``policies``: rules and their versions.

They write rows directly, behind the services' back: no expression check and no audit
event (``policies.services.policy_rule_create`` does both). That is what a test wants for
a rule the services would refuse; for everything else prefer the service.
"""

from __future__ import annotations

import factory

from policies.models import Effect, PolicyRule, PolicyRuleVersion


class PolicyRuleVersionFactory(factory.django.DjangoModelFactory[PolicyRuleVersion]):
    """The immutable copy of a rule at its current version (pass ``version=`` for another)."""

    class Meta:
        model = PolicyRuleVersion

    rule = factory.SubFactory("tests.factories.policies.PolicyRuleFactory", first_version=None)
    version = factory.LazyAttribute(lambda v: v.rule.version)
    name = factory.LazyAttribute(lambda v: v.rule.name)
    description = factory.LazyAttribute(lambda v: v.rule.description)
    expression = factory.LazyAttribute(lambda v: v.rule.expression)
    effect = factory.LazyAttribute(lambda v: v.rule.effect)
    message = factory.LazyAttribute(lambda v: v.rule.message)
    priority = factory.LazyAttribute(lambda v: v.rule.priority)
    enabled = factory.LazyAttribute(lambda v: v.rule.enabled)
    created_at = factory.LazyAttribute(lambda v: v.rule.updated_at)


class PolicyRuleFactory(factory.django.DjangoModelFactory[PolicyRule]):
    """An enabled deny rule at version 1, with its version-1 row as the service stores it
    (``first_version=None``: without it)."""

    class Meta:
        model = PolicyRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Rule {n}")
    expression = "amount > 1000.0"
    effect = Effect.DENY
    message = factory.LazyAttribute(lambda r: r.name)
    first_version = factory.RelatedFactory(PolicyRuleVersionFactory, factory_related_name="rule")
