"""Document types (spec §6) and which fields each one holds (spec §8).

:data:`DOC_TYPES` lists every type of perimeter ``01`` (C40) and of the binary perimeter
``0001``, with whether the header must carry an issue date (column "Date d'émission").

:func:`rules_for` gives the :class:`FieldRules` of a type: mandatory fields, optional ones,
forbidden ones, groups of which one must be present ("10 and (11, 12, 13) are
interchangeable"), and conditions ("5U is mandatory if 5T is CDD, CTT or CAP"). As §8 says, a
DI not mentioned for a type is forbidden, except the DIs of the sections listed for the type
(always §7.0, often the type's own section), which are optional unless the table forbids them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sealdoc.twoddoc.dictionary import all_identifiers, identifier

__all__ = [
    "DOC_TYPES",
    "Condition",
    "DocType",
    "FieldRules",
    "Violation",
    "doc_type",
    "rules_for",
]


@dataclass(frozen=True)
class DocType:
    code: str
    #: The issuer's document type, e.g. ``Bulletin de salaire``.
    name: str
    #: The category a user sees, e.g. ``Justificatif d'emploi``.
    category: str
    #: ``True``: the header must carry an issue date; ``False``: it must be ``FFFF``.
    issue_date_required: bool
    perimeter: str = "01"


def _types() -> dict[tuple[str, str], DocType]:
    rows = [
        ("Justificatif de domicile", "00", True, "Justificatif de domicile"),
        ("Justificatif de domicile", "01", True, "Facture"),
        ("Justificatif de domicile", "02", True, "Avis de taxe d'habitation"),
        ("Documents bancaires", "03", False, "Relevé d'identité bancaire"),
        ("Documents bancaires", "05", False, "Relevé d'Identité SEPAmail"),
        ("Documents bancaires", "11", True, "Relevé de compte"),
        ("Justificatif fiscal", "09", True, "Facture étendue"),
        ("Justificatif de ressources", "04", False, "Avis d'impôt sur les revenus"),
        (
            "Justificatif de ressources",
            "18",
            False,
            "Avis de Situation Déclarative à l'Impôt sur les Revenus",
        ),
        ("Justificatif d'emploi", "06", True, "Bulletin de salaire"),
        ("Justificatif d'emploi", "10", True, "Contrat de travail"),
        (
            "Justificatif d'emploi",
            "15",
            True,
            "Attestation de décision favorable d'une demande d'autorisation de travail",
        ),
        ("Justificatif d'identité", "07", True, "Titre d'identité"),
        ("Justificatif d'identité", "08", True, "MRZ"),
        ("Justificatif d'identité", "13", True, "Document étranger"),
        ("Justificatif de véhicule", "A0", True, "Certificat de qualité de l'air"),
        ("Justificatif de véhicule", "A7", True, "Certificat de qualité de l'air (V2)"),
        ("Justificatif de véhicule", "14", True, "Attestation DICEM"),
        ("Certificat d'immatriculation", "A8", True, "Certificat de cession électronique"),
        ("Justificatif permis de conduire", "A1", True, "Courrier Permis à Points"),
        ("Justificatif permis de conduire", "AA", True, "Arrêtés Permis de conduire"),
        ("Justificatif permis de conduire", "AB", True, "Relevé d'Information Permis de conduire"),
        ("Justificatif académique", "B0", True, "Diplôme"),
        (
            "Justificatif académique",
            "B1",
            True,
            "Attestation de Versement de la Contribution à la Vie Etudiante",
        ),
        ("Justificatif médical", "A4", True, "Certificat de décès"),
        ("Justificatif de santé", "A2", True, "Carte Mobilité Inclusion (CMI)"),
        (
            "Justificatif d'activité",
            "A3",
            False,
            "Macaron VTC (Véhicule de Transport avec Chauffeur)",
        ),
        (
            "Justificatif d'activité",
            "A5",
            False,
            "Carte T3P (Transport Public Particulier de Personnes)",
        ),
        ("Justificatif d'activité", "A6", False, "Carte Professionnelle Sapeur-Pompier"),
        ("Justificatif d'activité", "A9", True, "Permis de chasser"),
        ("Justificatif d'activité", "AC", True, "Licence de conducteur de train"),
        ("Justificatif juridique/judiciaire", "12", True, "Acte d'huissier"),
        ("Autorisations douanières", "C1", True, "Renseignement Tarifaire Contraignant"),
        ("Autorisations douanières", "C2", True, "Accord Préalable pour le transfert d'armes"),
        (
            "Autorisations douanières",
            "C3",
            True,
            "Permis de transfert d'armes à feu et de munitions",
        ),
        (
            "Autorisations douanières",
            "C4",
            True,
            "Autorisation d'importation de matériels de guerre",
        ),
        ("Autorisations douanières", "C5", True, "Licence d'exportation d'armes à feu"),
        (
            "Autorisations douanières",
            "C6",
            True,
            "Agrément de transfert d'armes à feu et de munitions",
        ),
        ("Autorisations douanières", "C7", True, "Bon de livraison"),
        ("Autorisations douanières", "C8", True, "Bon de livraison V2"),
        ("Résultats des tests virologiques", "B2", True, "Test COVID"),
        ("Attestation Vaccinale", "L1", True, "Attestation Vaccinale"),
        ("Justificatif d'Asile", "16", False, "Attestation de Demande d'Asile"),
        (
            "Justificatif d'Asile",
            "17",
            True,
            "Attestation de fin de droit à l'allocation pour demandeur d'asile (ADA)",
        ),
    ]
    table = {("01", code): DocType(code, name, cat, date) for cat, code, date, name in rows}
    table[("0001", "07")] = DocType(
        "07", "Titre d'identité (Réservé)", "Justificatif d'identité", True, perimeter="0001"
    )
    return table


#: Every document type, by (perimeter, code). C40 perimeter ``01``, binary perimeter ``0001``.
DOC_TYPES: Mapping[tuple[str, str], DocType] = _types()


def doc_type(code: str, perimeter: str = "01") -> DocType | None:
    """The document type ``code`` of ``perimeter``, or ``None`` if §6 defines no such type."""
    return DOC_TYPES.get((perimeter, code))


@dataclass(frozen=True)
class Condition:
    """``then`` are mandatory when field ``when`` holds one of ``values`` (raw text)."""

    when: str
    values: frozenset[str]
    then: frozenset[str]
    reason: str


@dataclass(frozen=True)
class FieldRules:
    """Which fields one document type holds (one table column of §8)."""

    doc_type: str
    mandatory: frozenset[str]
    optional: frozenset[str] = frozenset()
    forbidden: frozenset[str] = frozenset()
    #: Sections of §7 whose DIs not mentioned for the type are optional.
    sections: tuple[str, ...] = ("7.0",)
    #: Each entry: alternative groups, one of which must be wholly present.
    one_of: tuple[tuple[frozenset[str], ...], ...] = ()
    conditions: tuple[Condition, ...] = field(default=())

    @functools.cached_property
    def _mentioned(self) -> frozenset[str]:
        groups = {di for alternatives in self.one_of for group in alternatives for di in group}
        conditional = {di for condition in self.conditions for di in condition.then}
        return self.mandatory | self.optional | groups | conditional

    def mentioned(self) -> frozenset[str]:
        """Every DI the §8 table names for this type (mandatory, optional, in a group...)."""
        return self._mentioned

    def names(self, di: str) -> bool:
        """Whether the §8 table names ``di`` for this type (not just "any DI of section 7.x")."""
        return di in self.mentioned()

    def misfit(self, ids: Sequence[str]) -> int:
        """How badly a list of DIs fits this type: mandatory rules broken + DIs repeated."""
        present = set(ids)
        broken = len(self.mandatory - present)
        broken += sum(not any(g <= present for g in groups) for groups in self.one_of)
        return broken + len(ids) - len(present)

    @functools.cached_property
    def _allowed(self) -> frozenset[str]:
        return frozenset(
            entry.id
            for entry in all_identifiers()
            if entry.id not in self.forbidden
            and (entry.id in self._mentioned or entry.section in self.sections)
        )

    def allows(self, di: str) -> bool:
        """Whether ``di`` may appear in a document of this type (a DI of §7: named for the type
        in §8, or of one of its sections, and not forbidden)."""
        return di in self._allowed

    def missing(self, values: Mapping[str, str]) -> list[Violation]:
        """What the fields ``values`` (DI -> raw text) lack of the mandatory ones, one entry per
        broken rule, each naming the field to blame."""
        present = set(values)
        problems = [
            Violation(di, f"mandatory field {di} ({_name(di)}) is missing")
            for di in sorted(self.mandatory - present)
        ]
        for alternatives in self.one_of:
            if not any(group <= present for group in alternatives):
                shown = " or ".join("+".join(sorted(group)) for group in alternatives)
                blame = sorted(alternatives[0] - present)[0]
                problems.append(Violation(blame, f"one of {shown} must be present"))
        for condition in self.conditions:
            if values.get(condition.when) in condition.values:
                problems += [
                    Violation(di, f"field {di} ({_name(di)}) is mandatory: {condition.reason}")
                    for di in sorted(condition.then - present)
                ]
        return problems


@dataclass(frozen=True)
class Violation:
    """A broken §8 rule and the field it is about."""

    field: str
    message: str


def _name(di: str) -> str:
    entry = identifier(di)
    return entry.name if entry is not None else "unknown"


def _ids(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _rules(
    code: str,
    mandatory: str,
    optional: str = "",
    forbidden: str = "",
    sections: Collection[str] = ("7.0",),
    one_of: tuple[tuple[str, ...], ...] = (),
    conditions: tuple[Condition, ...] = (),
) -> FieldRules:
    return FieldRules(
        doc_type=code,
        mandatory=_ids(mandatory),
        optional=_ids(optional),
        forbidden=_ids(forbidden),
        sections=tuple(sections),
        one_of=tuple(tuple(_ids(group) for group in groups) for groups in one_of),
        conditions=conditions,
    )


# "La donnée 10 et les données (11, 12, 13) sont interchangeables."
_BENEFICIARY = (("10", "11 12 13"),)
_INVOICE_ONLY = "14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 1H 1M 1N 1O 1P 27 28 29 2A 2B 2C 2D"
_VEHICLE = ("7.0", "7.9", "7.11")
_CDD_CTT_CAP = Condition("5T", frozenset("023"), frozenset({"5U"}), "5T is CDD, CTT or CAP")


def _all_rules() -> dict[str, FieldRules]:
    rules = [
        # §8.1 proofs of address
        _rules(
            "00",
            "20 21 22 23 24 25 26",
            "1G 1I 1J 1K 1L",
            _INVOICE_ONLY,
            one_of=_BENEFICIARY,
        ),
        _rules(
            "01", "22 24 26", _INVOICE_ONLY + " 1G 1I 1J 1K 1L 20 21 23 25", one_of=_BENEFICIARY
        ),
        _rules(
            "02", "22 24 25 26", "1G 1I 1J 1K 1L 23", _INVOICE_ONLY + " 20 21", one_of=_BENEFICIARY
        ),
        # §8.2 banking
        _rules("03", "30 31 32", "08", "35 36 37 38", ("7.0", "7.2")),
        _rules("05", "08 30 35", "", "31 32 36 37 38", ("7.0", "7.2")),
        _rules("11", "30 31 32 36 37 38", "08 35", "", ("7.0", "7.2")),
        # §8.3 tax
        _rules("04", "43 44 45 46 47 4A", "41 48 49", "4B", ("7.0", "7.3")),
        _rules("09", "22 24 26", "", "", ("7.0", "7.3"), one_of=_BENEFICIARY),
        _rules("18", "43 44 45 46 4B", "41 47 48 49", "4A", ("7.0", "7.3")),
        # §8.4 employment
        _rules(
            "06",
            "50 53 54 55 58 59",
            "57 5A 5M 5O 5P 5T 5U",
            "5N 5Q 5R 5S 61 62 66 67 69 6A 6L 6Z",
            ("7.0", "7.4"),
            one_of=_BENEFICIARY,
        ),
        _rules(
            "10",
            "50 57 5A 61 62",
            "53 54 55 58 59 5M 5O 5P 5T 5U",
            "10 11 12 13 5N 5Q 5R 5S 66 67 69 6A 6L 6Z",
            ("7.0", "7.4"),
        ),
        _rules(
            "15",
            "55 5N 5Q 5R 5S 5T 61 62 67 69 6A 6L",
            "66 6Z",
            "10 11 12 13 53 54 57 58 59 5A",
            ("7.0", "7.4"),
            one_of=(("50 5M", "5O 5P"),),
            conditions=(_CDD_CTT_CAP,),
        ),
        # §8.5 identity
        _rules(
            "07",
            "60 62 65 66 67 68 6C",
            "61 63 69 6A 6F 6N 6O 6S 6T 6U 6V 6W 6X 6Y",
            "6J 6K 6L 6M 6P 6Q 6R",
            ("7.0", "7.5"),
        ),
        _rules(
            "08",
            "6F",
            "",
            "60 61 62 63 65 66 67 68 69 6A 6C 6J 6K 6L 6M 6N 6O 6P 6Q 6R 6S 6T 6U 6V 6W 6X 6Y",
            ("7.0", "7.5"),
        ),
        _rules(
            "13",
            "60 62 63 67 68 69 6A 6C 6J 6K 6L 6P 6Q 6U 6W 6X",
            "61 66 6M 6N 6O 6R 6S 6T 6V 6Y",
            "65 6F",
            ("7.0", "7.5"),
        ),
        # §8.6 vehicles
        _rules("A0", "A0 A1 A2 A3 A4 A5 A6 A7 A9", "AA", "", _VEHICLE),
        _rules("A1", "AB AC 60 69 6G 6H", "6A", "", _VEHICLE),
        _rules("A2", "AH AI", "", "", _VEHICLE),
        _rules("A3", "A1 AJ AK", "", "", _VEHICLE),
        _rules("A5", "AI AL", "", "", _VEHICLE),
        _rules("A7", "A0 A1 A2 A4 A5 A6 A9 AM", "A3 A7 AA", "", _VEHICLE),
        _rules(
            "A8",
            "A1 A4 AA AN C1 C2 C3 C4 C6 C7 C8 C9 CA CB CC",
            "C0 C5",
            "A0 A2 A3 A5 A6 A7 A9",
            _VEHICLE,
        ),
        _rules(
            "14",
            "A2 AO AP AQ AS AT AW AY AZ 60 62",
            "AR AU AV AX",
            "A0 A1 A3 A4 A5 A6 A7 A9 AA",
            _VEHICLE,
            conditions=(
                Condition("AT", frozenset("1"), _ids("69 6A"), "the owner is a person (AT=1)"),
                Condition("AT", frozenset("2"), _ids("5L 5M"), "the owner is a company (AT=2)"),
            ),
        ),
        # §8.7 academic
        _rules(
            "B0",
            "B2 B6 B7 B9 BD BG BH BI BJ",
            "BB",
            "BK",
            ("7.0", "7.10"),
            one_of=(("B0", "B1"),),
        ),
        _rules("B1", "B0 B2 B7 BB BK", "", "B1 B6 B9 BD BG BH BI BJ", ("7.0", "7.10")),
        # §8.8 medical
        _rules(
            "A4",
            "72 73 77 78 7C 7D 7E 7G 7K 7M",
            "",
            "",
            ("7.0", "7.6"),
            one_of=(("70", "71"),),
        ),
        # §8.9 activity
        _rules("A6", "80 81 82 83", "86", "69 85 AI", ("7.0", "7.7")),
        _rules("A9", "69 80 81 85", "86", "82 83 AI", ("7.0", "7.7")),
        _rules("AC", "80 81 82 86", "AI", "83 85", ("7.0", "7.7")),
        # §8.10 legal
        _rules("12", "90 92 94 96", "91 93 95"),
        # §8.11 customs (persons: natural "(1)/(3)/(7)" or legal "(2)/(4)/(5)/(6)/(8)/(9)")
        _rules("C1", "D0 D1 D2 D3 D4 D5 D8"),
        _rules(
            "C2",
            "D6 D7 D8 DY",
            "DH DI DW",
            "DX",
            one_of=(("DB DC DD", "DE"), ("DQ DR DS", "DT DU DV")),
        ),
        _rules(
            "C3",
            "D6 D7 D8 DY",
            "DH DW DX",
            one_of=(("DB DC DD", "DE DF DG"), ("DQ DR DS", "DT")),
        ),
        _rules(
            "C4",
            "D6 D7 D8 DY",
            "DH DI",
            one_of=(("DB DC DD", "DE"), ("DQ DR DS", "DT DU DV DW")),
        ),
        _rules(
            "C5",
            "D7 D9 DA DY",
            "DW DX",
            one_of=(("DJ DK DL", "DM DN DO DP"), ("DQ DR DS", "DT")),
        ),
        _rules("C6", "D6 D7 D8 DE DF DG DT DY", "DH DW DX"),
        _rules("C7", "DE DM DT DY DZ H0 H1 H2 H3 H4 H5 H7 H8 H9 HA HB HC", "H6"),
        _rules(
            "C8",
            "DE DI DM DT DX DY DZ H1 H3 H4 H5 H7 H8 H9 HA HB HC HD HE HF HG HH",
            "H6",
        ),
        # §8.12-8.15
        _rules("B2", "F0 F1 F2 F3 F4 F5 F6"),
        _rules("L1", "L0 L1 L2 L3 L4 L5 L6 L7 L8 L9 LA", sections=()),
        _rules("16", "60 62 67 69 6O 6Q G0 G1 G2"),
        _rules("17", "60 69 6G 6H 6Q G3 G4 G5"),
        _rules("AA", "60 69 6A 6G 6H AC E0 E1", "09 AD AE E2 E3"),
        _rules("AB", "09 60 69 6A 6G 6H AC E4 E5 E8", "AG E6 E7"),
    ]
    return {rule.doc_type: rule for rule in rules}


_RULES: Mapping[str, FieldRules] = _all_rules()


@dataclass(frozen=True)
class Revision:
    """A revision of the specification that changed a document type.

    Codes signed before the revision was published may follow the earlier rules
    (``rules_before``, ``issue_date_required_before``) or, as the specification's own reference
    codes made during the transition do, the new ones: either is accepted.
    """

    def doc_type_before(self, entry: DocType) -> DocType:
        """``entry`` (the current type) with the header rule in force before the revision."""
        return dataclasses.replace(entry, issue_date_required=self.issue_date_required_before)

    doc_type: str
    version: str
    published: dt.date
    rules_before: FieldRules
    issue_date_required_before: bool


#: From the specification's revision history (v3.2.6, page 6).
REVISIONS: tuple[Revision, ...] = (
    # 3.2.3 (23/06/2022): "Renommage et modifications majeures du type de document DI 04 (Avis
    # d'impôt sur les revenus) et des champs associés (DI de 40 à 4A)". The earlier rules are
    # not in the v3.2.6 text; they are taken from the type 04 specimens the v3.1.3 specification
    # published (fixtures/twoddoc/spec_vectors/spec_samples_v313): an issue date in the header,
    # the tax number (40) and the reference income (41), the beneficiary (10 or 11-13) optional.
    Revision(
        "04",
        "3.2.3",
        dt.date(2022, 6, 23),
        _rules("04", "40 41", "10 11 12 13 42 43 44 45 46 47 48 49", "", ("7.0", "7.3")),
        issue_date_required_before=True,
    ),
)


def earlier_rules(code: str, signed_on: dt.date | None) -> Revision | None:
    """The revision of ``code`` published after ``signed_on`` whose earlier rules a code signed
    then may follow instead of the current ones (during a transition both are accepted)."""
    if signed_on is None:
        return None
    later = [r for r in REVISIONS if r.doc_type == code and signed_on < r.published]
    return min(later, key=lambda r: r.published) if later else None


def rules_for(code: str, perimeter: str = "01") -> FieldRules | None:
    """The field rules of document type ``code``, or ``None`` if §8 gives none (an unknown type,
    or the binary perimeter, which has no published data identifiers)."""
    if perimeter != "01":
        return None
    return _RULES.get(code)
