"""The 2D-Doc fields must be readable in the page text (spec §5: compare code and document)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sealdoc import twoddoc
from sealdoc.report import CheckStatus
from sealdoc.twoddoc.textmatch import check_text_match, normalise


class _Key:
    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())

    def sign_ecdsa_raw(self, data: bytes, hash_algorithm: str | None = None) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@pytest.fixture(scope="module")
def doc() -> twoddoc.TwoDDoc:
    code = twoddoc.sign(
        "01",
        {
            "10": "MME/SPECIMEN/CORINNE",
            "22": "12 RUE DE LA REPUBLIQUE",
            "24": "75011",
            "26": "FR",
            "1D": "84,20",
            "1C": dt.date(2025, 9, 15),
        },
        _Key(),  # type: ignore[arg-type]
        ca_id="FR98",
        cert_id="0001",
        issue_date=dt.date(2026, 3, 2),
        signature_date=dt.date(2026, 3, 2),
    )
    return twoddoc.TwoDDoc.parse(code)


def test_normalise_drops_case_accents_and_punctuation() -> None:
    assert normalise("Élodie  d'Arçon, 84,20 €") == "ELODIEDARCON8420"


def test_page_saying_the_same_thing_in_its_own_words_passes(doc: twoddoc.TwoDDoc) -> None:
    page = (
        "Madame Corinne Specimen\n12, rue de la République\n75011 Paris\nFR\n"
        "Contrat depuis le 15/09/2025 — Montant TTC : 84,20 €"
    )
    assert check_text_match(doc, page).status is CheckStatus.PASSED


def test_page_with_another_amount_fails_naming_the_field(doc: twoddoc.TwoDDoc) -> None:
    page = "Madame Corinne SPECIMEN 12 rue de la République 75011 FR 15/09/2025 Montant 94,20 €"
    check = check_text_match(doc, page)
    assert check.status is CheckStatus.FAILED
    assert "1D" in check.message
    assert "84,20" in check.message


def test_page_with_another_name_fails(doc: twoddoc.TwoDDoc) -> None:
    page = "Madame Corinne DUPONT 12 rue de la République 75011 FR 15/09/2025 84,20"
    assert check_text_match(doc, page).status is CheckStatus.FAILED


def test_page_without_text_is_indeterminate(doc: twoddoc.TwoDDoc) -> None:
    assert check_text_match(doc, ["", "  "]).status is CheckStatus.INDETERMINATE
