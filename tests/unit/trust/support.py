"""Helpers for the trust tests: paths and loaders for ``fixtures/trust`` (see its README), the
pinned clock, and an in-memory fetcher (the injected network seam)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signxml import methods
from signxml.algorithms import SignatureMethod
from signxml.signer import XMLSigner

from sealdoc._internal.trust.fetch import FetchError
from sealdoc.trust import load_certificate_file

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "trust"
TSL_DIR = FIXTURES / "tsl"
REAL_DIR = FIXTURES / "real"

#: The verification time every trust test pins.
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def cert(relative: str) -> x509.Certificate:
    (only,) = load_certificate_file(FIXTURES / relative)
    return only


def key(label: str) -> ec.EllipticCurvePrivateKey:
    loaded = serialization.load_pem_private_key(
        (FIXTURES / "keys" / f"{label}.key.pem").read_bytes(), password=None
    )
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    return loaded


def crl(name: str) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl((FIXTURES / "crl" / name).read_bytes())


def sign_xml(
    unsigned: bytes, signer_key: ec.EllipticCurvePrivateKey, signer: x509.Certificate
) -> bytes:
    """Sign an XML document (enveloped XMLDSig, ECDSA-SHA256) to build variants in a test."""
    root = etree.fromstring(unsigned, etree.XMLParser(resolve_entities=False, no_network=True))
    signed = XMLSigner(
        method=methods.enveloped, signature_algorithm=SignatureMethod.ECDSA_SHA256
    ).sign(root, key=signer_key, cert=[signer])
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


class FakeFetcher:
    """An in-memory :class:`sealdoc.trust.Fetcher`: URL -> bytes, and a log of what was asked."""

    def __init__(self, responses: Mapping[str, bytes] | None = None) -> None:
        self.responses = dict(responses or {})
        self.calls: list[str] = []

    def fetch(self, url: str) -> bytes:
        self.calls.append(url)
        if url not in self.responses:
            raise FetchError(f"{url}: connection refused")
        return self.responses[url]
