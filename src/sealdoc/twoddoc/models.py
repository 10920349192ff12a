"""Typed views of the most common document types, and a generic one for all others.

Each model names the fields of one §8 column with English attribute names; the data identifier
is the alias, so a model validates the ``{DI: typed value}`` mapping :func:`sealdoc.twoddoc.sign`
takes and :meth:`TwoDDoc.document` returns::

    payslip = Payslip.model_validate({"10": "M/EXEMPLE/HENRY", "50": "00000000000000", ...})
    payslip.employer_siret

Mandatory fields of the type are required attributes; alternatives ("10, or 11+12+13") are
optional attributes checked together. DIs the type allows without naming them (the §7.0 DIs,
and often the type's own §7 section) are kept as extra attributes under their DI. The rules
themselves live in :mod:`sealdoc.twoddoc.doctypes`; a test keeps both in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from sealdoc.twoddoc.doctypes import FieldRules, rules_for

__all__ = [
    "CveCertificate",
    "Diploma",
    "GenericDocument",
    "HousingTaxNotice",
    "IdentityDocument",
    "IncomeTaxNotice",
    "Invoice",
    "MrzDocument",
    "Payslip",
    "ProofOfAddress",
    "TaxSituationNotice",
    "TypedDocument",
    "document_model",
    "validate_document",
]


_RULES_CHECKED = "sealdoc.rules_checked"


def _opt(di: str) -> Any:
    return Field(default=None, alias=di)


def _req(di: str) -> Any:
    return Field(alias=di)


def _rule_problems(rules: FieldRules, values: Mapping[str, object]) -> list[str]:
    text = {di: _text(value) for di, value in values.items() if value is not None}
    problems = [violation.message for violation in rules.missing(text)]
    problems += [
        f"field {di} is not allowed in type {rules.doc_type}" for di in text if not rules.allows(di)
    ]
    return problems


def _rules_checked(info: ValidationInfo) -> bool:
    """Whether the caller has already checked the §8 rules (see :func:`validate_document`)."""
    return isinstance(info.context, dict) and info.context.get(_RULES_CHECKED) is True


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class TypedDocument(BaseModel):
    """Base of the typed models: fields by DI alias, extras for section-wide optional DIs."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    DOC_TYPE: ClassVar[str]

    def by_di(self) -> dict[str, object]:
        """Every field present, by data identifier."""
        values = {
            (info.alias or name): getattr(self, name)
            for name, info in type(self).model_fields.items()
        }
        values.update(self.model_extra or {})
        return {di: value for di, value in values.items() if value is not None}

    @model_validator(mode="after")
    def _check_rules(self, info: ValidationInfo) -> Self:
        rules = None if _rules_checked(info) else rules_for(self.DOC_TYPE)
        if rules is not None:
            problems = _rule_problems(rules, self.by_di())
            if problems:
                raise ValueError("; ".join(problems))
        return self


class _Beneficiary(TypedDocument):
    """§8.1/8.3/8.4: DI 10, or 11+12+13, names the beneficiary."""

    beneficiary: str | None = _opt("10")
    beneficiary_title: str | None = _opt("11")
    beneficiary_first_name: str | None = _opt("12")
    beneficiary_last_name: str | None = _opt("13")


class _CoBeneficiary(_Beneficiary):
    has_co_beneficiary: bool | None = _opt("1G")
    co_beneficiary: str | None = _opt("1I")
    co_beneficiary_title: str | None = _opt("1J")
    co_beneficiary_first_name: str | None = _opt("1K")
    co_beneficiary_last_name: str | None = _opt("1L")


class ProofOfAddress(_CoBeneficiary):
    """Type 00, *Justificatif de domicile* (document issued as a proof of address)."""

    DOC_TYPE: ClassVar[str] = "00"
    address_line2: str = _req("20")
    address_line3: str = _req("21")
    address_street: str = _req("22")
    address_line5: str = _req("23")
    postcode: str = _req("24")
    town: str = _req("25")
    country: str = _req("26")


