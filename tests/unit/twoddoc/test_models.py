"""Document types (§6), their field rules (§8) and the typed models that mirror them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tests.unit.twoddoc.codec_support import reference_code_bytes, reference_codes

from sealdoc.errors import ParseError
from sealdoc.twoddoc import DOC_TYPES, TwoDDoc, identifier, rules_for
from sealdoc.twoddoc.models import (
    _MODELS,
    GenericDocument,
    IncomeTaxNotice,
    TypedDocument,
    document_model,
    validate_document,
)

TYPED = sorted(_MODELS)


def test_every_c40_document_type_of_section_6_has_field_rules() -> None:
    c40 = sorted(code for perimeter, code in DOC_TYPES if perimeter == "01")
    assert len(c40) == 44
    assert [code for code in c40 if rules_for(code) is None] == []


def test_every_di_named_in_the_rules_exists_in_section_7() -> None:
    for perimeter, code in DOC_TYPES:
        rules = rules_for(code, perimeter)
        if rules is None:
            continue
        for di in rules.mentioned() | rules.forbidden:
            assert identifier(di) is not None, (code, di)
        assert not rules.mandatory & rules.forbidden, code
        assert not rules.optional & rules.forbidden, code


def test_typed_models_cover_the_required_document_types() -> None:
    assert set(TYPED) >= {"00", "01", "02", "04", "06", "07", "08", "18", "B0", "B1"}


@pytest.mark.parametrize("code", TYPED)
def test_typed_model_requires_exactly_the_mandatory_fields_of_its_type(code: str) -> None:
    model = _MODELS[code]
    rules = rules_for(code)
    assert rules is not None
    aliases = {info.alias: info for info in model.model_fields.values()}
    required = {alias for alias, info in aliases.items() if info.is_required()}
    assert required == rules.mandatory
    assert set(aliases) <= rules.mentioned()  # nothing the type does not name
    grouped = {di for groups in rules.one_of for group in groups for di in group}
    assert grouped <= set(aliases)
    assert not grouped & required


@pytest.mark.parametrize("code", TYPED)
def test_reference_codes_of_typed_types_give_their_model(code: str) -> None:
    vectors = [v for v in reference_codes() if v["doc_type"][:2] == code]
    for vector in vectors:
        document = TwoDDoc.parse(reference_code_bytes(vector)).document()
        assert isinstance(document, _MODELS[code])
        assert document.by_di().keys() == {
            f.id for f in TwoDDoc.parse(reference_code_bytes(vector)).fields
        }


def test_other_types_give_a_generic_document() -> None:
    vector = next(v for v in reference_codes() if v["doc_type"].startswith("12"))
    document = TwoDDoc.parse(reference_code_bytes(vector)).document()
    assert isinstance(document, GenericDocument)
    assert document.doc_type == "12"
    assert document.fields["95"] == "1896547853AB"


def test_typed_model_exposes_english_names_and_typed_values() -> None:
    vector = next(v for v in reference_codes() if v["doc_type"].startswith("04"))
    document = TwoDDoc.parse(reference_code_bytes(vector)).document()
    assert isinstance(document, IncomeTaxNotice)
    assert document.income_year == 2021
    assert str(document.shares) == "2.75"
    assert document.declarant2 == "RETI SOPHIE"


def test_invalid_content_makes_document_raise_parse_error() -> None:
    # the v3.1.3 samples of type 04 predate its redefinition in v3.2.3
    code = (
        "DC03FR00000112421636040110M/IMPOSABLE/FRANCOIS\x1d401234567890123411042876\x1d"
        "\x1fAB2MS643NQNY7X5BMSHCW7FJ5DQ2LCOVZ6OPVXUO5NATQOBBQKE753DIFQOV75WZNXBW2UEHL23Q3QOXGOXJ"
        "RGOSK35SLLCM3BGJSLY"
    )
    with pytest.raises(ParseError, match="do not make a valid document of type 04"):
        TwoDDoc.parse(code).document()


def test_validate_document_refuses_missing_and_forbidden_fields() -> None:
    with pytest.raises(ValidationError):
        validate_document("08", {})
    with pytest.raises(ValidationError, match="not allowed"):
        validate_document("08", {"6F": "P FRA", "60": "X"})
    with pytest.raises(ValidationError, match="mandatory field 90"):
        validate_document("12", {"92": "X", "94": "Y", "96": "Z"})


def test_document_model_lookup() -> None:
    assert document_model("04") is IncomeTaxNotice
    assert document_model("12") is None
    assert issubclass(IncomeTaxNotice, TypedDocument)
