"""docs/openapi.yaml is the schema the code generates (docs/api.md).

Regenerating it must give the same file, so the schema in the repository never drifts
from the endpoints. After changing an endpoint, write the new one with
``UPDATE_OPENAPI=1 ./dev pytest tests/common/test_openapi.py`` (the test settings are the
production ones that shape the schema: DEBUG off, PostgreSQL).
"""

from __future__ import annotations

import os

from django.core.management import call_command

from tests.support.paths import ROOT

SCHEMA = ROOT / "docs" / "openapi.yaml"


def test_docs_openapi_yaml_is_what_the_code_generates(tmp_path):
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(fresh))
    generated = fresh.read_text()
    if os.environ.get("UPDATE_OPENAPI") == "1":
        SCHEMA.write_text(generated)
    assert SCHEMA.exists(), "docs/openapi.yaml is missing: run UPDATE_OPENAPI=1 (see above)"
    assert SCHEMA.read_text() == generated, (
        "docs/openapi.yaml is out of date: "
        "UPDATE_OPENAPI=1 ./dev pytest tests/common/test_openapi.py"
    )
