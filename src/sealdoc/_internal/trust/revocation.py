"""Revocation of a certificate from CRLs: offline ones first, then its distribution points through
the injected fetcher. Each CRL is used only if its issuer's key verifies it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509.oid import ExtensionOID

from sealdoc._internal.trust.certificates import day_bounds, parse_crl, utc
from sealdoc._internal.trust.fetch import Fetcher, fetch_quietly
from sealdoc._internal.trust.material import RevocationPolicy
from sealdoc.errors import TrustError
from sealdoc.report import Check, SubIndication

__all__ = ["check_revocation", "distribution_points"]

CHECK_ID = "revocation"
_HOLD_REASONS = (x509.ReasonFlags.certificate_hold, x509.ReasonFlags.remove_from_crl)


@dataclass(frozen=True)
class _Crl:
    crl: x509.CertificateRevocationList
    origin: str


def distribution_points(cert: x509.Certificate) -> tuple[str, ...]:
    """The http(s) URLs of ``cert``'s CRL distribution points."""
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return ()
    urls: list[str] = []
    for point in points:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier):
                url = name.value
                if url.lower().startswith(("http://", "https://")) and url not in urls:
                    urls.append(url)
    return tuple(urls)


def _applicable(crl: x509.CertificateRevocationList) -> bool:
    """A complete CRL for end-entity certificates (no delta, no scope restriction)."""
    try:
        crl.extensions.get_extension_for_oid(ExtensionOID.DELTA_CRL_INDICATOR)
        return False
    except x509.ExtensionNotFound:
        pass
    try:
        idp = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return True
    return not (
        idp.only_contains_ca_certs
        or idp.only_contains_attribute_certs
        or idp.indirect_crl
        or idp.only_some_reasons
    )


def _authentic(
    crl: x509.CertificateRevocationList,
    cert: x509.Certificate,
    issuers: Sequence[x509.Certificate],
) -> bool:
    if crl.issuer != cert.issuer:
        return False
    for issuer in issuers:
        if issuer.subject != crl.issuer:
            continue
        try:
            if crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                return True
        except (TypeError, ValueError, UnsupportedAlgorithm):
            continue
    return False


def _revocation_time(entry: x509.RevokedCertificate) -> dt.datetime:
    moment = entry.revocation_date_utc
    try:
        invalidity = entry.extensions.get_extension_for_class(x509.InvalidityDate).value
    except x509.ExtensionNotFound:
        return moment
    return min(moment, utc(invalidity.invalidity_date_utc))


def _reason(entry: x509.RevokedCertificate) -> x509.ReasonFlags | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return None


def _fresh(crl: x509.CertificateRevocationList, at: dt.datetime) -> bool:
    next_update = crl.next_update_utc
    return crl.last_update_utc <= at and (next_update is None or at <= next_update)


def _gather(
    cert: x509.Certificate,
    issuers: Sequence[x509.Certificate],
    at: dt.datetime,
    crls: Sequence[x509.CertificateRevocationList],
    fetcher: Fetcher | None,
    problems: list[str],
) -> list[_Crl]:
    """Authentic, applicable CRLs for ``cert`` issued no later than ``at``."""
    found: list[_Crl] = []

    def consider(crl: x509.CertificateRevocationList, origin: str) -> None:
        if crl.issuer != cert.issuer:
            return
        if not _authentic(crl, cert, issuers):
            problems.append(f"{origin}: CRL signature does not verify with the issuing CA's key")
        elif not _applicable(crl):
            problems.append(f"{origin}: delta or partial CRL, not used")
        elif crl.last_update_utc > at:
            problems.append(f"{origin}: CRL issued after the verification time, not used")
        else:
            found.append(_Crl(crl, origin))

    for crl in crls:
        consider(crl, "CRL from the certificate directory")
    if any(_fresh(item.crl, at) for item in found) or fetcher is None:
        return found
    for url in distribution_points(cert):
        data, error = fetch_quietly(fetcher, url)
        if data is None:
            problems.append(f"could not fetch {error}")
            continue
        try:
            crl = parse_crl(data, source=url)
        except TrustError as exc:
            problems.append(exc.message)
            continue
        consider(crl, url)
        if any(_fresh(item.crl, at) for item in found):
            break
    return found


