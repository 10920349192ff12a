"""Turn what pyHanko (and our own structural checks) found into report :class:`Check` objects.

Each function looks at one aspect of one signature and returns the check for it; none of them
raises on bad input (the inputs here were already parsed by the caller).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel, SuspiciousModification
from pyhanko.sign.validation.status import SignatureCoverageLevel

from sealdoc.pades.policy import AlgorithmPolicy
from sealdoc.report import Check, SubIndication

__all__ = [
    "algorithms_check",
    "byte_range_problem",
    "coverage_check",
    "modifications_check",
    "sub_indication",
    "trust_problem_check",
]

_HEX = re.compile(rb"\A<[0-9A-Fa-f\s]*>\Z")


def sub_indication(indic: object) -> SubIndication:
    """Map a pyHanko AdES sub-indication to ours (by name; GENERIC when unknown)."""
    name = getattr(indic, "name", None)
    if name == "REVOCATION_OUT_OF_BOUNDS_NO_POE":
        return SubIndication.OUT_OF_BOUNDS_NO_POE
    try:
        return SubIndication[str(name)]
    except KeyError:
        return SubIndication.GENERIC


def trust_problem_check(check_id: str, indic: object, what: str) -> Check:
    """A failed or indeterminate check from a pyHanko trust problem indication."""
    sub = sub_indication(indic)
    name = getattr(indic, "name", str(indic))
    message = f"{what}: {name.replace('_', ' ').lower()}"
    if isinstance(indic, AdESFailure):
        return Check.failed(check_id, message, sub)
    if isinstance(indic, AdESIndeterminate):
        return Check.indeterminate(check_id, message, sub)
    return Check.indeterminate(check_id, message, SubIndication.GENERIC)


def byte_range_problem(byte_range: object, data: bytes) -> str | None:
    """What is wrong with a signature's ``/ByteRange`` in ``data``, or ``None``.

    A sound byte range is ``[0 a b c]`` with ``a < b``, ``b + c`` within the file, and the gap
    ``a..b`` holding exactly the hex string of ``/Contents``: no gap elsewhere, no overlap.
    """
    if not isinstance(byte_range, generic.ArrayObject | list):
        return "/ByteRange is not an array"
    values = list(byte_range)
    if len(values) != 4 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return f"/ByteRange must be four integers, not {len(values)} values"
    start1, len1, start2, len2 = (int(v) for v in values)
    if min(values) < 0:
        return "/ByteRange has a negative offset or length"
    if start1 != 0:
        return f"/ByteRange does not start at the beginning of the file (offset {start1})"
    if start2 < len1:
        return "/ByteRange ranges overlap"
    if start2 + len2 > len(data):
        return f"/ByteRange ends at byte {start2 + len2}, beyond the end of the file ({len(data)})"
    if start2 == len1:
        return "/ByteRange leaves no room for the signature value"
    if not _HEX.match(data[len1:start2]):
        return (
            "the bytes between the two signed ranges are not just the signature value "
            "(an unsigned gap)"
        )
    return None


def coverage_check(
    level: SignatureCoverageLevel | None,
    range_problem: str | None,
    *,
    later_revisions: int,
) -> Check:
    if range_problem is not None:
        return Check.failed("coverage", range_problem, SubIndication.FORMAT_FAILURE)
    if level == SignatureCoverageLevel.ENTIRE_FILE:
        return Check.passed("coverage", "the signature covers the whole file")
    if level == SignatureCoverageLevel.ENTIRE_REVISION:
        return Check.passed(
            "coverage",
            f"the signature covers its revision of the file; {later_revisions} later "
            "revision(s) were appended (see modifications)",
        )
    if level == SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START:
        return Check.failed(
            "coverage",
            "the signature covers the start of the file but not its whole revision "
            "(cross-reference data outside the signed range)",
            SubIndication.FORMAT_FAILURE,
        )
    return Check.failed(
        "coverage", "the signed byte range is not a standard one", SubIndication.FORMAT_FAILURE
    )


def modifications_check(
    diff: DiffResult | SuspiciousModification | None,
    *,
    diff_error: str | None,
    later_signatures: dict[str, bool],
) -> Check:
    """Verdict on what happened to the document after this signature.

    ``later_signatures`` maps the names of signature fields signed after this one to whether
    their widget is visible. Filling *any* other form field is a modification; so is a later
    visible signature (its appearance could cover the sealed content).
    """
    if diff_error is not None:
        return Check.indeterminate(
            "modifications",
            f"the changes made after signing could not be analysed: {diff_error}",
            SubIndication.GENERIC,
        )
    if diff is None:
        return Check.indeterminate(
            "modifications", "changes after signing were not analysed", SubIndication.GENERIC
        )
    if isinstance(diff, SuspiciousModification):
        return Check.failed(
            "modifications",
            f"the document was modified after signing: {diff}",
            SubIndication.SIG_CONSTRAINTS_FAILURE,
        )
    level = diff.modification_level
    if level == ModificationLevel.NONE:
        return Check.passed("modifications", "no change after signing")
    if level == ModificationLevel.LTA_UPDATES:
        return Check.passed(
            "modifications",
            "only validation data and document time-stamps were added after signing",
        )
    if level == ModificationLevel.FORM_FILLING:
        fields = sorted(diff.changed_form_fields)
        others = [name for name in fields if name not in later_signatures]
        visible = [name for name in fields if later_signatures.get(name)]
        if not others and not visible:
            return Check.passed(
                "modifications",
                "only invisible signatures were added after signing: " + ", ".join(fields),
            )
        if others:
            message = "form fields were filled after signing: " + ", ".join(others)
        else:
            message = "visible signatures were added after signing: " + ", ".join(visible)
        return Check.failed("modifications", message, SubIndication.SIG_CONSTRAINTS_FAILURE)
    if level == ModificationLevel.ANNOTATIONS:
        return Check.failed(
            "modifications",
            "annotations were added or changed after signing",
            SubIndication.SIG_CONSTRAINTS_FAILURE,
        )
    return Check.failed(
        "modifications",
        "the document was modified after signing (pages, content, appearances or structure)",
        SubIndication.SIG_CONSTRAINTS_FAILURE,
    )


def _cert_algorithms(
    cert: asn1_x509.Certificate, policy: AlgorithmPolicy, label: str
) -> Iterable[str]:
    try:
        sig_algo = cert["signature_algorithm"]
        hash_name = sig_algo.hash_algo
    except (ValueError, KeyError):
        hash_name = None
    if hash_name is not None:
        problem = policy.digest_problem(hash_name)
        if problem:
            yield f"{label} is signed with a weak hash: {problem}"
    problem = policy.key_problem(cert.public_key)
    if problem:
        yield f"{label} has a weak key: {problem}"


def algorithms_check(
    signer_info: cms.SignerInfo,
    signer_cert: asn1_x509.Certificate | None,
    chain: Sequence[asn1_x509.Certificate],
    policy: AlgorithmPolicy,
    *,
    extra_digests: Sequence[tuple[str, str]] = (),
) -> Check:
    """Digest and signature algorithms and key sizes of a signature and its chain.

    ``chain`` excludes the trust anchor (its self-signature carries no weight).
    ``extra_digests`` are (label, digest name) pairs, e.g. a time-stamp's message imprint.
    """
    problems: list[str] = []
    used: list[str] = []
    try:
        digest = str(signer_info["digest_algorithm"]["algorithm"].native)
        mechanism = signer_info["signature_algorithm"]
        mechanism_name = str(mechanism["algorithm"].native)
    except (ValueError, KeyError) as exc:
        return Check.failed(
            "algorithms",
            f"the signature's algorithms cannot be read: {exc}",
            SubIndication.FORMAT_FAILURE,
        )
    used.append(f"{digest.upper()} / {mechanism_name}")
    problem = policy.digest_problem(digest)
    if problem:
        problems.append(f"message digest: {problem}")
    try:
        implied = mechanism.hash_algo
    except (ValueError, KeyError):
        implied = None
    if implied is not None:
        problem = policy.digest_problem(implied)
        if problem and implied.lower() != digest.lower():
            problems.append(f"signature algorithm: {problem}")
        if implied.lower() != digest.lower():
            problems.append(
                f"the message digest ({digest.upper()}) and the signature algorithm "
                f"({implied.upper()}) use different hashes (RFC 8933)"
            )
    if signer_cert is not None:
        problem = policy.key_problem(signer_cert.public_key)
        if problem:
            problems.append(f"signer key: {problem}")
        else:
            used.append(
                f"{signer_cert.public_key.algorithm.upper()}-{signer_cert.public_key.bit_size}"
            )
        problems.extend(_cert_algorithms(signer_cert, policy, "the signer certificate"))
    for index, cert in enumerate(chain):
        problems.extend(_cert_algorithms(cert, policy, f"CA certificate {index + 1} of the chain"))
    for label, name in extra_digests:
        problem = policy.digest_problem(name)
        if problem:
            problems.append(f"{label}: {problem}")
    if problems:
        return Check.failed(
            "algorithms", "; ".join(problems), SubIndication.CRYPTO_CONSTRAINTS_FAILURE
        )
    return Check.passed("algorithms", "accepted algorithms: " + ", ".join(used))


def describe_time(moment: dt.datetime | None) -> str:
    if moment is None:
        return "unknown time"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
