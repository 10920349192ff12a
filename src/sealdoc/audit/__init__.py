"""Archive audit: long-term integrity that an auditor can check and maintain.

* :func:`audit_archive`: verify every document of an archive (PAdES seals, 2D-Doc codes), in
  parallel, with each document's verdict, seal time, embedded validation data, renew-before
  date and algorithm findings under a :class:`CryptoPolicy` (:mod:`sealdoc.audit.protection`).
  Render with :func:`~sealdoc.audit.html.render_html`, :func:`~sealdoc.audit.render.render_json`,
  :func:`~sealdoc.audit.render.render_csv`.
* :func:`renew_archive` / :func:`renew_pdf`: fresh validation data and a document time-stamp
  (PAdES B-LTA) for documents whose protection is about to lapse; crash-safe, resumable.
* :func:`build_manifest` / :func:`check_archive`: a signed, time-stamped, append-only RFC 6962
  Merkle manifest of an archive, and the check of an archive against it (``since=`` proves
  the archive only grew).

See ``docs/audit.md``.
"""

from sealdoc.audit.manifest import (
    ArchiveCheck,
    ArchiveManifest,
    FileChange,
    GrowthProof,
    build_manifest,
    check_archive,
    load_manifest,
    prove_growth,
)
from sealdoc.audit.models import AuditReport, AuditSummary, DocumentAudit
from sealdoc.audit.policy import CryptoPolicy
from sealdoc.audit.protection import Finding
from sealdoc.audit.renew import RenewalOutcome, RenewalReport, renew_archive, renew_pdf
from sealdoc.audit.runner import audit_archive

__all__ = [
    "ArchiveCheck",
    "ArchiveManifest",
    "AuditReport",
    "AuditSummary",
    "CryptoPolicy",
    "DocumentAudit",
    "FileChange",
    "Finding",
    "GrowthProof",
    "RenewalOutcome",
    "RenewalReport",
    "audit_archive",
    "build_manifest",
    "check_archive",
    "load_manifest",
    "prove_growth",
    "renew_archive",
    "renew_pdf",
]
