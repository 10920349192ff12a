"""Settings of the delivery service: a TOML or JSON file, overridden by the environment.

    settings = DeliverySettings.from_file("delivery.toml")   # + SEALDOC_DELIVERY_* variables

Environment variables are named ``SEALDOC_DELIVERY_<FIELD>`` (nested: ``__``, e.g.
``SEALDOC_DELIVERY_SMTP__HOST``); they win over the file. Relative paths in the file are taken
relative to the file's directory. Secrets (key passwords, the PostgreSQL DSN, the SMTP password)
come from the environment or from files, never from the command line; API keys appear only as
their SHA-256 (``sealdoc api-key`` prints a new key and its hash).
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    JsonConfigSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from sealdoc.errors import InputError
from sealdoc.keys import Pkcs11Spec, SigningKey, load_key, password_from_env_or_file

__all__ = [
    "AgencySettings",
    "DeliverySettings",
    "KeySettings",
    "RecipientSettings",
    "SmtpSettings",
]

_CONFIG_FILE: ContextVar[Path | None] = ContextVar("sealdoc_delivery_config", default=None)
_HEX64 = r"^[0-9a-f]{64}$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeySettings(_Section):
    """The service's sealing key (evidence, checkpoints, proofs): file, PKCS#12 or PKCS#11."""

    key: Path | None = None
    cert: Path | None = None
    chain: list[Path] = Field(default_factory=list)
    pkcs12: Path | None = None
    password_env: str | None = None
    password_file: Path | None = None
    pkcs11_module: Path | None = None
    pkcs11_token: str | None = None
    pkcs11_key: str | None = None

    def load(self) -> SigningKey:
        password = password_from_env_or_file(self.password_env, self.password_file)
        pkcs11 = None
        if self.pkcs11_module is not None:
            if not (self.pkcs11_token and self.pkcs11_key):
                raise InputError("service_key: a PKCS#11 key needs pkcs11_token and pkcs11_key")
            pkcs11 = Pkcs11Spec.from_env(
                module=self.pkcs11_module, token_label=self.pkcs11_token, key_label=self.pkcs11_key
            )
        return load_key(
            key=self.key,
            cert=self.cert,
            chain=self.chain,
            pkcs12=self.pkcs12,
            password=password,
            pkcs11=pkcs11,
        )


class AgencySettings(_Section):
    """An issuer allowed to deposit: its seal certificate(s) and the hashes of its API keys."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    certificates: list[Path] = Field(min_length=1)
    api_key_sha256: list[str] = Field(default_factory=list)

    @field_validator("api_key_sha256")
    @classmethod
    def _hashes(cls, values: list[str]) -> list[str]:
        return _check_hashes(values)


class RecipientSettings(_Section):
    """A recipient's information system: who it is and the hashes of its API keys."""

    recipient: str = Field(description="SCHEME:ID, e.g. SIREN:123456789")
    name: str | None = None
    api_key_sha256: list[str] = Field(default_factory=list)

    @field_validator("api_key_sha256")
    @classmethod
    def _hashes(cls, values: list[str]) -> list[str]:
        return _check_hashes(values)


def _check_hashes(values: list[str]) -> list[str]:
    import re

    for value in values:
        if not re.match(_HEX64, value):
            raise ValueError("api_key_sha256 entries are 64 lowercase hex digits")
    return values


class SmtpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = Field(min_length=3)
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout_s: float = 30.0


