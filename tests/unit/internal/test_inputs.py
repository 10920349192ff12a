from pathlib import Path

import pytest

from sealdoc._internal.inputs import InputKind, load_input
from sealdoc.errors import InputError

CODE = "DC04FR000001198519D31201FR90MAITRE\x1d92X\x1fABC"


def test_raw_code_string_is_a_code() -> None:
    loaded = load_input(CODE)
    assert loaded.kind is InputKind.CODE
    assert loaded.data == CODE.encode()


def test_text_file_with_spec_notation_expands_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "code.txt"
    path.write_bytes(b"DC04FR000001198519D31201FR90MAITRE<GS>92X<US>ABC\n")
    loaded = load_input(path)
    assert loaded.kind is InputKind.CODE
    assert loaded.data == CODE.encode()


def test_text_file_keeps_control_bytes_and_drops_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "code.txt"
    path.write_bytes(b"\xef\xbb\xbf" + CODE.encode() + b"\r\n")
    assert load_input(path).data == CODE.encode()


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n", InputKind.PDF),
        (b"\x89PNG\r\n\x1a\n", InputKind.IMAGE),
        (b"\xff\xd8\xff\xe0", InputKind.IMAGE),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", InputKind.IMAGE),
    ],
)
def test_content_decides_the_kind_not_the_file_name(
    tmp_path: Path, head: bytes, kind: InputKind
) -> None:
    path = tmp_path / "misleading.txt"
    path.write_bytes(head + b"rest")
    assert load_input(path).kind is kind


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"hello world", "not a 2D-Doc code"), (b"DC09XXXX", "not a 2D-Doc code")],
)
def test_unrecognised_content_is_an_input_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_input(path)


def test_missing_file_and_directory_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_input(tmp_path / "absent.pdf")
    with pytest.raises(InputError, match="is a directory"):
        load_input(tmp_path)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"0" * 2048)
    with pytest.raises(InputError, match="exceeds the limit"):
        load_input(path, max_bytes=1024)
