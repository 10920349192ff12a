# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated)
"""PAdES benchmark: seal rate per level and verify rate, against plain pyHanko loops.

    python bench/bench_pades.py [-n 20]

Every sealdoc rate is printed with its ratio to a plain loop over pyHanko's documented API on
the same input, with the same key, in the same run (``ratio = sealdoc / pyHanko``: 1.0 means
no overhead, 0.5 means sealdoc takes twice as long). The machine may be shared, so the
ratios are the figures to read, not the absolute rates.

Setup: the test PKI (``tests/support/pki_services.py``) serves its TSA, OCSP responder and CRLs
on 127.0.0.1, in this process, answering as of ``PKI_TIME``; the key is its ``seal-ecdsa``
(P-256) loaded once from files; the input is a one-page ``sample_pdf``. Both sides seal
invisibly (no stamp) into a new field ``Seal`` with the PAdES subfilter.

* **sealdoc**: ``seal_bytes(data, key, level=..., tsa_url=..., trust_roots=[root],
  fetcher_backend=<fresh aiohttp backend>, at=PKI_TIME)``. On top of pyHanko's signing it
  checks the certificate (key usage, validity, chain to the root: always), parses the input
  once more, and runs under a deadline.
* **pyHanko**: ``sign_pdf(IncrementalPdfFileWriter(BytesIO(data)), PdfSignatureMetadata(
  field_name="Seal", subfilter=PADES, embed_validation_info=..., use_pades_lta=...,
  validation_context=...), signer=SimpleSigner.load(key, cert, ca_chain_files=[issuing]),
  timestamper=HTTPTimeStamper(tsa_url))``, the signer and the time-stamper built once before
  the loop, as a plain loop would.

Options are matched level by level:

* B-B, B-T: no revocation check on either side (pyHanko checks nothing before signing at these
  levels), so sealdoc runs with ``check_revocation=False``. ``seal_B-B_revocation_checked_per_s``
  is sealdoc's default (a hard-fail revocation check of the chain before signing: OCSP for the
  seal certificate, the root's CRL for the issuing CA), for reference, without a pyHanko
  counterpart.
* B-LT, B-LTA: both fetch and embed the validation data with hard-fail revocation: sealdoc with
  its default ``check_revocation=True``, pyHanko with a fresh ``ValidationContext(trust_roots=
  [root], moment=PKI_TIME, allow_fetching=True, revocation_mode="hard-fail")`` per document
  (sealdoc cannot reuse validation data across calls either).
* Differences that remain: pyHanko's signing time is the clock (sealdoc pins ``at``);
  pyHanko's ``SimpleSigner`` signs with its own key object where sealdoc goes through
  ``SigningKey.sign``; and ``seal_bytes(tsa_url=...)`` builds a new ``HTTPTimeStamper`` per
  call, which first fetches a dummy token to size the signature: one more TSA request per seal
  than the loop's reused time-stamper (see the request counts in the notes). With the test
  PKI's in-process TSA (tens of ms per token) that request weighs on every level from B-T up.

Verification: both verify the same sealdoc B-T output (a signature with its time-stamp token)
against the test root at ``PKI_TIME``, offline, without revocation checking (``verify_pdf(...,
revocation="none")`` against ``validate_pdf_signature(EmbeddedPdfSignature,
ValidationContext(trust_roots=[root], moment=PKI_TIME))``, whose default is soft-fail with no
fetching). sealdoc's verify does more than pyHanko's: a DER/CMS shape precheck, coverage,
a diff analysis it reports rather than raises, an algorithm policy, the PAdES level, a report
with every check, and input limits enforced under a deadline; expect a ratio below 1.

Rates are ``1 / median`` of the per-operation times (robust to other processes' bursts); the
two sides alternate operation by operation, after one warm-up call each. Before timing, each
side's output is checked once with sealdoc's verifier (indication PASSED at the requested
level) and the requests each operation sends to the local services are counted: both are
printed as notes, with what differs between the two sides.
"""

from __future__ import annotations

import argparse
import functools
import io
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers import OwnedFetcherBackend

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.pdf_samples import sample_pdf  # noqa: E402
from tests.support.pki_services import PKI_TIME, PkiServices, TestPki  # noqa: E402

from sealdoc.keys import SigningKey, load_key  # noqa: E402
from sealdoc.pades import seal_bytes, verify_pdf  # noqa: E402
from sealdoc.report import Indication  # noqa: E402

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
LABEL = "seal-ecdsa"
FIELD = "Seal"
#: the level whose sealdoc output both verifiers read
VERIFY_LEVEL = "B-T"

