"""Keys on a PKCS#11 token (HSM, smart card, SoftHSM2), through python-pkcs11.

PKCS#11 state belongs to a process: the module is initialised once per process, and logging in
to a token logs in every session the process has on it (logging out of one logs out all). So
keys on the same token share one logged-in session (:class:`_TokenSession`), reference-counted
and guarded by a lock; a key loaded before ``fork()`` refuses to sign in the child.

ECDSA: the data is hashed here and the digest signed with ``CKM_ECDSA`` (the token returns
``r || s``, converted to DER). RSA: ``CKM_SHA{256,384,512}_RSA_PKCS`` over the data.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

import pkcs11
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.types import SignMixin

from sealdoc._internal.keys.algorithms import (
    HashName,
    check_public_key,
    hash_object,
    raw_to_der_ecdsa,
)
from sealdoc._internal.keys.base import PIN_ENV_VAR, Pkcs11Spec, SigningKey
from sealdoc._internal.keys.files import load_certificates, order_chain
from sealdoc.errors import KeyAccessError

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as Pkcs11Library

__all__ = ["Pkcs11SigningKey", "open_pkcs11_key"]

_T = TypeVar("_T")

_RSA_MECHANISMS: Final[dict[HashName, Mechanism]] = {
    "sha256": Mechanism.SHA256_RSA_PKCS,
    "sha384": Mechanism.SHA384_RSA_PKCS,
    "sha512": Mechanism.SHA512_RSA_PKCS,
}

#: Errors after which the session is gone but logging in again may work.
_SESSION_LOST: Final = (
    p11.SessionHandleInvalid,
    p11.SessionClosed,
    p11.UserNotLoggedIn,
    p11.DeviceRemoved,
    p11.TokenNotPresent,
    p11.KeyHandleInvalid,
    p11.ObjectHandleInvalid,
)

#: Signed once at load (and after a reconnection) to prove the key matches the certificate.
_PROBE: Final = b"sealdoc: does this key match its certificate?"

_registry_lock = threading.Lock()
_sessions: dict[tuple[str, str], _TokenSession] = {}
_initialised_in: dict[str, int] = {}


def open_pkcs11_key(
    spec: Pkcs11Spec,
    *,
    cert: Path | None,
    chain: Sequence[x509.Certificate],
    allow_weak: bool,
) -> Pkcs11SigningKey:
    """Log in to the token, find the key and its certificate, and check that they match."""
    given = load_certificates(cert) if cert is not None else None

    def find(session: pkcs11.Session) -> list[x509.Certificate]:
        _find_private_key(session, spec)  # a clear error before looking for the certificate
        return given or [_find_certificate(session, spec)]

    token = _acquire(spec)
    try:
        certificates = token.run(find)
        check_public_key(certificates[0].public_key(), allow_weak=allow_weak)
        key = Pkcs11SigningKey(spec, token, certificates[0], [*certificates[1:], *chain])
        key.check()
    except BaseException:
        _release(token)
        raise
    return key


class Pkcs11SigningKey(SigningKey):
    """A private key that never leaves its PKCS#11 token."""

    def __init__(
        self,
        spec: Pkcs11Spec,
        token: _TokenSession,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate],
    ) -> None:
        source = f"PKCS#11 token {spec.token_label!r} key {spec.key_label!r}"
        super().__init__(certificate, order_chain(certificate, chain), source)
        self._spec = spec
        self._token = token
        self._handle: SignMixin | None = None
        self._handle_generation = -1

    def check(self) -> None:
        """Find the key on the token and check that it matches the certificate."""
        self._token.run(lambda session: self._bind(session))

    def _sign(self, data: bytes, hash_algorithm: HashName) -> bytes:
        return self._token.run(lambda session: self._raw_sign(session, data, hash_algorithm))

    def _release(self) -> None:
        _release(self._token)

    def _bind(self, session: pkcs11.Session) -> SignMixin:
        """The key's handle in the current session: found (and checked) again after a reconnect."""
        if self._handle is not None and self._handle_generation == self._token.generation:
            return self._handle
        handle = _find_private_key(session, self._spec)
        expected = KeyType.EC if self.algorithm == "ecdsa" else KeyType.RSA
        if handle.key_type != expected:
            raise self._mismatch()
        hash_algorithm = self.default_hash
        signature = _sign_with(handle, self.algorithm, _PROBE, hash_algorithm)
        try:
            self._verify(signature, _PROBE, hash_algorithm)
        except InvalidSignature:
            raise self._mismatch() from None
        self._handle, self._handle_generation = handle, self._token.generation
        return handle

    def _raw_sign(self, session: pkcs11.Session, data: bytes, hash_algorithm: HashName) -> bytes:
        return _sign_with(self._bind(session), self.algorithm, data, hash_algorithm)

    def _verify(self, signature: bytes, data: bytes, hash_algorithm: HashName) -> None:
        key = self.public_key
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_object(hash_algorithm)))
        else:
            key.verify(signature, data, padding.PKCS1v15(), hash_object(hash_algorithm))

    def _mismatch(self) -> KeyAccessError:
        subject = self.certificate.subject.rfc4514_string()
        return KeyAccessError(
            f"the key {self._spec.key_label!r} on token {self._spec.token_label!r} does not match "
            f"the certificate {subject!r}: check the key label and the certificate"
        )


