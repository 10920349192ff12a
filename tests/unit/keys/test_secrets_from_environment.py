"""Passwords and PINs come from the environment or a file, never from argv, never into repr()."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealdoc.errors import KeyAccessError
from sealdoc.keys import PIN_ENV_VAR, Pkcs11Spec, password_from_env_or_file


def test_password_is_read_from_the_named_variable() -> None:
    environ = {"SEAL_PASSWORD": "pâss wörd"}
    assert password_from_env_or_file("SEAL_PASSWORD", None, environ=environ) == "pâss wörd".encode()


def test_password_is_read_from_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAL_PASSWORD", "from-env")
    assert password_from_env_or_file("SEAL_PASSWORD", None) == b"from-env"


def test_unset_password_variable_is_reported() -> None:
    with pytest.raises(KeyAccessError, match="SEAL_PASSWORD is not set"):
        password_from_env_or_file("SEAL_PASSWORD", None, environ={})


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"secret\n", b"secret"),
        (b"secret\r\n", b"secret"),
        (b"secret", b"secret"),
        (b" s \n\n", b" s \n"),
    ],
)
def test_password_file_loses_only_its_final_newline(
    tmp_path: Path, content: bytes, expected: bytes
) -> None:
    path = tmp_path / "password"
    path.write_bytes(content)
    assert password_from_env_or_file(None, path) == expected


def test_missing_password_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(KeyAccessError, match="password file not found"):
        password_from_env_or_file(None, tmp_path / "password")


def test_password_from_both_sources_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyAccessError, match="not both"):
        password_from_env_or_file("X", tmp_path / "password", environ={"X": "y"})


def test_no_password_source_means_no_password() -> None:
    assert password_from_env_or_file(None, None) is None


def test_pkcs11_spec_reads_pin_from_environment() -> None:
    spec = Pkcs11Spec.from_env(
        module="/usr/lib/p11.so",
        token_label="sealdoc",
        key_label="seal",
        environ={PIN_ENV_VAR: "123456"},
    )
    assert spec == Pkcs11Spec(Path("/usr/lib/p11.so"), "sealdoc", "seal", "123456")


def test_pkcs11_spec_without_pin_variable_has_no_pin() -> None:
    spec = Pkcs11Spec.from_env(module="/p11.so", token_label="t", key_label="k", environ={})
    assert spec.pin is None


def test_pkcs11_spec_repr_hides_the_pin() -> None:
    spec = Pkcs11Spec(Path("/p11.so"), "token", "key", pin="987654")
    assert "987654" not in repr(spec)
    assert "token" in repr(spec)