class Invoice(_CoBeneficiary):
    """Type 01, *Facture* (energy, telephone, internet or water bill as proof of address)."""

    DOC_TYPE: ClassVar[str] = "01"
    address_line2: str | None = _opt("20")
    address_line3: str | None = _opt("21")
    address_street: str = _req("22")
    address_line5: str | None = _opt("23")
    postcode: str = _req("24")
    town: str | None = _opt("25")
    country: str = _req("26")
    recipient: str | None = _opt("14")
    recipient_title: str | None = _opt("15")
    recipient_first_name: str | None = _opt("16")
    recipient_last_name: str | None = _opt("17")
    invoice_number: str | None = _opt("18")
    customer_number: str | None = _opt("19")
    contract_number: str | None = _opt("1A")
    subscriber_id: str | None = _opt("1B")
    contract_start_date: dt.date | None = _opt("1C")
    amount: Decimal | None = _opt("1D")
    beneficiary_phone: str | None = _opt("1E")
    recipient_phone: str | None = _opt("1F")
    has_co_recipient: bool | None = _opt("1H")
    co_recipient: str | None = _opt("1M")
    co_recipient_title: str | None = _opt("1N")
    co_recipient_first_name: str | None = _opt("1O")
    co_recipient_last_name: str | None = _opt("1P")
    recipient_address_line2: str | None = _opt("27")
    recipient_address_line3: str | None = _opt("28")
    recipient_address_street: str | None = _opt("29")
    recipient_address_line5: str | None = _opt("2A")
    recipient_postcode: str | None = _opt("2B")
    recipient_town: str | None = _opt("2C")
    recipient_country: str | None = _opt("2D")


class HousingTaxNotice(_CoBeneficiary):
    """Type 02, *Avis de taxe d'habitation* (housing tax notice as proof of address)."""

    DOC_TYPE: ClassVar[str] = "02"
    address_street: str = _req("22")
    address_line5: str | None = _opt("23")
    postcode: str = _req("24")
    town: str = _req("25")
    country: str = _req("26")


class _TaxNotice(TypedDocument):
    reference_income: int | None = _opt("41")
    shares: Decimal = _req("43")
    notice_reference: str = _req("44")
    income_year: int = _req("45")
    declarant1: str = _req("46")
    declarant2: str | None = _opt("48")
    declarant2_tax_number: str | None = _opt("49")


class IncomeTaxNotice(_TaxNotice):
    """Type 04, *Avis d'impôt sur les revenus* (income tax notice, §8.3 since v3.2.3)."""

    DOC_TYPE: ClassVar[str] = "04"
    declarant1_tax_number: str = _req("47")
    collection_date: dt.date = _req("4A")


class TaxSituationNotice(_TaxNotice):
    """Type 18, *Avis de Situation Déclarative à l'Impôt sur les Revenus*."""

    DOC_TYPE: ClassVar[str] = "18"
    declarant1_tax_number: str | None = _opt("47")
    declaration_date: dt.date = _req("4B")


class Payslip(_Beneficiary):
    """Type 06, *Bulletin de salaire* (payslip)."""

    DOC_TYPE: ClassVar[str] = "06"
    employer_siret: str = _req("50")
    period_start: dt.date = _req("53")
    period_end: dt.date = _req("54")
    contract_start_date: dt.date = _req("55")
    contract_signature_date: dt.date | None = _opt("57")
    net_taxable_salary: Decimal = _req("58")
    net_taxable_salary_ytd: Decimal = _req("59")
    gross_salary: Decimal | None = _opt("5A")
    employer_company_name: str | None = _opt("5M")
    employer_last_name: str | None = _opt("5O")
    employer_first_name: str | None = _opt("5P")
    contract_type: int | None = _opt("5T")
    contract_duration: str | None = _opt("5U")


