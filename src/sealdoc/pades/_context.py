# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated; everything else here is checked strictly)
"""What the signatures of one document share while they are validated, and what each yields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers import FetcherBackend
from pyhanko_certvalidator.policy_decl import DisallowWeakAlgorithmsPolicy

from sealdoc.pades._document import EmbeddedValidationData, SignatureField
from sealdoc.pades._document import deref as _deref
from sealdoc.pades.anchors import PdfTrust
from sealdoc.pades.cache import (
    ValidationCache,
    cert_set_digest,
    digest_ders,
    moment_key,
    tag_context,
)
from sealdoc.pades.policy import AlgorithmPolicy, RevocationPolicy
from sealdoc.report import Check

__all__ = ["DocumentContext", "SignatureOutcome", "widget_visible"]

_T = TypeVar("_T")


@dataclass
class DocumentContext:
    """Everything shared by the signatures of one document."""

    reader: PdfFileReader
    data: bytes
    at: dt.datetime
    trust: PdfTrust
    timestamp_trust: PdfTrust
    revocation: RevocationPolicy
    algorithms: AlgorithmPolicy
    backend: FetcherBackend | None
    dss: EmbeddedValidationData
    fields: list[SignatureField]
    revisions: dict[str, int] = field(default_factory=dict)
    #: (revision, time) of trusted document time-stamps: proofs of existence.
    poes: list[tuple[int, dt.datetime]] = field(default_factory=list)
    #: Memo of certificate validations shared across documents (``None``: no reuse).
    cache: ValidationCache | None = None
    #: id -> (object, digest): the object is kept so that its id cannot be reused.
    _digests: dict[int, tuple[object, bytes]] = field(default_factory=dict)

    def archival_time(self, revision: int) -> dt.datetime | None:
        """Time of the oldest trusted document time-stamp applied after ``revision``."""
        times = [time for rev, time in self.poes if rev > revision]
        return min(times) if times else None

    def later_signatures(self, revision: int) -> dict[str, bool]:
        """Signature fields signed after ``revision`` -> whether their widget is visible."""
        return {
            sig.name: widget_visible(sig.field)
            for sig in self.fields
            if self.revisions.get(sig.name, -1) > revision
        }

    def context(
        self,
        trust: PdfTrust,
        moment: dt.datetime,
        embedded: EmbeddedValidationData,
        *,
        fetch: bool,
        revocation: RevocationPolicy | None = None,
    ) -> ValidationContext:
        policy = self.algorithms
        revinfo = revocation or self.revocation
        retroactive = moment < self.at
        online = fetch and self.backend is not None
        context = ValidationContext(
            trust_roots=list(trust.anchors),
            other_certs=list(trust.pool) + embedded.certs,
            moment=moment,
            allow_fetching=online,
            fetcher_backend=self.backend if fetch else None,
            crls=list(trust.crls) + embedded.crls,
            ocsps=list(embedded.ocsps),
            revinfo_policy=revinfo.pyhanko_policy(retroactive=retroactive),
            algorithm_usage_policy=DisallowWeakAlgorithmsPolicy(
                weak_hash_algos=policy.weak_digests,
                rsa_key_size_threshold=policy.min_rsa_bits,
            ),
        )
        if self.cache is None or online:
            # online answers depend on the network at that moment: never memoised
            return context
        key = (
            self._digest(trust, _trust_digest),
            moment_key(moment),
            revinfo.value,
            retroactive,
            tuple(sorted(policy.weak_digests)),
            policy.min_rsa_bits,
            policy.min_ec_bits,
            self._digest(embedded, _embedded_digest),
        )
        return tag_context(context, self.cache, key)

    def _digest(self, obj: _T, compute: Callable[[_T], bytes]) -> bytes:
        found = self._digests.get(id(obj))
        if found is not None and found[0] is obj:
            return found[1]
        value = compute(obj)
        self._digests[id(obj)] = (obj, value)
        return value


def _trust_digest(trust: PdfTrust) -> bytes:
    return cert_set_digest(trust.anchors) + cert_set_digest(trust.pool) + digest_ders(trust.crls)


def _embedded_digest(embedded: EmbeddedValidationData) -> bytes:
    """The certificates and revocation material (OCSP, CRLs) the document offers."""
    return (
        cert_set_digest(embedded.certs) + digest_ders(embedded.ocsps) + digest_ders(embedded.crls)
    )


@dataclass
class SignatureOutcome:
    """The checks of one signature or time-stamp and what the report shows about it."""

    name: str
    kind: str
    checks: list[Check]
    signer: str | None = None
    signing_time: dt.datetime | None = None
    level: str | None = None
    revision: int = -1
    trusted_time: dt.datetime | None = None


def widget_visible(node: generic.DictionaryObject) -> bool:
    widgets: list[generic.PdfObject] = [node]
    kids = _deref(node.get("/Kids"))
    if isinstance(kids, generic.ArrayObject):
        widgets.extend(kid for kid in (_deref(k) for k in list(kids)[:64]) if kid is not None)
    for widget in widgets:
        if not isinstance(widget, generic.DictionaryObject) or "/Rect" not in widget:
            continue
        flags = _deref(widget.get("/F", generic.NumberObject(0)))
        if isinstance(flags, int) and flags & (2 | 32):  # Hidden, NoView
            continue
        try:
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        except (TypeError, ValueError):
            return True  # cannot tell: assume the worst
        if abs(x2 - x1) > 0 and abs(y2 - y1) > 0:
            return True
    return False
