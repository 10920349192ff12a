"""Renew-before dates and findings from a document's layers (no PDF needed)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from tests.support.pki_services import PKI_TIME, TestPki

from sealdoc.audit.policy import CryptoPolicy
from sealdoc.audit.protection import (
    ChainCache,
    Layer,
    Protection,
    analyse_layers,
    code_protection,
)

POLICY = CryptoPolicy.default()


def layers(
    pki: TestPki, *kinds: Literal["signature", "document"], seal_digest: str = "sha256"
) -> list[Layer]:
    out = [
        Layer(
            "the seal",
            "seal",
            pki.asn1_cert("seal-ecdsa"),
            (seal_digest,),
            (pki.asn1_cert("issuing"),),
        )
    ]
    for kind in kinds:
        out.append(
            Layer(
                f"a {kind} time-stamp",
                kind,
                pki.asn1_cert("tsa"),
                ("sha256",),
                (),
            )
        )
    return out


def analyse(
    pki: TestPki, found: list[Layer], *, ltv: bool = True, at: dt.datetime = PKI_TIME
) -> Protection:
    chains = ChainCache(anchors=(pki.root,))
    return analyse_layers(found, ltv=ltv, pool=[], policy=POLICY, chains=chains, at=at)


def test_outermost_time_stamp_bounds_the_protection(pki: TestPki) -> None:
    # TSA: RSA-2048 (policy end 2030-12-31), certificate to 2035, root to 2050
    result = analyse(pki, layers(pki, "signature", "document"))
    assert result.renew_before == dt.date(2030, 12, 31)
    assert result.renew_reason is not None
    assert "RSA-2048 of a document time-stamp" in result.renew_reason
    assert [t.kind for t in result.timestamps] == ["signature", "document"]
    assert result.findings == []


def test_seal_without_time_stamp_lasts_as_long_as_its_certificate(pki: TestPki) -> None:
    result = analyse(pki, layers(pki), ltv=False)
    assert result.renew_before == dt.date(2028, 6, 1)
    assert {f.code for f in result.findings} == {"no-timestamp", "no-ltv"}


def test_protection_ending_soon_or_already_is_reported(pki: TestPki) -> None:
    soon = analyse(pki, layers(pki, "signature"), at=dt.datetime(2030, 11, 1, tzinfo=dt.UTC))
    assert [f.code for f in soon.findings] == ["renew-soon"]
    lapsed = analyse(pki, layers(pki, "signature"), at=dt.datetime(2031, 2, 1, tzinfo=dt.UTC))
    codes = [f.code for f in lapsed.findings]
    assert codes == ["algorithm-expired", "protection-lapsed"]


def test_rejected_digest_in_any_layer_is_an_error(pki: TestPki) -> None:
    result = analyse(pki, layers(pki, "signature", seal_digest="sha1"))
    assert [(f.severity, f.code) for f in result.findings] == [("error", "algorithm-rejected")]


def test_chains_are_cached_by_certificate(pki: TestPki) -> None:
    chains = ChainCache(anchors=(pki.root,))
    first = chains.chain(pki.asn1_cert("tsa"), [])
    again = chains.chain(pki.asn1_cert("tsa"), [])
    assert first == again
    assert [c.subject for c in first] == [
        pki.cert("tsa").subject,
        pki.root.subject,
    ]
    assert (chains.hits, chains.misses) == (1, 1)


def test_code_protection_is_not_renewable(pki: TestPki) -> None:
    result = code_protection(pki.cert("seal-weak-rsa"), policy=POLICY, at=PKI_TIME)
    assert [f.code for f in result.findings] == ["algorithm-rejected", "not-renewable"]
    assert result.renew_before is None


def test_byte_ranges_that_hold_no_signature_are_ignored() -> None:
    from sealdoc.audit.protection import signature_containers

    hostile = (
        b"%PDF-1.7\n/ByteRange [0 10 20 5] <zz>"  # not hex
        b"/ByteRange [0 999999 1000000 5]"  # outside the file
        b"/ByteRange [3 10 20 5]"  # does not start at 0
        b"/ByteRange [0 10 30 2] <3082000130> trailing"  # not a CMS
    )
    assert signature_containers(hostile) == []


def test_pdf_without_signatures_has_nothing_to_renew(pki: TestPki) -> None:
    from sealdoc.audit.protection import analyse_pdf

    result = analyse_pdf(
        b"%PDF-1.7 nothing", ltv=False, policy=POLICY, chains=ChainCache(anchors=()), at=PKI_TIME
    )
    assert result.renew_before is None
    assert result.findings == []  # no signature found: nothing to judge (the verifier says so)