class IdentityDocument(TypedDocument):
    """Type 07, *Titre d'identité* (identity card, passport, residence permit...)."""

    DOC_TYPE: ClassVar[str] = "07"
    given_names: str = _req("60")
    first_name: str | None = _opt("61")
    surname: str = _req("62")
    usage_name: str | None = _opt("63")
    document_kind: str = _req("65")
    document_number: str = _req("66")
    nationality: str = _req("67")
    sex: str = _req("68")
    birth_date: dt.date | str | None = _opt("69")
    birth_place: str | None = _opt("6A")
    birth_country: str = _req("6C")
    mrz: str | None = _opt("6F")
    valid_from: dt.date | None = _opt("6N")
    valid_until: dt.date | None = _opt("6O")
    address_line2: str | None = _opt("6S")
    address_line3: str | None = _opt("6T")
    address_street: str | None = _opt("6U")
    address_line5: str | None = _opt("6V")
    postcode: str | None = _opt("6W")
    town: str | None = _opt("6X")
    address_country: str | None = _opt("6Y")


class MrzDocument(TypedDocument):
    """Type 08, *MRZ* (the machine readable zone of an identity document)."""

    DOC_TYPE: ClassVar[str] = "08"
    mrz: str = _req("6F")


class Diploma(TypedDocument):
    """Type B0, *Diplôme*."""

    DOC_TYPE: ClassVar[str] = "B0"
    given_names: str | None = _opt("B0")
    first_name: str | None = _opt("B1")
    surname: str = _req("B2")
    sex: str = _req("B6")
    birth_date: dt.date | str = _req("B7")
    birth_country: str = _req("B9")
    student_id: str | None = _opt("BB")
    eqf_level: int = _req("BD")
    diploma_type: str = _req("BG")
    domain: str = _req("BH")
    major: str = _req("BI")
    specialty: str = _req("BJ")


class CveCertificate(TypedDocument):
    """Type B1, *Attestation de Versement de la Contribution à la Vie Etudiante*."""

    DOC_TYPE: ClassVar[str] = "B1"
    given_names: str = _req("B0")
    surname: str = _req("B2")
    birth_date: dt.date | str = _req("B7")
    student_id: str = _req("BB")
    cve_number: str = _req("BK")


class GenericDocument(BaseModel):
    """Any other document type: its fields by data identifier, checked against §8."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_type: str
    fields: dict[str, Any]

    @model_validator(mode="after")
    def _check_rules(self, info: ValidationInfo) -> Self:
        rules = None if _rules_checked(info) else rules_for(self.doc_type)
        if rules is not None:
            problems = _rule_problems(rules, self.fields)
            if problems:
                raise ValueError("; ".join(problems))
        return self


_MODELS: dict[str, type[TypedDocument]] = {
    model.DOC_TYPE: model
    for model in (
        ProofOfAddress,
        Invoice,
        HousingTaxNotice,
        IncomeTaxNotice,
        TaxSituationNotice,
        Payslip,
        IdentityDocument,
        MrzDocument,
        Diploma,
        CveCertificate,
    )
}


def document_model(doc_type: str) -> type[TypedDocument] | None:
    """The typed model of ``doc_type`` (perimeter 01), or ``None`` if it has none."""
    return _MODELS.get(doc_type)


def validate_document(
    doc_type: str, values: Mapping[str, object], *, rules_checked: bool = False
) -> TypedDocument | GenericDocument:
    """Validate ``{DI: typed value}`` as a document of ``doc_type``.

    ``rules_checked``: the caller has already checked ``values`` against the §8 rules of the type
    (:meth:`FieldRules.missing` on the raw texts, :meth:`FieldRules.allows` for each DI), so the
    models only check the values (``sign`` does; the rules are not checked twice).

    Raises ``pydantic.ValidationError`` naming what is wrong.
    """
    context = {_RULES_CHECKED: True} if rules_checked else None
    model = document_model(doc_type)
    if model is not None:
        return model.model_validate(dict(values), context=context)
    return GenericDocument.model_validate(
        {"doc_type": doc_type, "fields": dict(values)}, context=context
    )
