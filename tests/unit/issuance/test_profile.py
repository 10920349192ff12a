from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.issuance_env import write_profile
from tests.support.pki_services import SealMaterial

from sealdoc.errors import InputError
from sealdoc.issuance.profile import load_profile
from sealdoc.pades.policy import PadesLevel


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "issuer.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_resolve_from_the_profile_folder(tmp_path: Path) -> None:
    folder = tmp_path / "agency"
    folder.mkdir()
    path = _write(
        folder,
        '[seal]\nkey = "k/seal.key"\ncert = "k/seal.pem"\nchain = ["k/ca.pem", "/abs/ca2.pem"]\n'
        '[twoddoc]\nca_id = "FR00"\ncert_id = "0001"\nkey = "dd.key"\ncert = "dd.pem"\n',
    )
    profile = load_profile(path)
    assert profile.seal.key == folder / "k" / "seal.key"
    assert profile.seal.chain == (folder / "k" / "ca.pem", Path("/abs/ca2.pem"))
    assert profile.twoddoc is not None
    assert profile.twoddoc.key == folder / "dd.key"
    assert profile.twoddoc_key_source() is profile.twoddoc


def test_profile_without_twoddoc_key_signs_2ddoc_with_the_seal_key(
    tmp_path: Path, material: SealMaterial
) -> None:
    profile = load_profile(write_profile(tmp_path, material))
    assert profile.twoddoc_key_source() is profile.seal
    assert profile.seal.level is PadesLevel.B_B


@pytest.mark.parametrize("secret", ["password", "pin", "PIN"])
def test_secret_in_the_profile_is_refused_with_where_it_belongs(
    tmp_path: Path, secret: str
) -> None:
    path = _write(tmp_path, f'[seal]\npkcs12 = "s.p12"\n{secret} = "1234"\n')
    with pytest.raises(InputError, match=r"secrets never go in the profile.*SEALDOC_PKCS11_PIN"):
        load_profile(path)


def test_timestamp_level_without_tsa_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '[seal]\npkcs12 = "s.p12"\nlevel = "B-T"\n')
    with pytest.raises(InputError, match="needs a time-stamping authority"):
        load_profile(path)


def test_level_is_parsed_case_insensitively(tmp_path: Path) -> None:
    path = _write(
        tmp_path, '[seal]\npkcs12 = "s.p12"\nlevel = "b-lt"\ntsa = "http://127.0.0.1:9/"\n'
    )
    assert load_profile(path).seal.level is PadesLevel.B_LT


def test_two_key_sources_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '[seal]\npkcs12 = "s.p12"\nkey = "k.pem"\ncert = "c.pem"\n')
    with pytest.raises(InputError, match="exactly one key source"):
        load_profile(path)


def test_key_without_certificate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="needs cert"):
        load_profile(_write(tmp_path, '[seal]\nkey = "k.pem"\n'))


def test_unknown_key_is_refused_with_its_location(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"seal\.levle"):
        load_profile(_write(tmp_path, '[seal]\npkcs12 = "s.p12"\nlevle = "B-B"\n'))


def test_pkcs11_table_is_read_and_its_module_resolved(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[seal]\n[seal.pkcs11]\nmodule = "/usr/lib/softhsm/libsofthsm2.so"\ntoken = "t"\n'
        'key_label = "seal"\n',
    )
    seal = load_profile(path).seal
    assert seal.pkcs11 is not None
    assert seal.pkcs11.token == "t"
    assert seal.pkcs11.module == Path("/usr/lib/softhsm/libsofthsm2.so")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"issuer\.toml: not a valid TOML"):
        load_profile(_write(tmp_path, "[seal\n"))


def test_twoddoc_position_needs_both_coordinates(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[seal]\npkcs12 = "s.p12"\n[twoddoc]\nca_id = "FR00"\ncert_id = "0001"\nx_mm = 5\n',
    )
    with pytest.raises(InputError, match="both x_mm and y_mm"):
        load_profile(path)
