"""Trust material for verification: anchors, ETSI trust service lists, certificates, CRLs.

Used by 2D-Doc verification (with :mod:`sealdoc.twoddoc.participants`) and, later, PAdES.

* :class:`TrustMaterial` gathers what a verifier trusts and where it may look:
  ``TrustMaterial.load(trust_certs=..., tsl=..., tsl_signers=..., certs_dir=..., fetcher=...)``.
* :func:`load_trust_list` verifies a TSL's XML signature against pinned signers and returns its
  signed content as a :class:`TrustList`; anything unsigned, altered or signed by someone else
  raises :class:`TrustListSignatureError` (fail closed: an untrusted list is never used).
* :class:`RevocationPolicy`: ``hard-fail`` / ``soft-fail`` / ``off``.
* :class:`Fetcher`: the only way to the network; none is used unless passed in.
  :class:`HttpFetcher` is a plain http(s) one.

Time is always a parameter (``at=``); nothing here reads the clock.
"""

from __future__ import annotations

from sealdoc._internal.trust.certificates import (
    CertificateDirectory,
    load_certificate_directory,
    load_certificate_file,
    parse_certificates,
    parse_crl,
)
from sealdoc._internal.trust.fetch import Fetcher, FetchError, HttpFetcher
from sealdoc._internal.trust.material import RevocationPolicy, TrustMaterial
from sealdoc._internal.trust.revocation import check_revocation
from sealdoc._internal.trust.tsl import (
    ServiceStatus,
    StatusPeriod,
    TrustList,
    TrustService,
    TrustServiceProvider,
)
from sealdoc._internal.trust.tsl_signature import TrustListSignatureError, load_trust_list

__all__ = [
    "CertificateDirectory",
    "FetchError",
    "Fetcher",
    "HttpFetcher",
    "RevocationPolicy",
    "ServiceStatus",
    "StatusPeriod",
    "TrustList",
    "TrustListSignatureError",
    "TrustMaterial",
    "TrustService",
    "TrustServiceProvider",
    "check_revocation",
    "load_certificate_directory",
    "load_certificate_file",
    "load_trust_list",
    "parse_certificates",
    "parse_crl",
]
