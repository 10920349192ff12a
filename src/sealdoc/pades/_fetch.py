"""Let pyHanko go online through the fetchers the caller injected, and only through those.

A caller may pass a pyHanko ``FetcherBackend`` (OCSP, CRLs and certificates, e.g.
``AIOHttpFetcherBackend``) or a :class:`sealdoc.trust.Fetcher` (a plain GET, as 2D-Doc
verification uses). The latter is adapted here: it fetches CRLs from distribution points;
it cannot POST, so OCSP is not available through it, and certificates are not fetched
(chains come from the signature, the DSS and the trust material).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable

from asn1crypto import cms, crl, ocsp, pem, x509
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.fetchers import (
    CertificateFetcher,
    CRLFetcher,
    FetcherBackend,
    Fetchers,
    OCSPFetcher,
)
from pyhanko_certvalidator.fetchers.common_utils import enumerate_delivery_point_urls
from pyhanko_certvalidator.util import get_relevant_crl_dps

from sealdoc.trust import Fetcher, FetchError

__all__ = ["GetFetcherBackend", "adapt_fetchers"]

_MAX_URLS = 8


def adapt_fetchers(
    fetchers: FetcherBackend | Fetcher | None,
) -> tuple[FetcherBackend | None, bool]:
    """A pyHanko backend for ``fetchers`` and whether to close it when done.

    A pyHanko backend is closed after use too: its lazily created HTTP session belongs to the
    event loop of this verification (closing only drops it; the next use creates a new one).
    """
    if fetchers is None:
        return None, False
    if isinstance(fetchers, FetcherBackend):
        return fetchers, True
    if isinstance(fetchers, Fetcher):
        return GetFetcherBackend(fetchers), True
    raise TypeError(f"not a fetcher: {type(fetchers).__name__}")


class _CrlFetcher(CRLFetcher):
    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher
        self._by_cert: dict[bytes, list[crl.CertificateList]] = {}

    async def fetch(
        self,
        cert: x509.Certificate | cms.AttributeCertificateV2,
        *,
        use_deltas: bool | None = None,
    ) -> Iterable[crl.CertificateList]:
        key = cert.dump()
        if key in self._by_cert:
            return self._by_cert[key]
        urls: list[str] = []
        for point in get_relevant_crl_dps(cert, use_deltas=bool(use_deltas)):
            urls.extend(enumerate_delivery_point_urls(point))
        results: list[crl.CertificateList] = []
        errors: list[str] = []
        for url in urls[:_MAX_URLS]:
            try:
                data = await asyncio.to_thread(self._fetcher.fetch, url)
                if pem.detect(data):
                    _, _, data = pem.unarmor(data)
                results.append(crl.CertificateList.load(data, strict=True))
            except (FetchError, OSError, ValueError) as exc:
                errors.append(f"{url}: {exc}")
        if urls and not results:
            raise CRLFetchError("; ".join(errors) or "no CRL could be fetched")
        self._by_cert[key] = results
        return results

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        return [item for items in self._by_cert.values() for item in items]

    def fetched_crls_for_cert(
        self, cert: x509.Certificate | cms.AttributeCertificateV2
    ) -> Iterable[crl.CertificateList]:
        return self._by_cert[cert.dump()]


class _NoOcspFetcher(OCSPFetcher):
    async def fetch(
        self,
        cert: x509.Certificate | cms.AttributeCertificateV2,  # noqa: ARG002 - interface
        authority: Authority,  # noqa: ARG002 - interface
    ) -> ocsp.OCSPResponse:
        raise OCSPFetchError("OCSP is not available through a GET-only fetcher")

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        return []

    def fetched_responses_for_cert(
        self,
        cert: x509.Certificate | cms.AttributeCertificateV2,  # noqa: ARG002 - interface
    ) -> Iterable[ocsp.OCSPResponse]:
        return []


async def _nothing() -> AsyncGenerator[x509.Certificate, None]:
    empty: tuple[x509.Certificate, ...] = ()
    for cert in empty:
        yield cert


class _NoCertFetcher(CertificateFetcher):
    def fetch_cert_issuers(
        self,
        cert: x509.Certificate | cms.AttributeCertificateV2,  # noqa: ARG002 - interface
    ) -> AsyncGenerator[x509.Certificate, None]:
        return _nothing()

    def fetch_crl_issuers(
        self,
        certificate_list: crl.CertificateList,  # noqa: ARG002 - interface
    ) -> AsyncGenerator[x509.Certificate, None]:
        return _nothing()

    def fetched_certs(self) -> Iterable[x509.Certificate]:
        return []


class GetFetcherBackend(FetcherBackend):
    """pyHanko fetchers over a :class:`sealdoc.trust.Fetcher` (CRLs only)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher

    def get_fetchers(self) -> Fetchers:
        return Fetchers(
            ocsp_fetcher=_NoOcspFetcher(),
            crl_fetcher=_CrlFetcher(self._fetcher),
            cert_fetcher=_NoCertFetcher(),
        )

    async def close(self) -> None:
        return None
