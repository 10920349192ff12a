"""Keys on real SoftHSM2 tokens: signing, pyHanko, and every way access can fail."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pkcs11
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11 import Attribute, KeyType
from tests.support.keymaterial import (
    AT,
    TestPki,
    issue_certificate,
    verify_signature,
    write_certificates,
)
from tests.support.pyhanko_check import sign_and_validate_pdf
from tests.support.softhsm import SoftHsmToken, create_token

from sealdoc.errors import KeyAccessError
from sealdoc.keys import Pkcs11Spec, load_key

TokenFactory = Callable[..., SoftHsmToken]

DATA = b"DC04FR000001...the data a seal covers"
RAW_LENGTHS = {"ec-p256": 64, "ec-p384": 96, "ec-p521": 132}
KINDS = ("ec-p256", "ec-p384", "ec-p521", "rsa-2048")


# --- signing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_token_key_signs_verifiably_with_certificate_from_token(
    make_token: TokenFactory, kind: str
) -> None:
    token = make_token(kind)
    with load_key(pkcs11=token.spec()) as key:
        assert key.certificate == token.certificate
        for hash_algorithm in ("sha256", "sha384", "sha512"):
            signature = key.sign(DATA, hash_algorithm)
            verify_signature(key.public_key, signature, DATA, hash_algorithm)


@pytest.mark.parametrize("kind", sorted(RAW_LENGTHS))
def test_token_raw_ecdsa_signature_has_fixed_length_per_curve(
    make_token: TokenFactory, kind: str
) -> None:
    size = RAW_LENGTHS[kind]
    with load_key(pkcs11=make_token(kind).spec()) as key:
        public_key = key.public_key
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        for index in range(16):
            data = DATA + bytes([index])
            raw = key.sign_ecdsa_raw(data)
            assert len(raw) == size
            der = encode_dss_signature(
                int.from_bytes(raw[: size // 2], "big"), int.from_bytes(raw[size // 2 :], "big")
            )
            verify_signature(public_key, der, data, key.default_hash)


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_signed_with_token_key_validates(
    make_token: TokenFactory, pki: TestPki, tmp_path: Path, kind: str
) -> None:
    token = make_token(kind)
    chain = write_certificates(tmp_path / "chain.pem", pki.intermediate)
    with load_key(pkcs11=token.spec(), chain=[chain]) as key:
        status = sign_and_validate_pdf(key.pyhanko_signer(), [pki.root], at=AT)
    assert status.bottom_line, status.summary()
    assert status.trusted


def test_certificate_file_is_used_when_token_holds_none(make_token: TokenFactory) -> None:
    token = make_token("ec-p256", store_certificate=False)
    with load_key(pkcs11=token.spec(), cert=token.cert_path) as key:
        assert key.certificate == token.certificate
        verify_signature(key.public_key, key.sign(DATA, "sha256"), DATA, "sha256")


def test_pin_from_environment_opens_the_token(
    make_token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = make_token("ec-p256")
    monkeypatch.setenv("SEALDOC_PKCS11_PIN", token.pin)
    spec = Pkcs11Spec.from_env(
        module=token.module, token_label=token.token_label, key_label=token.key_label
    )
    with load_key(pkcs11=spec) as key:
        verify_signature(key.public_key, key.sign(DATA, "sha256"), DATA, "sha256")


# --- errors -------------------------------------------------------------------------------------


def test_wrong_pin_is_reported_and_right_pin_still_works(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    with pytest.raises(KeyAccessError, match="wrong PIN for the PKCS#11 token"):
        load_key(pkcs11=dataclasses.replace(token.spec(), pin="0000"))
    with load_key(pkcs11=token.spec()) as key:
        key.sign(DATA, "sha256")


def test_missing_pin_hides_the_key_and_says_to_set_it(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    with pytest.raises(KeyAccessError, match=r"no private key labelled.*SEALDOC_PKCS11_PIN"):
        load_key(pkcs11=dataclasses.replace(token.spec(), pin=None))


def test_unknown_token_label_lists_the_tokens_present(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    spec = dataclasses.replace(token.spec(), token_label="no-such-token")
    with pytest.raises(KeyAccessError, match="no PKCS#11 token labelled 'no-such-token'") as info:
        load_key(pkcs11=spec)
    assert repr(token.token_label) in info.value.message


def test_unknown_key_label_is_reported(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    spec = dataclasses.replace(token.spec(), key_label="no-such-key")
    with pytest.raises(KeyAccessError, match="no private key labelled 'no-such-key'"):
        load_key(pkcs11=spec)


def test_missing_module_is_reported(tmp_path: Path) -> None:
    spec = Pkcs11Spec(tmp_path / "libnothing.so", "token", "key", "1234")
    with pytest.raises(KeyAccessError, match="PKCS#11 module not found"):
        load_key(pkcs11=spec)


def test_file_that_is_not_a_pkcs11_module_is_reported(tmp_path: Path) -> None:
    fake = tmp_path / "libfake.so"
    fake.write_bytes(b"not a shared library")
    with pytest.raises(KeyAccessError, match="cannot load the PKCS#11 module"):
        load_key(pkcs11=Pkcs11Spec(fake, "token", "key", "1234"))


def test_token_without_certificate_asks_for_a_certificate_file(make_token: TokenFactory) -> None:
    token = make_token("ec-p256", store_certificate=False)
    with pytest.raises(KeyAccessError, match=r"no certificate labelled .* give a certificate file"):
        load_key(pkcs11=token.spec())


def test_certificate_file_of_another_key_is_refused(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    other = make_token("ec-p256")
    with pytest.raises(KeyAccessError, match="does not match the certificate"):
        load_key(pkcs11=token.spec(), cert=other.cert_path)


def test_certificate_file_of_another_key_type_is_refused(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    other = make_token("rsa-2048")
    with pytest.raises(KeyAccessError, match="does not match the certificate"):
        load_key(pkcs11=token.spec(), cert=other.cert_path)


def test_certificate_on_token_of_another_key_is_refused(make_token: TokenFactory) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    token = make_token("ec-p256", certificate=issue_certificate(stranger, "stranger"))
    with pytest.raises(KeyAccessError, match="does not match the certificate"):
        load_key(pkcs11=token.spec())


def test_weak_rsa_key_on_token_is_refused_unless_allowed(make_token: TokenFactory) -> None:
    token = make_token("rsa-1024")
    with pytest.raises(KeyAccessError, match="1024 bits is too weak"):
        load_key(pkcs11=token.spec())
    with load_key(pkcs11=token.spec(), allow_weak=True) as key:
        verify_signature(key.public_key, key.sign(DATA, "sha256"), DATA, "sha256")


def test_two_keys_with_the_same_label_are_reported(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    lib = pkcs11.lib(str(token.module))
    with lib.get_token(token_label=token.token_label).open(rw=True, user_pin=token.pin) as s:
        s.generate_keypair(KeyType.RSA, 2048, label=token.key_label, store=True)
    with pytest.raises(KeyAccessError, match="several private keys are labelled"):
        load_key(pkcs11=token.spec())


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ({Attribute.SIGN: False}, "not allowed to sign"),
        ({Attribute.ALWAYS_AUTHENTICATE: True}, "needs the PIN again for every signature"),
    ],
)
def test_key_unusable_for_sealing_is_reported(
    make_token: TokenFactory, template: dict[Attribute, bool], message: str
) -> None:
    token = make_token("ec-p256")
    lib = pkcs11.lib(str(token.module))
    with lib.get_token(token_label=token.token_label).open(rw=True, user_pin=token.pin) as s:
        s.generate_keypair(
            KeyType.RSA, 2048, label="restricted", store=True, private_template=template
        )
    with pytest.raises(KeyAccessError, match=message):
        load_key(pkcs11=dataclasses.replace(token.spec(), key_label="restricted"))


def test_two_tokens_with_the_same_label_are_reported(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    make_token("ec-p256", token_label=token.token_label)
    with pytest.raises(KeyAccessError, match="several PKCS#11 tokens are labelled"):
        load_key(pkcs11=token.spec())


def test_second_load_with_another_pin_is_refused(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    with (
        load_key(pkcs11=token.spec()),
        pytest.raises(KeyAccessError, match="already open in this process with another PIN"),
    ):
        load_key(pkcs11=dataclasses.replace(token.spec(), pin="0000"))


# --- sessions, threads, processes ---------------------------------------------------------------


def test_closed_token_key_refuses_to_sign(make_token: TokenFactory) -> None:
    key = load_key(pkcs11=make_token("ec-p256").spec())
    key.close()
    with pytest.raises(KeyAccessError, match="has been closed"):
        key.sign(DATA, "sha256")


def test_keys_on_one_token_share_the_login(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    first = load_key(pkcs11=token.spec())
    second = load_key(pkcs11=token.spec())
    first.close()  # must not log the other key out
    with second:
        verify_signature(second.public_key, second.sign(DATA, "sha256"), DATA, "sha256")


def test_key_logs_in_again_after_the_module_is_reinitialised(make_token: TokenFactory) -> None:
    token = make_token("ec-p384")
    with load_key(pkcs11=token.spec()) as key:
        key.sign(DATA, "sha384")
        token.hsm.reinitialize()  # invalidates every session of this process
        verify_signature(key.public_key, key.sign(DATA, "sha384"), DATA, "sha384")


def test_key_whose_token_disappeared_reports_the_lost_session(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    with load_key(pkcs11=token.spec()) as key:
        token.delete()  # and the module forgets it
        with pytest.raises(KeyAccessError, match=r"session on token .* was lost") as info:
            key.sign(DATA, "sha256")
    assert "no PKCS#11 token labelled" in info.value.message


def test_key_signs_correctly_from_many_threads(make_token: TokenFactory) -> None:
    with load_key(pkcs11=make_token("ec-p256").spec()) as key:
        messages = [DATA + i.to_bytes(2, "big") for i in range(64)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            signatures = list(pool.map(lambda m: key.sign(m, "sha256"), messages))
        for message, signature in zip(messages, signatures, strict=True):
            verify_signature(key.public_key, signature, message, "sha256")


def test_tokens_created_while_a_key_is_open_do_not_break_it(make_token: TokenFactory) -> None:
    with load_key(pkcs11=make_token("ec-p256").spec()) as key:
        with create_token("ec-p256") as other, load_key(pkcs11=other.spec()) as other_key:
            other_key.sign(DATA, "sha256")
        verify_signature(key.public_key, key.sign(DATA, "sha256"), DATA, "sha256")


def test_key_loaded_before_fork_refuses_to_sign_in_the_child(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    with load_key(pkcs11=token.spec()) as key:
        code = _in_child(lambda: _expect_fork_error(key.sign))
        assert code == 0
        key.sign(DATA, "sha256")  # the parent's key still works


def test_key_loaded_after_fork_signs_in_the_child(make_token: TokenFactory) -> None:
    token = make_token("ec-p256")
    with load_key(pkcs11=token.spec()) as key:  # the module is initialised in the parent
        key.sign(DATA, "sha256")

        def child() -> int:
            with load_key(pkcs11=token.spec()) as child_key:
                verify_signature(
                    child_key.public_key, child_key.sign(DATA, "sha256"), DATA, "sha256"
                )
            return 0

        assert _in_child(child) == 0


def _expect_fork_error(sign: Callable[[bytes, str], bytes]) -> int:
    try:
        sign(DATA, "sha256")
    except KeyAccessError as exc:
        return 0 if "fork()" in exc.message else 2
    return 3


def _in_child(body: Callable[[], int]) -> int:
    """Run ``body`` in a forked child; its return value is the child's exit code (1: raised)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            code = body()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
