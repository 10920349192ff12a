"""The issuer profile: who seals, with which key, at which level, and how notices look.

A profile is a TOML file an agency keeps next to its keys::

    [seal]
    key = "seal.key"              # or pkcs12 = "seal.p12", or a [seal.pkcs11] table
    cert = "seal.pem"
    chain = ["ca.pem"]
    level = "B-B"                 # B-B | B-T | B-LT | B-LTA
    # tsa = "http://tsa.example/" # required from B-T
    # password_env = "SEALDOC_KEY_PASSWORD"

    [twoddoc]                     # optional: stamp a 2D-Doc on documents that carry one
    ca_id = "FR00"
    cert_id = "0001"

    [notice]                      # optional: the issuer block of the built-in notice template
    issuer = ["Agence de test", "1 rue de la Paix", "75002 Paris"]

Relative paths resolve from the profile's folder. Secrets never sit in the file: a key or
PKCS#12 password comes from the environment variable named by ``password_env``, a token PIN
from ``SEALDOC_PKCS11_PIN``. :func:`load_profile` parses and checks the file; the models here
are the edge of the system (parse, don't validate), plain data afterwards.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sealdoc.errors import InputError
from sealdoc.keys import PIN_ENV_VAR, Pkcs11Spec, SigningKey, load_key, password_from_env_or_file
from sealdoc.pades.policy import PadesLevel

__all__ = [
    "IssuerProfile",
    "KeySource",
    "NoticeSettings",
    "Pkcs11Settings",
    "SealSettings",
    "TwoDDocSettings",
    "load_profile",
]

#: Keys that would put a secret in the profile: refused with a message saying where it goes.
_SECRET_KEYS = frozenset({"password", "pin", "passphrase", "secret", "user_pin", "so_pin"})

Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in data:
                if str(name).lower() in _SECRET_KEYS:
                    raise ValueError(
                        f"{name!r}: secrets never go in the profile; give the key password in "
                        f"the environment variable named by password_env, the token PIN in "
                        f"{PIN_ENV_VAR}"
                    )
        return data


class Pkcs11Settings(_Model):
    """A key on a PKCS#11 token; the PIN comes from ``SEALDOC_PKCS11_PIN``."""

    module: Path = Field(description="PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so.")
    token: str = Field(min_length=1, description="Token label.")
    key_label: str = Field(
        min_length=1, description="Label of the private key (and of its certificate)."
    )


class KeySource(_Model):
    """Where a signing key is: key + cert files, a PKCS#12 file, or a PKCS#11 token."""

    key: Path | None = Field(default=None, description="Private key file (PEM or DER).")
    cert: Path | None = Field(default=None, description="Certificate of the key (PEM or DER).")
    chain: tuple[Path, ...] = Field(default=(), description="Intermediate CA certificates.")
    pkcs12: Path | None = Field(default=None, description="PKCS#12 file (key, cert, chain).")
    pkcs11: Pkcs11Settings | None = Field(default=None, description="Key on a PKCS#11 token.")
    password_env: str | None = Field(
        default=None,
        description="Name of the environment variable holding the key or PKCS#12 password.",
    )

    def has_key(self) -> bool:
        return self.key is not None or self.pkcs12 is not None or self.pkcs11 is not None

    def check_one_source(self, where: str) -> None:
        sources = [self.key is not None, self.pkcs12 is not None, self.pkcs11 is not None]
        if sum(sources) != 1:
            raise ValueError(
                f"[{where}] needs exactly one key source: key (+ cert), pkcs12, or a "
                f"[{where}.pkcs11] table"
            )
        if self.key is not None and self.cert is None:
            raise ValueError(f"[{where}] key = ... needs cert = ... (the key's certificate)")

    def load(self) -> SigningKey:
        """Load the key (in the calling process: PKCS#11 sessions do not survive ``fork``)."""
        password = password_from_env_or_file(self.password_env, None)
        pkcs11 = None
        if self.pkcs11 is not None:
            pkcs11 = Pkcs11Spec.from_env(
                module=self.pkcs11.module,
                token_label=self.pkcs11.token,
                key_label=self.pkcs11.key_label,
            )
        return load_key(
            key=self.key,
            cert=self.cert,
            chain=self.chain,
            pkcs12=self.pkcs12,
            password=password,
            pkcs11=pkcs11,
        )

    def resolved(self, base: Path) -> dict[str, Any]:
        """The fields with relative paths made absolute from ``base``."""

        def fix(path: Path | None) -> Path | None:
            return None if path is None else _resolve(base, path)

        pkcs11 = self.pkcs11
        if pkcs11 is not None:
            pkcs11 = pkcs11.model_copy(update={"module": _resolve(base, pkcs11.module)})
        return {
            "key": fix(self.key),
            "cert": fix(self.cert),
            "chain": tuple(_resolve(base, p) for p in self.chain),
            "pkcs12": fix(self.pkcs12),
            "pkcs11": pkcs11,
        }


