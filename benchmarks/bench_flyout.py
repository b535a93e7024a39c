"""Benchmark: a batch of 100,000 powered flyouts against a loop of scipy's solve_ivp.

Run from the repository root::

    python benchmarks/bench_flyout.py            # full size (about a minute)
    python benchmarks/bench_flyout.py --n 20000  # quicker

It flies the Sejjil-2 model of the built-in scenario (about 2,000 km, two
stages) from random points of the Semnan launch area on random bearings
towards Europe, on the rotating WGS-84 Earth with drag, keeping events and
summaries only. It reports the wall time on 1 and 2 worker processes, the
peak memory, the engine's accuracy against a tight reference integration,
and the time of the same flights one by one with ``solve_ivp`` at a
tolerance giving the same accuracy (timed on 100 flights and extrapolated).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

from jointshield.theatre.compile import compile_missile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from jointshield.flight import ROTATING_WGS84, fly_powered
from jointshield.scenario import load_scenario
from reference_flight import fly_reference


def controls(n: int, seed: int = 2012) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    sc = load_scenario("europe-2011")
    area = sc.launch_area("semnan")
    lat = np.radians(area.lat_deg + rng.uniform(-0.4, 0.4, n))
    lon = np.radians(area.lon_deg + rng.uniform(-0.5, 0.5, n))
    az = np.radians(rng.uniform(270.0, 330.0, n))
    pitch = np.radians(rng.uniform(18.0, 40.0, n))
    return lat, lon, az, pitch


def peak_rss_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="flyouts in the batch")
    parser.add_argument("--loop", type=int, default=100, help="flyouts timed with solve_ivp")
    args = parser.parse_args()

    missile = compile_missile(load_scenario("europe-2011").missile("sejjil-2"))
    lat, lon, az, pitch = controls(args.n)

    # Warm-up (imports, atmosphere table) outside the timings.
    fly_powered(missile, lat[:10], lon[:10], az[:10], pitch[:10])

    for workers in (1, 2):
        t0 = time.perf_counter()
        fl = fly_powered(missile, lat, lon, az, pitch, workers=workers)
        dt = time.perf_counter() - t0
        print(
            f"engine, {args.n:,} flyouts, {workers} worker(s): {dt:.2f} s "
            f"({dt / args.n * 1e6:.1f} µs per flyout); "
            f"ranges {np.nanmin(fl.ground_range_m) / 1e3:,.0f}–"
            f"{np.nanmax(fl.ground_range_m) / 1e3:,.0f} km"
        )
    own, children = peak_rss_mib()
    print(f"peak resident memory: main process {own:,.0f} MiB, largest worker {children:,.0f} MiB")

    # Accuracy: the engine against a tight reference (DOP853, rtol 1e-11) in another frame.
    k = args.loop
    errors, loop_errors = [], []
    tight = []
    for i in range(k):
        ref = fly_reference(
            missile, *np.degrees([lat[i], lon[i], az[i], pitch[i]]), earth=ROTATING_WGS84
        )
        tight.append(ref["impact_r_m"])
        errors.append(np.linalg.norm(fl.impact_r_m[i] - ref["impact_r_m"]))
    errors_arr = np.array(errors)
    print(
        f"engine accuracy at impact vs tight reference ({k} flyouts): "
        f"median {np.median(errors_arr):.1f} m, "
        f"95th percentile {np.percentile(errors_arr, 95):.1f} m, "
        f"max {errors_arr.max():.1f} m"
    )
    # The loop: solve_ivp one trajectory at a time, at a tolerance of the same accuracy.
    rtol = 1e-8
    t0 = time.perf_counter()
    for i in range(k):
        ref = fly_reference(
            missile,
            *np.degrees([lat[i], lon[i], az[i], pitch[i]]),
            earth=ROTATING_WGS84,
            rtol=rtol,
            atol=1e-3,
        )
        loop_errors.append(np.linalg.norm(ref["impact_r_m"] - tight[i]))
    dt_loop = time.perf_counter() - t0
    loop_err = np.array(loop_errors)
    per = dt_loop / k
    print(
        f"solve_ivp loop (DOP853, rtol {rtol:g}): {per * 1e3:.0f} ms per flyout, accuracy median "
        f"{np.median(loop_err):.1f} m, max {loop_err.max():.1f} m; "
        f"{args.n:,} flyouts ≈ {per * args.n:,.0f} s"
    )
    print(f"speed-up of the engine (2 workers) over the loop: {per * args.n / dt:,.0f}×")


if __name__ == "__main__":
    main()
