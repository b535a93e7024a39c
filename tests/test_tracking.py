"""Reference tests of the batch extended Kalman filter (jointshield.tracking).

The filter is checked against an independent implementation (Stone Soup's
extended Kalman predictor and updater, driven by the same models), against
the flight engine and pymap3d, against finite differences, and for
statistical consistency (NEES and NIS within their chi-square bounds,
Bar-Shalom, Li and Kirubarajan 2001, §5.4.2).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pymap3d
import pytest
from scipy import stats
from stonesoup.predictor.kalman import ExtendedKalmanPredictor
from stonesoup.types.angle import Bearing, Elevation
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.state import GaussianState
from stonesoup.updater.kalman import ExtendedKalmanUpdater

from jointshield.errors import JointshieldError
from jointshield.flight import ROTATING_WGS84, Accuracy, fly_free
from jointshield.flight.flyout import PHASE_COAST
from jointshield.physics.ballistics import kepler_propagate
from jointshield.physics.geo import (
    aer_to_ecef,
    ecef_to_eci,
    eci_to_ecef,
    geodesic_inverse,
    velocity_ecef_to_eci,
    velocity_eci_to_ecef,
)
from jointshield.sensing.tracking import (
    RadarFrame,
    TrackHistory,
    ballistic_derivative,
    covariance_history,
    dynamics_jacobian,
    impact_point,
    initiate,
    measure_h,
    measure_jacobian,
    predict,
    process_noise,
    run_filter,
    transition,
    update,
)
from stonesoup_models import BallisticTransition, RadarMeasurement

# Tolerances, in the units of their names.
PREDICT_TOL_M = 1.0  # q = 0 prediction against the flight engine over 300 s
PHI_REL_TOL = 1e-5  # transition matrix against central differences, per column
JACOBIAN_REL_TOL = 1e-6  # analytic Jacobians against central differences
AER_RANGE_TOL_M = 1e-6  # against pymap3d.ecef2aer
AER_ANGLE_TOL_RAD = 1e-11
STONE_SOUP_POSITION_TOL_M = 1e-6  # 1e-13 of the geocentric radius
STONE_SOUP_VELOCITY_TOL_MPS = 1e-8
STONE_SOUP_JOSEPH_COV_TOL = 1e-8  # |ΔP_ij| / sqrt(P_ii P_jj)
STONE_SOUP_STANDARD_COV_TOL = 1e-9  # standard form P - K S Kᵀ against Joseph: rounding only
COV_HISTORY_TOL = 1e-9  # |ΔP_ij| / sqrt(P_ii P_jj), covariance analysis against the EKF
WHITENED_COV_TOL = 0.2  # |L⁻¹ Ŝ L⁻ᵀ - I| over 2,000 trials: about 6 standard errors
IMPACT_TOL_M = 50.0
ELLIPSE_MC_REL_TOL = 0.05  # semi-axes against 4,000 Monte Carlo impacts
ELLIPSE_MC_ANGLE_TOL_RAD = math.radians(3.0)
CHI2_CONFIDENCE = 0.99  # two-sided NEES and NIS bounds

# A radar in the southern Caucasus (38° N, 45° E) watching a 1,300 km shot that
# passes north of it from west to east, so that the azimuth goes through north.
RADAR = RadarFrame.at(math.radians(38.0), math.radians(45.0), 0.0, 50.0, 1e-3, 1e-3)
Q_M2_S3 = 1.0


@pytest.fixture(scope="module")
def flight() -> Any:
    """A vacuum ballistic flight on the rotating Earth, sampled every second."""
    return fly_free(
        math.radians(43.0),
        math.radians(40.0),
        math.radians(90.0),
        3200.0,
        math.radians(40.0),
        alt_m=100e3,
        sample_dt_s=1.0,
        sample_horizon_s=600.0,
    )


@pytest.fixture(scope="module")
def truth(flight: Any) -> np.ndarray:
    """ECEF states of the flight's exo-atmospheric arc (flown in closed form), every second."""
    coast = flight.sample_phase[0] == PHASE_COAST
    n_coast = int(np.argmin(coast))
    assert n_coast > 450
    out: np.ndarray = flight.samples[0, :n_coast]
    return out


def _normalised(p: np.ndarray) -> np.ndarray:
    """Scale for comparing covariances: sqrt(P_ii P_jj)."""
    d = np.sqrt(np.diagonal(p, axis1=-2, axis2=-1))
    return d[..., :, None] * d[..., None, :]


# --------------------------------------------------------------------------- inputs


