"""The court-ready proof: a sealed, human-readable PDF of one message's history.

It lists the deposit (or its refusal), every notice, the access to the link's page, the handover
or the failure (expiry, withdrawal) with times and reasons, the document's digest, and the
checkpoint of the evidence log. The machine-readable evidence bundle is embedded in the PDF
(``evidence.json``, an associated file), so ``sealdoc evidence verify proof.pdf`` checks it
offline. The whole PDF is sealed (PAdES) with the service's key.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

from sealdoc.delivery._pdf import TextPdf
from sealdoc.delivery.evidence_log import EvidenceBundle
from sealdoc.delivery.model import Event
from sealdoc.errors import ParseError, PdfError

if TYPE_CHECKING:
    from sealdoc.delivery.service import DeliveryService, MessageView

__all__ = ["ATTACHMENT_NAME", "build_proof", "bundle_from_proof"]

ATTACHMENT_NAME = "evidence.json"

_LABELS = {
    Event.SUBMISSION_ACCEPTANCE: "dépôt accepté / deposit accepted",
    Event.SUBMISSION_REJECTION: "dépôt refusé / deposit refused",
    Event.CONSIGNMENT_NOTIFICATION: "avis envoyé / notice sent",
    Event.CONSIGNMENT_NOTIFICATION_FAILURE: "échec de l'avis / notice failed",
    Event.RELAY_TO_NON_ERDS: "avis transféré / notice forwarded",
    Event.NOTIFICATION_ACCESS_TRACKING: "page du lien ouverte (suivi, pas une remise) / "
    "link page opened (tracking, not a handover)",
    Event.CONTENT_HANDOVER: "document remis / document handed over",
    Event.CONTENT_ACCESS_TRACKING: "nouveau téléchargement / document fetched again",
    Event.CONTENT_HANDOVER_FAILURE: "document non remis / document not handed over",
}


def _t(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def build_proof(
    view: MessageView, bundle: EvidenceBundle, service: DeliveryService, *, at: dt.datetime
) -> bytes:
    from sealdoc.pades import seal_bytes

    message = view.message
    settings = service.settings
    pdf = TextPdf(
        title=f"Preuve de distribution {message.id}",
        footer=f"{settings.service_name} - {message.id} - {_t(at)}",
    )
    pdf.add("Preuve de distribution / Proof of delivery", "title")
    pdf.add(f"{settings.service_name} ({settings.origin}), établie le {_t(at)}", "small")
    pdf.space()
    pdf.add("Envoi / Message", "heading")
    sender = service.accounts.agency_name(message.agency_id)
    for label, value in (
        ("Référence / Message id", message.id),
        ("Expéditeur / Sender", f"{sender} ({message.agency_id})"),
        ("Destinataire / Recipient", str(message.recipient)),
        ("Objet / Title", message.title),
        ("Déposé le / Deposited", _t(message.deposited_at)),
        ("Disponible jusqu'au / Available until", _t(message.available_until)),
        ("Conservé jusqu'au / Retained until", _t(message.retain_until)),
        ("État / State", message.state.value),
    ):
        pdf.add(f"{label} : {value}")
    if message.content_deleted_at is not None:
        pdf.add(f"Document supprimé (fin de conservation) le {_t(message.content_deleted_at)}")
    pdf.space()
    pdf.add("Document", "heading")
    pdf.add(f"Fichier / File : {message.filename} ({message.size} octets / bytes)")
    pdf.add("SHA-256 :")
    pdf.add(message.sha256, "mono", indent=12)
    pdf.space()
    pdf.add("Événements / Events (ETSI EN 319 522)", "heading")
    index_of = {e.leaf: e.index for e in bundle.entries}
    records = bundle.records()
    for position, item in enumerate(records):
        record = item.record
        pdf.add(f"{_t(record.event_time)}  {record.event.value}", "body")
        pdf.add(_LABELS.get(record.event, record.event.value), "small", indent=12)
        if record.reason:
            pdf.add(f"Motif / Reason : {record.reason}", "small", indent=12)
        for name, detail in sorted(record.details.items()):
            pdf.add(f"{name} : {detail}", "small", indent=12)
        leaf = bundle.entries[position].leaf
        pdf.add(
            f"preuve / evidence {record.evidence_id}, journal / log index {index_of[leaf]}",
            "small",
            indent=12,
        )
    pdf.space()
    cp = bundle.checkpoint.checkpoint
    pdf.add("Journal des preuves / Evidence log (RFC 6962)", "heading")
    pdf.add(
        f"Point de contrôle signé / Signed checkpoint : {cp.origin}, {cp.size} preuves, "
        f"{_t(cp.timestamp)}"
    )
    pdf.add("Racine / Root hash :")
    pdf.add(cp.root_hash, "mono", indent=12)
    pdf.space()
    pdf.add(
        "Chaque preuve est scellée par le service et incluse dans le journal ; le fichier "
        f"joint {ATTACHMENT_NAME} contient les preuves, leurs chemins d'inclusion et le point "
        "de contrôle. Vérification hors ligne : sealdoc evidence verify <ce PDF> "
        "--trust-cert <certificat racine du service>.",
        "small",
    )
    pdf.add(
        f"Each record is sealed by the service and included in the log; the attached "
        f"{ATTACHMENT_NAME} holds the records, their inclusion proofs and the checkpoint. "
        "Verify offline with: sealdoc evidence verify <this PDF> --trust-cert <service root>.",
        "small",
    )
    pdf.attachment = (
        ATTACHMENT_NAME,
        bundle.model_dump_json(indent=1).encode(),
        "application/json",
    )
    unsigned = pdf.render(created=at)
    sealed = seal_bytes(
        unsigned,
        service.key,
        level=settings.proof_level,
        tsa_url=settings.tsa_url,
        field_name="DeliveryServiceSeal",
        reason="Preuve de distribution",
        check_revocation=settings.proof_check_revocation,
        at=at,
    )
    return sealed.data


def bundle_from_proof(data: bytes) -> EvidenceBundle:
    """The evidence bundle embedded in a proof PDF; raises :class:`ParseError`/:class:`PdfError`."""
    from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    from sealdoc.delivery.evidence_verify import parse_bundle

    missing = ParseError(f"this PDF carries no {ATTACHMENT_NAME}: is it a sealdoc proof?")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        root = reader.root
        if "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]:
            raise missing
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
        for i in range(0, len(names), 2):
            if str(names[i]) == ATTACHMENT_NAME:
                stream = names[i + 1].get_object()["/EF"]["/F"].get_object()
                return parse_bundle(stream.data)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, PyHankoPdfError) as exc:
        raise PdfError(f"no readable {ATTACHMENT_NAME} in this PDF ({exc})") from exc
    raise missing
