"""Which certificate signed a 2D-Doc, and can it be trusted?

A 2D-Doc names its signer only by two ids in its header: the certification authority (``FR03``)
and the certificate (``0001``). This module finds that certificate and evaluates it:

* :func:`resolve_participant` looks the certificate up by subject ``CN`` = certificate id, issued
  by the CA with that id (issuer ``CN`` = CA id, or verified to chain to a CA certificate listed
  for that id), among the trust anchors, the offline certificate directory, then the CA's
  certificate store (TSL ``TSPInformationURI``) through the injected fetcher. It never falls back
  to another certificate when the id does not match.
* :func:`evaluate_participant` produces the ``certificate_chain``, ``validity_at_signing`` and
  ``revocation`` checks for a certificate, at the code's signature date.
* :func:`check_participant` does both and says what to report as the ``signature`` check when no
  certificate was found.

Trust comes from a ``--trust-cert`` anchor (a CA certificate, or the participant certificate
itself, as for the specification's test certificate ``FR00``/``0001`` whose CA certificate is not
published) or from the ANTS trust list, where the CA must have been granted on the signature date.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from sealdoc._internal.trust.certificates import (
    common_name,
    day_bounds,
    dedupe,
    is_ca,
    issued_by,
    may_be_ca,
    parse_certificates,
    utc,
    valid_during_day,
)
from sealdoc._internal.trust.fetch import fetch_quietly
from sealdoc._internal.trust.material import RevocationPolicy, TrustMaterial
from sealdoc._internal.trust.revocation import check_revocation
from sealdoc._internal.trust.tsl import TrustService
from sealdoc.errors import TrustError
from sealdoc.report import Check, SubIndication

__all__ = [
    "ParticipantEvaluation",
    "Resolution",
    "check_participant",
    "evaluate_participant",
    "resolve_participant",
]


@dataclass(frozen=True)
class _CaCertificate:
    """A certificate trusted as the CA for a CA id, and where that trust comes from."""

    certificate: x509.Certificate
    service: TrustService | None  # None: a --trust-cert anchor

    @property
    def origin(self) -> str:
        if self.service is None:
            return "a trust anchor (--trust-cert)"
        return f"the trust list (service {self.service.name!r})"


@dataclass(frozen=True)
class Resolution:
    """The outcome of looking up a participant certificate by (CA id, certificate id)."""

    ca_id: str
    cert_id: str
    certificate: x509.Certificate | None
    #: Where the certificate came from ("trust anchor", "certificate directory", a URL).
    source: str | None
    #: Whether anything trusted is known for this CA id (TSL entry or anchor).
    ca_known: bool
    #: What was tried and failed (fetch errors, ambiguous matches), in words.
    notes: tuple[str, ...] = ()

    @property
    def missing_sub_indication(self) -> SubIndication:
        """Why there is no certificate: unknown CA, or unknown certificate of a known CA."""
        if not self.ca_known:
            return SubIndication.NO_CERTIFICATE_CHAIN_FOUND
        return SubIndication.NO_SIGNING_CERTIFICATE_FOUND


def _ca_certificates(ca_id: str, trust: TrustMaterial) -> list[_CaCertificate]:
    """CA certificates trusted for ``ca_id``: CA anchors whose CN is the id, then TSL services."""
    found = [
        _CaCertificate(cert, None)
        for cert in trust.anchors
        if may_be_ca(cert) and common_name(cert.subject) == ca_id
    ]
    if trust.trust_list is not None:
        for service in trust.trust_list.services_for(ca_id):
            found.extend(_CaCertificate(cert, service) for cert in service.certificates)
    return found


def _ca_known(ca_id: str, trust: TrustMaterial) -> bool:
    if trust.trust_list is not None and ca_id in trust.trust_list.ca_ids:
        return True
    return any(
        common_name(cert.subject) == ca_id or common_name(cert.issuer) == ca_id
        for cert in trust.anchors
    )


def _matches(
    cert: x509.Certificate, ca_id: str, cert_id: str, cas: Sequence[_CaCertificate]
) -> bool:
    """Subject CN is the certificate id, and the issuer is the CA with that id."""
    if is_ca(cert) or common_name(cert.subject) != cert_id:
        return False
    if common_name(cert.issuer) == ca_id:
        return True
    return any(issued_by(cert, ca.certificate) for ca in cas)


def _pick(
    candidates: Sequence[x509.Certificate],
    cas: Sequence[_CaCertificate],
    anchors: Sequence[x509.Certificate],
    signature_date: dt.date | None,
) -> tuple[x509.Certificate | None, str | None]:
    """One certificate among same-id candidates: prefer a trusted one, then one valid on the
    signature date. Two equally good distinct certificates are refused, never guessed."""
    if len(candidates) == 1:
        return candidates[0], None

    def rank(cert: x509.Certificate) -> tuple[bool, bool]:
        trusted = cert in anchors or any(issued_by(cert, ca.certificate) for ca in cas)
        valid = signature_date is None or valid_during_day(cert, signature_date)
        return trusted, valid

    ranked = sorted(candidates, key=rank, reverse=True)
    if rank(ranked[0]) != rank(ranked[1]):
        return ranked[0], None
    serials = ", ".join(f"{c.serial_number:x}" for c in ranked if rank(c) == rank(ranked[0]))
    return None, f"several distinct certificates match (serial numbers {serials}); none is chosen"


def resolve_participant(
    ca_id: str,
    cert_id: str,
    *,
    trust: TrustMaterial,
    signature_date: dt.date | None = None,
) -> Resolution:
    """Find the certificate ``cert_id`` of the CA ``ca_id``.

    Looks among the anchors and the certificate directory first; if nothing matches and a fetcher
    was given, in the CA's certificate store(s) listed in the trust list. Only a certificate whose
    subject CN is ``cert_id`` and whose issuer is the CA ``ca_id`` is ever returned.
    """
    cas = _ca_certificates(ca_id, trust)
    known = _ca_known(ca_id, trust)
    notes: list[str] = []
    pool = dedupe([*trust.anchors, *trust.certificates])
    candidates = [cert for cert in pool if _matches(cert, ca_id, cert_id, cas)]
    if candidates:
        cert, problem = _pick(candidates, cas, trust.anchors, signature_date)
        if cert is not None:
            source = "trust anchor" if cert in trust.anchors else "certificate directory"
            return Resolution(ca_id, cert_id, cert, source, known)
        notes.append(f"offline: {problem}")
    elif trust.fetcher is not None and trust.trust_list is not None:
        for url in trust.trust_list.certificate_store_uris(ca_id):
            data, error = fetch_quietly(trust.fetcher, url)
            if data is None:
                notes.append(f"could not fetch {error}")
                continue
            try:
                fetched = parse_certificates(data, source=url)
            except TrustError as exc:
                notes.append(exc.message)
                continue
            candidates = [c for c in dedupe(fetched) if _matches(c, ca_id, cert_id, cas)]
            if not candidates:
                notes.append(f"{url}: no certificate {cert_id} of {ca_id} in the store")
                continue
            cert, problem = _pick(candidates, cas, trust.anchors, signature_date)
            if cert is not None:
                return Resolution(ca_id, cert_id, cert, url, known, tuple(notes))
            notes.append(f"{url}: {problem}")
    return Resolution(ca_id, cert_id, None, None, known, tuple(notes))


def _chain_check(
    cert: x509.Certificate,
    ca_id: str,
    status_day: dt.date,
    trust: TrustMaterial,
    cas: Sequence[_CaCertificate],
) -> tuple[Check, list[x509.Certificate]]:
    """The ``certificate_chain`` check, and the CA certificate(s) that may sign its CRLs."""
    issuers = [ca for ca in cas if issued_by(cert, ca.certificate)]
    crl_issuers = [ca.certificate for ca in issuers]
    issuer_cn = common_name(cert.issuer)
    if cert in trust.anchors:
        if issuer_cn != ca_id:
            return Check.indeterminate(
                "certificate_chain",
                f"the certificate is a trust anchor, but its issuer is {issuer_cn!r}, not {ca_id}",
                SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            ), crl_issuers
        return Check.passed(
            "certificate_chain", "the certificate itself is a trust anchor (--trust-cert)"
        ), crl_issuers
    anchored = [ca for ca in issuers if ca.service is None]
    if anchored:
        subject = anchored[0].certificate.subject.rfc4514_string()
        return Check.passed(
            "certificate_chain", f"issued by {ca_id} ({subject}), a trust anchor (--trust-cert)"
        ), crl_issuers
    listed = [ca for ca in issuers if ca.service is not None]
    if listed:
        return _listed_ca_check(ca_id, status_day, trust, listed), crl_issuers
    if any(ca.certificate.subject == cert.issuer for ca in cas):
        return Check.failed(
            "certificate_chain",
            f"the certificate names {cert.issuer.rfc4514_string()} as its issuer, but its "
            f"signature does not verify with the key of CA {ca_id}: it was not issued by that CA",
            SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE,
        ), crl_issuers
    if not cas:
        where = "in the trust list" if trust.trust_list is not None else "(no trust list loaded)"
        return Check.indeterminate(
            "certificate_chain",
            f"CA {ca_id} is not a trusted certification authority: not listed {where} and no "
            "--trust-cert anchor for it",
            SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
        ), crl_issuers
    return Check.indeterminate(
        "certificate_chain",
        f"the certificate (issuer {cert.issuer.rfc4514_string()}) was not issued by any "
        f"certificate trusted for CA {ca_id}",
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
    ), crl_issuers


def _listed_ca_check(
    ca_id: str, day: dt.date, trust: TrustMaterial, listed: Sequence[_CaCertificate]
) -> Check:
    """The CA issued the certificate; was it granted in the trust list on ``day``?"""
    tsl = trust.trust_list
    assert tsl is not None
    start, end = day_bounds(day)
    where = f"trust list #{tsl.sequence_number} of {tsl.issued_at:%Y-%m-%d}"
    if tsl.next_update is not None and end > tsl.next_update:
        return Check.indeterminate(
            "certificate_chain",
            f"issued by CA {ca_id}, but the {where} is only authoritative until its next update "
            f"{tsl.next_update:%Y-%m-%d}, before the signature date {day}: load a current list",
            SubIndication.TRY_LATER,
        )
    for ca in listed:
        assert ca.service is not None
        if ca.service.granted_throughout(start, end):
            return Check.passed(
                "certificate_chain",
                f"issued by CA {ca_id} ({ca.certificate.subject.rfc4514_string()}), granted in "
                f"the {where} on the signature date {day}",
            )
    service = listed[0].service
    assert service is not None
    status = service.status_at(end - dt.timedelta(microseconds=1))
    if status is None:
        detail = f"was not yet listed on {day} (first listed {service.history[-1].start:%Y-%m-%d})"
    else:
        detail = (
            f"had status {status.status_uri.rsplit('/', 1)[-1]!r} (since "
            f"{status.start:%Y-%m-%d %H:%M}Z) on the signature date {day}"
        )
    return Check.indeterminate(
        "certificate_chain",
        f"CA {ca_id} issued the certificate but {detail} in the {where}: the CA was not "
        "trusted then",
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
    )


def _validity_check(
    cert: x509.Certificate, signature_date: dt.date | None, at: dt.datetime, *, pinned: bool
) -> Check:
    """``validity_at_signing``. A certificate pinned as a trust anchor (``--trust-cert``) is
    trusted as a key: as for any trust anchor in RFC 5280 path validation (§6.1.1 d), its
    validity period does not apply. The check then says so instead of failing; that is how the
    specification's reference codes, signed in 2018+ with a test certificate that expired in
    2015, verify with that certificate.
    """
    before, after = cert.not_valid_before_utc, cert.not_valid_after_utc
    period = f"valid {before:%Y-%m-%d %H:%M}Z to {after:%Y-%m-%d %H:%M}Z"
    if signature_date is None:
        if before <= at <= after:
            return Check.passed(
                "validity_at_signing",
                f"the code has no signature date; the certificate ({period}) is valid at the "
                "verification time",
            )
        return Check.indeterminate(
            "validity_at_signing",
            f"the code has no signature date and the certificate ({period}) is not valid at the "
            "verification time",
            SubIndication.OUT_OF_BOUNDS_NO_POE,
        )
    if signature_date > (at + dt.timedelta(days=1)).date():
        return Check.failed(
            "validity_at_signing",
            f"the signature date {signature_date} is after the verification time {at:%Y-%m-%d}",
            SubIndication.SIG_CONSTRAINTS_FAILURE,
        )
    if valid_during_day(cert, signature_date):
        return Check.passed(
            "validity_at_signing",
            f"the certificate ({period}) was valid on the signature date {signature_date}",
        )
    start, _ = day_bounds(signature_date)
    if pinned:
        return Check.skipped(
            "validity_at_signing",
            f"the signature date {signature_date} is outside the certificate's validity "
            f"({period}), but the certificate is itself a trust anchor (--trust-cert), trusted "
            "as a key: a trust anchor's validity period does not apply (RFC 5280 §6.1)",
        )
    if start < before:
        return Check.failed(
            "validity_at_signing",
            f"the certificate ({period}) was not yet valid on the signature date {signature_date}",
            SubIndication.NOT_YET_VALID,
        )
    return Check.failed(
        "validity_at_signing",
        f"the certificate ({period}) had expired on the signature date {signature_date}",
        SubIndication.EXPIRED,
    )


def evaluate_participant(
    cert: x509.Certificate,
    *,
    ca_id: str,
    signature_date: dt.date | None,
    at: dt.datetime,
    trust: TrustMaterial,
    revocation: RevocationPolicy,
) -> list[Check]:
    """The ``certificate_chain``, ``validity_at_signing`` and ``revocation`` checks of ``cert``.

    ``signature_date`` is the date in the code's header (validity and the CA's trust-list status
    are judged then, not at ``at``); ``at`` is the verification time (current CRLs, and the
    stand-in date when the code has no signature date). Every check is always returned.
    """
    at = utc(at)
    cas = _ca_certificates(ca_id, trust)
    status_day = signature_date if signature_date is not None else at.date()
    chain, crl_issuers = _chain_check(cert, ca_id, status_day, trust, cas)
    if not crl_issuers:
        crl_issuers = [ca.certificate for ca in cas if ca.certificate.subject == cert.issuer]
    return [
        chain,
        _validity_check(cert, signature_date, at, pinned=cert in trust.anchors),
        check_revocation(
            cert,
            issuers=crl_issuers,
            signature_date=signature_date,
            at=at,
            policy=revocation,
            crls=trust.crls,
            fetcher=trust.fetcher,
        ),
    ]


@dataclass(frozen=True)
class ParticipantEvaluation:
    """A participant certificate looked up and evaluated."""

    resolution: Resolution
    #: ``certificate_chain``, ``validity_at_signing``, ``revocation`` (always all three).
    checks: tuple[Check, ...]

    @property
    def certificate(self) -> x509.Certificate | None:
        return self.resolution.certificate

    @functools.cached_property
    def signer(self) -> str | None:
        """The certificate's subject (RFC 4514), as reports name the signer."""
        cert = self.resolution.certificate
        return cert.subject.rfc4514_string() if cert is not None else None

    def signature_unavailable(self) -> Check:
        """The ``signature`` check to report when no certificate was found."""
        r = self.resolution
        return Check.indeterminate(
            "signature",
            f"the signature cannot be verified: no certificate {r.cert_id} of CA {r.ca_id}",
            r.missing_sub_indication,
        )


