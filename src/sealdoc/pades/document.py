"""The PDF branch of :func:`sealdoc.verify`: a loaded input in, a verification report out."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sealdoc._internal.inputs import LoadedInput
from sealdoc.pades.anchors import TrustInput, resolve_trust
from sealdoc.pades.limits import VerifyLimits
from sealdoc.pades.policy import RevocationPolicy
from sealdoc.pades.verify import verify_pdf
from sealdoc.report import VerificationReport

__all__ = ["verify_document"]


def verify_document(
    loaded: LoadedInput,
    *,
    trust: TrustInput,
    at: dt.datetime,
    revocation: RevocationPolicy | str,
    limits: VerifyLimits | None = None,
) -> VerificationReport:
    """:func:`~sealdoc.pades.verify_pdf` on an input :func:`sealdoc.verify` already read.

    ``revocation`` may be a :class:`sealdoc.trust.RevocationPolicy` (``hard-fail``,
    ``soft-fail``, ``off``) or a :class:`RevocationPolicy`. The size limit already applied
    when the input was loaded is kept.
    """
    limits = limits or VerifyLimits()
    if len(loaded.data) > limits.max_bytes:
        limits = dataclasses.replace(limits, max_bytes=len(loaded.data))
    resolved = resolve_trust(trust, at, require_anchors=False)
    report = verify_pdf(loaded.data, trust=resolved, at=at, revocation=revocation, limits=limits)
    return report.model_copy(update={"input": loaded.name})
