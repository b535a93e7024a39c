"""Benchmark: a defended footprint over Europe, one launch area, every battery, one architecture.

The issue's case is a 0.25° grid over Europe (about 50,000 cells). Run from
the repository root::

    python benchmarks/bench_footprint.py                    # 1° cells
    python benchmarks/bench_footprint.py --grid-deg 0.25 --trials 0

It prints the cells in the grid and in the missile's reach, the time of the
footprint (and of its parts: the reach pre-filter, and per chunk of cells the
deployment, the two preparations, the nominal engagements and the trials),
the time per cell aimed, and the process's peak resident memory. No
assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import time

from jointshield.analysis.footprint import DEFAULT_REGION, footprint
from jointshield.theatre.compile import theatre_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="europe-2018")
    parser.add_argument("--architecture", default="data-exchange")
    parser.add_argument("--launch-area", default="tabriz")
    parser.add_argument("--missile", default="sejjil-2")
    parser.add_argument("--grid-deg", type=float, default=1.0)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="Print the 15 costliest calls.")
    args = parser.parse_args()

    theatre = theatre_of(args.scenario)
    for bat in theatre.batteries:  # reach tables built (or read from the cache) beforehand
        theatre.kinematics(bat)
    prof = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if prof:
        prof.enable()
    fp = footprint(
        theatre,
        arch=args.architecture,
        launch_area=args.launch_area,
        missile=args.missile,
        grid_deg=args.grid_deg,
        region=DEFAULT_REGION,
        trials=args.trials,
    )
    if prof:
        prof.disable()
    elapsed = time.perf_counter() - start
    aimed = int(fp.aimed.sum())
    print(
        f"{args.scenario}, {args.missile} from {args.launch_area}, {args.architecture}, "
        f"{args.grid_deg:g}° cells over {DEFAULT_REGION}, {args.trials} trials per cell"
    )
    print(
        f"cells: {fp.lat_deg.shape[0]:,} in the grid, {aimed:,} in reach, "
        f"{int(fp.defended.sum()):,} defended"
    )
    print(f"footprint: {elapsed:.1f} s, {1e3 * elapsed / max(aimed, 1):.1f} ms per cell aimed")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:,.0f} MiB")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
