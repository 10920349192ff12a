# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated)
"""What happens to a sealed PDF after sealing decides the verdict: every forgery is caught."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from tests.support.pdf_samples import (
    add_annotation,
    append_page,
    fill_text_field,
    flip_byte,
    override_widget_appearance,
    replace_page_content,
    sample_pdf,
)
from tests.support.pki_services import PKI_TIME, PkiServices, TestPki

from sealdoc.keys import SigningKey
from sealdoc.pades import embedded_twoddoc, seal_bytes, verify_pdf
from sealdoc.report import CheckStatus, Indication, SignatureReport, SubIndication

from .conftest import CODE, SealFactory


def _check(signature: SignatureReport, check_id: str) -> tuple[CheckStatus, str]:
    check = next(c for c in signature.checks if c.id == check_id)
    return check.status, check.message


def _seal_report(data: bytes, pki: TestPki) -> SignatureReport:
    report = verify_pdf(data, trust=pki.trust_roots, at=PKI_TIME)
    assert report.indication is not Indication.PASSED
    return next(s for s in report.signatures if s.type == "signature")


def test_one_byte_changed_in_the_signed_range_fails_integrity(
    sealed: SealFactory, pki: TestPki
) -> None:
    data = sealed("seal-ecdsa", "B-LT")
    offset = data.index(b"Attestation de test - page 1")
    report = verify_pdf(flip_byte(data, offset), trust=pki.trust_roots, at=PKI_TIME)
    assert report.indication is Indication.FAILED
    seal_report = report.signatures[0]
    assert seal_report.indication is Indication.FAILED
    assert seal_report.sub_indication is SubIndication.HASH_FAILURE
    assert _check(seal_report, "integrity")[0] is CheckStatus.FAILED


def test_one_byte_changed_in_the_signature_value_fails(sealed: SealFactory, pki: TestPki) -> None:
    data = sealed("seal-ecdsa", "B-B")
    contents = re.search(rb"/Contents <([0-9a-fA-F]+)>", data)
    assert contents is not None
    # flip a nibble early in the CMS (in the signer's certificate or signed attributes)
    offset = contents.start(1) + 400
    forged = (
        data[:offset] + (b"0" if data[offset : offset + 1] != b"0" else b"1") + data[offset + 1 :]
    )
    report = verify_pdf(forged, trust=pki.trust_roots, at=PKI_TIME)
    assert report.indication is not Indication.PASSED


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (append_page, "modified after signing"),
        (replace_page_content, "modified after signing"),
        (add_annotation, "modified after signing"),
        (lambda data: fill_text_field(data, "commentaire", "annule"), "form fields were filled"),
        (lambda data: override_widget_appearance(data, "Seal"), "modified after signing"),
    ],
    ids=["page-added", "content-replaced", "annotation-added", "form-filled", "seal-appearance"],
)
def test_incremental_update_after_sealing_is_flagged(
    sealed: SealFactory, pki: TestPki, tamper: object, expected: str
) -> None:
    assert callable(tamper)
    data = tamper(sealed("seal-ecdsa", "B-LT"))
    seal_report = _seal_report(data, pki)
    assert seal_report.indication is Indication.FAILED
    status, message = _check(seal_report, "modifications")
    assert status is CheckStatus.FAILED
    assert expected in message
    # the signed revision itself is intact
    assert _check(seal_report, "integrity")[0] is CheckStatus.PASSED


def test_payload_replaced_after_sealing_is_not_returned(sealed: SealFactory, pki: TestPki) -> None:
    data = sealed("seal-ecdsa", "B-B")
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    stream = spec["/EF"]["/F"].get_object()
    stream._data = b"DC04FORGED"
    stream._encoded_data = None
    writer.mark_update(spec["/EF"].raw_get("/F"))
    out = io.BytesIO()
    writer.write(out)
    assert embedded_twoddoc(out.getvalue()) == CODE
    assert _seal_report(out.getvalue(), pki).indication is Indication.FAILED


def test_unsigned_pdf_is_indeterminate(pki: TestPki) -> None:
    report = verify_pdf(sample_pdf(), trust=pki.trust_roots, at=PKI_TIME)
    assert report.indication is Indication.INDETERMINATE
    assert report.signatures == []
    assert "no signature" in report.checks[0].message


def test_untrusted_root_is_indeterminate(sealed: SealFactory) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Other root")])
    other_root = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    report = verify_pdf(sealed("seal-ecdsa", "B-LT"), trust=[other_root], at=PKI_TIME)
    assert report.indication is Indication.INDETERMINATE
    status, _ = _check(report.signatures[0], "certificate_chain")
    assert status is CheckStatus.INDETERMINATE
    assert report.signatures[0].sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def test_weak_rsa_key_is_flagged_by_the_algorithm_policy(
    keys: dict[str, SigningKey], pki: TestPki, document: bytes
) -> None:
    data = seal_bytes(
        document,
        keys["seal-weak-rsa"],
        level="B-LT",
        tsa_url=pki.tsa_url,
        trust_roots=pki.trust_roots,
        fetcher_backend=pki.fetcher_backend(),
        at=PKI_TIME,
    ).data
    report = verify_pdf(data, trust=pki.trust_roots, at=PKI_TIME)
    seal_report = report.signatures[0]
    assert seal_report.indication is Indication.FAILED
    assert seal_report.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE
    status, message = _check(seal_report, "algorithms")
    assert status is CheckStatus.FAILED
    assert "RSA key of 1024 bits" in message
    # the signature value itself is cryptographically fine
    assert _check(seal_report, "signature")[0] is CheckStatus.PASSED


def test_revocation_after_a_timestamped_seal_is_covered_by_the_timestamp(
    keys: dict[str, SigningKey], pki_services: PkiServices, document: bytes
) -> None:
    """Sealed before the revocation date (2026-02-01), verified after it: a B-T seal passes
    (its time-stamp proves it existed before), a B-B seal cannot (no proof of existence)."""
    pki = pki_services.pki
    before = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)
    key = keys["seal-revoked"]
    pki_services.set_time(before)
    try:
        b_t = seal_bytes(
            document,
            key,
            level="B-T",
            tsa_url=pki.tsa_url,
            fetcher_backend=pki.fetcher_backend(),
            trust_roots=pki.trust_roots,
            at=before,
        ).data
        b_b = seal_bytes(
            document,
            key,
            level="B-B",
            fetcher_backend=pki.fetcher_backend(),
            trust_roots=pki.trust_roots,
            at=before,
        ).data
    finally:
        pki_services.set_time(PKI_TIME)
    report_t = verify_pdf(b_t, trust=pki.trust_roots, at=PKI_TIME, fetchers=pki.fetcher_backend())
    report_b = verify_pdf(b_b, trust=pki.trust_roots, at=PKI_TIME, fetchers=pki.fetcher_backend())
    assert report_t.indication is Indication.PASSED, report_t.model_dump_json(indent=1)
    assert report_b.indication is Indication.INDETERMINATE
    assert report_b.signatures[0].sub_indication is SubIndication.REVOKED_NO_POE
    status, message = _check(report_b.signatures[0], "revocation")
    assert status is CheckStatus.INDETERMINATE
    assert "revoked" in message


def test_a_later_invisible_seal_leaves_the_first_one_valid(
    sealed: SealFactory, keys: dict[str, SigningKey], pki: TestPki
) -> None:
    second = seal_bytes(
        sealed("seal-ecdsa", "B-LT"),
        keys["seal-rsa"],
        level="B-LT",
        tsa_url=pki.tsa_url,
        field_name="Countersign",
        trust_roots=pki.trust_roots,
        fetcher_backend=pki.fetcher_backend(),
        at=PKI_TIME,
    ).data
    report = verify_pdf(second, trust=pki.trust_roots, at=PKI_TIME)
    assert report.indication is Indication.PASSED, report.model_dump_json(indent=1)
    assert [s.field_name for s in report.signatures] == ["Seal", "Countersign"]
    assert "invisible signatures" in _check(report.signatures[0], "modifications")[1]


def test_a_later_visible_signature_fails_the_first_seal(
    sealed: SealFactory, keys: dict[str, SigningKey], pki: TestPki
) -> None:
    """Its appearance could cover the sealed content, so it is not a benign change."""
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed("seal-ecdsa", "B-LT")))
    metadata = signers.PdfSignatureMetadata(
        field_name="Countersign", subfilter=fields.SigSeedSubFilter.PADES
    )
    spec = fields.SigFieldSpec("Countersign", on_page=0, box=(72, 700, 300, 760))
    signer = signers.PdfSigner(metadata, keys["seal-rsa"].pyhanko_signer(), new_field_spec=spec)
    second = signer.sign_pdf(writer).getvalue()
    report = verify_pdf(second, trust=pki.trust_roots, at=PKI_TIME)
    first = next(s for s in report.signatures if s.field_name == "Seal")
    status, message = _check(first, "modifications")
    assert status is CheckStatus.FAILED
    assert "visible signatures were added after signing: Countersign" in message
