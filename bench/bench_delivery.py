"""Delivery service benchmark: deposits and retrievals per second, p50/p99 latency, on loopback,
for the SQLite and the PostgreSQL backends.

    python bench/bench_delivery.py             # 200 deposits and retrievals per backend
    python bench/bench_delivery.py -n 1000 -c 8

The service runs as ``sealdoc serve`` in its own process (uvicorn, one worker, fsync on), the
load comes from ``-c`` client threads in this process. A deposit is a multipart POST of a sealed
PDF: the service verifies the PAdES seal, writes the document and the sealed evidence durably,
queues the notice, then answers. A retrieval is a recipient system's authenticated handover
(state change, sealed evidence, the PDF in the answer). Baselines measured in the same run:
``verify_pdf`` alone on the same PDF, and ``GET /healthz`` (the HTTP stack alone), so the
ratios say what the service adds, whatever the machine. PostgreSQL is skipped (figures absent)
when it is not installed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from tests.support.delivery_env import (  # noqa: E402
    AGENCY_KEY,
    RECIPIENT,
    RECIPIENT_KEY,
    Material,
    SmtpCapture,
    code_in,
    free_port,
    make_material,
    make_settings,
    postgres_binaries,
    postgres_cluster,
    settings_file,
    wait_until,
)

from sealdoc.delivery import DeliveryClient  # noqa: E402
from sealdoc.pades import verify_pdf  # noqa: E402


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _load(n: int, concurrency: int, call: Callable[[int], None]) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(n))

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            start = time.perf_counter()
            call(i)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return {
        "per_s": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
    }


@contextlib.contextmanager
def _server(config: Path, port: int, log: Path) -> Iterator[str]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "sealdoc", "serve",
             "--config", str(config), "--port", str(port)],
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None

    try:
        if not wait_until(up, timeout=60) or process.poll() is not None:
            raise RuntimeError(f"the service did not start: {log.read_text()[-2000:]}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _backend(
    name: str, material: Material, smtp: SmtpCapture, work: Path, n: int, concurrency: int,
    **storage: Any,
) -> dict[str, float]:  # fmt: skip
    port = free_port()
    settings = make_settings(
        material, work / f"data-{name}", public_url=f"http://127.0.0.1:{port}",
        smtp_port=smtp.port, worker_interval_s=0.5, **storage,
    )  # fmt: skip
    config = settings_file(settings, work / f"delivery-{name}.json")
    results: dict[str, float] = {}
    with _server(config, port, work / f"server-{name}.log") as url:
        agency = DeliveryClient(url, AGENCY_KEY)
        system = DeliveryClient(url, RECIPIENT_KEY)
        before = len(smtp.messages)
        system.declare("email", f"bench-{name}@entreprise.test")
        wait_until(lambda: len(smtp.messages) > before, timeout=30)
        system.confirm(code_in(smtp.messages[before].get_content()))
        ids: list[str] = [""] * n
        local = threading.local()

        def client(key: str) -> DeliveryClient:
            attr = f"c{key[:8]}"
            found = getattr(local, attr, None)
            if found is None:
                found = DeliveryClient(url, key)
                setattr(local, attr, found)
            return found

        def deposit(i: int) -> None:
            answer = client(AGENCY_KEY).deposit(
                material.sealed_pdf, recipient=RECIPIENT, title=f"Avis {i}"
            )
            ids[i] = answer["message_id"]

        def retrieve(i: int) -> None:
            data, _headers = client(RECIPIENT_KEY).handover(ids[i])
            assert data == material.sealed_pdf

        http_local = threading.local()

        def httpx_client() -> httpx.Client:
            found = getattr(http_local, "c", None)
            if found is None:
                found = http_local.c = httpx.Client()
            return found

        def health(_i: int) -> None:
            httpx_client().get(f"{url}/healthz")

        _load(min(20, n), concurrency, deposit)  # warm-up (not measured)
        for label, call in (("healthz", health), ("deposit", deposit), ("retrieval", retrieve)):
            figures = _load(n, concurrency, call)
            for key, value in figures.items():
                results[f"{name}_{label}_{key}"] = value
        agency.close()
        system.close()
    return results


def run(n: int = 200, concurrency: int = 4, quick: bool = False) -> dict[str, float]:
    if quick:
        n = min(n, 30)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="sealdoc-bench-delivery-") as tmp:
        work = Path(tmp)
        material = make_material(work / "material")
        at = dt.datetime.now(dt.UTC)
        start = time.perf_counter()
        rounds = max(10, n // 4)
        for _ in range(rounds):
            verify_pdf(material.sealed_pdf, trust=[material.root], revocation="none", at=at)
        results["baseline_verify_pdf_per_s"] = rounds / (time.perf_counter() - start)
        smtp = SmtpCapture().start()
        try:
            results.update(_backend("sqlite", material, smtp, work, n, concurrency))
            if postgres_binaries() is not None:
                with postgres_cluster() as dsn:
                    results.update(
                        _backend(
                            "postgresql",
                            material,
                            smtp,
                            work,
                            n,
                            concurrency,
                            storage="postgresql",
                            postgres_dsn=dsn,
                        )
                    )
        finally:
            smtp.stop()
    for backend in ("sqlite", "postgresql"):
        if f"{backend}_deposit_per_s" in results:
            results[f"{backend}_deposit_vs_verify_pdf"] = (
                results[f"{backend}_deposit_per_s"] / results["baseline_verify_pdf_per_s"]
            )
            results[f"{backend}_retrieval_vs_healthz"] = (
                results[f"{backend}_retrieval_per_s"] / results[f"{backend}_healthz_per_s"]
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="deposits (and retrievals) per backend")
    parser.add_argument("-c", "--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.n, args.concurrency, args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