def _unknown(policy: RevocationPolicy, reason: str) -> Check:
    if policy is RevocationPolicy.HARD_FAIL:
        return Check.indeterminate(
            CHECK_ID,
            f"revocation status unknown: {reason}; the hard-fail policy does not accept that "
            "(supply a current CRL, or retry when the CRL can be fetched)",
            SubIndication.TRY_LATER,
        )
    return Check.skipped(
        CHECK_ID, f"revocation status unknown: {reason}; accepted under the soft-fail policy"
    )


def check_revocation(
    cert: x509.Certificate,
    *,
    issuers: Sequence[x509.Certificate],
    signature_date: dt.date | None,
    at: dt.datetime,
    policy: RevocationPolicy,
    crls: Sequence[x509.CertificateRevocationList] = (),
    fetcher: Fetcher | None = None,
) -> Check:
    """The ``revocation`` check of ``cert``, whose issuing CA certificate is among ``issuers``.

    Revoked before the signature date: FAILED (REVOKED). Revoked, suspended, or revoked on or
    after the signature date: INDETERMINATE (REVOKED_NO_POE): the date in a 2D-Doc is the
    signer's own claim, and the specification (§5.1, step 5) rules out verification with a
    revoked certificate whatever the signature date. Not revoked by a current CRL: PASSED.
    No current CRL: as ``policy`` says.
    """
    if policy is RevocationPolicy.OFF:
        return Check.skipped(CHECK_ID, "revocation not checked (policy: off)")
    at = utc(at)
    if not issuers:
        return _unknown(
            policy, "the issuing CA's certificate is not known, so no CRL can be authenticated"
        )
    problems: list[str] = []
    found = _gather(cert, issuers, at, crls, fetcher, problems)
    found.sort(key=lambda item: item.crl.last_update_utc, reverse=True)
    serial = cert.serial_number
    for index, item in enumerate(found):
        entry = item.crl.get_revoked_certificate_by_serial_number(serial)
        if entry is None:
            continue
        reason = _reason(entry)
        if reason in _HOLD_REASONS and index > 0:
            continue  # a hold in an older CRL that the newest one no longer lists
        when = _revocation_time(entry)
        what = (
            f"suspended (on hold) since {when:%Y-%m-%d %H:%M}Z"
            if reason in _HOLD_REASONS
            else (f"revoked on {when:%Y-%m-%d %H:%M}Z" + (f" ({reason.value})" if reason else ""))
        )
        source = f"{item.origin}, issued {item.crl.last_update_utc:%Y-%m-%d}"
        if (
            reason not in _HOLD_REASONS
            and signature_date is not None
            and when < day_bounds(signature_date)[0]
        ):
            return Check.failed(
                CHECK_ID,
                f"certificate {what}, before the signature date {signature_date} ({source})",
                SubIndication.REVOKED,
            )
        return Check.indeterminate(
            CHECK_ID,
            f"certificate {what} ({source}); a code signed with a revoked certificate cannot be "
            "accepted whatever its signature date (spec §5.1 step 5: no proof of when it was "
            "signed)",
            SubIndication.REVOKED_NO_POE,
        )
    current = [item for item in found if _fresh(item.crl, at)]
    if current:
        crl = current[0].crl
        until = f", next update {crl.next_update_utc:%Y-%m-%d}" if crl.next_update_utc else ""
        return Check.passed(
            CHECK_ID,
            f"not revoked according to the CRL of {crl.issuer.rfc4514_string()} issued "
            f"{crl.last_update_utc:%Y-%m-%d}{until} ({current[0].origin})",
        )
    if found:
        stale = found[0].crl
        problems.append(f"the newest CRL expired on {stale.next_update_utc:%Y-%m-%d}")
    elif not distribution_points(cert) and not crls:
        problems.append("no CRL in the certificate directory and no CRL distribution point")
    elif fetcher is None and distribution_points(cert):
        problems.append("no CRL in the certificate directory, and fetching is off")
    elif not problems:
        problems.append("no CRL for this certificate's issuer was found")
    return _unknown(policy, "; ".join(problems))
