from pathlib import Path

import pytest

from sealdoc._internal.schemas import SCHEMAS, render_schema

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_checked_in_schema_matches_the_model(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.schema.json"
    assert path.exists(), f"{path} missing: run `make schemas`"
    assert path.read_text(encoding="utf-8") == render_schema(name), (
        f"{path.name} is stale: run `make schemas` and commit the result"
    )
