"""ValidationCache: LRU bound, and keys that change with the embedded revocation data."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, cast

from asn1crypto import crl as asn1_crl
from tests.support.audit_pki import AUDIT_TIME, TRUST_FIXTURES, AuditPki

from sealdoc.pades import AlgorithmPolicy, PdfTrust, RevocationPolicy, ValidationCache
from sealdoc.pades._context import DocumentContext
from sealdoc.pades._document import EmbeddedValidationData
from sealdoc.pades.cache import context_memo


def _ctx(cache: ValidationCache | None, dss: EmbeddedValidationData) -> DocumentContext:
    pki = AuditPki()
    return DocumentContext(
        reader=cast(Any, None),
        data=b"",
        at=AUDIT_TIME,
        trust=PdfTrust(anchors=(pki.asn1_cert("root"),)),
        timestamp_trust=PdfTrust(anchors=(pki.asn1_cert("root"),)),
        revocation=RevocationPolicy.REQUIRE,
        algorithms=AlgorithmPolicy(),
        backend=None,
        dss=dss,
        fields=[],
        cache=cache,
    )


def _key(ctx: DocumentContext, moment: dt.datetime = AUDIT_TIME) -> tuple[object, ...]:
    memo = context_memo(ctx.context(ctx.trust, moment, ctx.dss, fetch=False))
    assert memo is not None
    return memo[1]


def _crl() -> asn1_crl.CertificateList:
    return asn1_crl.CertificateList.load((TRUST_FIXTURES / "crl" / "FR98.crl").read_bytes())


def test_different_embedded_revocation_data_gives_a_different_key() -> None:
    cache = ValidationCache()
    bare = _key(_ctx(cache, EmbeddedValidationData(present=True)))
    with_crl = _key(_ctx(cache, EmbeddedValidationData(crls=[_crl()], present=True)))
    same_again = _key(_ctx(cache, EmbeddedValidationData(present=True)))
    assert bare != with_crl
    assert bare == same_again


def test_a_different_moment_gives_a_different_key() -> None:
    ctx = _ctx(ValidationCache(), EmbeddedValidationData())
    assert _key(ctx) != _key(ctx, AUDIT_TIME - dt.timedelta(seconds=1))


def test_no_cache_or_online_validation_is_not_memoised() -> None:
    ctx = _ctx(None, EmbeddedValidationData())
    assert context_memo(ctx.context(ctx.trust, AUDIT_TIME, ctx.dss, fetch=False)) is None


def test_the_cache_evicts_the_least_recently_used_entry() -> None:
    cache = ValidationCache(max_entries=2)

    async def value(v: int) -> int:
        return v

    async def run() -> list[int]:
        got = [await cache.memo(("a",), lambda: value(1))]
        got.append(await cache.memo(("b",), lambda: value(2)))
        got.append(await cache.memo(("a",), lambda: value(99)))  # hit: "a" is now recent
        got.append(await cache.memo(("c",), lambda: value(3)))  # evicts "b"
        got.append(await cache.memo(("b",), lambda: value(4)))
        return got

    assert asyncio.run(run()) == [1, 2, 1, 3, 4]
    assert (cache.hits, cache.misses, len(cache)) == (1, 4, 2)
