"""The decision context a policy rule sees: names, CEL types, empty defaults.

The decision service (``discretion``) builds this dict for every request; ``policies``
only documents it, validates expressions against it and evaluates rules on it.
"""

from __future__ import annotations

import math
from typing import Any

# Dotted name -> CEL type. The API contract fixes this list (docs/api.md, "Policy rule
# context"); docs and validation use it.
CONTEXT_VARIABLES: dict[str, str] = {
    "amount": "double",
    "remedy": "string",
    "case.category": "string",
    "case.age_hours": "double",
    "case.remedies_total": "double",
    "customer.external_id": "string",
    "customer.remedies_30d_total": "double",
    "customer.remedies_30d_count": "int",
    "agent.role": "string",
    "agent.tier": "string",
    "agent.team": "string",
    "agent.tenure_days": "int",
    "incident.active": "bool",
    "incident.id": "int",
}

CONTEXT_DESCRIPTIONS: dict[str, str] = {
    "amount": "The amount requested, in the deployment's currency (0.0 for non-monetary remedies).",
    "remedy": "The remedy type code: refund, store_credit, replacement, goodwill_gesture, "
    "fee_waiver, expedited_shipping, apology.",
    "case.category": "The case category: question, complaint or crisis.",
    "case.age_hours": "Hours since the case was opened.",
    "case.remedies_total": "Remedies already applied on this case.",
    "customer.external_id": "The customer's id in the company's own systems.",
    "customer.remedies_30d_total": "Remedies applied to this customer in the last 30 days.",
    "customer.remedies_30d_count": "Remedies applied to this customer in the last 30 days (count).",
    "agent.role": "The requesting user's role: agent, supervisor or admin.",
    "agent.tier": 'The requester\'s trust tier code (new, standard, senior, ...), or "".',
    "agent.team": 'The requester\'s team name, or "".',
    "agent.tenure_days": "Days since the requester's account was created.",
    "incident.active": "Whether the case is linked to an incident that is active now.",
    "incident.id": "The id of that active incident, or 0 when there is none.",
}

_EMPTY: dict[str, Any] = {"double": 0.0, "int": 0, "string": "", "bool": False}

# Top-level names; a name with fields is a "namespace" (a CEL map).
NAMESPACES: dict[str, frozenset[str]] = {}
LEAVES: set[str] = set()
for _name in CONTEXT_VARIABLES:
    if "." in _name:
        _root, _field = _name.split(".", 1)
        NAMESPACES[_root] = NAMESPACES.get(_root, frozenset()) | {_field}
    else:
        LEAVES.add(_name)
ROOTS = frozenset(LEAVES) | frozenset(NAMESPACES)


def empty_context() -> dict[str, Any]:
    """A full context with every variable at its empty default (0, 0.0, "", false)."""
    context: dict[str, Any] = {}
    for name, cel_type in CONTEXT_VARIABLES.items():
        if "." in name:
            root, field = name.split(".", 1)
            context.setdefault(root, {})[field] = _EMPTY[cel_type]
        else:
            context[name] = _EMPTY[cel_type]
    return context


class ContextError(ValueError):
    """A caller-supplied context value is of the wrong type or names no variable."""


def _coerce(name: str, cel_type: str, value: Any) -> Any:
    if cel_type == "bool":
        if not isinstance(value, bool):
            raise ContextError(f"{name} must be true or false.")
        return value
    if cel_type == "string":
        if not isinstance(value, str):
            raise ContextError(f"{name} must be a string.")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ContextError(f"{name} must be a number ({cel_type}).")
    if cel_type == "int":
        if isinstance(value, float):
            if not value.is_integer():
                raise ContextError(f"{name} must be a whole number (int).")
            value = int(value)
        if not -(2**63) <= value < 2**63:
            raise ContextError(f"{name} is out of range for an int.")
        return value
    value = float(value)
    if not math.isfinite(value):
        raise ContextError(f"{name} must be a finite number.")
    return value


def context_merge(values: dict[str, Any] | None) -> dict[str, Any]:
    """The empty context overlaid with ``values`` (a nested dict), type-checked.

    Raises ContextError naming the first offending variable. ints are accepted for
    doubles (250 means 250.0) and integral floats for ints.
    """
    context = empty_context()
    if values is None:
        return context
    if not isinstance(values, dict):
        raise ContextError('context must be an object like {"amount": 250, "customer": {...}}.')
    for key, value in values.items():
        if key in LEAVES:
            context[key] = _coerce(key, CONTEXT_VARIABLES[key], value)
        elif key in NAMESPACES:
            if not isinstance(value, dict):
                raise ContextError(
                    f"{key} must be an object with the fields {', '.join(sorted(NAMESPACES[key]))}."
                )
            for field, field_value in value.items():
                dotted = f"{key}.{field}"
                if dotted not in CONTEXT_VARIABLES:
                    raise ContextError(f"{dotted} is not a context variable.")
                context[key][field] = _coerce(dotted, CONTEXT_VARIABLES[dotted], field_value)
        else:
            raise ContextError(f"{key} is not a context variable.")
    return context
