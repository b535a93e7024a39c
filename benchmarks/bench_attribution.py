"""Benchmark: exact Shapley attribution of 8 players on the northern scenario.

The issue's case is 8 players on europe-north with 2,000 trials per
coalition (256 coalitions). Run from the repository root::

    python benchmarks/bench_attribution.py
    python benchmarks/bench_attribution.py --players parties --profile

It prints the players, the time of the attribution (twice: the first run
also fills the geometry cache with every coalition's radar views and fused
tracks, the second reads them), the time per coalition, and the process's
peak resident memory. No assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import time

from jointshield.analysis.attribution import attribute, players_of
from jointshield.theatre.compile import theatre_of

# Eight sites of europe-north: the four that fire (two NATO, two Russian) and four sensors.
EIGHT = (
    "deveselu",
    "redzikowo",
    "pushkino",
    "kaliningrad",
    "tpy-2-kurecik",
    "voronezh-lekhtusi",
    "voronezh-pionersky",
    "sbirs",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="europe-north")
    parser.add_argument("--architecture", default="joint")
    parser.add_argument("--players", default="sites")
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="Print the 15 costliest calls.")
    args = parser.parse_args()

    theatre = theatre_of(args.scenario)
    only = list(EIGHT) if args.players == "sites" else None
    names = [p.name for p in players_of(theatre, args.players) if only is None or p.name in only]
    print(f"{args.scenario}, {args.architecture}, {len(names)} players: {', '.join(names)}")
    for attempt in ("first", "second"):
        prof = cProfile.Profile() if args.profile and attempt == "second" else None
        start = time.perf_counter()
        if prof:
            prof.enable()
        result = attribute(
            theatre,
            arch=args.architecture,
            players=args.players,
            only=only,
            trials=args.trials,
            progress=False,
        )
        if prof:
            prof.disable()
        elapsed = time.perf_counter() - start
        print(
            f"{attempt} run: {elapsed:.1f} s for {result.coalitions} coalitions × "
            f"{args.trials:,} trials ({1e3 * elapsed / result.coalitions:.0f} ms per coalition)"
        )
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(15)
    for p, e in zip(result.players, result.shapley, strict=True):
        print(f"  {p.name:<22} {e.value / 1e6:8.3f} M  [{e.lo / 1e6:.3f}, {e.hi / 1e6:.3f}]")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
