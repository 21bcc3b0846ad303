"""Sandbox start-up cost: one run of a trivial program in bubblewrap, beside the plain subprocess.

Prints ``name=value`` lines: ``startup_ms_bwrap`` (median wall time of ``run_python`` with bubblewrap
isolation), ``startup_ms_plain`` (the same program through the plain, unsandboxed subprocess the sandbox
used before, ``python -I -S`` with rlimits) and ``ratio`` (bwrap / plain). The program is ``pass``, so the
numbers are the fixed cost per verified coding item. Usage::

    python bench/sandbox.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: import this tree's packages

from programs.special import sandbox

TRIVIAL = "pass\n"


def median_ms(run: Callable[[], sandbox.SandboxResult], runs: int) -> float:
    """Median wall time of ``runs`` calls of ``run`` (after one warm-up call), in milliseconds."""
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - start) * 1000)
        if not result.ok:
            raise SystemExit(f"the trivial program failed: {result.failure()}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    problem = sandbox.isolation_problem()
    if problem is not None:
        raise SystemExit(f"no bubblewrap isolation here: {problem}")
    limits = sandbox.SandboxLimits()
    bwrap_ms = median_ms(lambda: sandbox.run_python(TRIVIAL, limits), args.runs)
    plain_ms = median_ms(lambda: sandbox._run_unsandboxed(TRIVIAL, limits), args.runs)
    print(f"runs={args.runs}")
    print(f"startup_ms_bwrap={bwrap_ms:.1f}")
    print(f"startup_ms_plain={plain_ms:.1f}")
    print(f"ratio={bwrap_ms / plain_ms:.2f}")


if __name__ == "__main__":
    main()