class SealSettings(KeySource):
    """``[seal]``: the PAdES seal put on every document."""

    level: PadesLevel = Field(default=PadesLevel.B_B, description="PAdES baseline level.")
    tsa: str | None = Field(
        default=None, description="Time-stamping authority URL (required from B-T)."
    )
    trust_roots: tuple[Path, ...] = Field(
        default=(),
        description="Anchors for the seal-time certificate checks (default: the chain's root). "
        "From B-LT they must cover the TSA too.",
    )
    check_revocation: bool = Field(
        default=True,
        description="Check once per batch, before sealing, that the certificate is not revoked "
        "(OCSP/CRL, hard-fail).",
    )
    field_name: str = Field(default="Seal", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    reason: str | None = Field(default=None, max_length=500)
    location: str | None = Field(default=None, max_length=500)
    tsa_concurrency: int = Field(
        default=8, ge=1, le=64, description="Time-stamp requests in flight per worker (B-T+)."
    )
    network_timeout_s: float = Field(default=10.0, gt=0, le=600)

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return PadesLevel.parse(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> SealSettings:
        self.check_one_source("seal")
        if self.level.needs_timestamp and not self.tsa:
            raise ValueError(f"level {self.level} needs a time-stamping authority: set tsa = ...")
        if self.tsa is not None and not self.tsa.startswith(("http://", "https://")):
            raise ValueError(f"tsa must be an http(s) URL, not {self.tsa!r}")
        return self


class TwoDDocSettings(KeySource):
    """``[twoddoc]``: the 2D-Doc stamped on documents whose manifest row carries one.

    Its key defaults to the seal's. The stamp goes in a corner of ``page`` (1 = first),
    ``margin_mm`` from the edges, unless ``x_mm``/``y_mm`` (lower-left corner, from the page's
    lower-left corner) place it exactly.
    """

    ca_id: str = Field(pattern=r"^[A-Z0-9]{4}$", description="Certification authority id.")
    cert_id: str = Field(pattern=r"^[A-Z0-9]{4}$", description="Certificate id.")
    version: int = Field(default=4, ge=2, le=4)
    country: str = Field(default="FR", pattern=r"^[A-Z]{2}$")
    page: int = Field(default=1, ge=1, description="Page to stamp (1 = first).")
    corner: Corner = "top-right"
    margin_mm: float = Field(default=10.0, ge=0, le=200)
    x_mm: float | None = Field(default=None, ge=0)
    y_mm: float | None = Field(default=None, ge=0)
    module_size: int = Field(default=5, ge=2, le=20, description="Module side in 300-dpi pixels.")

    @model_validator(mode="after")
    def _consistent(self) -> TwoDDocSettings:
        if self.has_key():
            self.check_one_source("twoddoc")
        if (self.x_mm is None) != (self.y_mm is None):
            raise ValueError("give both x_mm and y_mm, or neither")
        return self


class NoticeSettings(_Model):
    """``[notice]``: what the built-in notice template prints for the issuer."""

    issuer: tuple[str, ...] = Field(
        default=(), max_length=8, description="Issuer block, one line each (first in bold)."
    )
    place: str | None = Field(default=None, max_length=80, description='"Fait à <place>".')
    signatory: tuple[str, ...] = Field(default=(), max_length=4)
    footer: str | None = Field(default=None, max_length=300)
    language: Literal["fr", "en"] = "fr"


class IssuerProfile(_Model):
    """An issuer profile (TOML), with every path made absolute by :func:`load_profile`."""

    seal: SealSettings
    twoddoc: TwoDDocSettings | None = None
    notice: NoticeSettings = NoticeSettings()
    source: Annotated[Path | None, Field(exclude=True)] = None

    def twoddoc_key_source(self) -> KeySource:
        """The key the 2D-Doc is signed with: its own, or the seal's."""
        if self.twoddoc is not None and self.twoddoc.has_key():
            return self.twoddoc
        return self.seal


def _resolve(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else (base / path)


def load_profile(path: Path) -> IssuerProfile:
    """Read and check the profile at ``path``; relative paths resolve from its folder.

    Raises :class:`~sealdoc.errors.InputError` naming the file and the problem.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML file ({exc})") from exc
    try:
        profile = IssuerProfile.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{path}: {_describe(exc)}") from None
    base = path.resolve().parent
    seal = profile.seal.model_copy(
        update={
            **profile.seal.resolved(base),
            "trust_roots": tuple(_resolve(base, p) for p in profile.seal.trust_roots),
        }
    )
    twoddoc = profile.twoddoc
    if twoddoc is not None:
        twoddoc = twoddoc.model_copy(update=twoddoc.resolved(base))
    return profile.model_copy(update={"seal": seal, "twoddoc": twoddoc, "source": path})


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)
