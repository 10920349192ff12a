"""The 2D-Doc checks that need no trust material: the signature and the fields.

- :func:`check_signature` (id ``signature``): ECDSA over :attr:`TwoDDoc.signed_data` with the hash
  the curve calls for (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512), signature ``r||s``.
- :func:`check_fields` (id ``fields``): the header and every field against the specification
  (§6 document types, §7 data identifiers, §8 mandatory fields); the message lists every
  problem, not only the first.

Which public key to use (resolving the certificate of ``ca_id``/``cert_id``, chain, revocation)
is :mod:`sealdoc.trust`'s business.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from sealdoc.report import Check, SubIndication
from sealdoc.twoddoc.codec import Field, TwoDDoc
from sealdoc.twoddoc.dictionary import identifier, value_problems
from sealdoc.twoddoc.doctypes import DocType, FieldRules, doc_type, earlier_rules, rules_for

__all__ = ["CURVE_HASHES", "check_fields", "check_signature", "curve_hash"]

#: The hash each curve is used with in 2D-Doc (§3.5.2 and the ANTS process).
CURVE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
    "secp521r1": hashes.SHA512,
}


def curve_hash(key: ec.EllipticCurvePublicKey) -> hashes.HashAlgorithm | None:
    """The hash for ``key``'s curve, or ``None`` for a curve 2D-Doc does not use."""
    algorithm = CURVE_HASHES.get(key.curve.name)
    return algorithm() if algorithm is not None else None


def _scheme(algorithm: hashes.HashAlgorithm) -> tuple[ec.ECDSA, str]:
    return ec.ECDSA(algorithm), algorithm.name.upper()


#: The signature algorithm and its hash's name by curve (immutable; built once, as building one
#: costs more than hashing a code).
_ECDSA_BY_CURVE = {name: _scheme(algorithm()) for name, algorithm in CURVE_HASHES.items()}


def check_signature(doc: TwoDDoc, public_key: object) -> Check:
    """Verify the signature of ``doc`` with ``public_key`` (or a certificate's key).

    FAILED with ``FORMAT_FAILURE`` if the code has no signature or one of the wrong length for
    the curve; ``CRYPTO_CONSTRAINTS_FAILURE`` for a key that is not on P-256/P-384/P-521;
    ``SIG_CRYPTO_FAILURE`` if the signature does not match the signed data.
    """
    key = public_key.public_key() if isinstance(public_key, x509.Certificate) else public_key
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return Check.failed(
            "signature",
            f"2D-Doc signatures are ECDSA; the key given is {type(key).__name__}",
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
        )
    curve = key.curve
    scheme = _ECDSA_BY_CURVE.get(curve.name)
    if scheme is None:
        return Check.failed(
            "signature",
            f"curve {curve.name} is not used by 2D-Doc (P-256, P-384 or P-521 are)",
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
        )
    if doc.signature is None:
        return Check.failed(
            "signature", "the code carries no signature", SubIndication.FORMAT_FAILURE
        )
    size = (curve.key_size + 7) // 8
    if len(doc.signature) != 2 * size:
        return Check.failed(
            "signature",
            f"the signature has {len(doc.signature)} bytes; a {curve.name} signature r||s "
            f"has {2 * size}",
            SubIndication.FORMAT_FAILURE,
        )
    r = int.from_bytes(doc.signature[:size], "big")
    s = int.from_bytes(doc.signature[size:], "big")
    ecdsa, hash_name = scheme
    try:
        key.verify(encode_dss_signature(r, s), doc.signed_data, ecdsa)
    except InvalidSignature:
        return Check.failed(
            "signature",
            f"the ECDSA signature does not match the signed data ({curve.name}, "
            f"{hash_name}): the code was altered or signed with another key",
            SubIndication.SIG_CRYPTO_FAILURE,
        )
    return Check.passed(
        "signature",
        f"ECDSA {curve.name}/{hash_name} signature over {len(doc.signed_data)} bytes verified",
    )


