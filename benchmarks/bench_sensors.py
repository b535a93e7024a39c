"""Benchmark: radar looks of every radar of europe-2018 on 1,000 sampled flyouts.

Run from the repository root::

    python benchmarks/bench_sensors.py            # 1,000 flyouts
    python benchmarks/bench_sensors.py --n 10000  # a larger batch

The threats of the scenario's default raid are repeated until the batch holds
``--n`` missiles, each launched from a random point of its launch area at the
raid's launch time and aimed at its target, sampled every second. For each
radar the script times :func:`jointshield.sensors.radar_looks` (best of
``--repeat`` runs) and prints the scans it examined, the looks it kept and the
median first look. Timings only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from jointshield.flight import Flyouts
from jointshield.flight.aim import aim
from jointshield.scenario import Scenario, load_scenario
from jointshield.sensing.radar import radar_looks
from jointshield.theatre.compile import compile_missile, compile_scenario

EARTH_RADIUS_M = 6371e3


def raid_batch(
    sc: Scenario, n: int, seed: int = 2018
) -> list[tuple[Flyouts, np.ndarray, float, str]]:
    """Aim n missiles of the default raid, one batch per missile type."""
    rng = np.random.default_rng(seed)
    threats = sc.raid().threats
    picks = [threats[i % len(threats)] for i in range(n)]
    batches = []
    for missile in sorted({t.missile for t in picks}):
        mine = [t for t in picks if t.missile == missile]
        areas = [sc.launch_area(t.launch_area) for t in mine]
        targets = [sc.asset(t.target) for t in mine]
        # Uniform in a small disc around the area centre (flat-Earth offsets).
        radius = np.array([a.radius_km * 1e3 for a in areas]) * np.sqrt(rng.random(len(mine)))
        bearing = rng.uniform(0.0, 2 * np.pi, len(mine))
        lat0 = np.radians([a.lat_deg for a in areas]) + radius * np.cos(bearing) / EARTH_RADIUS_M
        lon0 = np.radians([a.lon_deg for a in areas]) + radius * np.sin(bearing) / (
            EARTH_RADIUS_M * np.cos(lat0)
        )
        sol = aim(
            compile_missile(sc.missile(missile)),
            lat0,
            lon0,
            np.radians([a.lat_deg for a in targets]),
            np.radians([a.lon_deg for a in targets]),
            sample_dt_s=1.0,
        )
        launch = np.array([t.launch_time_s for t in mine], dtype=float)
        batches.append((sol.flyouts, launch, sc.missile(missile).rcs_m2, missile))
    return batches


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="flyouts in the batch")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per radar (best kept)")
    parser.add_argument("--scenario", default="europe-2018")
    args = parser.parse_args()

    sc = load_scenario(args.scenario)
    t0 = time.perf_counter()
    batches = raid_batch(sc, args.n)
    fly_s = time.perf_counter() - t0
    n = sum(len(b[0]) for b in batches)
    longest = max(float(np.nanmax(b[0].t_impact_s)) for b in batches)
    print(f"{args.scenario}: {n} flyouts aimed and sampled at 1 s in {fly_s:.1f} s")
    print(f"longest flight {longest:.0f} s; missile types {', '.join(b[3] for b in batches)}")
    print()
    print(f"{'radar':<22}{'revisit s':>10}{'scans':>10}{'looks':>10}{'first s':>9}{'ms':>9}")
    total_s = 0.0
    for radar in compile_scenario(sc).radars:
        best = np.inf
        looks = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            looks = [
                radar_looks(radar, fl, rcs, launch, scan_phase_s=0.0)
                for fl, launch, rcs, _ in batches
            ]
            best = min(best, time.perf_counter() - start)
        total_s += best
        scans = sum(
            int(np.sum(np.floor(np.nan_to_num(fl.t_impact_s) / radar.revisit_s) + 1))
            for fl, *_ in batches
        )
        kept = sum(int(lk.count.sum()) for lk in looks)
        first = np.concatenate([lk.first_s() for lk in looks])
        median = f"{np.nanmedian(first):.0f}" if np.any(np.isfinite(first)) else "-"
        print(
            f"{radar.name:<22}{radar.revisit_s:>10g}{scans:>10,}{kept:>10,}{median:>9}"
            f"{best * 1e3:>9.0f}"
        )
    print(f"\nall radars: {total_s * 1e3:.0f} ms for {n} flyouts")


if __name__ == "__main__":
    main()
