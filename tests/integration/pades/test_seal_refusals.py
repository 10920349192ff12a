# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated)
"""The sealer refuses what it must not seal, and never leaves a partial output file behind."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from tests.support.pdf_samples import sample_pdf
from tests.support.pki_services import PKI_TIME, TestPki

from sealdoc.errors import PdfError, SealingError
from sealdoc.keys import SigningKey, load_key
from sealdoc.pades import StampSpec, seal, seal_bytes

from .conftest import CODE


def _encrypted_pdf() -> bytes:
    writer = PdfFileWriter()
    writer.insert_page(_blank_page())
    writer.encrypt("owner-secret", "user-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blank_page() -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(
                generic.NumberObject(v) for v in (0, 0, 595, 842)
            ),
        }
    )


def _seal_to(path: Path, document: bytes, key: SigningKey, pki: TestPki, **options: object) -> None:
    options.setdefault("trust_roots", pki.trust_roots)
    options.setdefault("fetcher_backend", pki.fetcher_backend())
    seal(document, path, key, at=PKI_TIME, **options)  # type: ignore[arg-type]


@pytest.fixture
def output(tmp_path: Path) -> Path:
    path = tmp_path / "out" / "sealed.pdf"
    path.parent.mkdir()
    path.write_bytes(b"previous content")
    return path


def _assert_untouched(output: Path) -> None:
    assert output.read_bytes() == b"previous content"
    assert sorted(p.name for p in output.parent.iterdir()) == ["sealed.pdf"]


def test_encrypted_input_is_refused(
    keys: dict[str, SigningKey], pki: TestPki, output: Path
) -> None:
    with pytest.raises(PdfError, match="encrypted"):
        _seal_to(output, _encrypted_pdf(), keys["seal-ecdsa"], pki)
    _assert_untouched(output)


def test_corrupt_input_is_refused(keys: dict[str, SigningKey], pki: TestPki, output: Path) -> None:
    with pytest.raises(PdfError):
        _seal_to(output, b"%PDF-1.7\n garbage without xref\n%%EOF\n", keys["seal-ecdsa"], pki)
    _assert_untouched(output)


def test_certificate_without_signing_key_usage_is_refused(
    keys: dict[str, SigningKey], pki: TestPki, document: bytes, output: Path
) -> None:
    with pytest.raises(SealingError, match="digitalSignature nor nonRepudiation"):
        _seal_to(output, document, keys["seal-no-ku"], pki)
    _assert_untouched(output)


def test_expired_certificate_is_refused(
    keys: dict[str, SigningKey], pki: TestPki, document: bytes, output: Path
) -> None:
    with pytest.raises(SealingError, match="expired on 2025-06-01"):
        _seal_to(output, document, keys["seal-expired"], pki)
    _assert_untouched(output)


def test_revoked_certificate_is_refused(
    keys: dict[str, SigningKey], pki: TestPki, document: bytes, output: Path
) -> None:
    with pytest.raises(SealingError, match="revoked"):
        _seal_to(output, document, keys["seal-revoked"], pki)
    _assert_untouched(output)


def test_unreachable_revocation_service_is_refused(
    document: bytes, tmp_path: Path, output: Path
) -> None:
    offline = TestPki()  # same keys, certificates pointing at a closed port
    material = offline.write_seal_material("seal-ecdsa", tmp_path / "offline")
    with (
        load_key(key=material.key, cert=material.cert, chain=list(material.chain)) as key,
        pytest.raises(SealingError, match="revocation status"),
    ):
        seal(
            document,
            output,
            key,
            at=PKI_TIME,
            trust_roots=offline.trust_roots,
            network_timeout_s=2,
        )
    _assert_untouched(output)


def test_silent_tsa_is_refused(
    keys: dict[str, SigningKey], pki: TestPki, document: bytes, output: Path
) -> None:
    with pytest.raises(SealingError, match="time-stamping authority"):
        _seal_to(
            output,
            document,
            keys["seal-ecdsa"],
            pki,
            level="B-T",
            tsa_url="http://127.0.0.1:9/tsa",
            network_timeout_s=2,
        )
    _assert_untouched(output)


def test_timestamped_level_without_tsa_is_refused(
    keys: dict[str, SigningKey], pki: TestPki, document: bytes
) -> None:
    with pytest.raises(SealingError, match="time-stamping authority"):
        seal_bytes(document, keys["seal-ecdsa"], level="B-LT", at=PKI_TIME)


def test_unknown_level_is_refused(keys: dict[str, SigningKey], document: bytes) -> None:
    with pytest.raises(SealingError, match="unknown PAdES level"):
        seal_bytes(document, keys["seal-ecdsa"], level="B-X", at=PKI_TIME)


def test_stamp_on_a_missing_page_is_refused(
    keys: dict[str, SigningKey], pki: TestPki, document: bytes, output: Path
) -> None:
    with pytest.raises(SealingError, match="page 7 does not exist"):
        _seal_to(output, document, keys["seal-ecdsa"], pki, stamp=StampSpec(code=CODE, page=7))
    _assert_untouched(output)


def test_successful_seal_replaces_the_output_atomically(
    keys: dict[str, SigningKey], pki: TestPki, output: Path
) -> None:
    _seal_to(output, sample_pdf(), keys["seal-ecdsa"], pki)
    assert output.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in output.parent.iterdir()) == ["sealed.pdf"]