def test_radar_frame_rejects_bad_input() -> None:
    """A frame with a non-positive sigma or a rotation that is not orthonormal is refused."""
    with pytest.raises(JointshieldError, match="sigma"):
        RadarFrame.at(0.5, 0.5, 0.0, -1.0, 1e-3, 1e-3)
    with pytest.raises(JointshieldError, match="orthonormal"):
        RadarFrame(np.zeros(3), 2.0 * np.eye(3), np.ones(3))
    with pytest.raises(JointshieldError, match="dt_s"):
        predict(np.ones(6) * 7e6, np.eye(6), -1.0, 0.0)
    with pytest.raises(JointshieldError, match="shape"):
        measure_h(np.ones(5), RADAR)


def test_look_times_must_pad_at_the_end_and_not_decrease() -> None:
    """Look times with a NaN inside a row, or going backwards, and M > N are refused."""
    z = np.zeros((1, 3, 3))
    det = np.ones((1, 3), dtype=bool)
    with pytest.raises(JointshieldError, match="pad"):
        run_filter(np.array([[0.0, np.nan, 2.0]]), z, det, RADAR, 0.0)
    with pytest.raises(JointshieldError, match="decrease"):
        run_filter(np.array([[0.0, 2.0, 1.0]]), z, det, RADAR, 0.0)
    with pytest.raises(JointshieldError, match="M <= N"):
        run_filter(np.array([[0.0, 1.0, 2.0]]), z, det, RADAR, 0.0, confirm_m=4, confirm_n=3)


# --------------------------------------------------------------------------- dynamics


@pytest.mark.parametrize("earth_j2", [False, True])
def test_dynamics_jacobian_matches_finite_differences(truth: np.ndarray, earth_j2: bool) -> None:
    """The analytic Jacobian of the dynamics equals central differences of the derivative."""
    x0 = truth[100]
    steps = np.array([10.0, 10.0, 10.0, 0.1, 0.1, 0.1])
    eye = np.eye(6) * steps
    fd = (ballistic_derivative(x0 + eye, earth_j2) - ballistic_derivative(x0 - eye, earth_j2)).T / (
        2.0 * steps
    )
    a = dynamics_jacobian(x0, earth_j2)
    # Each block against its own scale: identity, gravity gradient, Coriolis.
    for rows, cols in (
        (slice(0, 3), slice(3, 6)),
        (slice(3, 6), slice(0, 3)),
        (slice(3, 6), slice(3, 6)),
    ):
        scale = np.abs(a[rows, cols]).max()
        assert np.abs(fd[rows, cols] - a[rows, cols]).max() <= JACOBIAN_REL_TOL * scale


def test_predict_without_noise_follows_the_flight_engine(truth: np.ndarray) -> None:
    """With q = 0 the prediction reproduces the flight engine's trajectory to 1 m over 300 s."""
    x0, x300 = truth[5], truth[305]
    one_step, _ = predict(x0, np.eye(6), 300.0, 0.0)
    x = x0
    for _ in range(300):
        x, _ = transition(x, 1.0)
    assert np.linalg.norm(one_step[:3] - x300[:3]) < PREDICT_TOL_M
    assert np.linalg.norm(x[:3] - x300[:3]) < PREDICT_TOL_M
    # The rotating-frame dynamics agree with the closed-form conic in the inertial
    # frame that coincides with ECEF at the start (fixed against rotating Earth).
    r_i = ecef_to_eci(x0[:3], 0.0)
    v_i = velocity_ecef_to_eci(x0[:3], x0[3:], 0.0)
    r1, v1 = kepler_propagate(r_i, v_i, 300.0)
    r_e = eci_to_ecef(r1, 300.0)
    assert np.linalg.norm(one_step[:3] - r_e) < PREDICT_TOL_M
    v_e = velocity_eci_to_ecef(r1, v1, 300.0)
    assert np.linalg.norm(one_step[3:] - v_e) < PREDICT_TOL_M / 300.0


def test_predict_with_j2_follows_the_flight_engine_with_j2() -> None:
    """With J2 on, the prediction follows the flight engine's J2 trajectory to 1 m over 300 s."""
    fl = fly_free(
        math.radians(43.0),
        math.radians(40.0),
        math.radians(90.0),
        3200.0,
        math.radians(40.0),
        alt_m=100e3,
        sample_dt_s=1.0,
        sample_horizon_s=320.0,
        earth=ROTATING_WGS84.with_j2(),
        accuracy=Accuracy.scaled(1e-3),
    )
    s = fl.samples[0]
    x, _ = transition(s[5], 300.0, earth_j2=True)
    assert np.linalg.norm(x[:3] - s[305, :3]) < PREDICT_TOL_M


