"""What a PDF verifier trusts: the ``trust=`` argument of :func:`sealdoc.pades.verify_pdf`.

``trust`` may be

* a :class:`sealdoc.trust.TrustMaterial` (the same object 2D-Doc verification takes): its
  anchors, the certificates of the services of its verified trust list (ETSI TS 119 612) that
  are *granted* at the validation time, its certificate pool (untrusted intermediates) and its
  CRLs (offline revocation data);
* a sequence of anchors, each a ``cryptography`` certificate, PEM/DER bytes, or a path to a PEM
  bundle / DER file;
* a path to a PEM bundle or DER file, or to a directory of them (every certificate found is an
  anchor, every CRL offline revocation data).

An empty set of anchors is refused with :class:`~sealdoc.errors.TrustError`: nothing could ever
be trusted, so the caller has made a mistake (fail closed).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sealdoc.errors import TrustError
from sealdoc.trust import (
    Fetcher,
    ServiceStatus,
    TrustMaterial,
    load_certificate_directory,
    load_certificate_file,
    parse_certificates,
)

__all__ = ["PdfTrust", "TrustInput", "resolve_trust"]

AnchorItem = x509.Certificate | bytes | str | os.PathLike[str]
TrustInput = TrustMaterial | Sequence[AnchorItem] | str | os.PathLike[str]


@dataclass(frozen=True)
class PdfTrust:
    """Trust material converted for pyHanko (asn1crypto objects)."""

    anchors: tuple[asn1_x509.Certificate, ...]
    pool: tuple[asn1_x509.Certificate, ...] = ()
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    fetcher: Fetcher | None = None


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _asn1_crl(crl: x509.CertificateRevocationList) -> asn1_crl.CertificateList:
    return asn1_crl.CertificateList.load(crl.public_bytes(Encoding.DER))


def _dedupe(certs: Sequence[asn1_x509.Certificate]) -> tuple[asn1_x509.Certificate, ...]:
    seen: dict[bytes, asn1_x509.Certificate] = {}
    for cert in certs:
        seen.setdefault(cert.sha256, cert)
    return tuple(seen.values())


def resolve_trust(
    trust: TrustInput | PdfTrust, at: dt.datetime, *, require_anchors: bool = True
) -> PdfTrust:
    """Convert ``trust`` (see the module docstring); raise :class:`TrustError` if unusable.

    ``require_anchors=False`` accepts trust material without any anchor (nothing will be
    trusted: every chain ends INDETERMINATE); :func:`sealdoc.verify` uses it so that a PDF
    checked without trust material still gets a report.
    """
    if isinstance(trust, PdfTrust):
        return trust  # already resolved (and checked) by the caller
    if isinstance(trust, TrustMaterial):
        anchors = [_asn1(cert) for cert in trust.anchors]
        if trust.trust_list is not None:
            for provider in trust.trust_list.providers:
                for service in provider.services:
                    period = service.status_at(at)
                    if period is not None and period.status is ServiceStatus.GRANTED:
                        anchors.extend(_asn1(cert) for cert in service.certificates)
        result = PdfTrust(
            anchors=_dedupe(anchors),
            pool=_dedupe([_asn1(cert) for cert in trust.certificates]),
            crls=tuple(_asn1_crl(crl) for crl in trust.crls),
            fetcher=trust.fetcher,
        )
    elif isinstance(trust, str | os.PathLike):
        path = Path(trust)
        if path.is_dir():
            directory = load_certificate_directory(path)
            result = PdfTrust(
                anchors=_dedupe([_asn1(cert) for cert in directory.certificates]),
                crls=tuple(_asn1_crl(crl) for crl in directory.crls),
            )
        else:
            result = PdfTrust(anchors=_dedupe([_asn1(c) for c in load_certificate_file(path)]))
    else:
        anchors = []
        for item in trust:
            if isinstance(item, x509.Certificate):
                anchors.append(_asn1(item))
            elif isinstance(item, bytes):
                anchors.extend(_asn1(c) for c in parse_certificates(item, source="<bytes>"))
            else:
                anchors.extend(_asn1(c) for c in load_certificate_file(Path(item)))
        result = PdfTrust(anchors=_dedupe(anchors))
    if not result.anchors and require_anchors:
        raise TrustError(
            "no trust anchor: give the root certificate(s) the seals must chain to "
            "(nothing can be trusted otherwise)"
        )
    return result