T = TypeVar("T")


def interleaved(
    ours: Callable[[], object], theirs: Callable[[], object], n: int
) -> tuple[float, float]:
    """Rates (1 / median seconds) of ``ours`` and ``theirs``, alternating call by call."""
    ours()
    theirs()
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(n):
        order = ((ours, times[0]), (theirs, times[1]))
        for func, sink in order if i % 2 == 0 else reversed(order):
            start = time.perf_counter()
            func()
            sink.append(time.perf_counter() - start)
    return 1 / statistics.median(times[0]), 1 / statistics.median(times[1])


def solo(func: Callable[[], object], n: int) -> float:
    """Rate (1 / median seconds) of ``func`` over ``n`` calls, after one warm-up call."""
    func()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return 1 / statistics.median(times)


class Bench:
    """The inputs, the key on both sides, and one sealing/verifying function per contender."""

    def __init__(self, services: PkiServices, pki: TestPki, folder: Path) -> None:
        self.services = services
        self.pki = pki
        self.data = sample_pdf(text="Attestation de test - bench PAdES")
        material = pki.write_seal_material(LABEL, folder)
        self.key: SigningKey = load_key(
            key=material.key, cert=material.cert, chain=list(material.chain)
        )
        signer = signers.SimpleSigner.load(
            str(material.key),
            str(material.cert),
            ca_chain_files=tuple(str(path) for path in material.chain),
        )
        assert signer is not None
        self.signer = signer
        # built once, like the signer: it caches the dummy token it sizes signatures with
        self.timestamper = HTTPTimeStamper(pki.tsa_url)
        self.root = asn1_x509.Certificate.load(pki.asn1_cert("root").dump())
        self.notes: list[str] = []

    def close(self) -> None:
        self.key.close()

    # -- sealing ---------------------------------------------------------------------------------
    def seal(self, level: str, *, check_revocation: bool | None = None) -> bytes:
        if check_revocation is None:
            check_revocation = level in ("B-LT", "B-LTA")
        return seal_bytes(
            self.data,
            self.key,
            level=level,
            tsa_url=self.pki.tsa_url,
            field_name=FIELD,
            trust_roots=self.pki.trust_roots,
            fetcher_backend=self.pki.fetcher_backend(),
            check_revocation=check_revocation,
            at=PKI_TIME,
        ).data

    def pyhanko_sign(self, level: str) -> bytes:
        long_term = level in ("B-LT", "B-LTA")
        context = None
        if long_term:
            context = ValidationContext(
                trust_roots=[self.root],
                moment=PKI_TIME,
                allow_fetching=True,
                revocation_mode="hard-fail",
                fetcher_backend=OwnedFetcherBackend(self.pki.fetcher_backend()),
            )
        metadata = signers.PdfSignatureMetadata(
            field_name=FIELD,
            subfilter=SigSeedSubFilter.PADES,
            embed_validation_info=long_term,
            use_pades_lta=level == "B-LTA",
            validation_context=context,
        )
        timestamper = self.timestamper if level != "B-B" else None
        writer = IncrementalPdfFileWriter(io.BytesIO(self.data))
        output = signers.sign_pdf(writer, metadata, signer=self.signer, timestamper=timestamper)
        return bytes(output.getvalue())

    # -- verifying -------------------------------------------------------------------------------
    def verify(self, data: bytes) -> Indication:
        report = verify_pdf(data, trust=self.pki.trust_roots, revocation="none", at=PKI_TIME)
        return report.indication

    def pyhanko_validate(self, data: bytes) -> bool:
        reader = PdfFileReader(io.BytesIO(data))
        context = ValidationContext(trust_roots=[self.root], moment=PKI_TIME)
        status = validate_pdf_signature(reader.embedded_signatures[0], context)
        return bool(status.bottom_line)

    # -- checks ----------------------------------------------------------------------------------
    def requests(self, func: Callable[[], T]) -> tuple[T, list[str]]:
        """Call ``func``; return its result and the service paths it requested."""
        before = len(self.services.requests)
        result = func()
        return result, self.services.requests[before:]

    def describe(self, data: bytes) -> str:
        """Level, indication and field names of a sealed PDF, as sealdoc's verifier sees them."""
        # B-B/B-T carry no revocation data: pyHanko logs the offline attempt's failure (with a
        # traceback) before sealdoc fetches it; keep that off the benchmark's output
        pyhanko_logger = logging.getLogger("pyhanko")
        level = pyhanko_logger.level
        pyhanko_logger.setLevel(logging.ERROR)
        try:
            report = verify_pdf(
                data,
                trust=self.pki.trust_roots,
                fetchers=self.pki.fetcher_backend(),
                revocation="require",
                at=PKI_TIME,
            )
        finally:
            pyhanko_logger.setLevel(level)
        kinds = "+".join(s.type for s in report.signatures)
        seals = [s for s in report.signatures if s.type == "signature"]
        found = seals[0].level if seals else None
        return f"{report.indication.value} level={found} ({kinds}, {len(data)} bytes)"

    def check_level(self, level: str) -> None:
        """Check both outputs and count requests, on a second call (the first warms up)."""
        self.seal(level)
        self.pyhanko_sign(level)
        ours, our_paths = self.requests(lambda: self.seal(level))
        theirs, their_paths = self.requests(lambda: self.pyhanko_sign(level))
        self.notes.append(
            f"{level}: sealdoc {self.describe(ours)}, {_paths(our_paths)}; "
            f"pyHanko {self.describe(theirs)}, {_paths(their_paths)}"
        )
        if level == "B-B":
            _, checked = self.requests(lambda: self.seal(level, check_revocation=True))
            self.notes.append(f"B-B with sealdoc's revocation check: {_paths(checked)}")