@pytest.mark.parametrize("earth_j2", [False, True])
def test_transition_matrix_matches_finite_differences(truth: np.ndarray, earth_j2: bool) -> None:
    """Φ from the variational equations equals central differences of the propagation."""
    x0 = truth[50]
    dt_s = 120.0
    steps = np.array([10.0, 10.0, 10.0, 0.01, 0.01, 0.01])
    eye = np.eye(6) * steps
    plus, _ = transition(x0 + eye, dt_s, earth_j2)
    minus, _ = transition(x0 - eye, dt_s, earth_j2)
    fd = (plus - minus).T / (2.0 * steps)
    _, phi = transition(x0, dt_s, earth_j2)
    col_scale = np.abs(phi).max(axis=0)
    assert np.all(np.abs(fd - phi).max(axis=0) <= PHI_REL_TOL * col_scale)


def test_prediction_rows_are_independent_and_zero_step_is_identity(truth: np.ndarray) -> None:
    """A row's prediction does not depend on its batch; dt = 0 changes nothing; Q is BLK's."""
    x = truth[[10, 20, 30]]
    p = np.broadcast_to(np.diag([1e4, 1e4, 1e4, 1e2, 1e2, 1e2]), (3, 6, 6))
    dts = np.array([0.0, 3.0, 47.0])
    xb, pb = predict(x, p, dts, Q_M2_S3)
    for i in range(3):
        xi, pi = predict(x[i], p[i], dts[i], Q_M2_S3)
        np.testing.assert_array_equal(xb[i], xi)
        np.testing.assert_array_equal(pb[i], pi)
    np.testing.assert_array_equal(xb[0], x[0])
    np.testing.assert_array_equal(pb[0], p[0])
    _, phi = transition(x[2], 47.0)
    expected = phi @ p[2] @ phi.T + process_noise(47.0, Q_M2_S3)
    np.testing.assert_allclose(pb[2], expected, rtol=1e-12, atol=0.0)
    q = process_noise(2.0, 3.0)
    np.testing.assert_allclose(q[0, 0], 3.0 * 8.0 / 3.0)
    np.testing.assert_allclose(q[1, 4], 3.0 * 2.0)
    np.testing.assert_allclose(q[5, 5], 3.0 * 2.0)
    assert q[0, 1] == 0.0 and q[0, 4] == 0.0


# --------------------------------------------------------------------------- measurement


def test_measure_h_matches_pymap3d(truth: np.ndarray) -> None:
    """Range, azimuth and elevation equal pymap3d.ecef2aer on the same WGS-84 site."""
    x = truth[::25]
    z = measure_h(x, RADAR)
    az, el, rng = pymap3d.ecef2aer(
        x[:, 0], x[:, 1], x[:, 2], math.radians(38.0), math.radians(45.0), 0.0, deg=False
    )
    np.testing.assert_allclose(z[:, 0], rng, rtol=0.0, atol=AER_RANGE_TOL_M)
    np.testing.assert_allclose(z[:, 1], az, rtol=0.0, atol=AER_ANGLE_TOL_RAD)
    np.testing.assert_allclose(z[:, 2], el, rtol=0.0, atol=AER_ANGLE_TOL_RAD)


def test_measure_jacobian_matches_finite_differences(truth: np.ndarray) -> None:
    """The analytic measurement Jacobian equals central differences of h."""
    x0 = truth[[30, 200, 400]]
    h = measure_jacobian(x0, RADAR)
    step_m = 1.0
    for i in range(3):
        dx = np.zeros(6)
        dx[i] = step_m
        fd = (measure_h(x0 + dx, RADAR) - measure_h(x0 - dx, RADAR)) / (2.0 * step_m)
        np.testing.assert_allclose(h[:, :, i], fd, rtol=JACOBIAN_REL_TOL, atol=1e-14)
    assert np.all(h[:, :, 3:] == 0.0)


