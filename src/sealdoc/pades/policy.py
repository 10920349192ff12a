"""PAdES levels, and what a verifier accepts: revocation policy and algorithm policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from asn1crypto import keys as asn1_keys
from pyhanko_certvalidator.policy_decl import (
    NO_REVOCATION,
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
)

__all__ = [
    "AlgorithmPolicy",
    "PadesLevel",
    "RevocationPolicy",
]


class PadesLevel(StrEnum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"
    """Basic signature: signer certificate bound to the signature, no trusted time."""
    B_T = "B-T"
    """B-B plus a signature time-stamp from a TSA (proof the signature existed at that time)."""
    B_LT = "B-LT"
    """B-T plus the validation data (certificates, OCSP responses, CRLs) in the document's DSS."""
    B_LTA = "B-LTA"
    """B-LT plus a document time-stamp protecting the validation data."""

    @property
    def needs_timestamp(self) -> bool:
        return self is not PadesLevel.B_B

    @property
    def embeds_validation_data(self) -> bool:
        return self in (PadesLevel.B_LT, PadesLevel.B_LTA)

    @classmethod
    def parse(cls, value: PadesLevel | str) -> PadesLevel:
        try:
            return cls(str(value).upper().replace("_", "-"))
        except ValueError:
            allowed = ", ".join(level.value for level in cls)
            raise ValueError(f"unknown PAdES level {value!r}; expected one of {allowed}") from None


class RevocationPolicy(StrEnum):
    """How a verifier treats revocation status (embedded data is always consulted first)."""

    REQUIRE = "require"
    """Every certificate below the trust anchor needs revocation data (embedded or fetched);
    without it the signature is INDETERMINATE (TRY_LATER). The default."""
    HARD_FAIL = "hard-fail"
    """A certificate that names an OCSP responder or CRL must be checked; one that names none
    is accepted without."""
    SOFT_FAIL = "soft-fail"
    """Revocation data is used when found; missing or unreachable data is tolerated."""
    NONE = "none"
    """No revocation check (the ``revocation`` check is reported as skipped)."""

    def pyhanko_policy(self, *, retroactive: bool) -> CertRevTrustPolicy:
        if self is RevocationPolicy.NONE:
            return CertRevTrustPolicy(NO_REVOCATION)
        return CertRevTrustPolicy(
            RevocationCheckingPolicy.from_legacy(self.value),
            retroactive_revinfo=retroactive,
        )


_WEAK_DIGESTS = frozenset({"md2", "md5", "sha1", "sha224"})


@dataclass(frozen=True)
class AlgorithmPolicy:
    """Algorithms a verifier accepts in a signature and in the certificates it relies on.

    A violation is reported in the ``algorithms`` check as ``CRYPTO_CONSTRAINTS_FAILURE``.
    """

    weak_digests: frozenset[str] = field(default=_WEAK_DIGESTS)
    min_rsa_bits: int = 2048
    min_ec_bits: int = 256

    def digest_problem(self, digest: str) -> str | None:
        name = digest.lower().replace("-", "")
        if name in self.weak_digests:
            return f"digest algorithm {name.upper()} is not accepted"
        return None

    def key_problem(self, public_key: asn1_keys.PublicKeyInfo) -> str | None:
        algorithm = public_key.algorithm
        bits = public_key.bit_size
        if algorithm in ("rsa", "rsassa_pss") and bits < self.min_rsa_bits:
            return f"RSA key of {bits} bits is below the minimum of {self.min_rsa_bits}"
        if algorithm == "ec" and bits < self.min_ec_bits:
            return f"EC key of {bits} bits is below the minimum of {self.min_ec_bits}"
        if algorithm == "dsa":
            return "DSA keys are not accepted"
        return None
