# mypy: disable-error-code="no-untyped-call"
"""Batch issuance benchmark: ``sealdoc issue --jobs 2`` against a plain pyHanko loop.

    python bench/bench_batch.py                  # N = 1,000, B-B, prints JSON
    python bench/bench_batch.py -n 10000         # memory stays flat? (baseline on 1,000 docs)
    python bench/bench_batch.py --bt -n 200      # B-T against the local test TSA

``run(n)`` is what ``bench/run.py`` calls. The same N one-page notices (rendered once by the
notice template, as PDF files) are sealed at PAdES B-B with the same file key (the test PKI's
``seal-ecdsa``, P-256):

* **baseline**: a plain loop over pyHanko's documented ``signers.sign_pdf`` (read the file,
  ``IncrementalPdfFileWriter``, ``sign_pdf`` with a ``SimpleSigner``, write the output), on
  the first ``min(N, 1000)`` documents;
* **sealdoc**: the ``sealdoc issue --profile P --manifest M --out DIR --jobs 2`` command in a
  subprocess, timed from start to exit (imports, the probe, the ledger, fsyncs included).

Printed: documents per second of each, their ratio (goal: >= 10), the rate the command itself
reports (sealing only), and the peak resident memory of the command's process tree (the
coordinator plus its workers, sampled every 20 ms). The outputs are checked: a sample is
validated with pyHanko and ``pdfsig``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.pki_services import PKI_TIME, PkiServices, TestPki  # noqa: E402

from sealdoc.issuance.manifest import NoticeFields  # noqa: E402
from sealdoc.issuance.notice import render_notice  # noqa: E402
from sealdoc.issuance.profile import NoticeSettings  # noqa: E402

BASELINE_CAP = 1000
JOBS = 2


# --- inputs ---------------------------------------------------------------------------------


def make_inputs(folder: Path, n: int) -> Path:
    """``n`` one-page notices in ``folder/in`` and a JSON Lines manifest naming them."""
    settings = NoticeSettings(
        issuer=("Agence de test", "Service des notices", "1 rue de la Paix", "75002 Paris"),
        place="Paris",
        signatory=("Le chef de service",),
    )
    inputs = folder / "in"
    inputs.mkdir(parents=True, exist_ok=True)
    manifest = folder / "notices.jsonl"
    with manifest.open("w", encoding="utf-8") as out:
        for i in range(1, n + 1):
            doc_id = f"N{i:06d}"
            fields = NoticeFields(
                recipient=(f"Madame Test {i}", f"{i} rue des Lilas", "75012 PARIS"),
                subject="Attestation de situation",
                title="Attestation de situation déclarative",
                reference=f"2026-{i:06d}",
                body=(
                    "Madame,",
                    "Nous vous informons que votre déclaration a bien été enregistrée. Ce "
                    "document atteste de votre situation et peut être présenté à tout organisme "
                    "qui en fait la demande.",
                ),
                lines=(("Revenu fiscal de référence", f"{20000 + i} €"), ("Parts", "2")),
            )
            pdf = render_notice(fields, settings, document_id=doc_id)
            (inputs / f"{doc_id}.pdf").write_bytes(pdf)
            out.write(json.dumps({"id": doc_id, "pdf": f"in/{doc_id}.pdf"}) + "\n")
    return manifest


def write_profile(folder: Path, *, level: str = "B-B", tsa: str | None = None) -> Path:
    material = TestPki().write_seal_material("seal-ecdsa", folder / "keys")
    lines = [
        "[seal]",
        f'key = "{material.key}"',
        f'cert = "{material.cert}"',
        f"chain = [{', '.join(json.dumps(str(c)) for c in material.chain)}]",
        f'level = "{level}"',
        "check_revocation = false",
    ]
    if tsa:
        lines.append(f'tsa = "{tsa}"')
    profile = folder / "issuer.toml"
    profile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return profile


# --- the two contenders ---------------------------------------------------------------------


def baseline(folder: Path, manifest: Path, count: int, tsa: str | None = None) -> float:
    """Documents per second of a plain ``sign_pdf`` loop over the first ``count`` inputs."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    keys = folder / "keys"
    signer = signers.SimpleSigner.load(
        str(keys / "seal-ecdsa.key.pem"),
        str(keys / "seal-ecdsa.cert.pem"),
        ca_chain_files=(str(keys / "issuing.cert.pem"),),
    )
    assert signer is not None
    meta = signers.PdfSignatureMetadata(field_name="Seal", subfilter=fields.SigSeedSubFilter.PADES)
    timestamper = HTTPTimeStamper(tsa) if tsa else None
    out_dir = folder / "baseline-out"
    out_dir.mkdir(exist_ok=True)
    rows = [json.loads(line) for line in manifest.read_text().splitlines()[:count]]
    started = time.perf_counter()
    for row in rows:
        data = (manifest.parent / row["pdf"]).read_bytes()
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        signed = signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper)
        (out_dir / f"{row['id']}.pdf").write_bytes(signed.getvalue())
    return len(rows) / (time.perf_counter() - started)


