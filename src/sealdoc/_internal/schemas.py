"""Which public models have a JSON Schema checked in under ``schemas/``, and how it is rendered."""

from __future__ import annotations

import json

from pydantic import BaseModel

from sealdoc.audit.manifest import ArchiveCheck, ArchiveManifest
from sealdoc.audit.models import AuditReport
from sealdoc.issuance.manifest import ManifestRow
from sealdoc.issuance.profile import IssuerProfile
from sealdoc.report import VerificationReport

SCHEMAS: dict[str, type[BaseModel]] = {
    "verification-report": VerificationReport,
    "issuer-profile": IssuerProfile,
    "issuance-manifest-row": ManifestRow,
    "archive-manifest": ArchiveManifest,
    "archive-check": ArchiveCheck,
    "audit-report": AuditReport,
}


def render_schema(name: str) -> str:
    """The schema of model ``name`` as stable, pretty-printed JSON text."""
    schema = SCHEMAS[name].model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://sealdoc.example/schemas/{name}.schema.json"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
