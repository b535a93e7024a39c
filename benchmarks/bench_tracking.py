"""Benchmark: the batch extended Kalman filter against Stone Soup's, per target-update.

Run from the repository root::

    python benchmarks/bench_tracking.py                  # 1,000 threats x 60 looks
    python benchmarks/bench_tracking.py --threats 200    # quicker

The problem: a radar in the southern Caucasus tracks ballistic missiles in
their exo-atmospheric coast (about 1,300 km shots, 3.2 km/s at burnout),
one look a second for 60 s, detection probability 0.9, range noise 50 m,
angle noise 1 mrad. Ours runs :func:`jointshield.tracking.run_filter` on the
whole batch; Stone Soup runs its ``ExtendedKalmanPredictor`` and
``ExtendedKalmanUpdater`` (Joseph form, the same algebra as ours) look by
look on the first few threats, with models that call jointshield's
dynamics and measurement functions for one state at a time (as the
reference test does), and its time is extrapolated per target-update. A
target-update is one threat at one look: a prediction, and an update where
detected. The covariance analysis (the deterministic part, once per
scenario) is timed too, for scale, and the peak memory of both is
measured with :mod:`tracemalloc`. No assertions: speed is measured here,
never asserted in a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from stonesoup.predictor.kalman import ExtendedKalmanPredictor
from stonesoup.types.angle import Bearing, Elevation
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.state import GaussianState
from stonesoup.updater.kalman import ExtendedKalmanUpdater

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from jointshield.flight import fly_free
from jointshield.sensing.tracking import (
    RadarFrame,
    covariance_history,
    initiate,
    measure_h,
    run_filter,
)
from stonesoup_models import BallisticTransition, RadarMeasurement

RADAR = RadarFrame.at(math.radians(38.0), math.radians(45.0), 0.0, 50.0, 1e-3, 1e-3)
Q_M2_S3 = 1.0
FIRST_LOOK_S = 100  # seconds after burnout: well inside the coast


def scenario(
    n: int, n_looks: int, seed: int = 2011
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Look times, true states, noisy measurements and detections of a batch of threats."""
    rng = np.random.default_rng(seed)
    fl = fly_free(
        np.radians(43.0 + rng.uniform(-1.0, 1.0, n)),
        np.radians(40.0 + rng.uniform(-1.0, 1.0, n)),
        np.radians(rng.uniform(80.0, 100.0, n)),
        3200.0,
        np.radians(40.0),
        alt_m=100e3,
        sample_dt_s=1.0,
        sample_horizon_s=float(FIRST_LOOK_S + n_looks + 1),
    )
    assert fl.samples is not None
    x_true = fl.samples[:, FIRST_LOOK_S : FIRST_LOOK_S + n_looks]
    t_s = np.broadcast_to(np.arange(n_looks, dtype=float), (n, n_looks)).copy()
    z = measure_h(x_true, RADAR) + RADAR.sigma * rng.standard_normal((n, n_looks, 3))
    z[..., 1] = np.mod(z[..., 1], 2.0 * math.pi)
    detected = rng.random((n, n_looks)) < 0.9
    return t_s, x_true, z, detected


def stone_soup_track(
    t_s: np.ndarray, z: np.ndarray, detected: np.ndarray, cached: bool = False
) -> None:
    """One threat through Stone Soup's EKF, from our initiation at its first detection."""
    predictor = ExtendedKalmanPredictor(BallisticTransition(q_m2_s3=Q_M2_S3, cached=cached))
    model = RadarMeasurement(ndim_state=6, mapping=(0, 1, 2), frame=RADAR)
    updater = ExtendedKalmanUpdater(model, use_joseph_cov=True)
    epoch = dt.datetime(2011, 6, 1)
    first = int(np.argmax(detected))
    x0, p0 = initiate(z[first], RADAR)
    when0 = epoch + dt.timedelta(seconds=float(t_s[first]))
    state: Any = GaussianState(StateVector(x0), CovarianceMatrix(p0), timestamp=when0)
    for k in range(first + 1, t_s.size):
        when = epoch + dt.timedelta(seconds=float(t_s[k]))
        state = predictor.predict(state, timestamp=when)
        if detected[k]:
            detection = Detection(
                StateVector([z[k, 0], Bearing(z[k, 1]), Elevation(z[k, 2])]),
                timestamp=when,
                measurement_model=model,
            )
            state = updater.update(SingleHypothesis(state, detection))


def best_of(repeats: int, func: Callable[[], object]) -> float:
    """Shortest wall time of ``repeats`` calls, s."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def peak_mib(func: Callable[[], object]) -> float:
    """Peak of the memory allocated during one call (NumPy arrays included), MiB."""
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threats", type=int, default=1000, help="threats in our batch")
    parser.add_argument("--looks", type=int, default=60, help="looks per threat (1 s apart)")
    parser.add_argument("--stonesoup", type=int, default=5, help="threats run through Stone Soup")
    parser.add_argument("--repeats", type=int, default=3, help="timings kept: the best")
    args = parser.parse_args()

    t_s, x_true, z, detected = scenario(args.threats, args.looks)
    n, n_looks = t_s.shape
    # A target-update from the first detection on (the initiation itself is not one).
    first = np.argmax(detected, axis=1)
    updates_ours = int(np.sum(n_looks - 1 - first))

    def ours() -> object:
        return run_filter(t_s, z, detected, RADAR, Q_M2_S3, confirm_m=3)

    def analysis() -> object:
        return covariance_history(t_s, x_true, RADAR, Q_M2_S3, detected=detected)

    ours_s = best_of(args.repeats, ours)
    m = min(args.stonesoup, n)
    updates_ss = int(np.sum(n_looks - 1 - first[:m]))

    def stone_soup(cached: bool) -> None:
        for i in range(m):
            stone_soup_track(t_s[i], z[i], detected[i], cached)

    ss_s = best_of(args.repeats, lambda: stone_soup(False))
    ss_cached_s = best_of(args.repeats, lambda: stone_soup(True))
    cov_s = best_of(args.repeats, analysis)

    ours_us = ours_s / updates_ours * 1e6
    ss_us = ss_s / updates_ss * 1e6
    ss_cached_us = ss_cached_s / updates_ss * 1e6
    print(f"problem: {n} threats x {n_looks} looks, detection probability 0.9")
    print(f"jointshield run_filter : {ours_us:10.2f} us per target-update ({ours_s:.3f} s)")
    print(
        f"Stone Soup EKF         : {ss_us:10.2f} us per target-update "
        f"({m} threats, {updates_ss} target-updates, {ss_s:.3f} s)"
    )
    print(f"  ratio                : {ss_us / ours_us:10.0f} x")
    print(
        f"Stone Soup EKF, one integration per prediction: {ss_cached_us:10.2f} us per "
        f"target-update ({ss_cached_s:.3f} s)"
    )
    print(f"  ratio                : {ss_cached_us / ours_us:10.0f} x")
    print(
        f"covariance_history     : {cov_s / updates_ours * 1e6:10.2f} us per target-update "
        f"({cov_s:.3f} s)"
    )
    print(
        f"peak memory            : run_filter {peak_mib(ours):.1f} MiB, "
        f"covariance_history {peak_mib(analysis):.1f} MiB"
    )


if __name__ == "__main__":
    main()
