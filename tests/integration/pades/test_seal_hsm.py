"""Sealing with a key on a SoftHSM2 token, through the same ``sealdoc.keys`` seam."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from tests.support.pki_services import PKI_TIME, TestPki
from tests.support.softhsm import create_token, softhsm_available

from sealdoc.keys import load_key
from sealdoc.pades import StampSpec, embedded_twoddoc, seal_bytes, verify_pdf
from sealdoc.report import Indication

from .conftest import CODE

pytestmark = [
    pytest.mark.hsm,
    pytest.mark.skipif(not softhsm_available(), reason="SoftHSM2 is not installed"),
]


@pytest.mark.parametrize("label", ["seal-ecdsa", "seal-rsa"])
def test_seal_with_a_token_key_passes_verification(
    pki: TestPki, document: bytes, label: str, tmp_path: Path
) -> None:
    private_key = load_pem_private_key(pki.key_path(label).read_bytes(), password=None)
    assert isinstance(private_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    material = pki.write_seal_material(label, tmp_path)
    with (
        create_token(private_key, certificate=pki.cert(label)) as token,
        load_key(pkcs11=token.spec(), chain=list(material.chain)) as key,
    ):
        data = seal_bytes(
            document,
            key,
            level="B-LT",
            tsa_url=pki.tsa_url,
            stamp=StampSpec(code=CODE, x=420, y=60),
            trust_roots=pki.trust_roots,
            fetcher_backend=pki.fetcher_backend(),
            at=PKI_TIME,
        ).data
    report = verify_pdf(data, trust=pki.trust_roots, at=PKI_TIME)
    assert report.indication is Indication.PASSED, report.model_dump_json(indent=1)
    assert report.signatures[0].level == "B-LT"
    assert embedded_twoddoc(data) == CODE
