"""The PDF branch of :func:`sealdoc.verify`: the seal, and the 2D-Doc printed on the pages.

A sealed notice carries two proofs: the PAdES seal over the file, and the 2D-Doc stamped on the
page (which survives printing). The report for a PDF holds both, and ties them together:

* one ``signature``/``timestamp`` summary check per PAdES signature (details in ``signatures``);
* ``twoddoc[i]``: the verification of each 2D-Doc found on the pages (details in
  ``embedded_codes``);
* ``twoddoc_payload``: the code on the page is the one the seal signed (the payload embedded
  at sealing time), so a genuine code cannot be pasted onto another sealed document;
* ``twoddoc_text``: the code's fields appear in the page text, so the visible text cannot say
  something other than what was signed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sealdoc._internal.inputs import LoadedInput
from sealdoc._internal.pdftext import page_texts
from sealdoc.errors import ParseError, SealdocError
from sealdoc.pades.anchors import TrustInput, resolve_trust
from sealdoc.pades.cache import ValidationCache
from sealdoc.pades.limits import VerifyLimits
from sealdoc.pades.policy import AlgorithmPolicy, RevocationPolicy
from sealdoc.pades.verify import embedded_twoddoc, verify_pdf
from sealdoc.report import Check, SubIndication, VerificationReport, summary_check
from sealdoc.trust import RevocationPolicy as TrustRevocationPolicy
from sealdoc.trust import TrustMaterial
from sealdoc.twoddoc.codec import TwoDDoc
from sealdoc.twoddoc.multicode import combine
from sealdoc.twoddoc.textmatch import check_text_match
from sealdoc.twoddoc.verify import malformed_code_report, verify_code

__all__ = ["verify_document"]


def verify_document(
    loaded: LoadedInput,
    *,
    trust: TrustInput,
    at: dt.datetime,
    revocation: RevocationPolicy | str,
    limits: VerifyLimits | None = None,
    algorithms: AlgorithmPolicy | None = None,
    scan_unsealed: bool = True,
    cache: ValidationCache | None = None,
) -> VerificationReport:
    """Verify the seals of a PDF and the 2D-Doc codes on its pages, as one report.

    ``scan_unsealed=False`` searches the pages for 2D-Docs only when a seal carries a 2D-Doc
    payload (for bulk audits of archives: about 80 ms a page is saved on plain sealed PDFs).

    ``revocation`` may be a :class:`sealdoc.trust.RevocationPolicy` (``hard-fail``,
    ``soft-fail``, ``off``) or a :class:`RevocationPolicy`. The size limit already applied
    when the input was loaded is kept. ``cache``: as for :func:`~sealdoc.pades.verify_pdf`.
    """
    limits = limits or VerifyLimits()
    if len(loaded.data) > limits.max_bytes:
        limits = dataclasses.replace(limits, max_bytes=len(loaded.data))
    resolved = resolve_trust(trust, at, require_anchors=False)
    pdf_report = verify_pdf(
        loaded.data,
        trust=resolved,
        at=at,
        revocation=revocation,
        limits=limits,
        algorithms=algorithms,
        cache=cache,
    )

    code_trust = trust if isinstance(trust, TrustMaterial) else TrustMaterial.load()
    policy = _twoddoc_policy(revocation)
    checks = list(pdf_report.checks)
    payload = _payload(loaded.data)
    scanned, scan_problem = _scan(loaded.data) if scan_unsealed or payload else ([], None)
    joined = combine(scanned)  # multi-code sets assembled
    codes = [c.decode("latin-1") for c in joined if isinstance(c, bytes)]
    code_reports: list[VerificationReport] = []
    texts: list[str] | None = None
    for index, code in enumerate(joined, 1):
        label = f"{loaded.name}#code{index}"
        try:
            if isinstance(code, ParseError):
                raise code
            doc = TwoDDoc.parse(code)
        except ParseError as exc:
            code_reports.append(malformed_code_report(label, at, exc))
            checks.append(
                Check.failed(
                    f"twoddoc[{index}]",
                    f"2D-Doc #{index} is malformed: {exc}",
                    SubIndication.FORMAT_FAILURE,
                )
            )
            continue
        report = verify_code(doc, trust=code_trust, at=at, revocation=policy, input_name=label)
        code_reports.append(report)
        checks.append(summary_check(f"twoddoc[{index}]", f"2D-Doc #{index} on the pages", report))
        if texts is None:
            texts = _texts(loaded.data)
        checks.append(
            check_text_match(doc, texts)
            if texts is not None
            else Check.indeterminate(
                "twoddoc_text", "the page text cannot be read", SubIndication.GENERIC
            )
        )
    checks.extend(_payload_checks(codes, payload, scan_problem))
    return VerificationReport.from_checks(
        checks,
        input=loaded.name,
        format="pdf",
        verified_at=pdf_report.verified_at,
        signer=pdf_report.signer,
        signatures=pdf_report.signatures,
        embedded_codes=code_reports,
    )


def _twoddoc_policy(revocation: RevocationPolicy | str) -> TrustRevocationPolicy:
    value = str(getattr(revocation, "value", revocation))
    if value in ("none", "off"):
        return TrustRevocationPolicy.OFF
    if value == "soft-fail":
        return TrustRevocationPolicy.SOFT_FAIL
    return TrustRevocationPolicy.HARD_FAIL


def _scan(data: bytes) -> tuple[list[str], str | None]:
    from sealdoc.twoddoc.datamatrix import scan_pdf

    try:
        return scan_pdf(data), None
    except SealdocError as exc:
        return [], str(exc)


def _payload(data: bytes) -> str | None:
    try:
        return embedded_twoddoc(data)
    except SealdocError:
        return None


def _texts(data: bytes) -> list[str] | None:
    try:
        return page_texts(data)
    except SealdocError:
        return None


def _payload_checks(codes: list[str], payload: str | None, scan_problem: str | None) -> list[Check]:
    if payload is None:
        if not codes:
            return []
        return [
            Check.skipped(
                "twoddoc_payload",
                "the seal carries no 2D-Doc payload: the code on the page is not bound to the seal",
            )
        ]
    if not codes:
        why = f" ({scan_problem})" if scan_problem else ""
        return [
            Check.indeterminate(
                "twoddoc_payload",
                f"the seal signed a 2D-Doc but none could be read on the pages{why}",
                SubIndication.SIGNED_DATA_NOT_FOUND,
            )
        ]
    if payload in codes:
        return [
            Check.passed("twoddoc_payload", "the 2D-Doc on the page is the one the seal signed")
        ]
    return [
        Check.failed(
            "twoddoc_payload",
            "the 2D-Doc on the page is not the one the seal signed: the stamp was replaced",
            SubIndication.SIG_CONSTRAINTS_FAILURE,
        )
    ]
