"""Benchmark: the default reach study of ``icbm-reach``, as ``jointshield reach`` runs it.

72 ICBM trajectories (6 bases × 4 cities × 3 shapes), 5 sites × 5 interceptor
types, 31 launch delays (0–300 s), and the red line of every (site, base) at
120 s. Run from the repository root::

    python benchmarks/bench_reach.py

It prints the time of the study twice in one process (the first run builds,
or reads from the cache, the reach table of every speed the bisection
tries; the second finds them in memory), and the process's peak resident
memory. No assertions.
"""

from __future__ import annotations

import resource
import time

import numpy as np

from jointshield.analysis.redline import DEFAULT_DELAYS_S, reach
from jointshield.theatre.compile import theatre_of


def main() -> None:
    theatre = theatre_of("icbm-reach")
    for attempt in ("first", "second"):
        start = time.perf_counter()
        result = reach(theatre, delays_s=DEFAULT_DELAYS_S, red_line_delays_s=[120.0])
        elapsed = time.perf_counter() - start
        feasible = int(np.isfinite(result.latest_launch_s).sum())
        print(
            f"{attempt} run: {elapsed:.1f} s, {len(result.flights)} trajectories, "
            f"{len(result.sites)} sites × {len(result.interceptors)} types, "
            f"{result.delays_s.size} delays, {len(result.red_lines)} red lines "
            f"({feasible} cases with some feasible launch)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
