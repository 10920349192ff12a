"""Write the JSON Schemas of sealdoc's public models to ``schemas/``.

Run ``make schemas`` after changing a model; ``tests/unit/test_schemas.py`` fails while the
checked-in files are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sealdoc._internal.schemas import SCHEMAS, render_schema

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = ROOT / "schemas"
    out.mkdir(exist_ok=True)
    for name in SCHEMAS:
        path = out / f"{name}.schema.json"
        path.write_text(render_schema(name), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
