"""2D-Doc benchmark: sign, render, scan and verify rates against the raw ECDSA operations.

    python bench/bench_twoddoc.py [-n 500]

Every rate is printed with its ratio to the raw cryptographic operation measured in the same run
(``cryptography``'s ECDSA P-256 sign or verify over the same signed bytes), so the figures say
how much parsing, encoding and checking cost on top of the cryptography, whatever the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from sealdoc import twoddoc
from sealdoc.keys import load_key
from sealdoc.trust import RevocationPolicy, TrustMaterial
from sealdoc.twoddoc import datamatrix
from sealdoc.twoddoc.verify import verify_code

ROOT = Path(__file__).resolve().parent.parent
TRUST = ROOT / "fixtures" / "trust"
FIELDS = {
    "10": "MME/SPECIMEN/CORINNE",
    "22": "12 RUE DE LA REPUBLIQUE",
    "24": "75011",
    "25": "PARIS",
    "26": "FR",
    "18": "F2026000123",
}
AT = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


def rate(func: Callable[[], object], n: int) -> float:
    """Operations per second of ``func`` over ``n`` calls (after one warm-up call)."""
    func()
    start = time.perf_counter()
    for _ in range(n):
        func()
    return n / (time.perf_counter() - start)


def run(n: int = 300, quick: bool = False) -> dict[str, float]:
    if quick:
        n = min(n, 20)
    key = load_key(
        key=TRUST / "keys" / "FR98_0001.key.pem", cert=TRUST / "participants" / "FR98_0001.pem"
    )
    trust = TrustMaterial.load(trust_certs=[TRUST / "participants" / "FR98_0001.pem"])
    day = dt.date(2026, 3, 2)

    def sign() -> str:
        return twoddoc.sign(
            "01", FIELDS, key, ca_id="FR98", cert_id="0001", issue_date=day, signature_date=day
        )

    code = sign()
    doc = twoddoc.TwoDDoc.parse(code)
    png = datamatrix.render_png(code)
    public = key.public_key
    assert isinstance(public, ec.EllipticCurvePublicKey)
    der = key.sign(doc.signed_data, "sha256")

    def raw_sign() -> bytes:
        return key.sign(doc.signed_data, "sha256")

    def raw_verify() -> None:
        public.verify(der, doc.signed_data, ec.ECDSA(hashes.SHA256()))

    def verify() -> object:
        return verify_code(code, trust=trust, at=AT, revocation=RevocationPolicy.OFF)

    results = {
        "raw_ecdsa_sign_per_s": rate(raw_sign, n),
        "raw_ecdsa_verify_per_s": rate(raw_verify, n),
        "sign_per_s": rate(sign, n),
        "parse_per_s": rate(lambda: twoddoc.TwoDDoc.parse(code), n),
        "verify_per_s": rate(verify, n),
        "render_png_per_s": rate(lambda: datamatrix.render_png(code), max(n // 10, 5)),
        "scan_png_per_s": rate(lambda: datamatrix.scan_image(png), max(n // 10, 5)),
    }
    results["sign_ratio_to_raw_sign"] = results["sign_per_s"] / results["raw_ecdsa_sign_per_s"]
    results["verify_ratio_to_raw_verify"] = (
        results["verify_per_s"] / results["raw_ecdsa_verify_per_s"]
    )
    results["render_ratio_to_raw_sign"] = (
        results["render_png_per_s"] / results["raw_ecdsa_sign_per_s"]
    )
    results["scan_ratio_to_raw_verify"] = (
        results["scan_png_per_s"] / results["raw_ecdsa_verify_per_s"]
    )
    key.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="operations per measurement")
    args = parser.parse_args(argv)
    for name, value in run(args.n).items():
        unit = "x" if "ratio" in name else "/s"
        print(f"{name:32s} {value:12.3f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
