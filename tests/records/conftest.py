"""The known track record of tests/support/records.py as a fixture."""

from __future__ import annotations

import pytest

from tests.support.records import History, build_history


@pytest.fixture
def history(db) -> History:
    return build_history()
