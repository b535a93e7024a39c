"""Benchmark: ``jointshield compare`` on the default scenario, five architectures.

Run from the repository root::

    python benchmarks/bench_compare.py              # 10,000 trials, 1 and 2 workers
    python benchmarks/bench_compare.py --trials 2000
    python benchmarks/bench_compare.py --trials 2000 --geometry-samples 8

Prints the wall time of each part and the peak resident memory (no assertions).
"""

from __future__ import annotations

import argparse
import resource
import time

from jointshield.analysis.runs import compare
from jointshield.architectures.presets import ARCHITECTURES
from jointshield.flight.raid import fly_raid
from jointshield.theatre.compile import theatre_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--scenario", default="europe-2011")
    parser.add_argument("--geometry-samples", type=int, default=1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    theatre = theatre_of(args.scenario)
    fly_raid(theatre.raid())
    print(
        f"scenario compiled, raid aimed and flown (first call, includes imports): "
        f"{time.perf_counter() - t0:.2f} s"
    )
    for workers in (1, 2):
        t0 = time.perf_counter()
        # The first comparison builds the theatre's reach tables; the second reuses them.
        result = compare(
            theatre,
            ARCHITECTURES,
            trials=args.trials,
            workers=workers,
            progress=False,
            geometry_samples=args.geometry_samples,
        )
        dt = time.perf_counter() - t0
        p = ", ".join(
            f"{r.summary.architecture} {r.summary.p_no_leak.value:.3f}" for r in result.results
        )
        label = (
            f"{len(ARCHITECTURES)} architectures × {args.trials:,} trials, "
            f"{args.geometry_samples} geometry sample(s), {workers} worker(s)"
        )
        print(f"compare, {label}: {dt:.2f} s ({p})")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak resident memory: main process {own:,.0f} MiB, largest worker {children:,.0f} MiB")


if __name__ == "__main__":
    main()
