# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated; everything else here is checked strictly)
"""Reuse certificate validation results across documents sealed by the same certificate.

    from sealdoc.pades import ValidationCache, verify_pdf

    cache = ValidationCache()
    for path in paths:
        report = verify_pdf(path, trust=trust, at=moment, cache=cache)
    cache.hits, cache.misses

Auditing an archive validates the same signer and time-stamping chains again and again. A
:class:`ValidationCache` memoises the *certificate* work only: path building and validation,
revocation status and the LTV evaluation (pyHanko's ``validate_cert_usage`` for the signer
and its time-stamps, and sealdoc's own chain and LTV re-validations). Everything about the
document itself (byte ranges, digest of the covered bytes, the CMS and time-stamp signature
values, modification analysis, 2D-Doc) is still computed for every document.

**The key** of a result is everything that determines it:

* the certificate (SHA-256 of its DER) and every certificate offered to path building (the
  trust pool, the document's DSS and CMS certificates: the path builder's registry), and for
  our own re-validations the intermediates handed to the validator;
* the validation moment (the proof-of-existence time when there is one) and the audit time
  (it decides whether revocation data is judged retroactively);
* the trust anchors, trust pool and trust CRLs (DER digests);
* the revocation policy and the algorithm policy;
* a digest of the embedded revocation material used (DSS and CMS revocation attributes:
  OCSP responses and CRLs, in order);
* what is asked (signer usage or time-stamping usage, key-usage constraints).

Only offline validations are cached: when fetchers may go online, the result depends on what
the network says at that moment, which the key cannot capture, so nothing is cached.

pyHanko's validation is reached through a hook on ``generic_cms.validate_cert_usage``,
installed when the first cache is created; it only acts on contexts sealdoc tagged with a cache
and passes every other call through untouched.

Results are shared read-only. The cache is an LRU bounded by ``max_entries``; its bookkeeping
is guarded by a lock. Keep one per process (the audit creates one in each worker).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from pyhanko.sign.validation import generic_cms
from pyhanko_certvalidator import ValidationContext

__all__ = ["ValidationCache"]

T = TypeVar("T")

_MISSING = object()
#: Attribute set on the ValidationContexts sealdoc builds when they may be memoised.
_TAG = "_sealdoc_validation_memo"


class ValidationCache:
    """A bounded, thread-safe memo of certificate validation results (see module docs)."""

    def __init__(self, max_entries: int = 4096) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        install_hook()
        self._entries: OrderedDict[tuple[object, ...], object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _get(self, key: tuple[object, ...]) -> object:
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
            else:
                self.hits += 1
                self._entries.move_to_end(key)
            return value

    def _put(self, key: tuple[object, ...], value: object) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    async def memo(self, key: tuple[object, ...], compute: Callable[[], Awaitable[T]]) -> T:
        """``await compute()``, or its earlier result under ``key``."""
        found = self._get(key)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        value = await compute()
        self._put(key, value)
        return value


def digest_ders(items: Iterable[Any]) -> bytes:
    """SHA-256 over the DER of asn1crypto objects, in order, each length-prefixed."""
    md = hashlib.sha256()
    for item in items:
        der = item.dump()
        md.update(len(der).to_bytes(8, "big"))
        md.update(der)
    return md.digest()


def cert_set_digest(certs: Iterable[asn1_x509.Certificate]) -> bytes:
    """Digest of a set of certificates (order and duplicates do not matter)."""
    md = hashlib.sha256()
    for fingerprint in sorted({bytes(c.sha256) for c in certs}):
        md.update(fingerprint)
    return md.digest()


def tag_context(
    context: ValidationContext, cache: ValidationCache, key: tuple[object, ...]
) -> ValidationContext:
    """Mark a context built by sealdoc so its certificate validations are memoised."""
    setattr(context, _TAG, (cache, key))
    return context


def context_memo(context: ValidationContext) -> tuple[ValidationCache, tuple[object, ...]] | None:
    memo = getattr(context, _TAG, None)
    return memo if isinstance(memo, tuple) else None


def moment_key(moment: dt.datetime) -> tuple[object, ...]:
    return (moment.astimezone(dt.UTC).isoformat(),)


# --------------------------------------------------------------------------- pyHanko hook

_original_validate_cert_usage = generic_cms.validate_cert_usage


async def _memoised_validate_cert_usage(
    cert: asn1_x509.Certificate,
    validation_context: ValidationContext,
    key_usage_settings: Any,
    paths: Any,
    pkix_validation_params: Any = None,
) -> Any:
    """pyHanko's ``validate_cert_usage``, memoised for the contexts sealdoc tagged.

    The registry (trust pool, the document's certificates and the CMS certificates pyHanko
    registered just before) is part of the key, since it decides which paths are built.
    """
    memo = context_memo(validation_context)
    if memo is None or pkix_validation_params is not None:
        return await _original_validate_cert_usage(
            cert, validation_context, key_usage_settings, paths, pkix_validation_params
        )
    cache, context_key = memo
    key = (
        "pyhanko-usage",
        context_key,
        bytes(cert.sha256),
        cert_set_digest(validation_context.certificate_registry),
        repr(key_usage_settings),
    )

    async def compute() -> Any:
        return await _original_validate_cert_usage(
            cert, validation_context, key_usage_settings, paths, pkix_validation_params
        )

    return await cache.memo(key, compute)


def install_hook() -> None:
    """Route pyHanko's certificate usage validation through the memo (idempotent)."""
    generic_cms.validate_cert_usage = _memoised_validate_cert_usage
