"""Levels, policies and the guards that bound the work spent on one PDF."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sealdoc.errors import InputError, PdfError
from sealdoc.pades import AlgorithmPolicy, PadesLevel, PdfTrust, VerifyLimits, verify_pdf
from sealdoc.pades.limits import (
    DeadlineExceeded,
    DeadlineStream,
    read_pdf_source,
    run_with_deadline,
)

HOSTILE = Path(__file__).resolve().parents[3] / "fixtures" / "hostile"


@pytest.mark.parametrize("text", ["B-LT", "b-lt", "B_LT", PadesLevel.B_LT])
def test_level_names_are_parsed_leniently(text: str) -> None:
    assert PadesLevel.parse(text) is PadesLevel.B_LT


def test_unknown_level_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="B-B, B-T, B-LT, B-LTA"):
        PadesLevel.parse("B-LTV")


def _spki(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> asn1_keys.PublicKeyInfo:
    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return asn1_keys.PublicKeyInfo.load(der)


def test_algorithm_policy_flags_sha1_and_short_rsa_keys() -> None:
    policy = AlgorithmPolicy()
    assert policy.digest_problem("sha1") is not None
    assert policy.digest_problem("sha256") is None
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert "1024 bits" in (policy.key_problem(_spki(weak)) or "")
    assert policy.key_problem(_spki(ec.generate_private_key(ec.SECP256R1()))) is None


def test_algorithm_policy_thresholds_are_configurable() -> None:
    strict = AlgorithmPolicy(min_ec_bits=384)
    assert strict.key_problem(_spki(ec.generate_private_key(ec.SECP256R1()))) is not None


def test_oversized_input_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"0" * 5000)
    with pytest.raises(PdfError, match="exceeds the limit of 1000 bytes"):
        read_pdf_source(path, VerifyLimits(max_bytes=1000))
    with pytest.raises(PdfError, match="exceed the limit"):
        read_pdf_source(path.read_bytes(), VerifyLimits(max_bytes=1000))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_pdf_source(tmp_path / "absent.pdf", VerifyLimits())


def test_deadline_stream_refuses_reads_after_the_deadline() -> None:
    stream = DeadlineStream(b"%PDF-1.7", time.monotonic() - 1)
    with pytest.raises(DeadlineExceeded):
        stream.read(4)


def test_run_with_deadline_returns_in_time_even_if_the_work_hangs() -> None:
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(PdfError, match=r"longer than the limit of 0\.2 s"):
        run_with_deadline(lambda _deadline: release.wait(5), 0.2)
    assert time.monotonic() - started < 2
    release.set()


def test_run_with_deadline_passes_errors_through() -> None:
    def fail(_deadline: float | None) -> None:
        raise PdfError("boom")

    with pytest.raises(PdfError, match="boom"):
        run_with_deadline(fail, 5)


def test_verification_over_its_time_limit_is_a_pdf_error() -> None:
    data = (HOSTILE / "control-valid.pdf").read_bytes()
    with pytest.raises(PdfError, match="longer than the limit"):
        verify_pdf(data, trust=PdfTrust(anchors=()), limits=VerifyLimits(timeout_s=0.0))
