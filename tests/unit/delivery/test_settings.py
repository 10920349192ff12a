"""Settings: a TOML or JSON file, overridden by SEALDOC_DELIVERY_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealdoc.delivery.settings import DeliverySettings
from sealdoc.errors import InputError

TOML = """
public_url = "https://delivery.example/"
data_dir = "state"
trust = ["pki/root.pem"]
revocation = "soft-fail"

[service_key]
key = "keys/service.key.pem"
cert = "keys/service.cert.pem"

[smtp]
host = "smtp.example"
port = 587
sender = "notices@delivery.example"
starttls = true

[[agencies]]
id = "dgfip"
name = "Direction générale des finances publiques"
certificates = ["pki/dgfip.pem"]
api_key_sha256 = ["0000000000000000000000000000000000000000000000000000000000000000"]
"""


def test_toml_file_is_read_and_paths_are_relative_to_it(tmp_path: Path) -> None:
    path = tmp_path / "delivery.toml"
    path.write_text(TOML, encoding="utf-8")

    settings = DeliverySettings.from_file(path)

    assert settings.public_url == "https://delivery.example"
    assert settings.data_dir == tmp_path / "state"
    assert settings.trust == [tmp_path / "pki" / "root.pem"]
    assert settings.service_key.key == tmp_path / "keys" / "service.key.pem"
    assert settings.agencies[0].certificates == [tmp_path / "pki" / "dgfip.pem"]
    assert settings.smtp is not None
    assert settings.smtp.starttls
    assert settings.origin == "delivery.example/evidence"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "delivery.toml"
    path.write_text(TOML, encoding="utf-8")
    monkeypatch.setenv("SEALDOC_DELIVERY_STORAGE", "postgresql")
    monkeypatch.setenv("SEALDOC_DELIVERY_POSTGRES_DSN", "host=db dbname=delivery")
    monkeypatch.setenv("SEALDOC_DELIVERY_SMTP__PORT", "2525")

    settings = DeliverySettings.from_file(path)

    assert settings.storage == "postgresql"
    assert settings.postgres_dsn == "host=db dbname=delivery"
    assert settings.smtp is not None
    assert settings.smtp.port == 2525
    assert settings.smtp.host == "smtp.example"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            TOML.replace('public_url = "https://delivery.example/"', 'public_url = "ftp://x"'),
            "public_url",
        ),
        (TOML.replace('revocation = "soft-fail"', 'revocation = "maybe"'), "revocation"),
        (TOML.replace("0000000000", "zz", 1), "api_key_sha256"),
        ("public_url = [", "cannot be read"),
    ],
    ids=["url", "revocation", "hash", "syntax"],
)
def test_invalid_settings_are_input_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "delivery.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(InputError, match=message):
        DeliverySettings.from_file(path)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such settings file"):
        DeliverySettings.from_file(tmp_path / "absent.toml")
