# mypy: disable-error-code="no-untyped-call"
"""Archive audit benchmark: documents audited per second, against a plain pyHanko loop.

    python bench/bench_audit.py                  # 1,000 documents, jobs 1 and 2
    python bench/bench_audit.py -n 10000         # the issue's 10,000-document archive
    python bench/bench_audit.py -n 200 --jobs 4

``run(n)`` is what ``bench/run.py`` calls; it returns the figures as a flat dict.

**The archive.** ``unique`` distinct PDFs (at most 200) are sealed PAdES B-LT by two agency
seals (P-256 and RSA-2048) with the audit test PKI (``fixtures/audit/audit-pki.yml``, its
services on 127.0.0.1), then copied under distinct names up to ``n`` files, spread over
directories. Copies cost the auditor exactly what distinct files cost (nothing is cached by
content), so the rate is that of ``n`` distinct documents; sealing 10,000 distinct ones would
only make the benchmark slower to set up.

**The baseline** is the loop a script would write with pyHanko alone, in the same run: for each
file, read it and ``validate_pdf_signature`` each signature against the same root (integrity,
CMS signature, signer chain, time-stamp), offline, revocation soft-fail. The audit does more per
document (difference analysis, revocation with the embedded data, LTV check, algorithm policy,
protection analysis, hashing); its edge comes from worker processes and from reusing results
across documents sealed by the same certificates.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.audit_pki import AUDIT_TIME, AuditServices  # noqa: E402
from tests.support.pdf_samples import sample_pdf  # noqa: E402

from sealdoc.audit.runner import audit_archive  # noqa: E402
from sealdoc.trust import TrustMaterial  # noqa: E402

MAX_UNIQUE = 200


def make_archive(services: AuditServices, root: Path, n: int) -> int:
    """Write ``n`` sealed PDFs under ``root``; return how many distinct sealings they come from."""
    unique = max(1, min(n, MAX_UNIQUE))
    keys = [services.load_key("seal-ecdsa"), services.load_key("seal-rsa")]
    originals: list[bytes] = []
    for i in range(unique):
        text = f"Attestation n° {i:05d}"
        originals.append(
            services.seal(sample_pdf(text=text), keys[i % 2], level="B-LT", tsa="tsa-renewal")
        )
    for key in keys:
        key.close()
    for i in range(n):
        path = root / f"{2020 + i % 6}" / f"{i % 12 + 1:02d}" / f"document-{i:05d}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(originals[i % unique])
    return unique


def baseline(root: Path, anchors: list[Any]) -> tuple[float, int]:
    """The plain pyHanko loop; returns (seconds, signatures that validated)."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in anchors]

    async def one(data: bytes) -> int:
        reader = PdfFileReader(io.BytesIO(data))
        ok = 0
        for emb in reader.embedded_regular_signatures:
            context = ValidationContext(
                trust_roots=roots,
                moment=AUDIT_TIME,
                allow_fetching=False,
                revocation_mode="soft-fail",
            )
            status = await async_validate_pdf_signature(emb, signer_validation_context=context)
            ok += int(status.bottom_line)
        return ok

    files = sorted(root.rglob("*.pdf"))
    started = time.perf_counter()
    valid = 0
    for path in files:
        valid += asyncio.run(one(path.read_bytes()))
    return time.perf_counter() - started, valid


def run(n: int = 1000, *, quick: bool = False, jobs: int = 2) -> dict[str, Any]:
    if quick:
        n = min(n, 40)
    workdir = Path(tempfile.mkdtemp(prefix="sealdoc-bench-audit-"))
    try:
        with AuditServices() as services:
            started = time.perf_counter()
            unique = make_archive(services, workdir / "archive", n)
            setup_s = time.perf_counter() - started
            trust = TrustMaterial(anchors=(services.root,))
        # the services are stopped: the audit and the baseline run offline
        base_s, base_valid = baseline(workdir / "archive", list(trust.anchors))
        results: dict[str, Any] = {
            "documents": n,
            "distinct_sealings": unique,
            "setup_s": round(setup_s, 1),
            "baseline_pyhanko_docs_per_s": round(n / base_s, 1),
            "baseline_valid_signatures": base_valid,
        }
        for workers in sorted({1, jobs}):
            report = audit_archive(
                workdir / "archive",
                trust=trust,
                at=AUDIT_TIME,
                jobs=workers,
                include_reports=False,
            )
            rate = n / report.elapsed_s
            results[f"audit_jobs{workers}_docs_per_s"] = round(rate, 1)
            results[f"audit_jobs{workers}_vs_baseline"] = round(rate / (n / base_s), 2)
            results[f"audit_jobs{workers}_passed"] = report.summary.by_verdict["PASSED"]
            results[f"audit_jobs{workers}_cache"] = report.cache
        return results
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=1000, help="documents in the archive")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the audit")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.n, quick=args.quick, jobs=args.jobs)
    print(json.dumps(results, indent=2))
    base = results["baseline_pyhanko_docs_per_s"]
    for key, value in results.items():
        if key.endswith("_docs_per_s") and key.startswith("audit"):
            print(f"{key}: {value} docs/s = {value / base:.2f} x the plain pyHanko loop ({base}/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