class DeliverySettings(BaseSettings):
    """Everything the service needs; see ``docs/delivery.md`` for an annotated example."""

    model_config = SettingsConfigDict(
        env_prefix="SEALDOC_DELIVERY_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    public_url: str = Field(description="Base URL of the service as recipients see it.")
    service_name: str = "sealdoc delivery service"
    log_origin: str | None = Field(
        default=None, description="Name of the evidence log in its checkpoints (default: host)."
    )
    storage: Literal["sqlite", "postgresql"] = "sqlite"
    data_dir: Path = Path("delivery-data")
    postgres_dsn: str | None = None
    payload_key_file: Path | None = Field(
        default=None,
        description="Key encrypting pending notices (default: data_dir/payload.key, created "
        "if missing). Processes sharing a PostgreSQL database must share this file.",
    )
    service_key: KeySettings
    trust: list[Path] = Field(
        min_length=1, description="Anchors (PEM/DER files) the agencies' seals must chain to."
    )
    revocation: Literal["require", "hard-fail", "soft-fail", "none"] = "require"
    tsa_url: str | None = None
    proof_level: Literal["B-B", "B-T"] = "B-B"
    proof_check_revocation: bool = True
    agencies: list[AgencySettings] = Field(default_factory=list)
    recipients: list[RecipientSettings] = Field(default_factory=list)
    smtp: SmtpSettings | None = None
    default_window_days: int = Field(default=15, ge=1)
    max_window_days: int = Field(default=90, ge=1)
    default_retention_days: int = Field(default=365, ge=1)
    max_document_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    notice_retry_delays_s: list[float] = Field(
        default_factory=lambda: [30.0, 120.0, 600.0, 1800.0, 7200.0, 21600.0],
        description="Delay before each retry of a notice; when exhausted, the notice failed.",
    )
    confirmation_ttl_hours: int = Field(default=48, ge=1)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    allow_private_webhooks: bool = Field(
        default=False,
        description="Allow http:// and loopback/private IP webhook URLs (tests, intranets).",
    )
    worker_interval_s: float = Field(
        default=1.0, ge=0, description="Background work (notices, expiry) period; 0: off."
    )
    checkpoint_interval_s: float = Field(default=300.0, gt=0)
    rate_limit_failures: int = Field(default=20, ge=1)
    rate_limit_window_s: float = Field(default=60.0, gt=0)
    access_tracking_cap: int = Field(
        default=20, ge=1, description="Page views per link recorded as access tracking."
    )

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("public_url must be an http(s) URL such as https://delivery.example")
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003 - not used: no .env
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = _CONFIG_FILE.get()
        if path is None:
            return (init_settings, env_settings)
        if path.suffix.lower() == ".json":
            file_source: PydanticBaseSettingsSource = JsonConfigSettingsSource(
                settings_cls, json_file=path
            )
        else:
            file_source = TomlConfigSettingsSource(settings_cls, toml_file=path)
        return (init_settings, env_settings, file_source)

    @classmethod
    def from_file(cls, path: Path | str, **overrides: Any) -> DeliverySettings:
        """Read ``path`` (``.toml`` or ``.json``), then the environment, then ``overrides``."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no such settings file")
        token = _CONFIG_FILE.set(path)
        try:
            settings = cls(**overrides)
        except ValidationError as exc:
            raise InputError(f"{path}: invalid settings: {_summary(exc)}") from exc
        except ValueError as exc:  # TOML/JSON syntax
            raise InputError(f"{path}: cannot be read: {exc}") from exc
        finally:
            _CONFIG_FILE.reset(token)
        return settings.relative_to(path.parent)

    def relative_to(self, base: Path) -> DeliverySettings:
        """A copy with every relative path resolved against ``base``."""

        def fix(p: Path) -> Path:
            return p if p.is_absolute() else (base / p)

        def fix_opt(p: Path | None) -> Path | None:
            return None if p is None else fix(p)

        key = self.service_key.model_copy(
            update={
                "key": fix_opt(self.service_key.key),
                "cert": fix_opt(self.service_key.cert),
                "chain": [fix(p) for p in self.service_key.chain],
                "pkcs12": fix_opt(self.service_key.pkcs12),
                "password_file": fix_opt(self.service_key.password_file),
            }
        )
        agencies = [
            a.model_copy(update={"certificates": [fix(p) for p in a.certificates]})
            for a in self.agencies
        ]
        return self.model_copy(
            update={
                "data_dir": fix(self.data_dir),
                "payload_key_file": fix_opt(self.payload_key_file),
                "trust": [fix(p) for p in self.trust],
                "service_key": key,
                "agencies": agencies,
            }
        )

    @property
    def payload_key_path(self) -> Path:
        return self.payload_key_file or (self.data_dir / "payload.key")

    @property
    def origin(self) -> str:
        """The evidence log's name (checkpoint ``origin``)."""
        return self.log_origin or f"{urlsplit(self.public_url).netloc}/evidence"

    def check_webhook_url(self, url: str) -> str:
        """Refuse webhook URLs the service must not call (plain http, private addresses)."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InputError(f"webhook {url!r}: expected an https:// URL")
        if self.allow_private_webhooks:
            return url
        if parts.scheme != "https":
            raise InputError(f"webhook {url!r}: only https:// URLs are accepted")
        try:
            address = ipaddress.ip_address(parts.hostname)
        except ValueError:
            if parts.hostname.lower() == "localhost":
                raise InputError(f"webhook {url!r}: loopback addresses are refused") from None
            return url
        if not address.is_global:
            raise InputError(f"webhook {url!r}: private and loopback addresses are refused")
        return url


def _summary(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
    )