def test_initiate_converts_the_measurement_and_maps_its_covariance() -> None:
    """The initial position is the RAE→ECEF conversion and its covariance is J R Jᵀ."""
    z = np.array([800e3, 0.3, 0.4])
    x, p = initiate(z, RADAR, velocity_sigma_mps=2000.0, velocity_guess=[1.0, 2.0, 3.0])
    expected = aer_to_ecef(z[1], z[2], z[0], math.radians(38.0), math.radians(45.0), 0.0)
    np.testing.assert_allclose(x[:3], expected, rtol=0.0, atol=1e-6)
    np.testing.assert_array_equal(x[3:], [1.0, 2.0, 3.0])
    steps = np.array([1.0, 1e-7, 1e-7])
    jac = np.stack(
        [
            (
                aer_to_ecef(*(z + d)[[1, 2, 0]], math.radians(38.0), math.radians(45.0), 0.0)
                - aer_to_ecef(*(z - d)[[1, 2, 0]], math.radians(38.0), math.radians(45.0), 0.0)
            )
            / (2.0 * s)
            for d, s in zip(np.diag(steps), steps, strict=True)
        ],
        axis=-1,
    )
    expected_p = jac @ np.diag(RADAR.sigma**2) @ jac.T
    np.testing.assert_allclose(p[:3, :3], expected_p, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(p[3:, 3:], np.eye(3) * 2000.0**2)
    np.testing.assert_array_equal(p[:3, 3:], 0.0)


def test_update_wraps_the_azimuth_innovation(truth: np.ndarray) -> None:
    """An azimuth just past north updates a prediction just short of it by the small angle."""
    x = truth[180]
    z_true = measure_h(x, RADAR)
    p = np.diag([1e6, 1e6, 1e6, 1e4, 1e4, 1e4])
    # Rotate the azimuth of the prediction across north: a +3 mrad innovation either way.
    z_plain = z_true + np.array([0.0, 0.003, 0.0])
    x_a, p_a, nis_a = update(x, p, z_plain, RADAR)
    z_wrapped = z_plain - np.array([0.0, 2.0 * math.pi, 0.0])
    x_b, p_b, nis_b = update(x, p, z_wrapped, RADAR)
    np.testing.assert_allclose(x_a, x_b, rtol=0.0, atol=1e-6)
    np.testing.assert_allclose(nis_a, nis_b, rtol=1e-9)
    np.testing.assert_array_equal(p_a, p_b)


def test_update_passes_missed_rows_through(truth: np.ndarray) -> None:
    """Rows marked not valid keep their state and covariance, and their NIS is NaN."""
    x = truth[[40, 41]]
    p = np.broadcast_to(np.diag([1e6, 1e6, 1e6, 1e4, 1e4, 1e4]), (2, 6, 6)).copy()
    z = measure_h(x, RADAR) + np.array([100.0, 1e-3, -1e-3])
    z[1] = np.nan
    x_u, p_u, nis = update(x, p, z, RADAR, valid=np.array([True, False]))
    np.testing.assert_array_equal(x_u[1], x[1])
    np.testing.assert_array_equal(p_u[1], p[1])
    assert np.isnan(nis[1]) and np.isfinite(nis[0])
    assert not np.allclose(x_u[0], x[0])


# --------------------------------------------------------------------------- Stone Soup


def _stone_soup_track(
    t_s: np.ndarray, z: np.ndarray, detected: np.ndarray, joseph: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Run Stone Soup's EKF on one threat look by look, from the same initiation as ours.

    The first look detects; NaN look times pad the end and are skipped.
    """
    predictor = ExtendedKalmanPredictor(BallisticTransition(q_m2_s3=Q_M2_S3))
    model = RadarMeasurement(ndim_state=6, mapping=(0, 1, 2), frame=RADAR)
    updater = ExtendedKalmanUpdater(model, use_joseph_cov=joseph)
    epoch = dt.datetime(2011, 6, 1)
    x0, p0 = initiate(z[0], RADAR)
    state: Any = GaussianState(
        StateVector(x0), CovarianceMatrix(p0), timestamp=epoch + dt.timedelta(seconds=t_s[0])
    )
    xs, ps = [x0], [p0]
    for k in range(1, int(np.isfinite(t_s).sum())):
        when = epoch + dt.timedelta(seconds=float(t_s[k]))
        state = predictor.predict(state, timestamp=when)
        if detected[k]:
            detection = Detection(
                StateVector([z[k, 0], Bearing(z[k, 1]), Elevation(z[k, 2])]),
                timestamp=when,
                measurement_model=model,
            )
            state = updater.update(SingleHypothesis(state, detection))
        xs.append(np.asarray(state.state_vector, float)[:, 0])
        ps.append(np.asarray(state.covar, float))
    return np.array(xs), np.array(ps)


@pytest.fixture(scope="module")
def stone_soup_case(truth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    """Three threats' noisy looks with misses, and our EKF's tracks of all three in one batch.

    Row 0 looks every second while the azimuth crosses north; row 1 every
    2 s from burnout; row 2 every second late in the coast, with its last
    ten looks padding (NaN).
    """
    n_looks = 80
    looks = np.stack(
        [np.arange(150, 150 + n_looks), np.arange(0, 2 * n_looks, 2), np.arange(380, 380 + n_looks)]
    )
    t_s = (looks - looks[:, :1]).astype(float) + np.array([[0.0], [7.0], [1000.0]])
    t_s[2, -10:] = np.nan
    rng = np.random.default_rng(2010)
    z = measure_h(truth[looks], RADAR) + RADAR.sigma * rng.standard_normal((3, n_looks, 3))
    z[..., 1] = np.mod(z[..., 1], 2.0 * math.pi)
    detected = rng.random((3, n_looks)) < 0.9
    detected[:, 0] = True
    detected[0, [4, 5, 31, 60]] = False
    ours = run_filter(t_s, z, detected, RADAR, Q_M2_S3)
    return t_s, z, detected, ours


def test_stone_soup_scenario_crosses_north(stone_soup_case: Any) -> None:
    """The comparison's azimuths straddle north, so the wrapping of innovations is exercised."""
    _, z, _, _ = stone_soup_case
    assert np.any(z[0, :, 1] > 1.9 * math.pi) and np.any(z[0, :, 1] < 0.1 * math.pi)


@pytest.mark.parametrize("row", [0, 1, 2])
def test_filter_matches_stone_soup_joseph_form(stone_soup_case: Any, row: int) -> None:
    """Our batched EKF equals Stone Soup's EKF (Joseph form) on the same looks, model and noise."""
    t_s, z, detected, ours = stone_soup_case
    xs, ps = _stone_soup_track(t_s[row], z[row], detected[row], joseph=True)
    n = xs.shape[0]
    x, p = ours.x[row, :n], ours.P[row, :n]
    assert np.all(np.isnan(ours.x[row, n:]))
    assert np.abs(x[:, :3] - xs[:, :3]).max() < STONE_SOUP_POSITION_TOL_M
    assert np.abs(x[:, 3:] - xs[:, 3:]).max() < STONE_SOUP_VELOCITY_TOL_MPS
    assert (np.abs(p - ps) / _normalised(p)).max() < STONE_SOUP_JOSEPH_COV_TOL


def test_filter_matches_stone_soup_standard_form(stone_soup_case: Any) -> None:
    """Stone Soup's standard-form covariance differs from our Joseph form by rounding only."""
    t_s, z, detected, ours = stone_soup_case
    xs, ps = _stone_soup_track(t_s[0], z[0], detected[0], joseph=False)
    x, p = ours.x[0], ours.P[0]
    assert np.abs(x[:, :3] - xs[:, :3]).max() < STONE_SOUP_POSITION_TOL_M
    assert (np.abs(p - ps) / _normalised(p)).max() < STONE_SOUP_STANDARD_COV_TOL


# --------------------------------------------------------------------------- consistency


def test_filter_is_consistent_nees_and_nis(truth: np.ndarray) -> None:
    """Trial-averaged NEES (6 dof) and NIS (3 dof) lie within two-sided 99 % chi-square bounds."""
    n_trials, n_looks = 300, 200
    rng = np.random.default_rng(1983)
    x_true = truth[:n_looks]
    t_s = np.broadcast_to(np.arange(n_looks, dtype=float), (n_trials, n_looks))
    z = measure_h(x_true, RADAR) + RADAR.sigma * rng.standard_normal((n_trials, n_looks, 3))
    detected = np.ones((n_trials, n_looks), dtype=bool)
    sigma_v = 3000.0
    guess = np.broadcast_to(x_true[0], (n_trials, 6)).copy()
    guess[:, 3:] += sigma_v * rng.standard_normal((n_trials, 3))  # a prior consistent with P0
    h = run_filter(t_s, z, detected, RADAR, 0.0, x0_guess=guess, velocity_sigma_mps=sigma_v)
    looks = [1, 10, 50, 100, 150, 199]
    err = h.x[:, looks] - x_true[looks]
    nees = np.einsum("tki,tkij,tkj->tk", err, np.linalg.inv(h.P[:, looks]), err).mean(axis=0)
    tail = (1.0 - CHI2_CONFIDENCE) / 2.0
    lo, hi = stats.chi2.ppf([tail, 1.0 - tail], 6 * n_trials) / n_trials
    assert np.all((nees > lo) & (nees < hi)), nees
    nis = h.nis[:, looks].mean(axis=0)
    lo, hi = stats.chi2.ppf([tail, 1.0 - tail], 3 * n_trials) / n_trials
    assert np.all((nis > lo) & (nis < hi)), nis


def test_covariance_history_equals_the_filter_on_noise_free_looks(truth: np.ndarray) -> None:
    """The covariance analysis about the truth gives the EKF's covariance on noise-free looks."""
    n_looks = 120
    x_true = np.stack([truth[:n_looks], truth[100 : 100 + n_looks]])
    t_s = np.broadcast_to(np.arange(n_looks, dtype=float), (2, n_looks)).copy()
    t_s[1, 100:] = np.nan  # a shorter row
    detected = np.ones((2, n_looks), dtype=bool)
    detected[0, :3] = False  # the track starts late
    detected[:, [20, 21, 50]] = False
    z = measure_h(x_true, RADAR)
    first = np.argmax(detected, axis=1)
    ekf = run_filter(t_s, z, detected, RADAR, Q_M2_S3, x0_guess=x_true[[0, 1], first])
    cov = covariance_history(t_s, x_true, RADAR, Q_M2_S3, detected=detected)
    tracked = np.isfinite(ekf.P[..., 0, 0])
    np.testing.assert_array_equal(tracked, np.isfinite(cov.P[..., 0, 0]))
    assert not tracked[0, :3].any() and tracked[0, 3:].all() and not tracked[1, 100:].any()
    diff = np.abs(ekf.P[tracked] - cov.P[tracked]) / _normalised(cov.P[tracked])
    assert diff.max() < COV_HISTORY_TOL
    np.testing.assert_array_equal(ekf.confirmed_s, cov.confirmed_s)


def _brute_first_time(t_s: np.ndarray, ok: np.ndarray) -> np.ndarray:
    out = np.full(t_s.shape[0], np.nan)
    for i in range(t_s.shape[0]):
        for j in range(t_s.shape[1]):
            if ok[i, j]:
                out[i] = t_s[i, j]
                break
    return out


def test_first_time_below_matches_brute_force() -> None:
    """The first look with both sigmas below the thresholds matches a loop over looks."""
    rng = np.random.default_rng(3)
    n, n_looks = 40, 9
    t_s = np.cumsum(rng.uniform(0.5, 3.0, (n, n_looks)), axis=1)
    a = rng.normal(size=(n, n_looks, 6, 6)) * rng.uniform(0.1, 30.0, (n, n_looks, 1, 1))
    p = a @ np.swapaxes(a, -1, -2)
    p[:5, :2] = np.nan  # not yet tracked
    t_s[5:9, 6:] = np.nan  # padding
    p[5:9, 6:] = np.nan
    h = TrackHistory(t_s=t_s, x=np.zeros((n, n_looks, 6)), P=p, confirmed_s=np.full(n, np.nan))
    pos_thr, vel_thr = 16.0, 15.0
    ok = np.zeros((n, n_looks), dtype=bool)
    for i in range(n):
        for j in range(n_looks):
            pos = math.sqrt(np.trace(p[i, j, :3, :3])) if np.isfinite(p[i, j, 0, 0]) else np.inf
            vel = math.sqrt(np.trace(p[i, j, 3:, 3:])) if np.isfinite(p[i, j, 0, 0]) else np.inf
            ok[i, j] = pos < pos_thr and vel < vel_thr
    expected = _brute_first_time(t_s, ok)
    assert np.isfinite(expected).sum() > 5 and np.isnan(expected).sum() > 5
    np.testing.assert_array_equal(h.first_time_below(pos_thr, vel_thr), expected)


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 3), (3, 5), (4, 4)])
def test_m_of_n_confirmation_matches_brute_force(truth: np.ndarray, m: int, n: int) -> None:
    """A track is confirmed at the first look completing M detections in N consecutive looks."""
    rng = np.random.default_rng(m * 10 + n)
    rows, n_looks = 30, 12
    detected = rng.random((rows, n_looks)) < 0.55
    t_s = np.broadcast_to(np.arange(n_looks, dtype=float) * 2.0, (rows, n_looks)).copy()
    t_s[:4, 9:] = np.nan
    x_true = np.broadcast_to(truth[200:212], (rows, n_looks, 6))
    z = np.where(detected[..., None], measure_h(x_true, RADAR), np.nan)
    h = run_filter(t_s, z, detected, RADAR, Q_M2_S3, confirm_m=m, confirm_n=n)
    ok = np.zeros((rows, n_looks), dtype=bool)
    for i in range(rows):
        for j in range(n_looks):
            window = detected[i, max(0, j - n + 1) : j + 1] & np.isfinite(
                t_s[i, max(0, j - n + 1) : j + 1]
            )
            ok[i, j] = np.isfinite(t_s[i, j]) and int(window.sum()) >= m
    np.testing.assert_array_equal(h.confirmed_s, _brute_first_time(t_s, ok))


