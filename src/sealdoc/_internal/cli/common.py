"""Options and helpers shared by the command modules of the ``sealdoc`` CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sealdoc.keys import Pkcs11Spec, SigningKey, load_key, password_from_env_or_file
from sealdoc.trust import RevocationPolicy, TrustMaterial

F = TypeVar("F", bound=Callable[..., Any])


def parse_datetime(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or date-time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)") from exc


# --------------------------------------------------------------------------- shared options


def trust_options(func: F) -> F:
    """``--trust-cert``, ``--tsl``, ``--tsl-signer``, ``--certs``, ``--revocation``, ``--at``."""
    options = [
        click.option(
            "--trust-cert",
            "trust_certs",
            multiple=True,
            type=click.Path(exists=True, path_type=Path),
            help="Trusted certificate (PEM/DER/PKCS#7 file, or a directory of them): a CA, or a "
            "participant certificate itself. Repeatable.",
        ),
        click.option(
            "--tsl",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="ANTS trust service list (XML). Its signature is verified against --tsl-signer.",
        ),
        click.option(
            "--tsl-signer",
            "tsl_signers",
            multiple=True,
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Certificate allowed to sign the trust list (or its issuing CA). Repeatable.",
        ),
        click.option(
            "--certs",
            "certs_dir",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="Offline directory of participant certificates and CRLs (any file names).",
        ),
        click.option(
            "--revocation",
            type=click.Choice([p.value for p in RevocationPolicy]),
            default=RevocationPolicy.SOFT_FAIL.value,
            show_default=True,
            help="What to do when revocation status cannot be established.",
        ),
        click.option(
            "--at",
            "at",
            callback=lambda _c, _p, v: parse_datetime(v) if v else None,
            help="Verify as of this ISO 8601 date-time (default: now).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def key_options(func: F) -> F:
    """Key source options shared by every signing command (secrets never on the command line)."""
    options = [
        click.option(
            "--key",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Private key file (PEM/DER, PKCS#8 or traditional).",
        ),
        click.option(
            "--cert",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Certificate of the key (PEM/DER).",
        ),
        click.option(
            "--chain",
            multiple=True,
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Intermediate CA certificate. Repeatable.",
        ),
        click.option(
            "--pkcs12",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="PKCS#12 file holding key, certificate and chain.",
        ),
        click.option(
            "--password-env",
            metavar="VAR",
            help="Environment variable holding the key or PKCS#12 password.",
        ),
        click.option(
            "--password-file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="File holding the key or PKCS#12 password.",
        ),
        click.option(
            "--pkcs11-module",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). "
            "PIN from SEALDOC_PKCS11_PIN.",
        ),
        click.option("--pkcs11-token", help="PKCS#11 token label."),
        click.option(
            "--pkcs11-key", help="PKCS#11 key label (its certificate has the same label)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_signing_key(opts: dict[str, Any]) -> SigningKey:
    module = opts.pop("pkcs11_module")
    token = opts.pop("pkcs11_token")
    key_label = opts.pop("pkcs11_key")
    password = password_from_env_or_file(opts.pop("password_env"), opts.pop("password_file"))
    pkcs11 = None
    if module or token or key_label:
        if not (module and token and key_label):
            raise click.UsageError(
                "a PKCS#11 key needs --pkcs11-module, --pkcs11-token and --pkcs11-key"
            )
        pkcs11 = Pkcs11Spec.from_env(module=module, token_label=token, key_label=key_label)
    return load_key(
        key=opts.pop("key"),
        cert=opts.pop("cert"),
        chain=opts.pop("chain"),
        pkcs12=opts.pop("pkcs12"),
        password=password,
        pkcs11=pkcs11,
    )


def load_trust(opts: dict[str, Any]) -> tuple[TrustMaterial, RevocationPolicy, dt.datetime | None]:
    trust = TrustMaterial.load(
        trust_certs=opts.pop("trust_certs"),
        tsl=opts.pop("tsl"),
        tsl_signers=opts.pop("tsl_signers"),
        certs_dir=opts.pop("certs_dir"),
    )
    return trust, RevocationPolicy(opts.pop("revocation")), opts.pop("at")
