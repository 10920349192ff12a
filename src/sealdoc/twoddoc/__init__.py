"""2D-Doc: the French standard for signed DataMatrix codes on administrative documents.

Read and check a code::

    from sealdoc.twoddoc import TwoDDoc, check_fields, check_signature

    doc = TwoDDoc.parse(code)                 # ParseError for anything malformed
    check_fields(doc)                          # Check "fields": §6-§8 of the specification
    check_signature(doc, certificate)          # Check "signature": ECDSA over signed_data

Issue one::

    from sealdoc.twoddoc import sign

    code = sign("06", {"10": "M/EXEMPLE/HENRY", ...}, key, ca_id="FR00", cert_id="0001",
                issue_date=date(2012, 11, 15), signature_date=date(2013, 10, 16))

Modules: :mod:`~sealdoc.twoddoc.codec` (parsing), :mod:`~sealdoc.twoddoc.header`,
:mod:`~sealdoc.twoddoc.message` (field splitting), :mod:`~sealdoc.twoddoc.dictionary` (the
data identifiers of §7), :mod:`~sealdoc.twoddoc.doctypes` (§6 types, §8 rules),
:mod:`~sealdoc.twoddoc.models` (typed documents), :mod:`~sealdoc.twoddoc.dates`,
:mod:`~sealdoc.twoddoc.multicode`, :mod:`~sealdoc.twoddoc.sign`,
:mod:`~sealdoc.twoddoc.checks`. Rendering and scanning DataMatrix symbols:
:mod:`sealdoc.twoddoc.datamatrix`.
"""

from sealdoc.twoddoc.checks import check_fields, check_signature
from sealdoc.twoddoc.codec import Field, TwoDDoc
from sealdoc.twoddoc.dictionary import DataIdentifier, all_identifiers, identifier
from sealdoc.twoddoc.doctypes import DOC_TYPES, DocType, FieldRules, doc_type, rules_for
from sealdoc.twoddoc.header import Header
from sealdoc.twoddoc.models import GenericDocument, TypedDocument, document_model
from sealdoc.twoddoc.multicode import assemble
from sealdoc.twoddoc.sign import RawEcdsaSigner, Truncated, sign

__all__ = [
    "DOC_TYPES",
    "DataIdentifier",
    "DocType",
    "Field",
    "FieldRules",
    "GenericDocument",
    "Header",
    "RawEcdsaSigner",
    "Truncated",
    "TwoDDoc",
    "TypedDocument",
    "all_identifiers",
    "assemble",
    "check_fields",
    "check_signature",
    "doc_type",
    "document_model",
    "identifier",
    "rules_for",
    "sign",
]