def test_missed_looks_store_the_prediction(truth: np.ndarray) -> None:
    """At a missed look the history holds the prediction from the previous look."""
    n_looks = 30
    t_s = np.arange(n_looks, dtype=float)[None]
    detected = np.ones((1, n_looks), dtype=bool)
    detected[0, 12] = False
    z = measure_h(truth[None, :n_looks], RADAR)
    h = run_filter(t_s, z, detected, RADAR, Q_M2_S3)
    x_pred, p_pred = predict(h.x[0, 11], h.P[0, 11], 1.0, Q_M2_S3)
    np.testing.assert_array_equal(h.x[0, 12], x_pred)
    np.testing.assert_array_equal(h.P[0, 12], p_pred)
    assert np.isnan(h.nis[0, 12]) and np.isnan(h.nis[0, 0]) and np.isfinite(h.nis[0, 13])


# --------------------------------------------------------------------------- impact


def test_impact_point_matches_the_flight_engine(truth: np.ndarray, flight: Any) -> None:
    """From noise-free states the predicted impact is within 50 m of the flight engine's."""
    looks = [10, 150, 300, 450]
    ip = impact_point(truth[looks], np.zeros((4, 6, 6)))
    dist, _, _ = geodesic_inverse(
        ip.lat_rad, ip.lon_rad, flight.impact_lat_rad, flight.impact_lon_rad
    )
    assert np.all(dist < IMPACT_TOL_M), dist
    np.testing.assert_allclose(ip.t_impact_s + looks, flight.t_impact_s[0], rtol=0.0, atol=0.1)
    # Not coming down, or already underground: NaN.
    escape = truth[10].copy()
    escape[3:] *= 4.0
    r_m = 6378137.0 + 400e3  # a circular orbit over the equator, ECEF velocity
    orbit = np.array([r_m, 0.0, 0.0, 0.0, math.sqrt(3.986004418e14 / r_m) - 7.292115e-5 * r_m, 0.0])
    under = truth[10].copy()
    under[:3] *= 0.97
    bad = impact_point(np.stack([escape, orbit, under]), np.zeros((3, 6, 6)))
    assert np.all(np.isnan(bad.lat_rad)) and np.all(np.isnan(bad.t_impact_s))


