"""Sign a small PDF with a pyHanko signer and validate the result (no pytest dependency)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext
from tests.support.keymaterial import minimal_pdf

__all__ = ["sign_and_validate_pdf"]


def sign_and_validate_pdf(
    signer: signers.Signer,
    trust_roots: Sequence[x509.Certificate],
    *,
    at: dt.datetime,
    md_algorithm: str | None = None,
) -> PdfSignatureStatus:
    """Sign :func:`minimal_pdf` with ``signer``; validate at ``at`` against ``trust_roots``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(minimal_pdf()))
    meta = signers.PdfSignatureMetadata(field_name="Seal", md_algorithm=md_algorithm)
    signed = signers.sign_pdf(writer, meta, signer=signer)
    roots = [
        asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
        for root in trust_roots
    ]
    context = ValidationContext(trust_roots=roots, moment=at, allow_fetching=False)
    (embedded,) = PdfFileReader(signed).embedded_signatures
    return validate_pdf_signature(embedded, context)
