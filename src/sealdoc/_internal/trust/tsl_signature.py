"""Checking the XML signature of a trust list against a signer the caller pinned.

Fail closed: an unsigned list, a list whose digest or signature value does not verify, a list
signed by a certificate that is neither pinned nor issued by a pinned CA, or a signature using
a transform we do not understand all raise :class:`TrustListSignatureError`. The TSL content
handed on is the *signed* content returned by the verifier (never the raw file), so nothing
outside the signature (a second list, a wrapped element) can be read.

Time: the signer certificate must be valid at the list's own ``ListIssueDateTime``. An ANTS list
is signed when issued; checking the signer at "now" would reject every archived list, and the
caller already vouched for the signer by pinning it (or its CA).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from cryptography import x509
from lxml import etree
from signxml.algorithms import CanonicalizationMethod
from signxml.exceptions import SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

from sealdoc._internal.trust.certificates import is_ca, issued_by
from sealdoc._internal.trust.tsl import TrustList, parse_trust_list
from sealdoc._internal.trust.xml import hardened_parser, parse_xml
from sealdoc.errors import TrustError

__all__ = ["TrustListSignatureError", "load_trust_list"]

_DS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"ds": _DS}
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
#: The one XPath filter trust lists use: it removes the signature, like the enveloped transform.
_XPATH_NOT_SIGNATURE = "not(ancestor-or-self::ds:Signature)"
_ALLOWED_TRANSFORMS = frozenset(
    {_ENVELOPED, _XPATH, *(method.value for method in CanonicalizationMethod)}
)


class TrustListSignatureError(TrustError):
    """The trust list is unsigned, altered, or not signed by a pinned signer: it is not used."""


def _check_references(signature: etree._Element, *, source: str) -> None:
    """Refuse references and transforms other than the ones trust lists are signed with.

    Exactly one reference must cover the whole document (``URI=""``) with the enveloped
    transform; others (XAdES ``SignedProperties``) must point inside the signature by id.
    """
    references = signature.findall("ds:SignedInfo/ds:Reference", _NS)
    whole = [r for r in references if r.get("URI") == ""]
    if len(whole) != 1:
        raise TrustListSignatureError(
            f'{source}: the signature must have exactly one reference to the whole list (URI="")'
        )
    for reference in references:
        uri = reference.get("URI")
        if uri is None or (uri != "" and not uri.startswith("#")):
            raise TrustListSignatureError(f"{source}: signature reference {uri!r} is refused")
        if uri.startswith("#") and not signature.xpath(".//*[@Id=$id]", id=uri[1:], namespaces=_NS):
            raise TrustListSignatureError(
                f"{source}: signature reference {uri!r} must point inside the signature"
            )
        algorithms: list[str] = []
        for transform in reference.findall("ds:Transforms/ds:Transform", _NS):
            algorithm = transform.get("Algorithm", "")
            if algorithm not in _ALLOWED_TRANSFORMS:
                raise TrustListSignatureError(f"{source}: signature transform {algorithm} refused")
            if algorithm == _XPATH:
                expression = "".join("".join(transform.itertext()).split())
                if expression != _XPATH_NOT_SIGNATURE or transform.nsmap.get("ds") != _DS:
                    raise TrustListSignatureError(
                        f"{source}: signature XPath transform {expression!r} refused"
                    )
            algorithms.append(algorithm)
        if uri == "" and _ENVELOPED not in algorithms:
            raise TrustListSignatureError(
                f"{source}: the reference to the whole list lacks the enveloped transform"
            )


def _keyinfo_certificates(signature: etree._Element, *, source: str) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for element in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS):
        text = "".join((element.text or "").split())
        try:
            certs.append(x509.load_der_x509_certificate(base64.b64decode(text, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise TrustListSignatureError(
                f"{source}: a certificate in the signature's KeyInfo is corrupt ({exc})"
            ) from exc
    return certs


def _pinned_signer(
    keyinfo: Sequence[x509.Certificate], pinned: Sequence[x509.Certificate], *, source: str
) -> x509.Certificate:
    """The certificate that must have signed: a KeyInfo certificate that is pinned or directly
    issued by a pinned CA; with no KeyInfo certificate, a pinned end-entity certificate."""
    for candidate in keyinfo:
        if candidate in pinned:
            return candidate
    for candidate in keyinfo:
        for anchor in pinned:
            if is_ca(anchor) and issued_by(candidate, anchor):
                return candidate
    if not keyinfo:
        leaves = [cert for cert in pinned if not is_ca(cert)]
        if len(leaves) == 1:
            return leaves[0]
        raise TrustListSignatureError(
            f"{source}: the signature carries no certificate; pin exactly one signer certificate"
        )
    names = ", ".join(cert.subject.rfc4514_string() for cert in keyinfo)
    raise TrustListSignatureError(
        f"{source}: signed by {names}, which is neither a pinned TSL signer nor issued by a "
        "pinned CA (pass the signer certificate the list operator publishes)"
    )


def load_trust_list(
    data: bytes, *, signers: Sequence[x509.Certificate], source: str = "<trust list>"
) -> TrustList:
    """Verify the XML signature of a TSL against ``signers`` and return its signed content.

    ``signers`` are pinned certificates: the TSL signer's own certificate, or the CA that
    directly issued it. Raises :class:`TrustListSignatureError` (a :class:`TrustError`) if the
    list is unsigned, altered, or signed by anyone else; :class:`TrustError` if it is not a
    well-formed trust list.
    """
    if not signers:
        raise TrustListSignatureError(
            f"{source}: no TSL signer is pinned; a trust list is only used once its signature "
            "verifies against a certificate you chose (e.g. --tsl-signer)"
        )
    root = parse_xml(data, source=source)
    signatures = root.findall("ds:Signature", _NS)
    if not signatures:
        raise TrustListSignatureError(f"{source}: the trust list is not signed")
    if len(signatures) > 1 or len(root.findall(".//ds:Signature", _NS)) != 1:
        raise TrustListSignatureError(f"{source}: the trust list must carry exactly one signature")
    signature = signatures[0]
    _check_references(signature, source=source)
    signer = _pinned_signer(_keyinfo_certificates(signature, source=source), signers, source=source)

    config = SignatureConfiguration(
        location="./",
        expect_references=True,
        # Validity is checked below at the list's issue date, not at the verifier's "now".
        verification_time=signer.not_valid_before_utc,
        # XMLDSig: a node-set left by the XPath transform is serialised with C14N 1.0.
        default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    try:
        results = XMLVerifier().verify(
            data, x509_cert=signer, expect_config=config, parser=hardened_parser()
        )
    except (SignXMLException, etree.LxmlError, ValueError) as exc:
        raise TrustListSignatureError(
            f"{source}: the trust list's signature does not verify ({exc}); the list was altered "
            "or signed with another key"
        ) from exc

    if not isinstance(results, list):
        results = [results]
    references = results[0].signature_xml.findall("ds:SignedInfo/ds:Reference", _NS)
    index = next(i for i, ref in enumerate(references) if ref.get("URI") == "")
    signed_root = results[index].signed_xml
    if signed_root is None:
        raise TrustListSignatureError(f"{source}: the signed content is not XML")
    trust_list = parse_trust_list(signed_root, source=source, signer=signer)
    if not signer.not_valid_before_utc <= trust_list.issued_at <= signer.not_valid_after_utc:
        raise TrustListSignatureError(
            f"{source}: the signer certificate ({signer.subject.rfc4514_string()}, valid "
            f"{signer.not_valid_before_utc:%Y-%m-%d} to {signer.not_valid_after_utc:%Y-%m-%d}) "
            f"was not valid on the list's issue date {trust_list.issued_at:%Y-%m-%d}"
        )
    return trust_list
