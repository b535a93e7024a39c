"""Benchmark: intercept solutions for 20 threats × 10 batteries × 10,000 trials.

Run from the repository root::

    python benchmarks/bench_intercept.py
    python benchmarks/bench_intercept.py --trials 100000

Twenty Shahab-3 and Sejjil-2 flyouts from the Iranian launch areas of the
built-in scenario towards Europe (random bearings and loft, rotating WGS-84
Earth with drag, sampled every second), and ten batteries: the four of
``europe-2018`` and six illustrative ones (SM-3 IB and IIA ships and sites,
two 53T6). It times, separately: building the reach tables (once per
interceptor type, then cached), building the intercept windows once (the
deterministic geometry shared by every trial), and ``earliest`` for a
(trials, 20, 10) array of ready times drawn at random, and ``after`` for a
second shot. Speed is printed, not asserted.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from jointshield.engagement.windows import BatteryGeometry, intercept_windows
from jointshield.flight import ROTATING_WGS84, Flyouts, fly_powered
from jointshield.scenario import load_scenario
from jointshield.theatre.compile import compile_missile, theatre_of

# Illustrative extra batteries: (name, owner, lat_deg, lon_deg, interceptor type).
EXTRA_BATTERIES = (
    ("aegis-black-sea", "NATO", 43.0, 34.0, "sm-3-ib"),
    ("aegis-aegean", "NATO", 38.5, 25.0, "sm-3-ib"),
    ("aegis-levant", "NATO", 34.0, 33.0, "sm-3-iia"),
    ("incirlik", "NATO", 37.0, 35.4, "sm-3-iia"),
    ("armavir", "Russia", 44.93, 40.98, "53t6"),
    ("ankara-point", "NATO", 39.92, 32.85, "53t6"),
)


def threats(n: int, seed: int = 2012) -> Flyouts:
    """Fly ``n`` threats, half Shahab-3 and half Sejjil-2, from the launch areas."""
    rng = np.random.default_rng(seed)
    sc = load_scenario("europe-2018")
    areas = [sc.launch_area(a) for a in ("tabriz", "kermanshah", "khorramabad", "semnan")]
    parts = []
    for j, name in enumerate(("shahab-3", "sejjil-2")):
        m = n // 2 + (n % 2 if j == 0 else 0)
        pick = rng.integers(0, len(areas), m)
        lat = np.radians([areas[i].lat_deg for i in pick])
        lon = np.radians([areas[i].lon_deg for i in pick])
        az = np.radians(rng.uniform(280.0, 320.0, m))
        pitch = np.radians(rng.uniform(25.0, 40.0, m))
        model = compile_missile(sc.missile(name))
        parts.append(fly_powered(model, lat, lon, az, pitch, earth=ROTATING_WGS84, sample_dt_s=1.0))
    return Flyouts.concatenate(parts).trim_samples()


def batteries() -> tuple[BatteryGeometry, ...]:
    theatre = theatre_of("europe-2018")
    own = tuple(
        BatteryGeometry(
            b.name, b.owner, b.lat_rad, b.lon_rad, b.alt_m, b.rounds, theatre.kinematics(b)
        )
        for b in theatre.batteries
    )
    extra = tuple(
        BatteryGeometry(
            name,
            owner,
            math.radians(lat),
            math.radians(lon),
            0.0,
            8,
            theatre.reach.get(theatre.interceptor(kind)),
        )
        for name, owner, lat, lon, kind in EXTRA_BATTERIES
    )
    return own + extra


def best_of(repeat: int, fn: object) -> float:
    assert callable(fn)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threats", type=int, default=20)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    fl = threats(args.threats)
    t_fly = time.perf_counter() - t0
    t0 = time.perf_counter()
    bats = batteries()
    t_tables = time.perf_counter() - t0
    assert fl.samples is not None
    n, n_k = fl.samples.shape[:2]
    print(f"threats: {n} flyouts, {n_k} samples each at 1 s (flown in {t_fly:.2f} s)")
    print(
        f"batteries: {len(bats)}, {len({id(b.kinematics) for b in bats})} interceptor types; "
        f"reach tables built in {t_tables:.2f} s (once per type, then cached)"
    )

    t_windows = best_of(args.repeat, lambda: intercept_windows(bats, fl))
    w = intercept_windows(bats, fl)
    feasible_pairs = int((w.reason == 0).sum())
    print(
        f"intercept_windows ({n} × {len(bats)} × {n_k}): {t_windows * 1e3:.0f} ms "
        f"(best of {args.repeat}); {feasible_pairs} of {w.reason.size} pairs have solutions, "
        f"{int(w.feasible.sum()):,} feasible points"
    )

    rng = np.random.default_rng(7)
    ready = rng.uniform(0.0, 600.0, size=(args.trials, n, len(bats)))
    w.earliest(ready[:1])  # the running maximum is built once, on first use
    t_earliest = best_of(args.repeat, lambda: w.earliest(ready))
    _, t_i, k = w.earliest(ready)
    print(
        f"earliest, ready times {ready.shape}: {t_earliest * 1e3:.0f} ms (best of {args.repeat}); "
        f"{float((k >= 0).mean()):.1%} of queries find a solution"
    )
    gap = rng.uniform(10.0, 60.0, size=(args.trials, 1, 1))
    t_after = best_of(args.repeat, lambda: w.after(t_i, gap))
    print(f"after (shoot-look-shoot), same shape: {t_after * 1e3:.0f} ms (best of {args.repeat})")
    total = t_windows + t_earliest
    print(f"windows once + earliest for all trials: {total:.2f} s (target: under 2 s)")


if __name__ == "__main__":
    main()
