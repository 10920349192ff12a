import subprocess
import sys

import sealdoc


def test_every_public_name_is_importable() -> None:
    for name in sealdoc.__all__:
        assert getattr(sealdoc, name) is not None, name


def test_all_errors_share_one_root() -> None:
    errors = [getattr(sealdoc, n) for n in sealdoc.__all__ if n.endswith(("Error", "Failed"))]
    assert errors
    for error in errors:
        assert issubclass(error, sealdoc.SealdocError), error


def test_import_does_not_load_pyhanko_or_touch_the_network() -> None:
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise AssertionError('network at import time')\n"
        "socket.socket.connect = refuse\n"
        "import sealdoc\n"
        "assert 'pyhanko' not in sys.modules, 'pyhanko imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
