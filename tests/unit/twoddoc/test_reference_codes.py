"""The 60 reference codes of spec §16 (v04, v03, v02, v01) and the 48 samples of spec v3.1.3."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from tests.unit.twoddoc.codec_support import (
    V01_EXAMPLE_PUBKEY,
    load_sample,
    reference_code_bytes,
    reference_codes,
    reference_id,
    sample_paths,
    spec_test_cert,
)

from sealdoc.report import CheckStatus
from sealdoc.twoddoc import TwoDDoc, check_fields, check_signature
from sealdoc.twoddoc.codec import Field

VECTORS = reference_codes()


@pytest.mark.parametrize("vector", VECTORS, ids=[reference_id(v) for v in VECTORS])
def test_reference_code_parses_to_the_signed_bytes_of_the_spec(vector: dict[str, Any]) -> None:
    doc = TwoDDoc.parse(reference_code_bytes(vector))
    assert doc.signed_data == vector["signed_data"].encode("latin-1")
    assert doc.header.version == int(vector["format"][1])
    assert doc.header.doc_type == vector["doc_type"][:2]


@pytest.mark.parametrize("vector", VECTORS, ids=[reference_id(v) for v in VECTORS])
def test_reference_code_signature_verifies_with_the_fr00_test_certificate(
    vector: dict[str, Any],
) -> None:
    doc = TwoDDoc.parse(reference_code_bytes(vector))
    check = check_signature(doc, spec_test_cert())
    assert check.status is CheckStatus.PASSED, check.message
    assert doc.signature is not None
    assert doc.signature.hex().upper() == vector["sig_hex"] or not vector.get(
        "sig_hex_matches_table", True
    )


@pytest.mark.parametrize("vector", VECTORS, ids=[reference_id(v) for v in VECTORS])
def test_reference_code_fields_conform_to_the_specification(vector: dict[str, Any]) -> None:
    check = check_fields(TwoDDoc.parse(reference_code_bytes(vector)))
    assert check.status is CheckStatus.PASSED, check.message


@pytest.mark.parametrize("vector", VECTORS, ids=[reference_id(v) for v in VECTORS])
def test_reference_code_converts_to_report_info(vector: dict[str, Any]) -> None:
    doc = TwoDDoc.parse(reference_code_bytes(vector))
    info = doc.to_info()
    assert info.header.doc_type == doc.header.doc_type
    assert info.header.doc_type_name
    assert [f.id for f in info.fields] == [f.id for f in doc.fields]
    assert all(f.name for f in info.fields)
    info.model_dump_json()  # serialisable


def test_reference_codes_cover_every_version() -> None:
    versions = sorted(v["format"] for v in VECTORS)
    assert {f: versions.count(f) for f in set(versions)} == {"V4": 26, "V3": 19, "V2": 10, "V1": 5}


def test_v01_example_public_key_is_a_p256_key_that_does_not_verify_the_fr00_codes() -> None:
    # The historical v01 example of eirmag/2ddoc (an image, not in this repository) was signed
    # with this key; the §16 v01 codes are signed with FR00/0001 and must fail with it.
    key = serialization.load_pem_public_key(V01_EXAMPLE_PUBKEY.read_bytes())
    v01 = [v for v in VECTORS if v["format"] == "V1"]
    for vector in v01:
        check = check_signature(TwoDDoc.parse(reference_code_bytes(vector)), key)
        assert check.status is CheckStatus.FAILED


SAMPLES = sample_paths()


def _display(field: Field) -> str:
    """The representation the nipo/tdd YAML files use for a typed value."""
    value = field.value
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, dt.date):  # also datetime
        return value.isoformat()
    return str(value)


@pytest.mark.parametrize("path", SAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in SAMPLES])
def test_v313_sample_decodes_to_the_expected_header_and_fields(path: Path) -> None:
    code, expected = load_sample(path)
    doc = TwoDDoc.parse(code)
    header = expected["header"]
    assert doc.header.version == header["version"]
    assert doc.header.ca_id == header["ca_id"]
    assert doc.header.cert_id == header["cert_id"]
    emitted = header["emit_date"]
    assert doc.header.issue_date == (dt.date.fromisoformat(emitted) if emitted else None)
    assert doc.header.signature_date == dt.date.fromisoformat(header["sign_date"])
    assert doc.header.doc_type == header["doc_type_id"]
    assert int(doc.header.effective_perimeter) == header.get("perimeter_id", 1)
    if doc.header.version >= 4:
        assert doc.header.country == header["country_id"]
    fields = {f.id: f for f in doc.fields}
    assert set(fields) == {str(k) for k in expected["fields"]}
    for di, value in expected["fields"].items():
        field = fields[str(di)]
        # the YAML gives either the text as written or the typed value (leading zeros dropped)
        assert value in (field.raw, _display(field)), (di, value, field)


@pytest.mark.parametrize("path", SAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in SAMPLES])
def test_v313_sample_signature_verifies(path: Path) -> None:
    code, expected = load_sample(path)
    doc = TwoDDoc.parse(code)
    assert check_signature(doc, spec_test_cert()).status is CheckStatus.PASSED
    signature = "".join(str(expected["signature"]).split())
    assert doc.signature is not None
    assert doc.signature.hex() == signature.lower()
