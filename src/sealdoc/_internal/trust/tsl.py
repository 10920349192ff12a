"""The content of an ETSI TS 102 231 / TS 119 612 trust service list (TSL), as typed objects.

Only what verification needs is read: per trust service provider, its 2D-Doc CA id, the URIs of
its certificate store, and per service its CA certificates and status history. Parsing happens
on the *signed* content returned by the signature check (see ``tsl_signature``), never on the
raw file.

Where the 2D-Doc CA id lives (ANTS "Processus 2D-Doc" v1.2, §3.1.2): in ``TSPTradeName``, and it
is also the ``commonName`` of the CA certificate's subject. A service whose certificate's CN
differs from the provider's trade name is not used for that CA id (and noted in ``problems``).
The certificate store of the CA is the provider's ``TSPInformationURI``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from lxml import etree

from sealdoc._internal.trust.certificates import common_name, utc
from sealdoc.errors import TrustError

__all__ = [
    "CA_ID_PATTERN",
    "TSL_NS",
    "ServiceStatus",
    "StatusPeriod",
    "TrustList",
    "TrustService",
    "TrustServiceProvider",
    "parse_trust_list",
]

TSL_NS = "http://uri.etsi.org/02231/v2#"
_NS = {"tsl": TSL_NS}
#: A 2D-Doc certification authority id: country code then two characters (``FR01``).
CA_ID_PATTERN = re.compile(r"[A-Z]{2}[A-Z0-9]{2}")

_GRANTED_STATUSES = frozenset(
    {
        # ETSI TS 119 612 v2
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted",
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel",
        # ETSI TS 102 231 v3 (the ANTS list uses "inaccord")
        "http://uri.etsi.org/TrstSvc/Svcstatus/inaccord",
        "http://uri.etsi.org/TrstSvc/Svcstatus/accredited",
        "http://uri.etsi.org/TrstSvc/Svcstatus/undersupervision",
        "http://uri.etsi.org/TrstSvc/Svcstatus/supervisionincessation",
        "http://uri.etsi.org/TrstSvc/Svcstatus/setbynationallaw",
    }
)


class ServiceStatus(StrEnum):
    """A service status reduced to what a verifier decides on. Any status URI not known to be
    positive counts as withdrawn (fail closed)."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class StatusPeriod:
    """A status that applies from ``start`` until the next newer period starts."""

    status: ServiceStatus
    status_uri: str
    start: dt.datetime


