"""The audit's cryptographic policy: rejections and end dates."""

from __future__ import annotations

import datetime as dt

import pytest

from sealdoc.audit.policy import CryptoPolicy

POLICY = CryptoPolicy.default()


@pytest.mark.parametrize("name", ["sha1", "SHA-1", "md5", "sha224", "whirlpool"])
def test_weak_or_unknown_digests_are_rejected(name: str) -> None:
    assert POLICY.digest(name).rejected


@pytest.mark.parametrize("name", ["sha256", "SHA-384", "sha512", "sha3_256"])
def test_sha2_and_sha3_are_accepted_without_end_date(name: str) -> None:
    verdict = POLICY.digest(name)
    assert (verdict.rejected, verdict.until) == (False, None)


@pytest.mark.parametrize(
    ("algorithm", "bits", "rejected", "until"),
    [
        ("rsa", 1024, True, None),
        ("rsa", 2047, True, None),
        ("rsa", 2048, False, dt.date(2030, 12, 31)),
        ("rsassa_pss", 3072, False, None),
        ("rsa", 4096, False, None),
        ("ec", 224, True, None),
        ("ec", 256, False, None),
        ("ec", 521, False, None),
        ("dsa", 3072, True, None),
    ],
)
def test_keys_are_judged_by_algorithm_and_size(
    algorithm: str, bits: int, rejected: bool, until: dt.date | None
) -> None:
    verdict = POLICY.key(algorithm, bits)
    assert (verdict.rejected, verdict.until) == (rejected, until)


def test_verdicts_describe_themselves() -> None:
    assert POLICY.key("rsa", 1024).describe() == "RSA-1024 is rejected by the policy"
    assert POLICY.key("rsa", 2048).describe() == "RSA-2048 is accepted until 2030-12-31"
    assert POLICY.digest("sha256").describe() == "SHA256 is accepted (no end date)"


def test_verifier_policy_rejects_what_the_audit_policy_rejects() -> None:
    pades = POLICY.pades_policy()
    assert pades.weak_digests == frozenset({"md2", "md5", "sha1", "sha224"})
    assert (pades.min_rsa_bits, pades.min_ec_bits) == (2048, 256)


def test_policy_pickles_for_worker_processes() -> None:
    import pickle

    assert pickle.loads(pickle.dumps(POLICY)) == POLICY
