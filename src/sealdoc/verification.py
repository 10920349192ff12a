"""``sealdoc.verify``: one entry point for a 2D-Doc code, a scanned image, or a sealed PDF."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence

from sealdoc._internal.inputs import DEFAULT_MAX_INPUT_BYTES, InputKind, LoadedInput, load_input
from sealdoc.errors import DataMatrixError, ParseError
from sealdoc.report import VerificationReport, summary_check
from sealdoc.trust import RevocationPolicy, TrustMaterial
from sealdoc.twoddoc.codec import TwoDDoc
from sealdoc.twoddoc.multicode import combine
from sealdoc.twoddoc.verify import malformed_code_report, verify_code

__all__ = ["verify"]


def verify(
    source: str | bytes | os.PathLike[str] | TwoDDoc,
    *,
    trust: TrustMaterial | None = None,
    at: dt.datetime | None = None,
    revocation: RevocationPolicy | str = RevocationPolicy.SOFT_FAIL,
    max_bytes: int = DEFAULT_MAX_INPUT_BYTES,
) -> VerificationReport:
    """Verify a document and return a complete report (never a bare boolean).

    ``source`` is a path (a text file holding a raw 2D-Doc, an image, or a PDF: recognised by
    content), raw ``bytes`` of any of those, a raw 2D-Doc string (starting ``DC01``..``DC04``), or
    a parsed :class:`~sealdoc.twoddoc.TwoDDoc`.

    ``trust`` holds what the verifier trusts (:meth:`TrustMaterial.load`); without it nothing is
    trusted and a genuine document is ``INDETERMINATE``. ``at`` is the verification time
    (default: now, UTC). Input that cannot be read at all raises a
    :class:`~sealdoc.errors.InputError`; anything that can be read yields a report.
    """
    when = at if at is not None else dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    material = trust if trust is not None else TrustMaterial.load()
    policy = RevocationPolicy(revocation)
    if isinstance(source, TwoDDoc):
        return verify_code(source, trust=material, at=when, revocation=policy)
    loaded = load_input(source, max_bytes=max_bytes)
    if loaded.kind is InputKind.CODE:
        return verify_code(
            loaded.data, trust=material, at=when, revocation=policy, input_name=loaded.name
        )
    if loaded.kind is InputKind.IMAGE:
        return _verify_image(loaded, material, when, policy)
    return _verify_pdf(loaded, material, when, policy)


def _verify_image(
    loaded: LoadedInput, trust: TrustMaterial, at: dt.datetime, policy: RevocationPolicy
) -> VerificationReport:
    from sealdoc.twoddoc.datamatrix import scan_image

    codes = scan_image(loaded.data)
    if not codes:
        raise DataMatrixError(
            f"{loaded.name}: no 2D-Doc code found in the image (is the DataMatrix whole, in focus "
            "and at least 2 pixels per module?)"
        )
    reports = _verify_codes(codes, trust, at, policy, loaded.name)
    if len(reports) == 1:
        return reports[0]
    return VerificationReport.from_checks(
        [summary_check(f"twoddoc[{i}]", f"2D-Doc #{i}", r) for i, r in enumerate(reports, 1)],
        input=loaded.name,
        format="image",
        verified_at=at,
        embedded_codes=reports,
    )


def _verify_codes(
    codes: Sequence[str],
    trust: TrustMaterial,
    at: dt.datetime,
    policy: RevocationPolicy,
    name: str,
) -> list[VerificationReport]:
    """Verify each scanned code (multi-code sets joined first); a malformed one is FAILED."""
    joined = combine(codes)
    reports = []
    for index, code in enumerate(joined, 1):
        label = name if len(joined) == 1 else f"{name}#code{index}"
        if isinstance(code, ParseError):
            reports.append(malformed_code_report(label, at, code))
            continue
        try:
            reports.append(
                verify_code(code, trust=trust, at=at, revocation=policy, input_name=label)
            )
        except ParseError as exc:
            reports.append(malformed_code_report(label, at, exc))
    return reports


def _verify_pdf(
    loaded: LoadedInput, trust: TrustMaterial, at: dt.datetime, policy: RevocationPolicy
) -> VerificationReport:
    from sealdoc.pades.document import verify_document

    return verify_document(loaded, trust=trust, at=at, revocation=policy)