def check_fields(doc: TwoDDoc) -> Check:
    """Check the header and fields of ``doc`` against §6-§8; list every problem found.

    A code signed before a revision of its type's rules (:data:`~sealdoc.twoddoc.doctypes.
    REVISIONS`) passes if it follows either the current rules or those in force before.
    """
    header = doc.header
    perimeter = header.effective_perimeter
    c40 = [f for f in doc.fields if f.encoding == "c40"]
    binary = len(doc.fields) - len(c40) + sum(f.encoding == "binary" for f in doc.annex)
    unchecked = (
        f"; {binary} binary field(s) not checked (no published identifiers)" if binary else ""
    )
    entry = doc_type(header.doc_type, perimeter)
    if perimeter != "01":
        problems = _header_problems(doc, entry)
        if problems:
            return _failed(problems, unchecked)
        return Check.skipped(
            "fields", f"perimeter {perimeter} has no published data identifiers{unchecked}"
        )
    problems = _problems(doc, c40, entry, rules_for(header.doc_type, perimeter))
    under = ""
    revision = earlier_rules(header.doc_type, header.signature_date)
    if problems and entry is not None and revision is not None:
        earlier = _problems(doc, c40, revision.doc_type_before(entry), revision.rules_before)
        if not earlier:
            problems = []
            under = f" as in force before v{revision.version} of the specification"
    if problems:
        return _failed(problems, unchecked)
    notes = f" (read with allowances: {'; '.join(doc.notes)})" if doc.notes else ""
    name = doc.doc_type_name or header.doc_type
    return Check.passed(
        "fields",
        f"{len(doc.fields)} field(s) conform to document type {name}{under}{notes}{unchecked}",
    )


def _problems(
    doc: TwoDDoc, c40: list[Field], entry: DocType | None, rules: FieldRules | None
) -> list[str]:
    """Every problem of the header and C40 fields of ``doc`` under ``entry`` and ``rules``."""
    problems = _header_problems(doc, entry)
    not_allowed = []  # reported after the problems of the values, the annex's included
    for field in c40:
        known = identifier(field.id)
        if known is None:
            problems.append(f"field {field.id}: unknown data identifier (not in §7)")
            continue
        found = value_problems(known, field.raw, truncated=field.truncated)
        if found:
            problems += [f"field {field.id} ({known.name}): {problem}" for problem in found]
        if rules is not None and not rules.allows(field.id):
            not_allowed.append(
                f"field {field.id}: not allowed in document type {doc.header.doc_type}"
            )
    if doc.annex:
        problems += _field_problems(doc.annex, "annex field")
    problems += not_allowed
    ids = [f.id for f in c40]
    if rules is not None:
        problems += [violation.message for violation in rules.missing({f.id: f.raw for f in c40})]
    if len(set(ids)) != len(ids):
        repeated = sorted(di for di, count in Counter(ids).items() if count > 1)
        problems += [f"field {di}: appears more than once" for di in repeated]
    return problems


def _failed(problems: list[str], unchecked: str) -> Check:
    return Check.failed(
        "fields",
        f"{len(problems)} problem(s): " + "; ".join(problems) + unchecked,
        SubIndication.FORMAT_FAILURE,
    )


def _header_problems(doc: TwoDDoc, entry: DocType | None) -> list[str]:
    header = doc.header
    problems = []
    if header.encoding == "binary" and header.version != 4:
        problems.append(
            f"header: a binary header has version 04, this one says {header.version:02d} "
            "(the example of spec §3.3.4 has this error)"
        )
    if entry is None:
        problems.append(
            f"header: document type {header.doc_type} is not defined in perimeter "
            f"{header.effective_perimeter} (§6); its fields cannot be checked against §8"
        )
    elif entry.issue_date_required and header.issue_date is None:
        problems.append(f"header: document type {entry.code} requires an issue date (§6)")
    elif not entry.issue_date_required and header.issue_date is not None:
        problems.append(f"header: document type {entry.code} has no issue date (§6: FFFF expected)")
    if header.signature_date is None:
        problems.append("header: the signature date is FFFF (none)")
    if header.perimeter is not None and header.encoding == "c40" and header.perimeter != "01":
        problems.append(f"header: perimeter {header.perimeter} is not defined (only 01 is)")
    return problems


def _field_problems(fields: Sequence[Field], what: str) -> list[str]:
    problems = []
    for field in fields:
        if field.encoding == "binary":
            continue
        entry = identifier(field.id)
        if entry is None:
            problems.append(f"{what} {field.id}: unknown data identifier (not in §7)")
            continue
        problems += [
            f"{what} {field.id} ({entry.name}): {problem}"
            for problem in value_problems(entry, field.raw, truncated=field.truncated)
        ]
    return problems