def test_impact_ellipse_shrinks_and_matches_monte_carlo(truth: np.ndarray) -> None:
    """The impact ellipse shrinks as the track improves and agrees with sampled impacts."""
    n_looks = 200
    cov = covariance_history(
        np.arange(n_looks, dtype=float)[None], truth[None, :n_looks], RADAR, 0.0
    )
    looks = [20, 60, 120, 199]
    ip = impact_point(truth[looks], cov.P[0, looks])
    assert np.all(np.diff(ip.ellipse.semi_major_m) < 0.0)
    assert np.all(ip.ellipse.semi_minor_m <= ip.ellipse.semi_major_m)
    # Monte Carlo: impacts of states drawn from P at one look.
    k = 60
    rng = np.random.default_rng(11)
    draws = truth[k] + (np.linalg.cholesky(cov.P[0, k]) @ rng.standard_normal((6, 4000))).T
    mc = impact_point(draws, np.zeros((4000, 6, 6)))
    ref = impact_point(truth[k], cov.P[0, k])
    lat0, lon0 = float(ref.lat_rad), float(ref.lon_rad)
    east, north, _ = pymap3d.geodetic2enu(mc.lat_rad, mc.lon_rad, 0.0, lat0, lon0, 0.0, deg=False)
    sample = np.cov(np.stack([east, north]))
    evals, evecs = np.linalg.eigh(sample)
    np.testing.assert_allclose(
        np.sqrt(evals[::-1]),
        [float(ref.ellipse.semi_major_m), float(ref.ellipse.semi_minor_m)],
        rtol=ELLIPSE_MC_REL_TOL,
    )
    major = evecs[:, 1]
    az = math.atan2(major[0], major[1]) % math.pi
    diff = (az - float(ref.ellipse.orientation_rad) + math.pi / 2) % math.pi - math.pi / 2
    assert abs(diff) < ELLIPSE_MC_ANGLE_TOL_RAD


