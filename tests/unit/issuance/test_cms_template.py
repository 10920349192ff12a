from __future__ import annotations

import io

import pytest
from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader
from tests.support.pki_services import PKI_TIME

from sealdoc.errors import SealingError
from sealdoc.issuance.sealing.cms import CmsTemplate, der_length, tlv
from sealdoc.issuance.sealing.sealer import probe_pdf
from sealdoc.keys import SigningKey
from sealdoc.pades import seal_bytes


def _probe_cms(key: SigningKey) -> bytes:
    sealed = seal_bytes(probe_pdf(), key, check_revocation=False, at=PKI_TIME).data
    (signature,) = PdfFileReader(io.BytesIO(sealed)).embedded_signatures
    return bytes(cms.ContentInfo.load(bytes(signature.pkcs7_content), strict=False).dump())


def test_template_rebuilds_pyhankos_cms_byte_for_byte(seal_key: SigningKey) -> None:
    probe = _probe_cms(seal_key)
    template = CmsTemplate.from_probe(probe, max_signature_size=72)
    signer_info = cms.ContentInfo.load(probe)["content"]["signer_infos"][0]
    digest = next(
        a["values"][0].native
        for a in signer_info["signed_attrs"]
        if a["type"].native == "message_digest"
    )
    attrs = template.signed_attributes(digest)
    assert attrs[1:] == signer_info["signed_attrs"].dump()[1:]
    rebuilt = template.content_info(attrs, signer_info["signature"].native)
    assert rebuilt == probe


def test_filled_template_is_a_valid_signature_over_the_new_digest(seal_key: SigningKey) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    template = CmsTemplate.from_probe(_probe_cms(seal_key), max_signature_size=72)
    digest = bytes(range(32))
    attrs = template.signed_attributes(digest)
    info = cms.ContentInfo.load(template.content_info(attrs, seal_key.sign(attrs, "sha256")))
    signer_info = info["content"]["signer_infos"][0]
    values = {a["type"].native: a["values"][0].native for a in signer_info["signed_attrs"]}
    assert values["message_digest"] == digest
    public_key = seal_key.public_key
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(
        signer_info["signature"].native,
        signer_info["signed_attrs"].untag().dump(),
        ec.ECDSA(hashes.SHA256()),
    )
    assert len(info.dump()) <= template.max_size()


def test_probe_with_a_per_document_attribute_is_refused(seal_key: SigningKey) -> None:
    probe = cms.ContentInfo.load(_probe_cms(seal_key))
    signer_info = probe["content"]["signer_infos"][0]
    attrs = list(signer_info["signed_attrs"])
    attrs.append(
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": PKI_TIME})]})
    )
    signer_info["signed_attrs"] = cms.CMSAttributes(attrs)
    with pytest.raises(SealingError, match="signing_time"):
        CmsTemplate.from_probe(probe.dump(force=True), max_signature_size=72)


def test_oversized_signature_or_token_is_refused(seal_key: SigningKey) -> None:
    template = CmsTemplate.from_probe(
        _probe_cms(seal_key), max_signature_size=72, max_token_size=10
    )
    attrs = template.signed_attributes(bytes(32))
    with pytest.raises(SealingError, match="signature"):
        template.content_info(attrs, bytes(73))
    with pytest.raises(SealingError, match="time-stamp token"):
        template.content_info(attrs, bytes(70), bytes(11))


@pytest.mark.parametrize("length", [0, 127, 128, 255, 256, 65535, 65536])
def test_der_lengths_round_trip_through_asn1crypto(length: int) -> None:
    encoded = tlv(0x04, bytes(length))
    assert cms.OctetString.load(encoded).native == bytes(length)
    assert len(der_length(length)) == (1 if length < 128 else 1 + (length.bit_length() + 7) // 8)
