"""Run every benchmark (``make bench``): rates and ratios against baselines of the same run.

    python bench/run.py                 # all benchmarks, default sizes
    python bench/run.py twoddoc batch   # only these
    python bench/run.py --quick         # small sizes, to check the benchmarks still run

Benchmarks are never run by the test suite: speed is measured here, not asserted in unit tests.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: benchmark name -> (module, keyword arguments for a full run, for a quick run)
BENCHMARKS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "twoddoc": ("bench_twoddoc", {"n": 500}, {"n": 20}),
    "datamatrix": ("bench_datamatrix", {"n": 50}, {"n": 3}),
    "pades": ("bench_pades", {}, {"quick": True}),
    "batch": ("bench_batch", {}, {"quick": True}),
    "audit": ("bench_audit", {}, {"quick": True}),
    "delivery": ("bench_delivery", {}, {"quick": True}),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], help="benchmarks to run")
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--json", type=Path, help="also write all results to this JSON file")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    for name in args.names or list(BENCHMARKS):
        module_name, full, quick = BENCHMARKS[name]
        if not (HERE / f"{module_name}.py").exists():
            print(f"== {name}: not present", flush=True)
            continue
        module = importlib.import_module(module_name)
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        figures = module.run(**(quick if args.quick else full))
        for key, value in figures.items():
            shown = f"{value:12.3f}" if isinstance(value, float) else f"{value!s:>12}"
            print(f"  {key:40s} {shown}")
        print(f"  ({time.perf_counter() - start:.1f} s)", flush=True)
        results[name] = figures
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
