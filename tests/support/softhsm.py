"""Throwaway SoftHSM2 tokens for tests, with a key and its certificate on them.

No pytest dependency: use it from fixtures, scripts or benchmarks::

    from tests.support.softhsm import create_token
    from sealdoc.keys import load_key

    with create_token("ec-p256") as token:        # or "ec-p384", "ec-p521", "rsa-2048", ...
        with load_key(pkcs11=token.spec()) as key:
            key.sign(b"data", "sha256")
        token.certificate, token.private_key      # the test material, to verify against

A CA-issued certificate instead of a self-signed one: ``create_token("ec-p256",
issuer=(ca_cert, ca_key))``. The key and certificate share the label ``token.key_label`` on the
token, which is what :class:`sealdoc.keys.Pkcs11Spec` looks up.

**One SoftHSM installation per process.** SoftHSM reads ``SOFTHSM2_CONF`` once, when the module
is initialised in a process, and does not see tokens created later by ``softhsm2-util``. So every
token of a process lives in one private installation (:meth:`SoftHsm.shared`: a generated
``softhsm2.conf`` and token directory in a temporary directory, ``SOFTHSM2_CONF`` pointing at it,
removed at exit), and creating or deleting a token reinitialises the module in this process.
Sessions that other keys hold are invalidated by that; :mod:`sealdoc.keys` logs in again on its
next use, so other tests' keys keep working. Each token is deleted when its ``with`` block ends
(or by :meth:`SoftHsmToken.delete`). Tokens are told apart by serial number, so two tokens may
share a label (to test that case).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Final, Self

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute
from pkcs11.util.x509 import decode_x509_certificate
from tests.support.keymaterial import KeySpec, PrivateKey, generate_key, issue_certificate

from sealdoc.keys import Pkcs11Spec

__all__ = [
    "SOFTHSM_MODULE",
    "SoftHsm",
    "SoftHsmToken",
    "create_token",
    "softhsm_available",
]

SOFTHSM_MODULE: Final = Path("/usr/lib/softhsm/libsofthsm2.so")
SOFTHSM_UTIL: Final = "softhsm2-util"


def softhsm_available() -> bool:
    """Whether the SoftHSM2 module and ``softhsm2-util`` are installed."""
    return SOFTHSM_MODULE.is_file() and shutil.which(SOFTHSM_UTIL) is not None


@dataclass(frozen=True)
class SoftHsmToken:
    """A token holding one private key and (unless asked not to) its certificate."""

    module: Path
    token_label: str
    #: SoftHSM's serial number of the token (labels need not be unique; serials are).
    serial: str
    key_label: str
    pin: str = field(repr=False)
    so_pin: str = field(repr=False)
    key_id: bytes
    #: The key imported into the token (kept here so tests can compare and verify).
    private_key: PrivateKey = field(repr=False)
    certificate: x509.Certificate = field(repr=False)
    #: The certificate as a PEM file, for ``load_key(pkcs11=..., cert=token.cert_path)``.
    cert_path: Path
    hsm: SoftHsm = field(repr=False)

    def spec(self) -> Pkcs11Spec:
        """The :class:`Pkcs11Spec` for this token's key, with the right PIN.

        Another PIN: ``dataclasses.replace(token.spec(), pin="0000")``.
        """
        return Pkcs11Spec(
            module=self.module, token_label=self.token_label, key_label=self.key_label, pin=self.pin
        )

    def delete(self) -> None:
        """Remove the token (idempotent). Keys loaded from it stop working."""
        self.hsm.delete_token(self.serial)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.delete()


class SoftHsm:
    """The SoftHSM2 installation of this process (see the module docstring for why only one)."""

    _shared: ClassVar[SoftHsm | None] = None
    _shared_lock: ClassVar = threading.Lock()

    def __init__(self, root: Path) -> None:
        """Use :meth:`shared`; this constructor does not activate the installation."""
        self.root = root
        self.token_dir = root / "tokens"
        self.config = root / "softhsm2.conf"
        self.module = SOFTHSM_MODULE
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> SoftHsm:
        """The installation of this process, created (and made current) on first use."""
        with cls._shared_lock:
            if cls._shared is None:
                if not softhsm_available():
                    raise RuntimeError(
                        f"SoftHSM2 is not installed ({SOFTHSM_MODULE}, {SOFTHSM_UTIL}): "
                        f"apt-get install softhsm2"
                    )
                root = Path(tempfile.mkdtemp(prefix="sealdoc-softhsm-"))
                hsm = cls(root)
                hsm.token_dir.mkdir()
                hsm.config.write_text(
                    f"directories.tokendir = {hsm.token_dir}\n"
                    "objectstore.backend = file\n"
                    "log.level = ERROR\n"
                    "slots.removable = false\n"
                )
                os.environ["SOFTHSM2_CONF"] = str(hsm.config)
                atexit.register(_remove_installation, root, os.getpid())
                cls._shared = hsm
            return cls._shared

    def create_token(
        self,
        key: KeySpec = "ec-p256",
        *,
        token_label: str | None = None,
        key_label: str = "sealdoc-signer",
        pin: str = "4321",
        so_pin: str = "87654321",
        common_name: str | None = None,
        issuer: tuple[x509.Certificate, PrivateKey] | None = None,
        certificate: x509.Certificate | None = None,
        store_certificate: bool = True,
    ) -> SoftHsmToken:
        """Initialise a token, import ``key`` and store its certificate under ``key_label``.

        ``certificate`` defaults to one issued for the key by ``issuer`` (or self-signed).
        ``store_certificate=False`` leaves the certificate off the token.
        """
        private_key = generate_key(key)
        label = token_label or f"sealdoc-{uuid.uuid4().hex[:12]}"
        if certificate is None:
            certificate = issue_certificate(
                private_key, common_name or f"{label} {key_label}", issuer=issuer
            )
        key_id = uuid.uuid4().bytes[:8]
        with self._lock:
            output = self._util(
                "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin
            )
            reassigned = re.search(r"reassigned to slot (\d+)", output)
            if reassigned is None:
                raise RuntimeError(f"unexpected {SOFTHSM_UTIL} --init-token output: {output!r}")
            serial = self._serials()[int(reassigned.group(1))]
            key_file = self.root / f"{serial}.p8"
            key_file.touch(mode=0o600)
            key_file.write_bytes(
                private_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            try:
                self._util(
                    "--import", str(key_file), "--serial", serial, "--label", key_label,
                    "--id", key_id.hex(), "--pin", pin,
                )  # fmt: skip
            finally:
                key_file.unlink()
            self.reinitialize()
            if store_certificate:
                self._store_certificate(serial, key_label, key_id, pin, certificate)
            cert_path = self.root / f"{serial}.pem"
            cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        return SoftHsmToken(
            module=self.module,
            token_label=label,
            serial=serial,
            key_label=key_label,
            pin=pin,
            so_pin=so_pin,
            key_id=key_id,
            private_key=private_key,
            certificate=certificate,
            cert_path=cert_path,
            hsm=self,
        )

    def delete_token(self, serial: str) -> None:
        """Remove a token (idempotent), and make this process's module forget it."""
        with self._lock:
            if serial in self._serials().values():
                self._util("--delete-token", "--serial", serial)
                self.reinitialize()
            (self.root / f"{serial}.pem").unlink(missing_ok=True)

    def _serials(self) -> dict[int, str]:
        """Slot number -> serial number of every initialised token."""
        listing = self._util("--show-slots")
        serials: dict[int, str] = {}
        for block in re.split(r"^Slot ", listing, flags=re.MULTILINE)[1:]:
            slot = int(block.split(None, 1)[0])
            serial = re.search(r"^\s*Serial number:\s+(\S+)", block, re.MULTILINE)
            initialised = re.search(r"^\s*Initialized:\s+yes", block, re.MULTILINE)
            if serial is not None and initialised is not None:
                serials[slot] = serial.group(1)
        return serials

    def reinitialize(self) -> None:
        """Make this process's module see the token directory as it is now.

        Invalidates every PKCS#11 session of the process (:mod:`sealdoc.keys` reconnects).
        """
        pkcs11.lib(str(self.module)).reinitialize()

    def _store_certificate(
        self, serial: str, key_label: str, key_id: bytes, pin: str, certificate: x509.Certificate
    ) -> None:
        template = decode_x509_certificate(certificate.public_bytes(serialization.Encoding.DER))
        template |= {Attribute.TOKEN: True, Attribute.LABEL: key_label, Attribute.ID: key_id}
        token = pkcs11.lib(str(self.module)).get_token(token_serial=serial.encode())
        with token.open(rw=True, user_pin=pin) as session:
            session.create_object(template)

    def _util(self, *args: str) -> str:
        result = subprocess.run(
            [SOFTHSM_UTIL, *args],
            env={**os.environ, "SOFTHSM2_CONF": str(self.config)},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{SOFTHSM_UTIL} {args[0]} failed ({result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
        return result.stdout


def _remove_installation(root: Path, owner_pid: int) -> None:
    # A forked child that exits normally runs atexit too: only the creating process cleans up.
    if os.getpid() == owner_pid:
        shutil.rmtree(root, ignore_errors=True)


def create_token(
    key: KeySpec = "ec-p256",
    *,
    token_label: str | None = None,
    key_label: str = "sealdoc-signer",
    pin: str = "4321",
    so_pin: str = "87654321",
    common_name: str | None = None,
    issuer: tuple[x509.Certificate, PrivateKey] | None = None,
    certificate: x509.Certificate | None = None,
    store_certificate: bool = True,
) -> SoftHsmToken:
    """:meth:`SoftHsm.create_token` on this process's installation (:meth:`SoftHsm.shared`)."""
    return SoftHsm.shared().create_token(
        key,
        token_label=token_label,
        key_label=key_label,
        pin=pin,
        so_pin=so_pin,
        common_name=common_name,
        issuer=issuer,
        certificate=certificate,
        store_certificate=store_certificate,
    )