@dataclass(frozen=True)
class TrustService:
    name: str
    type_uri: str
    certificates: tuple[x509.Certificate, ...]
    #: Newest first: ``history[0]`` is the current status, the rest is ``ServiceHistory``.
    history: tuple[StatusPeriod, ...]
    supply_points: tuple[str, ...] = ()

    @property
    def current(self) -> StatusPeriod:
        return self.history[0]

    def status_at(self, moment: dt.datetime) -> StatusPeriod | None:
        """The status in force at ``moment``, or ``None`` before the service was first listed."""
        moment = utc(moment)
        for period in self.history:
            if period.start <= moment:
                return period
        return None

    def granted_throughout(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether the status was granted during all of ``[start, end)``."""
        at_start = self.status_at(start)
        if at_start is None or at_start.status is not ServiceStatus.GRANTED:
            return False
        return all(
            period.status is ServiceStatus.GRANTED
            for period in self.history
            if utc(start) < period.start < utc(end)
        )


@dataclass(frozen=True)
class TrustServiceProvider:
    name: str
    trade_names: tuple[str, ...]
    #: The 2D-Doc CA id (from ``TSPTradeName``), ``None`` if the provider has none.
    ca_id: str | None
    #: ``TSPInformationURI``: for 2D-Doc, where the CA publishes its participant certificates.
    information_uris: tuple[str, ...]
    services: tuple[TrustService, ...]


@dataclass(frozen=True)
class TrustList:
    """A trust service list whose signature was verified against a pinned signer."""

    source: str
    version: int
    sequence_number: int
    operator: str
    territory: str | None
    issued_at: dt.datetime
    next_update: dt.datetime | None
    providers: tuple[TrustServiceProvider, ...]
    #: The certificate whose key signed the list (one the caller pinned, or issued by one).
    signer: x509.Certificate
    #: Entries that were ignored, in words (a CA certificate whose CN is not the CA id, ...).
    problems: tuple[str, ...] = ()

    @property
    def ca_ids(self) -> tuple[str, ...]:
        return tuple(sorted({p.ca_id for p in self.providers if p.ca_id is not None}))

    def services_for(self, ca_id: str) -> tuple[TrustService, ...]:
        return tuple(s for p in self.providers if p.ca_id == ca_id for s in p.services)

    def certificate_store_uris(self, ca_id: str) -> tuple[str, ...]:
        uris: list[str] = []
        for provider in self.providers:
            if provider.ca_id == ca_id:
                for uri in provider.information_uris:
                    if uri.lower().startswith(("http://", "https://")) and uri not in uris:
                        uris.append(uri)
        return tuple(uris)


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _required_text(parent: etree._Element, path: str, *, source: str) -> str:
    value = _text(parent.find(path, _NS))
    if value is None:
        raise TrustError(f"{source}: trust list has no {path.replace('tsl:', '')}")
    return value


def _names(parent: etree._Element, path: str) -> tuple[str, ...]:
    """Texts of the ``tsl:Name`` children under ``path``, English first."""
    found = parent.findall(f"{path}/tsl:Name", _NS)
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    ordered = sorted(found, key=lambda e: 0 if e.get(lang) == "en" else 1)
    names: list[str] = []
    for element in ordered:
        value = _text(element)
        if value is not None and value not in names:
            names.append(value)
    return tuple(names)


def _uris(parent: etree._Element, path: str) -> tuple[str, ...]:
    uris: list[str] = []
    for element in parent.findall(path, _NS):
        value = _text(element)
        if value is not None and value not in uris:
            uris.append(value)
    return tuple(uris)


def _datetime(value: str, *, what: str, source: str) -> dt.datetime:
    try:
        return utc(dt.datetime.fromisoformat(value))
    except ValueError as exc:
        raise TrustError(f"{source}: {what} is not an xs:dateTime: {value!r}") from exc


def _status(info: etree._Element, *, source: str) -> StatusPeriod:
    uri = _required_text(info, "tsl:ServiceStatus", source=source)
    start = _required_text(info, "tsl:StatusStartingTime", source=source)
    status = ServiceStatus.GRANTED if uri in _GRANTED_STATUSES else ServiceStatus.WITHDRAWN
    return StatusPeriod(status, uri, _datetime(start, what="StatusStartingTime", source=source))


def _certificates(info: etree._Element, *, source: str) -> tuple[x509.Certificate, ...]:
    certs: list[x509.Certificate] = []
    path = "tsl:ServiceDigitalIdentity/tsl:DigitalId/tsl:X509Certificate"
    for element in info.findall(path, _NS):
        text = "".join((element.text or "").split())
        try:
            certs.append(x509.load_der_x509_certificate(base64.b64decode(text, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise TrustError(f"{source}: a service certificate is corrupt ({exc})") from exc
    return tuple(certs)


def _service(
    element: etree._Element, ca_id: str | None, problems: list[str], *, source: str
) -> TrustService:
    info = element.find("tsl:ServiceInformation", _NS)
    if info is None:
        raise TrustError(f"{source}: a TSPService has no ServiceInformation")
    names = _names(info, "tsl:ServiceName")
    name = names[0] if names else "(unnamed service)"
    certs = _certificates(info, source=source)
    if ca_id is not None:
        kept = tuple(c for c in certs if common_name(c.subject) == ca_id)
        for cert in certs:
            if cert not in kept:
                problems.append(
                    f"service {name!r} of CA {ca_id}: certificate {cert.subject.rfc4514_string()}"
                    f" does not have CN={ca_id}; it is not used for {ca_id}"
                )
        certs = kept
    history = [_status(info, source=source)]
    for instance in element.findall("tsl:ServiceHistory/tsl:ServiceHistoryInstance", _NS):
        history.append(_status(instance, source=source))
    history.sort(key=lambda period: period.start, reverse=True)
    return TrustService(
        name=name,
        type_uri=_text(info.find("tsl:ServiceTypeIdentifier", _NS)) or "",
        certificates=certs,
        history=tuple(history),
        supply_points=_uris(info, "tsl:ServiceSupplyPoints/tsl:ServiceSupplyPoint"),
    )


def _provider(element: etree._Element, problems: list[str], *, source: str) -> TrustServiceProvider:
    info = element.find("tsl:TSPInformation", _NS)
    if info is None:
        raise TrustError(f"{source}: a TrustServiceProvider has no TSPInformation")
    names = _names(info, "tsl:TSPName")
    name = names[0] if names else "(unnamed provider)"
    trade_names = _names(info, "tsl:TSPTradeName")
    ca_ids = sorted({n for n in trade_names if CA_ID_PATTERN.fullmatch(n)})
    ca_id: str | None = None
    if len(ca_ids) == 1:
        ca_id = ca_ids[0]
    elif len(ca_ids) > 1:
        problems.append(f"provider {name!r} has several CA ids {ca_ids}; none of them is used")
    services = tuple(
        _service(s, ca_id, problems, source=source)
        for s in element.findall("tsl:TSPServices/tsl:TSPService", _NS)
    )
    return TrustServiceProvider(
        name=name,
        trade_names=trade_names,
        ca_id=ca_id,
        information_uris=_uris(info, "tsl:TSPInformationURI/tsl:URI"),
        services=services,
    )


def parse_trust_list(root: etree._Element, *, source: str, signer: x509.Certificate) -> TrustList:
    """Read a (signature-verified) ``TrustServiceStatusList`` element."""
    if root.tag != f"{{{TSL_NS}}}TrustServiceStatusList":
        raise TrustError(f"{source}: not an ETSI trust service list (root element {root.tag})")
    scheme = root.find("tsl:SchemeInformation", _NS)
    if scheme is None:
        raise TrustError(f"{source}: trust list has no SchemeInformation")
    try:
        version = int(_required_text(scheme, "tsl:TSLVersionIdentifier", source=source))
        sequence = int(_required_text(scheme, "tsl:TSLSequenceNumber", source=source))
    except ValueError as exc:
        raise TrustError(f"{source}: TSL version or sequence number is not an integer") from exc
    issued = _datetime(
        _required_text(scheme, "tsl:ListIssueDateTime", source=source),
        what="ListIssueDateTime",
        source=source,
    )
    next_text = _text(scheme.find("tsl:NextUpdate/tsl:dateTime", _NS))
    next_update = (
        None if next_text is None else _datetime(next_text, what="NextUpdate", source=source)
    )
    operator = _names(scheme, "tsl:SchemeOperatorName")
    problems: list[str] = []
    providers = tuple(
        _provider(p, problems, source=source)
        for p in root.findall("tsl:TrustServiceProviderList/tsl:TrustServiceProvider", _NS)
    )
    seen: dict[str, str] = {}
    for provider in providers:
        if provider.ca_id is not None and provider.ca_id in seen:
            problems.append(
                f"CA id {provider.ca_id} is listed by {seen[provider.ca_id]!r} and "
                f"{provider.name!r}; the services of both are used"
            )
        elif provider.ca_id is not None:
            seen[provider.ca_id] = provider.name
    return TrustList(
        source=source,
        version=version,
        sequence_number=sequence,
        operator=operator[0] if operator else "",
        territory=_text(scheme.find("tsl:SchemeTerritory", _NS)),
        issued_at=issued,
        next_update=next_update,
        providers=providers,
        signer=signer,
        problems=tuple(problems),
    )