def _sign_with(handle: SignMixin, algorithm: str, data: bytes, hash_algorithm: HashName) -> bytes:
    if algorithm == "ecdsa":
        digest = hashlib.new(hash_algorithm, data).digest()
        return raw_to_der_ecdsa(bytes(handle.sign(digest, mechanism=Mechanism.ECDSA)))
    return bytes(handle.sign(data, mechanism=_RSA_MECHANISMS[hash_algorithm]))


class _TokenSession:
    """The one logged-in session this process holds on a token, shared by its keys."""

    def __init__(self, spec: Pkcs11Spec) -> None:
        self.spec = spec
        self.lock = threading.RLock()
        self.pid = os.getpid()
        self.users = 0
        #: Incremented whenever a new session is opened, so keys know to find their handle again.
        self.generation = 0
        self._session: pkcs11.Session | None = None

    def session(self) -> pkcs11.Session:
        if self._session is None:
            self._session = _login(self.spec)
            self.generation += 1
        return self._session

    def run(self, operation: Callable[[pkcs11.Session], _T]) -> _T:
        """Run ``operation`` on the session; if the session was lost, log in again once."""
        label = repr(self.spec.token_label)
        with self.lock:
            if self.pid != os.getpid():
                raise KeyAccessError(
                    f"the PKCS#11 key {self.spec.key_label!r} was loaded in another process: "
                    f"PKCS#11 sessions do not survive fork(), so load the key in each process"
                )
            if self.users == 0:
                raise KeyAccessError(f"the PKCS#11 session on token {label} is closed")
            try:
                return operation(self.session())
            except p11.PKCS11Error as exc:
                if not _session_lost(exc):
                    raise _token_error(exc, self.spec) from exc
            # The session is gone (token reinitialised, module finalised, device reset): log in
            # again, once. The key's handle is then found and checked against the certificate again.
            self._session = None
            try:
                return operation(self.session())
            except KeyAccessError as exc:
                raise KeyAccessError(
                    f"the PKCS#11 session on token {label} was lost and could not be reopened: "
                    f"{exc.message}"
                ) from exc
            except p11.PKCS11Error as exc:
                if not _session_lost(exc):
                    raise _token_error(exc, self.spec) from exc
                self._session = None
                raise KeyAccessError(
                    f"the PKCS#11 session on token {label} was closed and could not be reopened: "
                    f"check that the token is present, then load the key again"
                ) from exc

    def close(self) -> None:
        with self.lock:
            session, self._session = self._session, None
            if session is not None and self.pid == os.getpid():
                # If the session or the token is already gone, there is nothing left to release.
                with contextlib.suppress(p11.PKCS11Error):
                    session.close()


def _acquire(spec: Pkcs11Spec) -> _TokenSession:
    key = (str(spec.module.resolve()), spec.token_label)
    with _registry_lock:
        token = _sessions.get(key)
        if token is not None and token.pid != os.getpid():
            token = None  # inherited through fork(): unusable here, start afresh
        if token is None:
            token = _sessions[key] = _TokenSession(spec)
        elif not _same_pin(token.spec.pin, spec.pin):
            raise KeyAccessError(
                f"the token {spec.token_label!r} is already open in this process with another "
                f"PIN: check {PIN_ENV_VAR}"
            )
        token.users += 1
        return token


def _release(token: _TokenSession) -> None:
    with _registry_lock:
        token.users -= 1
        if token.users > 0:
            return
        key = (str(token.spec.module.resolve()), token.spec.token_label)
        if _sessions.get(key) is token:
            del _sessions[key]
    token.close()


def _session_lost(exc: p11.PKCS11Error) -> bool:
    # python-pkcs11 raises the bare base class for CKR_CRYPTOKI_NOT_INITIALIZED (module finalised).
    return isinstance(exc, _SESSION_LOST) or type(exc) is p11.PKCS11Error


