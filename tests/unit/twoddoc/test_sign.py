"""Issuing codes with sign(): what is written, and every refusal naming the field at fault."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.unit.twoddoc.codec_support import (
    GS,
    RS,
    US,
    reference_code_bytes,
    reference_codes,
    spec_test_cert,
    spec_test_key,
    throwaway_key,
)

from sealdoc.errors import EncodingError, FieldError
from sealdoc.report import CheckStatus
from sealdoc.twoddoc import Truncated, TwoDDoc, check_fields, check_signature, sign
from sealdoc.twoddoc.models import Payslip

DAY = dt.date(2024, 5, 17)
KEY = throwaway_key("P-256")
ADDRESS = {
    "10": "MME/SPECIMEN/NATACHA",
    "22": "145 AVENUE DES SPECIMENS",
    "24": "75000",
    "25": "PARIS",
    "26": "FR",
}


def _sign(fields: dict[str, object], doc_type: str = "02", **kwargs: object) -> str:
    options: dict[str, object] = {"ca_id": "FR00", "cert_id": "0001", "issue_date": DAY}
    options["signature_date"] = DAY
    options.update(kwargs)
    return sign(doc_type, fields, KEY, **options)  # type: ignore[arg-type]


def test_signed_code_reads_back_and_verifies() -> None:
    code = _sign(ADDRESS)
    doc = TwoDDoc.parse(code)
    assert [(f.id, f.raw) for f in doc.fields] == list(ADDRESS.items())
    assert check_signature(doc, KEY.public_key).status is CheckStatus.PASSED
    assert check_fields(doc).status is CheckStatus.PASSED


def test_header_carries_the_arguments_and_version_04_by_default() -> None:
    code = _sign(ADDRESS, ca_id="FR03", cert_id="A1B2", signature_date=dt.date(2024, 5, 18))
    assert code.startswith("DC04FR03A1B2" + "22C7" + "22C8" + "02" + "01" + "FR")


@pytest.mark.parametrize(("version", "length"), [(2, 22), (3, 24), (4, 26)])
def test_versions_02_to_04_are_written(version: int, length: int) -> None:
    code = _sign(ADDRESS, version=version)
    doc = TwoDDoc.parse(code)
    assert doc.header.version == version
    assert code.index("10MME") == length


def test_signing_reproduces_a_spec_reference_code_up_to_the_signature() -> None:
    vector = next(v for v in reference_codes() if v["format"] == "V2" and v["doc_type"][:2] == "06")
    reference = TwoDDoc.parse(reference_code_bytes(vector))
    fields = {f.id: f.raw for f in reference.fields}
    code = sign(
        "06",
        fields,
        spec_test_key(),
        ca_id="FR00",
        cert_id="0001",
        version=2,
        issue_date=reference.header.issue_date,
        signature_date=reference.header.signature_date,
    )
    # the reference ends its last field with an optional <GS>; sealdoc writes none
    assert code.split(US)[0].encode("ascii") == reference.signed_data.rstrip(b"\x1d")
    assert check_signature(TwoDDoc.parse(code), spec_test_cert()).status is CheckStatus.PASSED


def test_typed_values_are_encoded() -> None:
    fields = {
        "10": "M/EXEMPLE/HENRY",
        "50": "00000000000000",
        "53": dt.date(2012, 10, 1),
        "54": dt.date(2012, 10, 31),
        "55": dt.date(2012, 3, 15),
        "58": Decimal("1319.24"),
        "59": Decimal("9894.3"),
        "51": Decimal("157.5"),
        "5T": 1,
    }
    code = _sign(fields, "06")
    assert "53123154124F551503201258" in code
    assert "510157,5" in code
    assert "5T1" in code
    document = TwoDDoc.parse(code).document()
    assert isinstance(document, Payslip)
    assert document.net_taxable_salary == Decimal("1319.24")


def test_fields_are_written_in_the_order_given() -> None:
    fields = dict(reversed(list(ADDRESS.items())))
    assert [f.id for f in TwoDDoc.parse(_sign(fields)).fields] == list(fields)


def test_separators_only_where_the_rules_need_them() -> None:
    code = _sign({"24": "75000", "26": "FR", "10": "MME/X", "22": "1 " + "A" * 36, "25": "PARIS"})
    signed_part = code.split(US)[0]
    assert signed_part.endswith(f"247500026FR10MME/X{GS}221 {'A' * 36}25PARIS")


def test_truncated_value_ends_with_rs() -> None:
    code = _sign({**ADDRESS, "25": Truncated("MARSE")})
    assert f"25MARSE{RS}" in code
    assert TwoDDoc.parse(code).field("25").truncated  # type: ignore[union-attr]


def test_annex_is_written_after_the_signature() -> None:
    code = _sign(ADDRESS, annex={"01": "SERIAL42"})
    assert code.endswith(f"{GS}01SERIAL42")
    doc = TwoDDoc.parse(code)
    assert [f.raw for f in doc.annex] == ["SERIAL42"]


@pytest.mark.parametrize(("curve", "size"), [("P-256", 64), ("P-384", 96), ("P-521", 132)])
def test_each_curve_signs_with_its_hash(curve: str, size: int) -> None:
    key = throwaway_key(curve)
    code = sign("02", ADDRESS, key, ca_id="FR00", cert_id="0001", issue_date=DAY, today=DAY)
    doc = TwoDDoc.parse(code)
    assert len(doc.signature or b"") == size
    assert check_signature(doc, key.public_key).status is CheckStatus.PASSED


# refusals naming the field -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("24", "7500", "exactly 5 characters"),
        ("22", "A" * 39, "at most 38"),
        ("25", "PARIS 8", "not allowed"),
        ("10", "MME/NATACHA\x1d2499999", "control character"),
        ("10", "MME/NATACHA\x1e", "<RS>"),
        ("10", "MME\x1fX", "<US>"),
        ("22", "145 AVENUE DES SPÉCIMENS", "not allowed"),
        ("22", "145 avenue", "not allowed"),
        ("24", Truncated("750"), "fixed-length field may not be truncated"),
        ("26", 33, "not accepted"),
        ("25", None, "leave the field out"),
    ],
)
def test_invalid_field_value_is_refused_naming_the_field(
    field: str, value: object, reason: str
) -> None:
    key = throwaway_key("P-256")
    calls = key.calls
    with pytest.raises(FieldError, match=reason) as excinfo:
        _sign({**ADDRESS, field: value})
    assert excinfo.value.field_id == field
    assert key.calls == calls  # nothing was signed


def test_invalid_date_is_refused_naming_the_field() -> None:
    fields = {"90": "MAITRE/X", "92": "Y", "94": "ACTE", "96": "31022017"}
    with pytest.raises(FieldError, match="no valid JJMMAAAA date") as excinfo:
        _sign(fields, "12")
    assert excinfo.value.field_id == "96"


def test_missing_mandatory_field_is_refused_naming_it() -> None:
    fields = dict(ADDRESS)
    del fields["24"]
    with pytest.raises(FieldError, match="mandatory field 24") as excinfo:
        _sign(fields)
    assert excinfo.value.field_id == "24"


def test_missing_alternative_group_is_refused_naming_its_first_field() -> None:
    fields = {k: v for k, v in ADDRESS.items() if k != "10"}
    with pytest.raises(FieldError, match="one of 10 or 11") as excinfo:
        _sign(fields)
    assert excinfo.value.field_id == "10"


def test_field_forbidden_for_the_type_is_refused() -> None:
    with pytest.raises(FieldError, match="not allowed in document type 02") as excinfo:
        _sign({**ADDRESS, "18": "INV1"})
    assert excinfo.value.field_id == "18"


def test_unknown_data_identifier_is_refused() -> None:
    with pytest.raises(FieldError, match="unknown data identifier") as excinfo:
        _sign({**ADDRESS, "ZZ": "X"})
    assert excinfo.value.field_id == "ZZ"


def test_conditional_field_is_required() -> None:
    fields = {
        "6L": dt.date(2020, 11, 30),
        "5N": "123456789101112131415",
        "5Q": "BERTHIER",
        "5R": "CORINNE",
        "5S": "DRH",
        "62": "SPECIMEN",
        "61": "NATACHA",
        "69": dt.date(1973, 11, 5),
        "6A": "TOULON",
        "67": "BR",
        "5T": 0,
        "55": dt.date(2020, 12, 17),
        "50": "13001759300034",
        "5M": "SPECIMEN SA",
    }
    with pytest.raises(FieldError, match="5T is CDD") as excinfo:
        _sign(fields, "15")
    assert excinfo.value.field_id == "5U"
    _sign({**fields, "5U": "175 JOURS"}, "15")


def test_url_field_may_not_be_truncated() -> None:
    with pytest.raises(FieldError, match="URL may not be truncated") as excinfo:
        _sign({**ADDRESS, "0C": Truncated("NB2HI")})
    assert excinfo.value.field_id == "0C"


# header refusals ---------------------------------------------------------------------------------


def test_signature_date_is_required_because_sealdoc_never_reads_the_clock() -> None:
    with pytest.raises(EncodingError, match="never reads the clock"):
        sign("02", ADDRESS, KEY, ca_id="FR00", cert_id="0001", issue_date=DAY)


def test_today_stands_in_for_the_signature_date() -> None:
    code = sign("02", ADDRESS, KEY, ca_id="FR00", cert_id="0001", issue_date=DAY, today=DAY)
    assert TwoDDoc.parse(code).header.signature_date == DAY


def test_issue_date_follows_the_document_type() -> None:
    with pytest.raises(EncodingError, match="requires an issue date"):
        _sign(ADDRESS, issue_date=None)
    bank = {"30": "M/EXEMPLE/HENRY", "31": "FR7630002005500000157845Z02", "32": "CRLYFRPP"}
    with pytest.raises(EncodingError, match="carries no issue date"):
        _sign(bank, "03")
    assert TwoDDoc.parse(_sign(bank, "03", issue_date=None)).header.issue_date is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"version": 1}, "version 01 is only verified"),
        ({"version": 5}, "versions 02 to 04"),
        ({"ca_id": "fr00"}, "ca_id"),
        ({"cert_id": "00001"}, "cert_id"),
        ({"country": "FRA"}, "alpha-2"),
        ({"perimeter": "02"}, "perimeter"),
        ({"signature_date": dt.date(1999, 12, 31)}, "outside"),
        ({"signature_date": dt.datetime(2024, 5, 17, 10, 0)}, "datetime.date"),
        ({"version": 3, "annex": {"01": "X"}}, "annexes exist from version 04"),
    ],
)
def test_invalid_header_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(EncodingError, match=message):
        _sign(ADDRESS, **kwargs)


def test_unknown_document_type_is_refused() -> None:
    with pytest.raises(EncodingError, match="not defined in §6"):
        _sign(ADDRESS, "99")


def test_key_returning_a_malformed_signature_is_refused() -> None:
    class BrokenKey:
        default_hash = "sha256"

        def sign_ecdsa_raw(self, data: bytes, hash_algorithm: str | None = None) -> bytes:
            return b"\x30\x44" + bytes(68)  # DER, not raw r||s

    with pytest.raises(EncodingError, match="raw r\\|\\|s"):
        sign("02", ADDRESS, BrokenKey(), ca_id="FR00", cert_id="0001", issue_date=DAY, today=DAY)


def test_sign_with_a_sealdoc_signing_key_loaded_from_files() -> None:
    from tests.unit.twoddoc.codec_support import TEST_CERT, TEST_KEY

    from sealdoc.keys import load_key

    with load_key(key=TEST_KEY, cert=TEST_CERT) as key:
        code = sign(
            "08",
            {"6F": "P FRASPECIMEN"},
            key,
            ca_id="FR00",
            cert_id="0001",
            issue_date=dt.date(2015, 1, 1),
            today=dt.date(2015, 1, 2),
        )
        doc = TwoDDoc.parse(code)
        assert check_signature(doc, key.certificate).status is CheckStatus.PASSED
