"""Signing keys: one abstraction for key files, PKCS#12 and PKCS#11 tokens.

Both the 2D-Doc signer and the PAdES sealer take a :class:`SigningKey`::

    from sealdoc.keys import Pkcs11Spec, load_key, password_from_env_or_file

    # PEM or DER key (PKCS#8 or traditional, optionally encrypted) + certificate + chain
    password = password_from_env_or_file("SEALDOC_KEY_PASSWORD", None)
    with load_key(key=Path("seal.key"), cert=Path("seal.pem"), password=password) as key:
        code = twoddoc.sign(..., key=key)              # key.sign_ecdsa_raw(...)
        pdf = pades.seal(..., key=key)                 # key.pyhanko_signer()

    # PKCS#12
    key = load_key(pkcs12=Path("seal.p12"), password=password)

    # PKCS#11 token (PIN from SEALDOC_PKCS11_PIN)
    spec = Pkcs11Spec.from_env(module="/usr/lib/softhsm/libsofthsm2.so",
                               token_label="sealdoc", key_label="seal")
    key = load_key(pkcs11=spec)

Every problem loading or using a key raises :class:`~sealdoc.errors.KeyAccessError` with a
message that says what to fix. Passwords and PINs come from the environment or a file, never from
the command line.

**Processes and threads.** A PKCS#11 session belongs to the process that opened it: load PKCS#11
keys in each worker process *after* ``fork()``; a key loaded before a fork raises
:class:`~sealdoc.errors.KeyAccessError` in the child. Within a process, keys on the same token
share one logged-in session and may be used from several threads (operations on a token are
serialised). If the session is lost (token reinitialised, module finalised), the next signature
logs in again once and re-checks the key against its certificate before signing. Keys from files
and PKCS#12 are plain in-memory keys, safe to share between threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sealdoc._internal.keys.base import PIN_ENV_VAR, Pkcs11Spec, SigningKey
from sealdoc._internal.keys.files import (
    load_certificate_chain,
    load_key_and_certificates,
    load_pkcs12,
    password_from_env_or_file,
)
from sealdoc.errors import KeyAccessError

__all__ = [
    "PIN_ENV_VAR",
    "Pkcs11Spec",
    "SigningKey",
    "load_key",
    "password_from_env_or_file",
]


def load_key(
    *,
    key: Path | None = None,
    cert: Path | None = None,
    chain: Sequence[Path] = (),
    pkcs12: Path | None = None,
    password: bytes | None = None,
    pkcs11: Pkcs11Spec | None = None,
    allow_weak: bool = False,
) -> SigningKey:
    """Load a signing key from exactly one source and check it against its certificate.

    - ``key`` + ``cert``: a private key file (PEM or DER; PKCS#8 or traditional OpenSSL format;
      encrypted with ``password`` or not) and a certificate file (PEM or DER). If ``cert`` holds
      several PEM certificates, the first is the signer's and the others join the chain.
    - ``pkcs12``: a PKCS#12 file holding the key, its certificate and usually the chain;
      ``password`` unlocks it.
    - ``pkcs11``: a key on a token; its certificate is read from the token (same label as the key)
      unless ``cert`` is given.

    ``chain`` adds intermediate CA certificates (PEM or DER files, several per PEM file allowed).
    RSA keys under 2048 bits are refused unless ``allow_weak`` is true (for legacy test material).

    Raises :class:`KeyAccessError` if a file is missing or unreadable, the password or PIN is
    wrong, the key type is unsupported, the key does not match the certificate, or a token or key
    label is not found.
    """
    sources = [
        name for name, value in (("key", key), ("pkcs12", pkcs12), ("pkcs11", pkcs11)) if value
    ]
    if len(sources) != 1:
        given = " and ".join(sources) if sources else "none"
        raise KeyAccessError(
            f"give exactly one key source (a key file, a PKCS#12 file or a PKCS#11 token); "
            f"got {given}"
        )
    extra_chain = load_certificate_chain(chain)
    if pkcs11 is not None:
        if password is not None:
            raise KeyAccessError(
                f"a PKCS#11 key is unlocked with a PIN (set {PIN_ENV_VAR}), not a password"
            )
        # python-pkcs11 is only needed (and only imported) for PKCS#11 keys.
        from sealdoc._internal.keys.pkcs11 import open_pkcs11_key

        return open_pkcs11_key(pkcs11, cert=cert, chain=extra_chain, allow_weak=allow_weak)
    if pkcs12 is not None:
        if cert is not None:
            raise KeyAccessError(
                "a PKCS#12 file carries its own certificate: do not give a certificate file too"
            )
        return load_pkcs12(pkcs12, password, chain=extra_chain, allow_weak=allow_weak)
    assert key is not None
    if cert is None:
        raise KeyAccessError(f"no certificate given for the key file {key}: give its certificate")
    return load_key_and_certificates(key, cert, password, chain=extra_chain, allow_weak=allow_weak)
