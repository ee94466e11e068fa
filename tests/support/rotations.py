"""Helpers for the on-call rotation tests (``tests/rotations/``)."""

from __future__ import annotations

from tests import factories


def rotation_with(*members, **fields):
    """A rotation (``fields`` as OnCallRotationFactory's) with ``members`` in turn order."""
    rotation = factories.OnCallRotationFactory(**fields)
    for position, user in enumerate(members):
        factories.OnCallRotationMemberFactory(rotation=rotation, supervisor=user, position=position)
    return rotation