def _paths(paths: list[str]) -> str:
    if not paths:
        return "no requests"
    kinds: dict[str, int] = {}
    for path in paths:
        kind = path.strip("/").split("/")[1] if path.count("/") >= 2 else path
        kinds[kind] = kinds.get(kind, 0) + 1
    return "requests " + ", ".join(f"{kind} x{count}" for kind, count in sorted(kinds.items()))


def run(n: int = 20, quick: bool = False, *, notes: bool = True) -> dict[str, float]:
    """Seal rates per level and the verify rate, each with its ratio to pyHanko (see module doc).

    sealdoc's verify does more checks than pyHanko's ``validate_pdf_signature`` (CMS shape,
    coverage, reported diff analysis, algorithm policy, PAdES level, full report, limits under a
    deadline), so ``verify_ratio`` measures that extra work as much as any overhead.
    ``quick=True`` runs 2 operations per measurement. ``notes`` prints what each side's output
    is and which requests it sent to the local services.
    """
    if quick:
        n = 2
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="sealdoc-bench-pades-") as tmp:
        services = PkiServices(at=PKI_TIME)
        pki = services.start()
        try:
            bench = Bench(services, pki, Path(tmp))
        except BaseException:
            services.stop()
            raise
        try:
            for level in LEVELS:
                bench.check_level(level)
                ours, theirs = interleaved(
                    functools.partial(bench.seal, level),
                    functools.partial(bench.pyhanko_sign, level),
                    n,
                )
                results[f"seal_{level}_per_s"] = ours
                results[f"pyhanko_{level}_per_s"] = theirs
                results[f"seal_{level}_ratio"] = ours / theirs
            results["seal_B-B_revocation_checked_per_s"] = solo(
                lambda: bench.seal("B-B", check_revocation=True), n
            )

            sealed = bench.seal(VERIFY_LEVEL)
            indication = bench.verify(sealed)
            valid = bench.pyhanko_validate(sealed)
            bench.notes.append(
                f"verify input: sealdoc {VERIFY_LEVEL} output; sealdoc says {indication.value} "
                f"(revocation none), pyHanko bottom_line={valid}"
            )
            if indication is not Indication.PASSED or not valid:
                raise RuntimeError("the verify input does not pass both verifiers")
            ours, theirs = interleaved(
                lambda: bench.verify(sealed), lambda: bench.pyhanko_validate(sealed), n
            )
            results["verify_per_s"] = ours
            results["pyhanko_validate_per_s"] = theirs
            results["verify_ratio"] = ours / theirs
        finally:
            bench.close()
            services.stop()
    if notes:
        for note in bench.notes:
            print(f"  # {note}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="operations per measurement")
    parser.add_argument("--quick", action="store_true", help="2 operations per measurement")
    args = parser.parse_args(argv)
    results: dict[str, Any] = run(args.n, quick=args.quick)
    for name, value in results.items():
        unit = "x" if "ratio" in name else "/s"
        print(f"{name:36s} {value:10.3f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