def check_participant(
    ca_id: str,
    cert_id: str,
    *,
    signature_date: dt.date | None,
    at: dt.datetime,
    trust: TrustMaterial,
    revocation: RevocationPolicy,
) -> ParticipantEvaluation:
    """Resolve the certificate ``(ca_id, cert_id)`` and evaluate it.

    When it is not found, ``certificate_chain`` is INDETERMINATE (``NO_CERTIFICATE_CHAIN_FOUND``
    if the CA id is unknown, else ``NO_SIGNING_CERTIFICATE_FOUND``) and the two other checks are
    skipped; use :meth:`ParticipantEvaluation.signature_unavailable` as the ``signature`` check.

    Without a fetcher the outcome depends only on the trust material and the arguments, so it is
    remembered by ``trust`` (:meth:`TrustMaterial.memoize`): the codes of one signer verified
    with the same material cost one evaluation. With a fetcher, every call asks the network.
    """

    def evaluate() -> ParticipantEvaluation:
        return _check_participant(
            ca_id,
            cert_id,
            signature_date=signature_date,
            at=at,
            trust=trust,
            revocation=revocation,
        )

    if trust.fetcher is not None:
        return evaluate()
    key = ("2d-doc participant", ca_id, cert_id, signature_date, utc(at), revocation)
    return trust.memoize(key, evaluate)


def _check_participant(
    ca_id: str,
    cert_id: str,
    *,
    signature_date: dt.date | None,
    at: dt.datetime,
    trust: TrustMaterial,
    revocation: RevocationPolicy,
) -> ParticipantEvaluation:
    resolution = resolve_participant(ca_id, cert_id, trust=trust, signature_date=signature_date)
    cert = resolution.certificate
    if cert is None:
        if not resolution.ca_known:
            why = f"CA {ca_id} is not a trusted certification authority (not in the trust list, "
            why += "no --trust-cert anchor for it)"
        else:
            why = f"no certificate with CN={cert_id} issued by CA {ca_id} was found"
        if resolution.notes:
            why += " (" + "; ".join(resolution.notes) + ")"
        missing = (
            Check.indeterminate("certificate_chain", why, resolution.missing_sub_indication),
            Check.skipped("validity_at_signing", "no certificate to check"),
            Check.skipped("revocation", "no certificate to check"),
        )
        return ParticipantEvaluation(resolution, missing)
    checks = evaluate_participant(
        cert,
        ca_id=ca_id,
        signature_date=signature_date,
        at=at,
        trust=trust,
        revocation=revocation,
    )
    return ParticipantEvaluation(resolution, tuple(checks))