def _same_pin(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return hmac.compare_digest(a.encode(), b.encode())


def _library(module: Path) -> Pkcs11Library:
    if not module.is_file():
        raise KeyAccessError(
            f"PKCS#11 module not found: {module} (install the token's driver or fix the path)"
        )
    name = str(module)
    try:
        lib = pkcs11.lib(name)
        if _initialised_in.setdefault(name, os.getpid()) != os.getpid():
            lib.reinitialize()  # PKCS#11 requires a fresh C_Initialize after fork()
            _initialised_in[name] = os.getpid()
    except p11.PKCS11Error as exc:
        raise KeyAccessError(f"cannot load the PKCS#11 module {module}: {exc}") from exc
    return lib


def _login(spec: Pkcs11Spec) -> pkcs11.Session:
    lib = _library(spec.module)
    try:
        present = _tokens_present(lib)
        tokens = [token for token in present if token.label == spec.token_label]
        if not tokens:
            available = sorted(repr(token.label) for token in present if token.label)
            raise KeyAccessError(
                f"no PKCS#11 token labelled {spec.token_label!r} in {spec.module} "
                f"(tokens present: {', '.join(available) or 'none'})"
            )
        if len(tokens) > 1:
            raise KeyAccessError(
                f"several PKCS#11 tokens are labelled {spec.token_label!r}: give them unique labels"
            )
        token: pkcs11.Token = tokens[0]
        if spec.pin is None:
            return token.open()
        try:
            return token.open(user_pin=spec.pin)
        except p11.UserAlreadyLoggedIn:
            # Another part of this process logged in already; sessions share that login.
            return token.open()
    except p11.PKCS11Error as exc:
        raise _token_error(exc, spec) from exc


def _tokens_present(lib: Pkcs11Library) -> list[pkcs11.Token]:
    """The tokens of every slot that answers: one broken slot must not hide the others."""
    tokens = []
    for slot in lib.get_slots(token_present=True):
        try:
            tokens.append(slot.get_token())
        except p11.PKCS11Error:
            continue  # removed, unrecognised or failing token: it is not the one asked for
    return tokens


def _find_private_key(session: pkcs11.Session, spec: Pkcs11Spec) -> SignMixin:
    found = list(
        session.get_objects(
            {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: spec.key_label}
        )
    )
    if not found:
        hint = f" (no PIN was given: set {PIN_ENV_VAR} to log in)" if spec.pin is None else ""
        raise KeyAccessError(
            f"no private key labelled {spec.key_label!r} on the PKCS#11 token "
            f"{spec.token_label!r}{hint}"
        )
    if len(found) > 1:
        raise KeyAccessError(
            f"several private keys are labelled {spec.key_label!r} on the PKCS#11 token "
            f"{spec.token_label!r}: give them unique labels"
        )
    key = found[0]
    where = f"the key {spec.key_label!r} on the PKCS#11 token {spec.token_label!r}"
    if not isinstance(key, SignMixin):
        raise KeyAccessError(f"{where} is not allowed to sign (its CKA_SIGN attribute is false)")
    try:
        always_authenticate = bool(key[Attribute.ALWAYS_AUTHENTICATE])
    except (p11.AttributeTypeInvalid, p11.AttributeSensitive):
        always_authenticate = False
    if always_authenticate:
        # python-pkcs11 cannot log in between C_SignInit and C_Sign, as such keys require.
        raise KeyAccessError(
            f"{where} needs the PIN again for every signature (CKA_ALWAYS_AUTHENTICATE), which "
            f"sealdoc does not support: use a key without that attribute"
        )
    return key


def _find_certificate(session: pkcs11.Session, spec: Pkcs11Spec) -> x509.Certificate:
    found = list(
        session.get_objects(
            {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: spec.key_label}
        )
    )
    if not found:
        raise KeyAccessError(
            f"no certificate labelled {spec.key_label!r} on the PKCS#11 token "
            f"{spec.token_label!r}: store it there with that label or give a certificate file"
        )
    if len(found) > 1:
        raise KeyAccessError(
            f"several certificates are labelled {spec.key_label!r} on the PKCS#11 token "
            f"{spec.token_label!r}: give the certificate file instead"
        )
    value = found[0][Attribute.VALUE]
    try:
        return x509.load_der_x509_certificate(bytes(value))
    except ValueError:
        raise KeyAccessError(
            f"the certificate {spec.key_label!r} on the PKCS#11 token {spec.token_label!r} is "
            f"not a valid X.509 certificate: give a certificate file instead"
        ) from None


def _token_error(exc: p11.PKCS11Error, spec: Pkcs11Spec) -> KeyAccessError:
    token = repr(spec.token_label)
    messages: dict[type[p11.PKCS11Error], str] = {
        p11.PinIncorrect: f"wrong PIN for the PKCS#11 token {token} (check {PIN_ENV_VAR})",
        p11.PinLocked: f"the PIN of the PKCS#11 token {token} is locked: unlock it with the SO PIN",
        p11.PinExpired: f"the PIN of the PKCS#11 token {token} has expired: change it",
        p11.PinInvalid: f"the PIN for the PKCS#11 token {token} contains invalid characters",
        p11.PinLenRange: f"the PIN for the PKCS#11 token {token} has the wrong length",
        p11.UserPinNotInitialized: f"the PKCS#11 token {token} has no user PIN: initialise it",
        p11.TokenNotPresent: f"the PKCS#11 token {token} is not present",
        p11.DeviceRemoved: f"the PKCS#11 token {token} was removed",
        p11.SessionHandleInvalid: f"the PKCS#11 session on token {token} is closed",
        p11.SessionClosed: f"the PKCS#11 session on token {token} is closed",
        p11.MechanismInvalid: f"the PKCS#11 token {token} does not support this signature type",
        p11.FunctionNotSupported: f"the PKCS#11 token {token} does not support signing this way",
        p11.SessionCount: f"the PKCS#11 token {token} has too many open sessions",
    }
    for kind, message in messages.items():
        if isinstance(exc, kind):
            return KeyAccessError(message)
    detail = str(exc) or type(exc).__name__
    return KeyAccessError(f"PKCS#11 error on token {token}: {detail}")
