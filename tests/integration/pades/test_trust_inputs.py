"""The forms ``trust=`` and ``fetchers=`` take, and the PDF branch of ``sealdoc.verify``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from tests.support.pki_services import PKI_TIME, TestPki

from sealdoc.errors import TrustError
from sealdoc.pades import verify_pdf
from sealdoc.report import CheckStatus, Indication
from sealdoc.trust import HttpFetcher, TrustMaterial
from sealdoc.verification import verify

from .conftest import SealFactory


def test_trust_material_with_a_get_fetcher_checks_revocation_by_crl(
    sealed: SealFactory, pki: TestPki
) -> None:
    material = TrustMaterial(anchors=(pki.root,), fetcher=HttpFetcher(timeout=5))
    report = verify_pdf(sealed("seal-ecdsa", "B-B"), trust=material, at=PKI_TIME)
    assert report.indication is Indication.PASSED, report.model_dump_json(indent=1)


def test_trust_material_without_fetcher_stays_offline(sealed: SealFactory, pki: TestPki) -> None:
    report = verify_pdf(
        sealed("seal-ecdsa", "B-B"), trust=TrustMaterial(anchors=(pki.root,)), at=PKI_TIME
    )
    assert report.indication is Indication.INDETERMINATE


@pytest.mark.parametrize("form", ["pem-bytes", "pem-file", "directory"])
def test_anchors_as_bytes_file_or_directory(
    sealed: SealFactory, pki: TestPki, tmp_path: Path, form: str
) -> None:
    pem = pki.root.public_bytes(Encoding.PEM)
    trust: object
    if form == "pem-bytes":
        trust = [pem]
    elif form == "pem-file":
        trust = pki.write_root(tmp_path)
    else:
        pki.write_root(tmp_path / "anchors")
        trust = tmp_path / "anchors"
    report = verify_pdf(sealed("seal-ecdsa", "B-LT"), trust=trust, at=PKI_TIME)
    assert report.indication is Indication.PASSED


def test_no_anchor_at_all_is_refused(sealed: SealFactory) -> None:
    with pytest.raises(TrustError, match="no trust anchor"):
        verify_pdf(sealed("seal-ecdsa", "B-LT"), trust=[], at=PKI_TIME)


def test_sealdoc_verify_dispatches_pdfs_here(
    sealed: SealFactory, pki: TestPki, write_pdf: Callable[[bytes, str], Path]
) -> None:
    path = write_pdf(sealed("seal-ecdsa", "B-LTA"), "sealed.pdf")
    trusted = verify(
        path, trust=TrustMaterial(anchors=(pki.root,)), at=PKI_TIME, revocation="hard-fail"
    )
    assert trusted.format == "pdf"
    assert trusted.input == str(path)
    assert [s.indication for s in trusted.signatures] == [Indication.PASSED, Indication.PASSED]
    # The stamp is a dummy code (bad signature, fields absent from the page text): the seal
    # passes, and the document as a whole does not, because its 2D-Doc does not.
    assert trusted.check("twoddoc[1]").status is not CheckStatus.PASSED
    assert trusted.check("twoddoc_payload").status is CheckStatus.PASSED
    assert trusted.indication is Indication.FAILED
    untrusted = verify(path, at=PKI_TIME)
    assert untrusted.signatures[0].indication is Indication.INDETERMINATE
