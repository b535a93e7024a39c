"""Benchmark: aiming 1,000 threats, and the reach table of one interceptor type.

Run from the repository root::

    python benchmarks/bench_aim.py            # 1,000 threats, SM-3 IB
    python benchmarks/bench_aim.py --n 200

Aiming: the default raid of ``europe-2018`` repeated to ``--n`` threats, each
launched from a random point of its launch area at its target (Newton's method
on the real model: rotating WGS-84 Earth, drag, 1 m tolerance), without
trajectory samples. The range table of each missile type (flown once per
process, then cached) is built before the timing. Reach table: one
:class:`~jointshield.flight.reach.InterceptorKinematics` build (mass-ratio
tuning, probe fan, sampled fan, rasterised table) with the default options.
Each figure is the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from jointshield.flight.aim import aim, range_table
from jointshield.flight.reach import InterceptorKinematics
from jointshield.scenario import load_scenario
from jointshield.theatre.compile import compile_missile, theatre_of

EARTH_RADIUS_M = 6371e3


def threats(n: int, seed: int = 2018) -> list[tuple[object, np.ndarray, ...]]:
    """Launch and target points of ``n`` threats of the default raid, by missile type."""
    sc = load_scenario("europe-2018")
    rng = np.random.default_rng(seed)
    raid = sc.raid().threats
    picks = [raid[i % len(raid)] for i in range(n)]
    out = []
    for name in sorted({t.missile for t in picks}):
        mine = [t for t in picks if t.missile == name]
        areas = [sc.launch_area(t.launch_area) for t in mine]
        targets = [sc.asset(t.target) for t in mine]
        radius = np.array([a.radius_km * 1e3 for a in areas]) * np.sqrt(rng.random(len(mine)))
        bearing = rng.uniform(0.0, 2 * np.pi, len(mine))
        lat0 = np.radians([a.lat_deg for a in areas]) + radius * np.cos(bearing) / EARTH_RADIUS_M
        lon0 = np.radians([a.lon_deg for a in areas]) + radius * np.sin(bearing) / (
            EARTH_RADIUS_M * np.cos(lat0)
        )
        lat1 = np.radians([a.lat_deg for a in targets])
        lon1 = np.radians([a.lon_deg for a in targets])
        out.append((compile_missile(sc.missile(name)), lat0, lon0, lat1, lon1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="threats to aim")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (best kept)")
    parser.add_argument("--interceptor", default="sm-3-ib", help="interceptor type of europe-2018")
    args = parser.parse_args()

    batches = threats(args.n)
    for missile, *_ in batches:
        range_table(missile)  # once per process, outside the timing
    best = np.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        miss = [aim(m, *points).miss_m for m, *points in batches]
        best = min(best, time.perf_counter() - t0)
    worst = max(float(np.max(m)) for m in miss)
    print(
        f"aim {args.n:,} threats ({len(batches)} missile types): {best:.2f} s "
        f"({best / args.n * 1e3:.2f} ms per threat); largest miss {worst:.2f} m"
    )

    kind = theatre_of("europe-2018").interceptor(args.interceptor)
    best = np.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        kin = InterceptorKinematics.build(kind)
        best = min(best, time.perf_counter() - t0)
    reachable = int(np.isfinite(kin.time_to_reach_s).sum())
    print(
        f"reach table of {args.interceptor} ({kin.time_to_reach_s.shape[0]} × "
        f"{kin.time_to_reach_s.shape[1]} nodes, {reachable:,} reachable): {best:.2f} s"
    )


if __name__ == "__main__":
    main()
