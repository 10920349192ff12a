# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated; everything else here is checked strictly)
"""Find every signature of a PDF and the validation data it carries, without trusting the file.

pyHanko's own enumeration skips what it does not understand (unsupported SubFilters, malformed
field entries) with only a log warning. Here every filled signature field is returned, with
what is wrong with it, so the verifier can report it instead of silently ignoring it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from asn1crypto import cms, ocsp
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader

__all__ = [
    "SIGNATURE_SUBFILTERS",
    "TIMESTAMP_SUBFILTERS",
    "EmbeddedValidationData",
    "SignatureField",
    "deref",
    "find_signature_fields",
    "read_cms_revinfo",
    "read_dss",
]

#: SubFilters of signatures sealdoc can validate.
SIGNATURE_SUBFILTERS = frozenset({"/ETSI.CAdES.detached", "/adbe.pkcs7.detached"})
#: SubFilter of document time-stamps.
TIMESTAMP_SUBFILTERS = frozenset({"/ETSI.RFC3161"})

_MAX_FIELD_DEPTH = 32
_MAX_FIELD_NODES = 10_000
_MAX_DSS_ITEMS = 10_000


@dataclass(frozen=True)
class SignatureField:
    """A filled signature field: its name, dictionaries, and what kind of signature it holds.

    ``problem`` is set when the field cannot be processed at all (then ``value`` may be
    anything); the verifier reports such a field as FAILED.
    """

    name: str
    field: generic.DictionaryObject
    value: generic.PdfObject | None
    kind: str  # "signature" or "timestamp"
    subfilter: str | None
    problem: str | None = None


def deref(obj: generic.PdfObject | None) -> generic.PdfObject | None:
    seen = 0
    while isinstance(obj, generic.IndirectObject) and seen < 8:
        obj = obj.get_object()
        seen += 1
    return obj


def _get(node: generic.DictionaryObject, key: str) -> generic.PdfObject | None:
    """``node[key]`` dereferenced, or ``None`` (pyHanko's ``get`` does not dereference)."""
    return deref(node.get(key))


def _field_name(node: generic.DictionaryObject) -> str | None:
    name = _get(node, "/T")
    if isinstance(name, generic.TextStringObject | generic.ByteStringObject):
        return str(name) if isinstance(name, generic.TextStringObject) else repr(name)
    return None


def find_signature_fields(reader: PdfFileReader, *, max_fields: int) -> list[SignatureField]:
    """Every filled signature field reachable from ``/AcroForm /Fields``, in document order.

    Walks the field tree iteratively with bounds on depth and size (circular or absurdly deep
    trees are cut). Raises ``ValueError`` when the document has more than ``max_fields``
    filled signature fields.
    """
    acroform = deref(reader.root.get("/AcroForm"))
    if not isinstance(acroform, generic.DictionaryObject):
        return []
    fields = deref(acroform.get("/Fields"))
    if not isinstance(fields, generic.ArrayObject):
        return []
    found: list[SignatureField] = []
    seen: set[tuple[int, int]] = set()
    budget = _MAX_FIELD_NODES
    # stack of (node, parent name, inherited /FT, depth); reversed to keep document order
    stack: list[tuple[generic.PdfObject, str, str | None, int]] = [
        (entry, "", None, 0) for entry in reversed(list(fields))
    ]
    while stack:
        entry, parent_name, inherited_type, depth = stack.pop()
        budget -= 1
        if budget < 0 or depth > _MAX_FIELD_DEPTH:
            break
        if isinstance(entry, generic.IndirectObject):
            ref = (entry.idnum, entry.generation)
            if ref in seen:
                continue
            seen.add(ref)
        node = deref(entry)
        if not isinstance(node, generic.DictionaryObject):
            continue
        own_name = _field_name(node)
        name = (
            parent_name
            if own_name is None
            else (f"{parent_name}.{own_name}" if parent_name else own_name)
        )
        field_type = _get(node, "/FT")
        field_type_name = str(field_type) if isinstance(field_type, generic.NameObject) else None
        effective_type = field_type_name or inherited_type
        if effective_type == "/Sig" and "/V" in node:
            found.append(_classify(node, name or "(unnamed)"))
            if len(found) > max_fields:
                raise ValueError(f"the PDF has more than {max_fields} filled signature fields")
        kids = deref(node.get("/Kids"))
        if isinstance(kids, generic.ArrayObject):
            for kid in reversed(list(kids)):
                stack.append((kid, name, effective_type, depth + 1))
    return found


def _classify(node: generic.DictionaryObject, name: str) -> SignatureField:
    raw_value = node.raw_get("/V")
    value = deref(raw_value)
    if not isinstance(raw_value, generic.IndirectObject):
        # pyHanko needs the reference to find the revision the signature belongs to
        return SignatureField(
            name,
            node,
            value,
            "signature",
            None,
            problem="the signature dictionary is not an indirect object",
        )
    if not isinstance(value, generic.DictionaryObject):
        return SignatureField(
            name,
            node,
            value,
            "signature",
            None,
            problem="the field's value is not a signature dictionary",
        )
    subfilter_obj = _get(value, "/SubFilter")
    subfilter = str(subfilter_obj) if isinstance(subfilter_obj, generic.NameObject) else None
    type_obj = _get(value, "/Type")
    sig_type = str(type_obj) if isinstance(type_obj, generic.NameObject) else None
    is_timestamp = sig_type == "/DocTimeStamp" or subfilter in TIMESTAMP_SUBFILTERS
    kind = "timestamp" if is_timestamp else "signature"
    allowed = TIMESTAMP_SUBFILTERS if is_timestamp else SIGNATURE_SUBFILTERS
    problem = None
    if subfilter is None:
        problem = "the signature dictionary has no /SubFilter"
    elif subfilter not in allowed:
        problem = f"unsupported SubFilter {subfilter} for a {kind}"
    elif is_timestamp and sig_type not in (None, "/DocTimeStamp"):
        problem = f"a {subfilter} value in a dictionary of /Type {sig_type}"
    return SignatureField(name, node, value, kind, subfilter, problem)


@dataclass
class EmbeddedValidationData:
    """Certificates, OCSP responses and CRLs found in the document (DSS, CMS attributes)."""

    certs: list[asn1_x509.Certificate] = field(default_factory=list)
    ocsps: list[ocsp.OCSPResponse] = field(default_factory=list)
    crls: list[asn1_crl.CertificateList] = field(default_factory=list)
    unreadable: int = 0
    present: bool = False

    def extend(self, other: EmbeddedValidationData) -> EmbeddedValidationData:
        return EmbeddedValidationData(
            certs=self.certs + other.certs,
            ocsps=self.ocsps + other.ocsps,
            crls=self.crls + other.crls,
            unreadable=self.unreadable + other.unreadable,
            present=self.present or other.present,
        )


def _streams(container: generic.PdfObject | None) -> Iterator[generic.StreamObject | None]:
    array = deref(container)
    if not isinstance(array, generic.ArrayObject):
        return
    for index, item in enumerate(array):
        if index >= _MAX_DSS_ITEMS:
            return
        obj = deref(item)
        yield obj if isinstance(obj, generic.StreamObject) else None


def _load_cert(data: bytes) -> asn1_x509.Certificate:
    cert = asn1_x509.Certificate.load(data, strict=True)
    _ = cert.issuer_serial, cert.public_key.algorithm
    return cert


def _load_ocsp(data: bytes) -> ocsp.OCSPResponse:
    response = ocsp.OCSPResponse.load(data, strict=True)
    _ = response["response_status"].native, response.basic_ocsp_response["tbs_response_data"]
    return response


def _load_crl(data: bytes) -> asn1_crl.CertificateList:
    crl = asn1_crl.CertificateList.load(data, strict=True)
    _ = crl.issuer.sha256, crl["tbs_cert_list"]["this_update"].native
    return crl


def read_dss(reader: PdfFileReader) -> EmbeddedValidationData:
    """The Document Security Store of the latest revision; unreadable items are counted."""
    result = EmbeddedValidationData()
    dss = deref(reader.root.get("/DSS"))
    if not isinstance(dss, generic.DictionaryObject):
        return result
    result.present = True
    for key, purpose, loader, target in (
        ("/Certs", DecodePurpose.CERTIFICATE, _load_cert, result.certs),
        ("/OCSPs", DecodePurpose.OCSP_RESPONSE, _load_ocsp, result.ocsps),
        ("/CRLs", DecodePurpose.CRL, _load_crl, result.crls),
    ):
        for stream in _streams(dss.get(key)):
            if stream is None:
                result.unreadable += 1
                continue
            try:
                data = stream.read_data(purpose)
            except PdfDecodeLimitError:
                raise  # a decompression bomb stops the whole verification
            except PdfReadError:
                result.unreadable += 1
                continue
            try:
                target.append(loader(data))
            except (ValueError, TypeError, KeyError, EOFError, OverflowError):
                result.unreadable += 1
    return result


def read_cms_revinfo(signer_info: cms.SignerInfo) -> EmbeddedValidationData:
    """Revocation data in the Adobe ``revocationInfoArchival`` signed attribute, if any."""
    result = EmbeddedValidationData()
    try:
        attrs = signer_info["signed_attrs"]
        for attr in attrs:
            if attr["type"].native != "adobe_revocation_info_archival":
                continue
            result.present = True
            for value in attr["values"]:
                for item in value["crl"] or ():
                    result.crls.append(_load_crl(item.dump()))
                for item in value["ocsp"] or ():
                    result.ocsps.append(_load_ocsp(item.dump()))
    except (ValueError, TypeError, KeyError, EOFError, OverflowError):
        result.unreadable += 1
    return result
