"""``make demo``: sealdoc end to end on embedded defaults, through the real command line.

Everything runs offline against the test PKI checked in under ``fixtures/`` (test-only keys).
Output goes to ``demo-out/``; the script prints each command it runs, then where to look.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "demo-out"
TRUST = ROOT / "fixtures" / "trust"
DEMO = ROOT / "fixtures" / "demo"
SEALDOC = [sys.executable, "-m", "sealdoc"]
sys.path.insert(0, str(ROOT))

from tests.support.pdf_samples import sample_pdf  # noqa: E402
from tests.support.pki_services import PkiServices, TestPki  # noqa: E402

# The demo runs at the real time: the local TSA, OCSP responder and CRLs answer as of now.
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
PKI_AT = NOW.isoformat()
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


def run(
    args: list[str], *, expect: int = 0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    shown = " ".join(shlex.quote(str(a)) for a in ["sealdoc", *args])
    print(f"$ {shown.replace(str(ROOT) + '/', '')}", flush=True)
    done = subprocess.run(
        [*SEALDOC, *args],
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=False,
        env=env or os.environ,
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


RECIPIENTS = [
    (
        "MME/SPECIMEN/CORINNE",
        "Madame Corinne SPECIMEN",
        "12 RUE DE LA REPUBLIQUE",
        "75011",
        "PARIS",
    ),
    ("M/EXEMPLE/HENRI", "Monsieur Henri EXEMPLE", "3 PLACE DU MARCHE", "69002", "LYON"),
    ("MME/MODELE/ALICE", "Madame Alice MODELE", "8 ALLEE DES TILLEULS", "33000", "BORDEAUX"),
    ("M/ESSAI/PAUL", "Monsieur Paul ESSAI", "41 QUAI DE LA LOIRE", "44000", "NANTES"),
    ("MME/TEST/JEANNE", "Madame Jeanne TEST", "5 RUE DU PORT", "13002", "MARSEILLE"),
]


def demo_issue(pki: TestPki) -> list[Path]:
    step("Batch issuance: seal specimen notices, each with its 2D-Doc, in one command (B-T)")
    base = OUT / "issue"
    material = pki.write_seal_material("seal-ecdsa", base / "keys")
    root = pki.write_root(base / "keys")
    chain = ", ".join(f'"{c}"' for c in material.chain)
    (base / "issuer.toml").write_text(
        f"""[seal]
key = "{material.key}"
cert = "{material.cert}"
chain = [{chain}]
level = "B-T"
tsa = "{pki.tsa_url}"
trust_roots = ["{root}"]
reason = "Avis officiel"

[twoddoc]
ca_id = "FR98"
cert_id = "0001"
key = "{KEY}"
cert = "{CERT}"

