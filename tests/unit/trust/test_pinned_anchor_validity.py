"""A participant certificate pinned as a trust anchor is trusted as a key (RFC 5280 §6.1):
its validity period does not fail the code; found any other way, an expired one does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sealdoc
from sealdoc import twoddoc
from sealdoc.report import CheckStatus, Indication, SubIndication

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "trust"
EXPIRED = FIXTURES / "participants" / "FR98_0002.pem"  # valid 2020-06-01 to 2022-06-01
AT = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def _code_signed_after_expiry() -> str:
    with sealdoc.load_key(key=FIXTURES / "keys" / "FR98_0002.key.pem", cert=EXPIRED) as key:
        return twoddoc.sign(
            "01",
            {"10": "MME/SPECIMEN/CORINNE", "22": "1 RUE DU PORT", "24": "13002", "26": "FR"},
            key,
            ca_id="FR98",
            cert_id="0002",
            issue_date=dt.date(2026, 3, 1),
            signature_date=dt.date(2026, 3, 1),
        )


def test_pinned_expired_certificate_is_reported_but_does_not_fail() -> None:
    trust = sealdoc.TrustMaterial.load(trust_certs=[EXPIRED])
    report = sealdoc.verify(_code_signed_after_expiry(), trust=trust, at=AT, revocation="off")
    validity = report.check("validity_at_signing")
    assert validity.status is CheckStatus.SKIPPED
    assert "trust anchor" in validity.message
    assert "outside the certificate's validity" in validity.message
    assert report.indication is Indication.PASSED


def test_expired_certificate_from_the_directory_fails() -> None:
    trust = sealdoc.TrustMaterial.load(
        trust_certs=[FIXTURES / "ca" / "FR98_ca.pem"], certs_dir=FIXTURES / "participants"
    )
    report = sealdoc.verify(_code_signed_after_expiry(), trust=trust, at=AT, revocation="off")
    assert report.check("validity_at_signing").status is CheckStatus.FAILED
    assert report.indication is Indication.FAILED
    assert report.sub_indication is SubIndication.EXPIRED


def test_a_directory_of_anchors_is_read_like_its_files() -> None:
    from_dir = sealdoc.TrustMaterial.load(trust_certs=[FIXTURES / "ca"])
    from_files = sealdoc.TrustMaterial.load(trust_certs=sorted((FIXTURES / "ca").glob("*.pem")))
    assert set(from_dir.anchors) == set(from_files.anchors)
    assert len(from_dir.anchors) == 4