def test_single_states_work_without_a_batch_axis(truth: np.ndarray) -> None:
    """One state of shape (6,) goes through initiate, predict, update and impact_point."""
    x, p = initiate(measure_h(truth[100], RADAR), RADAR, velocity_guess=truth[100, 3:])
    assert x.shape == (6,) and p.shape == (6, 6)
    x, p = predict(x, p, 1.0, Q_M2_S3)
    x, p, nis = update(x, p, measure_h(truth[101], RADAR), RADAR)
    assert x.shape == (6,) and p.shape == (6, 6) and nis.shape == ()
    ip = impact_point(x, p)
    assert np.ndim(ip.lat_rad) == 0 and np.isfinite(ip.ellipse.semi_major_m)


# --------------------------------------------------------------------------- batches


@pytest.fixture(scope="module")
def batch(truth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """1,000 threats x 60 looks cut from the flight: times, truth, measurements, detections.

    Each row starts at its own second of the arc; a tenth of the rows have
    fewer looks (NaN padding), and detections are drawn at 0.9.
    """
    rng = np.random.default_rng(2011)
    n, n_looks = 1000, 60
    start = rng.integers(0, truth.shape[0] - n_looks, n)
    t_s = (start[:, None] + np.arange(n_looks)).astype(float)
    x_true = truth[start[:, None] + np.arange(n_looks)]
    short = rng.random(n) < 0.1
    length = rng.integers(1, n_looks, n)
    pad = short[:, None] & (np.arange(n_looks) >= length[:, None])
    t_s[pad] = np.nan
    x_true[pad] = np.nan
    z = measure_h(x_true, RADAR) + RADAR.sigma * rng.standard_normal((n, n_looks, 3))
    z[..., 1] = np.mod(z[..., 1], 2.0 * math.pi)
    detected = (rng.random((n, n_looks)) < 0.9) & ~pad
    return t_s, x_true, z, detected


@pytest.mark.parametrize("row", [0, 417, 999])
def test_filter_row_is_the_same_bytes_alone_and_in_a_batch(batch: Any, row: int) -> None:
    """The EKF's result for one threat does not depend on the 999 others."""
    t_s, _, z, detected = batch
    full = run_filter(t_s, z, detected, RADAR, Q_M2_S3)
    alone = run_filter(
        t_s[row : row + 1], z[row : row + 1], detected[row : row + 1], RADAR, Q_M2_S3
    )
    assert full.nis is not None and alone.nis is not None
    for a, b in [(full.x, alone.x), (full.P, alone.P), (full.nis, alone.nis)]:
        assert a[row].tobytes() == b[0].tobytes()
    assert full.confirmed_s[row : row + 1].tobytes() == alone.confirmed_s.tobytes()
    assert np.isfinite(full.P[detected.any(axis=1)][:, -1, 0, 0]).any()


@pytest.mark.parametrize("row", [0, 417, 999])
def test_covariance_history_row_is_the_same_bytes_alone_and_in_a_batch(
    batch: Any, row: int
) -> None:
    """The covariance analysis of one threat does not depend on the 999 others."""
    t_s, x_true, _, detected = batch
    for earth_j2 in (False, True):
        full = covariance_history(t_s, x_true, RADAR, Q_M2_S3, detected, earth_j2=earth_j2)
        alone = covariance_history(
            t_s[row : row + 1],
            x_true[row : row + 1],
            RADAR,
            Q_M2_S3,
            detected[row : row + 1],
            earth_j2=earth_j2,
        )
        assert full.P[row].tobytes() == alone.P[0].tobytes()
        assert full.x[row].tobytes() == alone.x[0].tobytes()


def test_batch_functions_give_each_row_the_same_bytes(batch: Any) -> None:
    """transition, predict, update and the measurement functions, row by row against the batch."""
    _, x_true, z, detected = batch
    x = x_true[:, 0]
    p = np.broadcast_to(np.diag([1e4, 1e4, 1e4, 1e2, 1e2, 1e2]), (x.shape[0], 6, 6))
    dt = np.linspace(0.0, 23.0, x.shape[0])
    xb, phib = transition(x, dt, earth_j2=True)
    xp, pp = predict(x, p, dt, Q_M2_S3)
    xu, pu, nis = update(x, p, z[:, 0], RADAR, detected[:, 0])
    h = measure_h(x, RADAR)
    jac = measure_jacobian(x, RADAR)
    for i in (0, 417, 999):
        xi, phii = transition(x[i], dt[i], earth_j2=True)
        assert xb[i].tobytes() == xi.tobytes() and phib[i].tobytes() == phii.tobytes()
        xi, pi = predict(x[i], p[i], dt[i], Q_M2_S3)
        assert xp[i].tobytes() == xi.tobytes() and pp[i].tobytes() == pi.tobytes()
        xi, pi, nisi = update(x[i], p[i], z[i, 0], RADAR, detected[i, 0])
        assert xu[i].tobytes() == xi.tobytes() and pu[i].tobytes() == pi.tobytes()
        assert nis[i : i + 1].tobytes() == np.atleast_1d(nisi).tobytes()
        assert h[i].tobytes() == measure_h(x[i], RADAR).tobytes()
        assert jac[i].tobytes() == measure_jacobian(x[i], RADAR).tobytes()


def test_filter_rejects_a_non_finite_detected_measurement(batch: Any) -> None:
    """A detected look with NaN in its measurement is refused, at an update and at the start."""
    t_s, _, z, detected = batch
    t, zz, det = t_s[:3].copy(), z[:3].copy(), detected[:3].copy()
    det[:, :10] = True
    zz[1, 5, 2] = np.nan
    with pytest.raises(JointshieldError, match="at look 5 is not finite"):
        run_filter(t, zz, det, RADAR, Q_M2_S3)
    zz[1, 5, 2] = z[1, 5, 2]
    zz[2, 0, 0] = np.nan
    with pytest.raises(JointshieldError, match="positive range"):
        run_filter(t, zz, det, RADAR, Q_M2_S3)
    zz[2, 0, 0] = z[2, 0, 0]
    zz[2, 7, 0] = np.nan
    det[2, 7] = False
    run_filter(t, zz, det, RADAR, Q_M2_S3)  # a missed look's measurement is never read
