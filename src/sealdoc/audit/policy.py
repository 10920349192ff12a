"""The cryptographic policy of an audit: which algorithms are rejected, and until when the
others protect a document.

The default, :meth:`CryptoPolicy.default` (``sealdoc-2026``), follows the ANSSI *Guide des
mécanismes cryptographiques* (v2.04) and ETSI TS 119 312 (cryptographic suites):

=================  =============================================================
digests            SHA-256, SHA-384, SHA-512, SHA3-256/384/512: no end date set.
                   SHA-224, SHA-1, MD5, MD2: **rejected**.
RSA                below 2048 bits: **rejected**; 2048 to 3071 bits: until
                   2030-12-31; 3072 bits and more: no end date set.
EC                 below 256 bits: **rejected**; 256 bits and more: no end date.
DSA                **rejected**.
=================  =============================================================

A *rejected* algorithm makes the PAdES ``algorithms`` check fail (the verdict is FAILED,
CRYPTO_CONSTRAINTS_FAILURE) and is an ``error`` finding. An algorithm past its end date is an
``error`` finding: the proof rests on an algorithm no longer considered secure, and the document
can only be re-protected if it was time-stamped before that date. The end dates bound the
*renew-before* date of a document (see :mod:`sealdoc.audit.protection`).

Change the policy by building your own :class:`CryptoPolicy` (library) — the CLI uses the
default and prints its name in every report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sealdoc.pades.policy import AlgorithmPolicy

__all__ = ["AlgorithmVerdict", "CryptoPolicy"]


@dataclass(frozen=True)
class AlgorithmVerdict:
    """What the policy says about one algorithm: rejected, or usable until ``until``
    (``None``: no end date set)."""

    name: str
    rejected: bool
    until: dt.date | None = None

    def describe(self) -> str:
        if self.rejected:
            return f"{self.name} is rejected by the policy"
        if self.until is None:
            return f"{self.name} is accepted (no end date)"
        return f"{self.name} is accepted until {self.until.isoformat()}"


def _digest_name(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


@dataclass(frozen=True)
class CryptoPolicy:
    name: str
    #: accepted digests (normalised: ``sha256``, ``sha3256``) and their end date (``None``:
    #: none set); anything else is rejected.
    digests: tuple[tuple[str, dt.date | None], ...]
    #: (minimum RSA modulus bits, end date) steps, ascending; below the first: rejected.
    rsa: tuple[tuple[int, dt.date | None], ...]
    #: (minimum EC key bits, end date) steps, ascending; below the first: rejected.
    ec: tuple[tuple[int, dt.date | None], ...]
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def default(cls) -> CryptoPolicy:
        """``sealdoc-2026`` (see the module documentation)."""
        return cls(
            name="sealdoc-2026 (ANSSI guide v2.04, ETSI TS 119 312)",
            digests=tuple(
                (name, None)
                for name in ("sha256", "sha384", "sha512", "sha3256", "sha3384", "sha3512")
            ),
            rsa=((2048, dt.date(2030, 12, 31)), (3072, None)),
            ec=((256, None),),
        )

    def digest(self, name: str) -> AlgorithmVerdict:
        accepted = dict(self.digests)
        key = _digest_name(name)
        shown = name.upper().replace("_", "-")
        if key not in accepted:
            return AlgorithmVerdict(shown, rejected=True)
        return AlgorithmVerdict(shown, rejected=False, until=accepted[key])

    def key(self, algorithm: str, bits: int) -> AlgorithmVerdict:
        """``algorithm`` as asn1crypto names it: ``rsa``, ``rsassa_pss``, ``ec``, ``dsa``..."""
        if algorithm in ("rsa", "rsassa_pss"):
            steps, shown = self.rsa, f"RSA-{bits}"
        elif algorithm == "ec":
            steps, shown = self.ec, f"EC-{bits}"
        else:
            return AlgorithmVerdict(f"{algorithm.upper()}-{bits}", rejected=True)
        verdict = AlgorithmVerdict(shown, rejected=True)
        for minimum, until in steps:
            if bits >= minimum:
                verdict = AlgorithmVerdict(shown, rejected=False, until=until)
        return verdict

    def pades_policy(self) -> AlgorithmPolicy:
        """The verifier's algorithm policy matching this one's rejections."""
        weak = {"md2", "md5", "sha1", "sha224"} - {name for name, _ in self.digests}
        return AlgorithmPolicy(
            weak_digests=frozenset(weak),
            min_rsa_bits=self.rsa[0][0],
            min_ec_bits=self.ec[0][0],
        )
