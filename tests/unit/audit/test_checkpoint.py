"""Signed tree heads: signing, canonical form, verification and RFC 3161 time-stamps."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError
from tests.support.keymaterial import TestPki as OtherPki
from tests.support.pki_services import PKI_TIME, TestPki

from sealdoc._internal.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    sign_checkpoint,
    verify_checkpoint,
)
from sealdoc._internal.merkle import MerkleTree, leaf_hash
from sealdoc.errors import SealingError
from sealdoc.keys import SigningKey

TREE = MerkleTree([leaf_hash(bytes([i])) for i in range(5)])
WHEN = PKI_TIME - dt.timedelta(hours=1)


def checkpoint(**changes: object) -> Checkpoint:
    values: dict[str, object] = {
        "origin": "archive.test/fonds-1",
        "size": TREE.size,
        "root_hash": TREE.root().hex(),
        "timestamp": WHEN,
    }
    values.update(changes)
    return Checkpoint.model_validate(values)


def test_signed_body_is_the_documented_canonical_text() -> None:
    cp = checkpoint()
    root_b64 = base64.b64encode(TREE.root()).decode()
    assert (
        cp.signed_bytes()
        == (f"archive.test/fonds-1\n5\n{root_b64}\ntimestamp 2026-03-02T09:00:00Z\n").encode()
    )


def test_timestamp_is_normalised_to_utc_seconds() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    cp = checkpoint(timestamp=dt.datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=paris))
    assert cp.timestamp == WHEN
    assert '"timestamp":"2026-03-02T09:00:00Z"' in cp.model_dump_json()


@pytest.mark.parametrize(
    "changes",
    [
        {"origin": "two\nlines"},
        {"origin": ""},
        {"origin": " padded"},
        {"size": -1},
        {"root_hash": "AB" * 32},
        {"root_hash": "ab" * 31},
        {"timestamp": dt.datetime(2026, 3, 2)},  # naive
    ],
)
def test_malformed_checkpoint_fields_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        checkpoint(**changes)


def test_checkpoint_for_tree_takes_size_and_root() -> None:
    cp = Checkpoint.for_tree("o", TREE, timestamp=WHEN)
    assert (cp.size, cp.root) == (5, TREE.root())


def test_signed_checkpoint_verifies_against_the_root(seal_key: SigningKey, pki: TestPki) -> None:
    signed = sign_checkpoint(checkpoint(), seal_key)
    result = verify_checkpoint(signed, pki.trust_roots, at=PKI_TIME)
    assert result, result.problems
    assert result.signer is not None
    assert "Cachet Agence de test ECDSA" in result.signer
    assert result.timestamped_at is None


def test_rsa_signed_checkpoint_verifies(rsa_key: SigningKey, pki: TestPki) -> None:
    signed = sign_checkpoint(checkpoint(), rsa_key)
    assert verify_checkpoint(signed, pki.trust_roots, at=PKI_TIME)


def test_json_round_trip_keeps_the_signature_valid(seal_key: SigningKey, pki: TestPki) -> None:
    signed = sign_checkpoint(checkpoint(), seal_key)
    again = SignedCheckpoint.model_validate_json(signed.model_dump_json(indent=4))
    assert verify_checkpoint(again, pki.trust_roots, at=PKI_TIME)


@pytest.mark.parametrize(
    "changes",
    [
        {"size": 6},
        {"root_hash": "00" * 32},
        {"origin": "archive.test/another"},
        {"timestamp": WHEN + dt.timedelta(seconds=1)},
    ],
)
def test_altered_checkpoint_fails_its_signature(
    seal_key: SigningKey, pki: TestPki, changes: dict[str, object]
) -> None:
    signed = sign_checkpoint(checkpoint(), seal_key)
    forged = signed.model_copy(update={"checkpoint": checkpoint(**changes)})
    result = verify_checkpoint(forged, pki.trust_roots, at=PKI_TIME)
    assert not result
    assert any("signature does not match" in p for p in result.problems)


def test_signer_outside_the_trust_anchors_is_rejected(seal_key: SigningKey) -> None:
    signed = sign_checkpoint(checkpoint(), seal_key)
    stranger = OtherPki.create().root
    result = verify_checkpoint(signed, [stranger], at=PKI_TIME)
    assert not result
    assert any("does not chain" in p for p in result.problems)


def test_certificate_swapped_for_another_signer_is_rejected(
    seal_key: SigningKey, rsa_key: SigningKey, pki: TestPki
) -> None:
    signed = sign_checkpoint(checkpoint(), seal_key)
    swapped = signed.model_copy(update={"certificate": pki.cert_pem("seal-rsa").decode()})
    assert not verify_checkpoint(swapped, pki.trust_roots, at=PKI_TIME)


def test_signer_certificate_expired_at_verification_time_is_reported(
    seal_key: SigningKey, pki: TestPki
) -> None:
    signed = sign_checkpoint(checkpoint(), seal_key)
    later = dt.datetime(2029, 1, 1, tzinfo=dt.UTC)  # seal-ecdsa expires 2028-06-01
    result = verify_checkpoint(signed, pki.trust_roots, at=later)
    assert not result
    assert any("not valid at 2029-01-01" in p for p in result.problems)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("signature", "%%% not base64"),
        ("certificate", "not a certificate"),
        ("rfc3161_token", base64.b64encode(b"garbage").decode()),
        ("hash_algorithm", "md5"),
    ],
)
def test_malformed_parts_are_problems_not_exceptions(
    seal_key: SigningKey, pki: TestPki, field: str, value: str
) -> None:
    signed = sign_checkpoint(checkpoint(), seal_key)
    broken = signed.model_copy(update={field: value})
    result = verify_checkpoint(broken, pki.trust_roots, at=PKI_TIME)
    assert not result
    assert result.problems


def test_missing_timestamp_is_a_problem_only_when_required(
    seal_key: SigningKey, pki: TestPki
) -> None:
    signed = sign_checkpoint(checkpoint(), seal_key)
    result = verify_checkpoint(signed, pki.trust_roots, at=PKI_TIME, require_timestamp=True)
    assert not result
    assert result.problems == ("the checkpoint is not time-stamped",)


# --------------------------------------------------------------------------- with the TSA


def test_timestamped_checkpoint_verifies_and_reports_the_tsa_time(
    live_pki: TestPki, tmp_path: Path
) -> None:
    from sealdoc.keys import load_key

    material = live_pki.write_seal_material("seal-ecdsa", tmp_path / "k")
    with load_key(key=material.key, cert=material.cert, chain=material.chain) as key:
        signed = sign_checkpoint(checkpoint(), key, tsa_url=live_pki.tsa_url)
    assert signed.rfc3161_token
    result = verify_checkpoint(signed, live_pki.trust_roots, at=PKI_TIME, require_timestamp=True)
    assert result, result.problems
    assert result.timestamped_at == PKI_TIME

    # the token covers this signature only: moved onto another signature of the same body,
    # it no longer matches
    with load_key(key=material.key, cert=material.cert, chain=material.chain) as key:
        other = sign_checkpoint(checkpoint(), key)  # ECDSA: a fresh random signature
    moved = other.model_copy(update={"rfc3161_token": signed.rfc3161_token})
    moved_result = verify_checkpoint(moved, live_pki.trust_roots, at=PKI_TIME)
    assert not moved_result
    assert any("does not cover" in p for p in moved_result.problems)


def test_timestamp_from_an_untrusted_tsa_is_rejected(live_pki: TestPki, tmp_path: Path) -> None:
    from sealdoc.keys import load_key

    material = live_pki.write_seal_material("seal-ecdsa", tmp_path / "k")
    with load_key(key=material.key, cert=material.cert, chain=material.chain) as key:
        signed = sign_checkpoint(checkpoint(), key, tsa_url=live_pki.tsa_url)
    stranger = OtherPki.create().root
    result = verify_checkpoint(signed, live_pki.trust_roots, at=PKI_TIME, tsa_trust=[stranger])
    assert not result
    assert "the time-stamping authority is not trusted" in result.problems


def test_checkpoint_claiming_a_time_after_its_timestamp_is_rejected(
    live_pki: TestPki, tmp_path: Path
) -> None:
    from sealdoc.keys import load_key

    material = live_pki.write_seal_material("seal-ecdsa", tmp_path / "k")
    future = checkpoint(timestamp=PKI_TIME + dt.timedelta(days=1))
    with load_key(key=material.key, cert=material.cert, chain=material.chain) as key:
        signed = sign_checkpoint(future, key, tsa_url=live_pki.tsa_url)
    result = verify_checkpoint(signed, live_pki.trust_roots, at=PKI_TIME)
    assert not result
    assert any("after its time-stamp" in p for p in result.problems)


def test_unreachable_tsa_raises_sealing_error(seal_key: SigningKey) -> None:
    with pytest.raises(SealingError, match="time-stamping authority"):
        sign_checkpoint(checkpoint(), seal_key, tsa_url="http://127.0.0.1:9/tsa", tsa_timeout_s=1)
