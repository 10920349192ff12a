"""Digital domicile: sealed documents delivered by link, with court-ready evidence.

* :class:`DeliveryService` (no HTTP): domiciles, deposit (seal verified against the agency's
  certificate), notices (SMTP, signed webhooks, retried), capability links, handover, expiry,
  retention, evidence (ETSI EN 319 522 events, sealed, in an RFC 6962 log with signed
  checkpoints).
* :func:`create_app`: the ASGI app (FastAPI) over it; :class:`DeliverySettings`: its settings.
* :func:`verify_bundle`: offline verification of a message's evidence;
  :func:`bundle_from_proof`: the evidence embedded in a proof PDF.
* :class:`DeliveryClient`: the HTTP client the CLI uses.

See ``docs/delivery.md``.
"""

from sealdoc.delivery.client import DeliveryClient
from sealdoc.delivery.evidence_log import EvidenceBundle
from sealdoc.delivery.evidence_verify import parse_bundle, verify_bundle
from sealdoc.delivery.http import create_app
from sealdoc.delivery.model import Event, RecipientId
from sealdoc.delivery.proof import bundle_from_proof
from sealdoc.delivery.service import DeliveryService
from sealdoc.delivery.settings import DeliverySettings

__all__ = [
    "DeliveryClient",
    "DeliveryService",
    "DeliverySettings",
    "Event",
    "EvidenceBundle",
    "RecipientId",
    "bundle_from_proof",
    "create_app",
    "parse_bundle",
    "verify_bundle",
]