def _issue_command() -> list[str]:
    try:
        from sealdoc.cli import cli

        if "issue" in getattr(cli, "commands", {}):
            return [sys.executable, "-m", "sealdoc.cli", "issue"]
    except ImportError:
        pass
    code = "from sealdoc._internal.cli.issue import issue; issue()"
    return [sys.executable, "-c", code]


class _TreeMemory:
    """Peak of the summed resident memory of a process and its descendants (Linux /proc)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo += [int(p) for p in task.read_text().split()]
        return pids

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            total = 0
            for pid in self._tree():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"VmRSS:\s+(\d+) kB", status)
                total += int(match.group(1)) if match else 0
            self.peak_kib = max(self.peak_kib, total)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kib


def sealdoc_issue(profile: Path, manifest: Path, out_dir: Path, jobs: int = JOBS) -> dict[str, Any]:
    command = [
        *_issue_command(),
        "--profile",
        str(profile),
        "--manifest",
        str(manifest),
        "--out",
        str(out_dir),
        "--jobs",
        str(jobs),
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    memory = _TreeMemory(process.pid)
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    peak = memory.stop()
    if process.returncode != 0:
        raise RuntimeError(
            f"sealdoc issue failed ({process.returncode}):\n{stdout.decode()}\n{stderr.decode()}"
        )
    reported = re.search(r"([\d.]+) documents/s", stdout.decode())
    return {
        "elapsed_s": elapsed,
        "reported_docs_per_s": float(reported.group(1)) if reported else None,
        "peak_rss_mib": round(peak / 1024, 1),
        "summary": stdout.decode(),
    }


# --- output checks --------------------------------------------------------------------------


def check_outputs(out_dir: Path, sample: int = 5, *, tsa: bool = False) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    pki = TestPki()
    files = sorted(out_dir.glob("*.pdf"))
    picks = files[:: max(1, len(files) // sample)][:sample]
    context = ValidationContext(
        trust_roots=[pki.asn1_cert("root")],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=None if not tsa else PKI_TIME,
    )
    for path in picks:
        reader = PdfFileReader(io.BytesIO(path.read_bytes()))
        status = validate_pdf_signature(reader.embedded_signatures[0], context)
        assert status.intact
        assert status.valid, f"{path}: {status.summary()}"
        result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
        assert "Signature is Valid" in result.stdout, f"{path}: pdfsig says {result.stdout}"


# --- a local TSA with network-like latency -------------------------------------------------


class LatencyTsa:
    """An RFC 3161 TSA on 127.0.0.1 that answers after ``latency_s`` (a network round trip).

    The test PKI's TSA (certomancer) spends ~60 ms of CPU per token, mostly reloading its RSA
    key, in the benchmark's own process: it measures certomancer, not sealdoc. This one signs
    with the same TSA certificate and key (loaded once; the token is built by pyHanko's
    ``DummyTimeStamper``), runs in a process of its own, serves requests on threads, and waits
    ``latency_s`` before answering, as a remote TSA would.
    """

    def __init__(self, latency_s: float = 0.05) -> None:
        import multiprocessing

        self.latency_s = latency_s
        context = multiprocessing.get_context("fork")
        self._parent, child = context.Pipe()
        self._process = context.Process(target=_serve_tsa, args=(child, latency_s), daemon=True)
        self.url = ""

    def __enter__(self) -> LatencyTsa:
        self._process.start()
        self.url = self._parent.recv()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._process.kill()
        self._process.join(5)


def _serve_tsa(conn: Any, latency_s: float) -> None:
    import asyncio
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from asn1crypto import cms, core, tsp
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import general
    from pyhanko.sign.general import simple_cms_attribute
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    pki = TestPki()
    key = serialization.load_pem_private_key(pki.key_path("tsa").read_bytes(), password=None)
    assert isinstance(key, RSAPrivateKey)
    rsa_key: RSAPrivateKey = key

    class Stamper(DummyTimeStamper):
        """pyHanko's test TSA, with its key loaded once instead of per token."""

        def _sign_tst_info(self, data: bytes, md: str, moment: Any) -> Any:
            digest = hashes.Hash(getattr(hashes, md.upper())())
            digest.update(data)
            attrs = cms.CMSAttributes(
                [
                    simple_cms_attribute("content_type", "tst_info"),
                    simple_cms_attribute(
                        "signing_time", cms.Time({"utc_time": core.UTCTime(moment)})
                    ),
                    simple_cms_attribute(
                        "signing_certificate", general.as_signing_certificate(self.tsa_cert)
                    ),
                    simple_cms_attribute("message_digest", digest.finalize()),
                ]
            )
            signature = rsa_key.sign(attrs.dump(), PKCS1v15(), getattr(hashes, md.upper())())
            return signature, attrs

    stamper = Stamper(tsa_cert=pki.asn1_cert("tsa"), tsa_key=None, fixed_dt=PKI_TIME)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(latency_s)
            request = tsp.TimeStampReq.load(body)
            data = asyncio.run(stamper.async_request_tsa_response(request)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    conn.send(f"http://127.0.0.1:{server.server_port}/tsa")
    server.serve_forever()


# --- runs -----------------------------------------------------------------------------------


def run(n: int = 1000, *, keep: bool = False) -> dict[str, Any]:
    """B-B: ``sealdoc issue --jobs 2`` vs a ``sign_pdf`` loop over the same ``n`` notices."""
    folder = Path(tempfile.mkdtemp(prefix="sealdoc-bench-"))
    try:
        manifest = make_inputs(folder, n)
        profile = write_profile(folder)
        base_count = min(n, BASELINE_CAP)
        base_rate = baseline(folder, manifest, base_count)
        result = sealdoc_issue(profile, manifest, folder / "out")
        check_outputs(folder / "out")
        rate = n / result["elapsed_s"]
        return {
            "bench": "batch",
            "level": "B-B",
            "n": n,
            "jobs": JOBS,
            "cores": os.cpu_count(),
            "baseline_n": base_count,
            "baseline_docs_per_s": round(base_rate, 1),
            "sealdoc_docs_per_s": round(rate, 1),
            "sealdoc_reported_docs_per_s": result["reported_docs_per_s"],
            "ratio": round(rate / base_rate, 1),
            "sealdoc_wall_s": round(result["elapsed_s"], 2),
            "peak_rss_mib": result["peak_rss_mib"],
        }
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def run_bt(n: int = 200, latency_s: float = 0.05) -> dict[str, Any]:
    """B-T: concurrent time-stamp requests vs one at a time, against a local TSA that answers
    after ``latency_s`` (see :class:`LatencyTsa`); and the same batch against the test PKI's
    certomancer TSA, for reference."""
    folder = Path(tempfile.mkdtemp(prefix="sealdoc-bench-bt-"))
    try:
        manifest = make_inputs(folder, n)
        with LatencyTsa(latency_s) as tsa:
            profile = write_profile(folder, level="B-T", tsa=tsa.url)
            base_count = min(n, BASELINE_CAP // 5)
            base_rate = baseline(folder, manifest, base_count, tsa=tsa.url)
            concurrent = sealdoc_issue(profile, manifest, folder / "out")
            check_outputs(folder / "out", tsa=True)
            serial_profile = folder / "issuer-serial.toml"
            text = profile.read_text().replace("[seal]\n", "[seal]\ntsa_concurrency = 1\n")
            serial_profile.write_text(text, encoding="utf-8")
            serial = sealdoc_issue(serial_profile, manifest, folder / "out-serial")
        with PkiServices() as pki:
            cert_profile = write_profile(folder, level="B-T", tsa=pki.tsa_url)
            certomancer = sealdoc_issue(cert_profile, manifest, folder / "out-certomancer")
        rate = n / concurrent["elapsed_s"]
        serial_rate = n / serial["elapsed_s"]
        return {
            "bench": "batch-bt",
            "level": "B-T",
            "n": n,
            "jobs": JOBS,
            "tsa_latency_ms": latency_s * 1000,
            "baseline_n": base_count,
            "baseline_docs_per_s": round(base_rate, 1),
            "sealdoc_docs_per_s": round(rate, 1),
            "sealdoc_one_tsa_request_at_a_time_docs_per_s": round(serial_rate, 1),
            "ratio": round(rate / base_rate, 1),
            "concurrency_gain": round(rate / serial_rate, 2),
            "sealdoc_with_certomancer_tsa_docs_per_s": round(n / certomancer["elapsed_s"], 1),
            "peak_rss_mib": concurrent["peak_rss_mib"],
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="documents (default 1000)")
    parser.add_argument("--bt", action="store_true", help="B-T against the local TSA")
    args = parser.parse_args(argv)
    result = run_bt(args.n) if args.bt else run(args.n)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