[notice]
issuer = ["Agence de test", "Service des attestations", "1 rue de la Paix", "75002 Paris"]
place = "Paris"
signatory = ["Le chef de service"]
""",
        encoding="utf-8",
    )
    rows = []
    for index, (name, display, street, postcode, town) in enumerate(RECIPIENTS, 1):
        rows.append(
            {
                "id": f"AVIS-{index:05d}",
                "template": "notice",
                "fields": {
                    "recipient": [display, street.title(), f"{postcode} {town}"],
                    "subject": "Attestation de domicile",
                    "body": f"{display.split()[0]},\n\nNous attestons que vous résidez au "
                    f"{street.title()}, {postcode} {town.title()}.",
                    "lines": [["Adresse", f"{street} {postcode} {town}"]],
                },
                "twoddoc": {
                    "type": "00",
                    "fields": {
                        "10": name,
                        "20": "",
                        "21": "",
                        "22": street,
                        "23": "",
                        "24": postcode,
                        "25": town,
                        "26": "FR",
                    },
                },
            }
        )
    manifest = base / "notices.jsonl"
    manifest.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    args = [
        "issue",
        "--profile",
        str(base / "issuer.toml"),
        "--manifest",
        str(manifest),
        "--out",
        str(base / "out"),
        "--jobs",
        "2",
    ]
    run(args)
    step("Batch issuance: the same command again does nothing (every notice sealed exactly once)")
    run(args)
    outputs = sorted((base / "out").glob("*.pdf"))
    step("Batch issuance: verify the issued notices (seal + 2D-Doc + page text)")
    run(
        [
            "verify",
            *map(str, outputs),
            "--trust-cert",
            str(root),
            *TSL,
            "--certs",
            str(OUT / "certs"),
            "--revocation",
            "soft-fail",
            "--at",
            PKI_AT,
        ]
    )
    return outputs


def demo_delivery(pki: TestPki, documents: list[Path]) -> None:
    from tests.support.delivery_env import (
        AGENCY_KEY,
        RECIPIENT,
        RECIPIENT_KEY,
        SmtpCapture,
        code_in,
        free_port,
        make_material,
        make_settings,
        settings_file,
    )

    step("Delivery: run the digital-domicile service on 127.0.0.1 with a local SMTP server")
    base = OUT / "delivery"
    material = make_material(base / "pki", pki)
    smtp = SmtpCapture().start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        material, base / "data", public_url=url, smtp_port=smtp.port, worker_interval_s=0.2
    )
    config = settings_file(settings, base / "delivery.json")
    server = subprocess.Popen(
        [*SEALDOC, "serve", "--config", str(config), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(base / "server.log").open("w"),
    )
    recipient = {**os.environ, "SEALDOC_DELIVERY_URL": url, "SEALDOC_API_KEY": RECIPIENT_KEY}
    agency = {**os.environ, "SEALDOC_DELIVERY_URL": url, "SEALDOC_API_KEY": AGENCY_KEY}
    try:
        _wait_for_server(url)
        print(f"service at {url}, SMTP capture on port {smtp.port}")

        step("Delivery: the recipient declares an e-mail domicile and confirms it")
        run(["domicile", "declare", "--email", "courrier@entreprise.example"], env=recipient)
        mail = smtp.wait_for(1, timeout=20)
        if not mail:
            raise SystemExit("demo: no confirmation e-mail arrived")
        run(["domicile", "confirm", code_in(mail[0].get_content())], env=recipient)

        step("Delivery: the agency deposits the sealed notices; only a link goes by e-mail")
        message_ids = []
        for document in documents:
            done = run(
                [
                    "deliver",
                    str(document),
                    "--recipient",
                    RECIPIENT,
                    "--title",
                    f"Avis {document.stem}",
                    "--json",
                ],
                env=agency,
            )
            message_ids.append(json.loads(done.stdout)["message_id"])
        notices = smtp.wait_for(1 + len(documents), timeout=20)[1:]
        print(f"{len(notices)} notice e-mail(s) received; the first says:")
        print("    " + notices[0].get_content().strip().replace("\n", "\n    "))

        step("Delivery: the company's information system lists and fetches its documents")
        run(["inbox", "list"], env=recipient)
        fetched = OUT / "delivery" / "fetched.pdf"
        run(["inbox", "fetch", message_ids[0], "-o", str(fetched)], env=recipient)

        step("Delivery: the court-ready proof of the delivery, verified offline")
        proof = OUT / "delivery" / "proof.pdf"
        run(["evidence", "proof", message_ids[0], "-o", str(proof)], env=agency)
        run(
            [
                "evidence",
                "verify",
                str(proof),
                "--trust-cert",
                str(material.root),
                "--document",
                str(fetched),
            ]
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        smtp.stop()


def _wait_for_server(url: str) -> None:
    import urllib.request

    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"demo: the delivery service did not start (see {OUT}/delivery/server.log)")


def demo_audit(pki: TestPki) -> None:
    step("Archive: a tamper-evident manifest (RFC 6962 tree head, sealed and time-stamped)")
    archive = OUT / "archive"
    archive.mkdir()
    for source in [OUT / "notice-sealed.pdf", *sorted((OUT / "issue" / "out").glob("*.pdf"))]:
        shutil.copy(source, archive / source.name)
    for code in sorted(OUT.glob("code-??.txt")):
        shutil.copy(code, archive / code.name)
    material = pki.write_seal_material("seal-rsa", OUT / "archivist")
    root = pki.write_root(OUT / "archivist")
    manifest = OUT / "archive-manifest.json"
    run(
        [
            "archive",
            "manifest",
            str(archive),
            "-o",
            str(manifest),
            "--key",
            str(material.key),
            "--cert",
            str(material.cert),
            *(a for c in material.chain for a in ("--chain", str(c))),
            "--tsa",
            pki.tsa_url,
        ]
    )
    run(["archive", "check", str(archive), "--manifest", str(manifest), "--trust-cert", str(root)])

    step("Audit: every document of the archive verified, with the dates to renew protection")
    run(
        [
            "audit",
            str(archive),
            "--trust-cert",
            str(root),
            *TSL,
            "--certs",
            str(OUT / "certs"),
            "--report",
            str(OUT / "audit.html"),
            "--json",
            str(OUT / "audit.json"),
            "--csv",
            str(OUT / "audit.csv"),
            "--jobs",
            "2",
        ]
    )


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    demo_twoddoc()
    with PkiServices(at=NOW) as pki:
        demo_pades(pki)
        notices = demo_issue(pki)
        demo_delivery(pki, notices[:3])
        demo_audit(pki)
    step("done")
    print(f"Everything the demo made is in {OUT.relative_to(ROOT)}/")
    print(f"The audit report is {(OUT / 'audit.html').relative_to(ROOT)} (open it in a browser)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
