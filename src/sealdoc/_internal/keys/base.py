"""The one key abstraction every backend implements: :class:`SigningKey`.

Re-exported by :mod:`sealdoc.keys`; see there for how keys are loaded.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final, Literal, Self

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from sealdoc._internal.keys.algorithms import (
    HashName,
    PublicKey,
    check_public_key,
    default_hash,
    der_to_raw_ecdsa,
    parse_hash_name,
)
from sealdoc.errors import KeyAccessError

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer

__all__ = ["PIN_ENV_VAR", "Pkcs11Spec", "SigningKey"]

#: Environment variable :meth:`Pkcs11Spec.from_env` reads the token PIN from.
PIN_ENV_VAR: Final = "SEALDOC_PKCS11_PIN"


class SigningKey(abc.ABC):
    """A private key and its certificate, wherever the key lives (file, PKCS#12, PKCS#11).

    Obtain one with :func:`sealdoc.keys.load_key`. The key has been checked when it was loaded:
    its type is supported and it matches :attr:`certificate`. Use it as a context manager, or
    call :meth:`close`, to release the key (and the PKCS#11 session, if any).
    """

    #: The signer's certificate.
    certificate: x509.Certificate
    #: Intermediate CA certificates, issuer first (never the signer's certificate; may be empty).
    chain: tuple[x509.Certificate, ...]
    #: Where the key comes from, for messages ("key file key.pem", "PKCS#11 token 'x' key 'y'").
    source: str

    def __init__(
        self, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...], source: str
    ) -> None:
        self.certificate = certificate
        self.chain = chain
        self.source = source
        # Checked by the loaders already; repeated so that no subclass can skip it.
        self._public_key = check_public_key(certificate.public_key(), allow_weak=True)
        self._closed = False

    @property
    def public_key(self) -> PublicKey:
        """The certificate's (and the key's) public key."""
        return self._public_key

    @property
    def algorithm(self) -> Literal["ecdsa", "rsa"]:
        """``"ecdsa"`` or ``"rsa"``."""
        return "ecdsa" if isinstance(self._public_key, ec.EllipticCurvePublicKey) else "rsa"

    @property
    def default_hash(self) -> HashName:
        """``sha256``/``sha384``/``sha512`` for P-256/P-384/P-521; ``sha256`` for RSA."""
        return default_hash(self._public_key)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def sign(self, data: bytes, hash_algorithm: str) -> bytes:
        """Sign ``data`` (hashed here with ``hash_algorithm``).

        Returns a DER ``ECDSA-Sig-Value`` for an EC key, a PKCS#1 v1.5 signature for RSA.
        Raises :class:`KeyAccessError` for an unsupported hash, a closed key, or a token error.
        """
        name = parse_hash_name(hash_algorithm)
        if self._closed:
            raise KeyAccessError(f"the signing key ({self.source}) has been closed")
        return self._sign(bytes(data), name)

    def sign_ecdsa_raw(self, data: bytes, hash_algorithm: str | None = None) -> bytes:
        """Sign ``data`` with ECDSA and return ``r || s``, each left-padded to the curve size.

        That is 64, 96 or 132 bytes for P-256, P-384, P-521: the 2D-Doc signature encoding.
        ``hash_algorithm`` defaults to :attr:`default_hash`.
        """
        key = self._public_key
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise KeyAccessError(
                f"a raw ECDSA signature needs an EC key, but {self.source} is an RSA key"
            )
        der = self.sign(data, hash_algorithm or self.default_hash)
        return der_to_raw_ecdsa(der, key)

    def pyhanko_signer(self, hash_algorithm: str | None = None) -> Signer:
        """A pyHanko :class:`~pyhanko.sign.signers.Signer` whose signatures go through this key.

        Its signing certificate, certificate registry (:attr:`chain`) and signature mechanism
        (ECDSA or RSA PKCS#1 v1.5 with ``hash_algorithm``, default :attr:`default_hash`) are
        set, so ``signers.sign_pdf(..., signer=key.pyhanko_signer())`` needs nothing else.
        """
        # pyHanko takes most of a second to import: only pay for it when sealing PDFs.
        from sealdoc._internal.keys.pyhanko_signer import SealdocSigner

        return SealdocSigner(self, parse_hash_name(hash_algorithm or self.default_hash))

    def close(self) -> None:
        """Release the key. Signing afterwards raises :class:`KeyAccessError`. Idempotent."""
        if not self._closed:
            self._closed = True
            self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        subject = self.certificate.subject.rfc4514_string()
        return f"<{type(self).__name__} {self.algorithm} {subject!r} from {self.source}{state}>"

    @abc.abstractmethod
    def _sign(self, data: bytes, hash_algorithm: HashName) -> bytes:
        """Backend signature: DER ECDSA or RSA PKCS#1 v1.5 over ``data``."""

    def _release(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Backend clean-up, called once by :meth:`close`."""


@dataclass(frozen=True)
class Pkcs11Spec:
    """Where a key lives on a PKCS#11 token.

    The private key is found by ``key_label``; its certificate by the same label on the token,
    unless a certificate file is given to :func:`~sealdoc.keys.load_key`. ``pin`` is ``None``
    for tokens that need no login; it is never shown in ``repr()``.
    """

    module: Path
    token_label: str
    key_label: str
    pin: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.module, Path):  # tolerate a str from untyped callers
            object.__setattr__(self, "module", Path(self.module))

    @classmethod
    def from_env(
        cls,
        *,
        module: Path | str,
        token_label: str,
        key_label: str,
        environ: Mapping[str, str] | None = None,
    ) -> Pkcs11Spec:
        """A spec whose PIN comes from ``SEALDOC_PKCS11_PIN`` (``None`` if it is unset).

        PINs are read from the environment, never from the command line, where other users of
        the machine could see them.
        """
        env = os.environ if environ is None else environ
        return cls(
            module=Path(module),
            token_label=token_label,
            key_label=key_label,
            pin=env.get(PIN_ENV_VAR),
        )
