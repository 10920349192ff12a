"""``make demo``: sealdoc end to end on embedded defaults, through the real command line.

Everything runs offline against the test PKI checked in under ``fixtures/`` (test-only keys).
Output goes to ``demo-out/``; the script prints each command it runs, then where to look.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "demo-out"
TRUST = ROOT / "fixtures" / "trust"
DEMO = ROOT / "fixtures" / "demo"
SEALDOC = [sys.executable, "-m", "sealdoc"]
sys.path.insert(0, str(ROOT))

from tests.support.pdf_samples import sample_pdf  # noqa: E402
from tests.support.pki_services import PKI_TIME, PkiServices, TestPki  # noqa: E402

PKI_AT = PKI_TIME.isoformat()
NOTICE_TEXT = (
    "Facture F2026000123 - MME SPECIMEN CORINNE - 12 RUE DE LA REPUBLIQUE 75011 PARIS FR - "
    "Montant TTC 84,20 EUR"
)

# Participant FR98/0001 of the test 2D-Doc PKI, listed in the signed test trust list.
KEY = TRUST / "keys" / "FR98_0001.key.pem"
CERT = TRUST / "participants" / "FR98_0001.pem"
TSL = [
    "--tsl",
    str(TRUST / "tsl" / "tsl_test.xml"),
    "--tsl-signer",
    str(TRUST / "tsl" / "tsl_signer.pem"),
]
SIGNED_ON = "2026-03-02"
VERIFY_AT = "2026-03-02T12:00:00+00:00"

CODES = [
    ("01", "fields_01_invoice.json", "invoice (proof of address)"),
    ("04", "fields_04_tax_notice.json", "income tax notice"),
    ("B1", "fields_B1_cve.json", "student contribution certificate"),
]


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def run(args: list[str], *, expect: int = 0) -> subprocess.CompletedProcess[str]:
    shown = " ".join(shlex.quote(str(a)) for a in ["sealdoc", *args])
    print(f"$ {shown.replace(str(ROOT) + '/', '')}", flush=True)
    done = subprocess.run(
        [*SEALDOC, *args], cwd=ROOT, text=True, capture_output=True, check=False, env=os.environ
    )
    if done.stdout:
        print(done.stdout.rstrip())
    if done.returncode != expect:
        print(done.stderr, file=sys.stderr)
        raise SystemExit(f"demo: expected exit status {expect}, got {done.returncode}")
    return done


def demo_twoddoc() -> None:
    certs = OUT / "certs"
    certs.mkdir(parents=True, exist_ok=True)
    for source in [*sorted((TRUST / "participants").glob("*.pem")), TRUST / "crl" / "FR98.crl"]:
        shutil.copy(source, certs / source.name)
    trust = [*TSL, "--certs", str(certs), "--revocation", "hard-fail", "--at", VERIFY_AT]

    step("2D-Doc: sign specimen codes as FR98/0001 and render them")
    for doc_type, fields, what in CODES:
        print(f"-- type {doc_type}: {what}")
        run(
            [
                "2ddoc",
                "sign",
                "--type",
                doc_type,
                "--fields",
                str(DEMO / fields),
                "--key",
                str(KEY),
                "--cert",
                str(CERT),
                "--signature-date",
                SIGNED_ON,
                "-o",
                str(OUT / f"code-{doc_type}.txt"),
                "--png",
                str(OUT / f"code-{doc_type}.png"),
                "--svg",
                str(OUT / f"code-{doc_type}.svg"),
            ]
        )

    step("2D-Doc: scan the rendered images back")
    for doc_type, _, _ in CODES:
        scanned = run(["2ddoc", "scan", str(OUT / f"code-{doc_type}.png")]).stdout.strip()
        original = (OUT / f"code-{doc_type}.txt").read_bytes().decode("latin-1")
        if scanned != original.encode("unicode_escape").decode("ascii"):
            raise SystemExit(f"demo: the scanned type {doc_type} code differs from the signed one")
    print("every scanned code is byte for byte the signed one")

    step("2D-Doc: verify the codes and the images against the signed trust list")
    images = [str(OUT / f"code-{t}.png") for t, _, _ in CODES]
    run(["verify", *(str(OUT / f"code-{t}.txt") for t, _, _ in CODES), *images, *trust])

    step("2D-Doc: a forged code (one character changed) FAILS")
    genuine = (OUT / "code-01.txt").read_bytes()
    forged = genuine.replace(b"84,20", b"14,20")
    (OUT / "code-01-forged.txt").write_bytes(forged)
    run(["verify", str(OUT / "code-01-forged.txt"), *trust], expect=1)


def demo_pades(pki: TestPki) -> None:
    step("PAdES: seal a specimen notice at B-LTA with its 2D-Doc stamped, against the local TSA")
    material = pki.write_seal_material("seal-ecdsa", OUT / "seal-key")
    root = pki.write_root(OUT / "seal-key")
    notice = OUT / "notice.pdf"
    notice.write_bytes(sample_pdf(text=NOTICE_TEXT))
    run(
        [
            "seal",
            str(notice),
            "-o",
            str(OUT / "notice-sealed.pdf"),
            "--key",
            str(material.key),
            "--cert",
            str(material.cert),
            *(a for c in material.chain for a in ("--chain", str(c))),
            "--level",
            "B-LTA",
            "--tsa",
            pki.tsa_url,
            "--trust-root",
            str(root),
            "--2ddoc-type",
            "01",
            "--2ddoc-fields",
            str(DEMO / "fields_01_invoice.json"),
            "--2ddoc-key",
            str(KEY),
            "--2ddoc-cert",
            str(CERT),
            "--stamp-x",
            "420",
            "--stamp-y",
            "60",
            "--at",
            PKI_AT,
        ]
    )

    step("PAdES: verify the sealed notice offline (validation data is embedded)")
    run(
        [
            "verify",
            str(OUT / "notice-sealed.pdf"),
            "--trust-cert",
            str(root),
            *TSL,
            "--certs",
            str(OUT / "certs"),
            "--revocation",
            "hard-fail",
            "--at",
            PKI_AT,
        ]
    )


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    demo_twoddoc()
    with PkiServices() as pki:
        demo_pades(pki)
    step("done")
    print(f"Everything the demo made is in {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
