"""Tests of data links, sharing policies and track-to-track fusion."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointshield.arrays import FloatArray
from jointshield.errors import JointshieldError
from jointshield.sensing.fusion import (
    covariance_intersection,
    fuse_delayed,
    fuse_many,
    information_fusion,
)
from jointshield.sensing.network import (
    LinkModel,
    Network,
    Outage,
    allows,
)
from jointshield.theatre.compile import compile_scenario
from jointshield.vocabulary import FUSION_CENTRE, SHARING_POLICIES

# Consistency of a fused covariance: P − (actual error covariance) must be
# positive semidefinite. Both sides are built from inverses of matrices with
# condition numbers up to ~1e4 here, so rounding leaves ~1e-12 relative; the
# smallest eigenvalue may dip below zero by this much of P's largest.
PSD_RTOL = 1e-9
# Closed-form identities evaluated two ways in floating point.
IDENTITY_RTOL = 1e-10
IDENTITY_ATOL = 1e-12
# ω from golden-section search against a dense scan: the optimum may not be
# worse than the best scanned value by more than rounding.
SCAN_RTOL = 1e-10
# A sample proportion of n independent Bernoulli(p) trials: within this many
# standard deviations sqrt(p(1−p)/n) of p (a false alarm about 1 in 1.7e6).
N_SIGMA = 5.0
# Position of a fused delayed track against the truth, m (rounding only).
POSITION_ATOL_M = 1e-6


# --------------------------------------------------------------------------- policies


def test_sharing_policies_let_through_what_they_say() -> None:
    """Each sharing policy passes exactly its cues and tracks."""
    targets = np.array([True, False])
    assert SHARING_POLICIES == ("none", "early-warning", "tracks", "tracks-own-territory")
    expected = {
        ("none", "cue"): [False, False],
        ("none", "track"): [False, False],
        ("early-warning", "cue"): [True, True],
        ("early-warning", "track"): [False, False],
        ("tracks", "cue"): [True, True],
        ("tracks", "track"): [True, True],
        ("tracks-own-territory", "cue"): [True, True],
        ("tracks-own-territory", "track"): [True, False],
    }
    for (policy, kind), want in expected.items():
        assert allows(policy, kind, targets).tolist() == want, (policy, kind)  # type: ignore[arg-type]


def test_unknown_policy_or_kind_is_an_error_with_a_suggestion() -> None:
    """An unknown sharing policy or message kind raises a JointshieldError naming a close match."""
    with pytest.raises(JointshieldError, match="'early-warning'"):
        allows("early_warning", "cue", True)  # type: ignore[arg-type]
    with pytest.raises(JointshieldError, match="'track'"):
        allows("tracks", "trak", True)  # type: ignore[arg-type]
    with pytest.raises(JointshieldError, match="sharing policy"):
        LinkModel("l", "NATO", "fusion", 1.0, sharing="all")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- fusion


def _error_covariance_of_ci(
    P: FloatArray, omega: float, Pa: FloatArray, Pb: FloatArray, joint: FloatArray
) -> FloatArray:
    """Actual error covariance of the ω-combination, from the joint covariance of the inputs.

    The fused error is Ka ea + Kb eb with Ka = ω P Pa⁻¹ and Kb = (1 − ω) P Pb⁻¹.
    """
    gains = np.hstack([omega * P @ np.linalg.inv(Pa), (1.0 - omega) * P @ np.linalg.inv(Pb)])
    actual: FloatArray = gains @ joint @ gains.T
    return actual


def _error_covariance_of_info(
    Pa: FloatArray, Pb: FloatArray, joint: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Claimed and actual error covariance of the information sum of two correlated estimates."""
    P = np.linalg.inv(np.linalg.inv(Pa) + np.linalg.inv(Pb))
    gains = np.hstack([P @ np.linalg.inv(Pa), P @ np.linalg.inv(Pb)])
    return P, gains @ joint @ gains.T


def _min_relative_eigenvalue(claimed: FloatArray, actual: FloatArray) -> float:
    diff = 0.5 * (claimed - actual + (claimed - actual).T)
    return float(np.linalg.eigvalsh(diff).min() / np.linalg.eigvalsh(claimed).max())


@settings(max_examples=150, deadline=None)
@given(
    d=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
    coupling=st.floats(0.0, 3.0),
    log_scale_a=st.floats(-1.0, 1.0),
    log_scale_b=st.floats(-1.0, 1.0),
    fully_correlated=st.booleans(),
    criterion=st.sampled_from(["trace", "det"]),
)
def test_covariance_intersection_is_never_overconfident(
    d: int,
    seed: int,
    coupling: float,
    log_scale_a: float,
    log_scale_b: float,
    fully_correlated: bool,
    criterion: str,
) -> None:
    """For any cross-correlation of the input errors, the CI covariance bounds the actual one."""
    rng = np.random.default_rng(seed)
    # Errors ea = A z, eb = B z with z ~ N(0, I): a valid joint covariance
    # [[Pa, C], [Cᵀ, Pb]] = [A; B][A; B]ᵀ whose cross-block C CI never sees.
    ga, gb, ha, hb = (rng.standard_normal((d, d)) for _ in range(4))
    a = 10.0**log_scale_a * np.hstack([ga, coupling * ha])
    if fully_correlated:
        b = (np.eye(d) + 0.3 * rng.standard_normal((d, d))) @ a  # eb is a linear map of ea
    else:
        b = 10.0**log_scale_b * np.hstack([coupling * hb, gb])
    stacked = np.vstack([a, b])
    joint = stacked @ stacked.T
    Pa, Pb = joint[:d, :d], joint[d:, d:]
    xa, xb = rng.standard_normal(d), rng.standard_normal(d)
    _, P, omega = covariance_intersection(xa, Pa, xb, Pb, criterion)  # type: ignore[arg-type]
    assert 0.0 <= float(omega) <= 1.0
    actual = _error_covariance_of_ci(P, float(omega), Pa, Pb, joint)
    assert _min_relative_eigenvalue(P, actual) >= -PSD_RTOL


def test_covariance_intersection_of_an_estimate_with_itself_returns_it() -> None:
    """Fusing an estimate with itself by CI gives the same estimate back."""
    rng = np.random.default_rng(1)
    m = rng.standard_normal((4, 4))
    P = m @ m.T + np.eye(4)
    x = rng.standard_normal(4)
    for criterion in ("trace", "det"):
        xf, Pf, _ = covariance_intersection(x, P, x, P, criterion)
        np.testing.assert_allclose(xf, x, rtol=IDENTITY_RTOL, atol=IDENTITY_ATOL)
        np.testing.assert_allclose(Pf, P, rtol=IDENTITY_RTOL, atol=IDENTITY_ATOL)


def test_covariance_intersection_lies_between_information_fusion_and_the_better_input() -> None:
    """In its criterion CI is never tighter than information fusion nor looser than either input."""
    rng = np.random.default_rng(2)
    n, d = 200, 3
    ma, mb = rng.standard_normal((2, n, d, d))
    Pa = ma @ np.swapaxes(ma, -1, -2) + 0.1 * np.eye(d)
    Pb = mb @ np.swapaxes(mb, -1, -2) + 0.1 * np.eye(d)
    # Half the batch: b dominates a (Pb ⪯ Pa), where CI must return b itself.
    Pa[: n // 2] = Pb[: n // 2] + np.eye(d)
    xa, xb = rng.standard_normal((2, n, d))
    _, P_info = information_fusion(xa, Pa, xb, Pb)

    def trace(P: FloatArray) -> FloatArray:
        return np.asarray(np.trace(P, axis1=-2, axis2=-1), dtype=float)

    def det(P: FloatArray) -> FloatArray:
        return np.asarray(np.linalg.det(P), dtype=float)

    for criterion, measure in (("trace", trace), ("det", det)):
        x, P, omega = covariance_intersection(xa, Pa, xb, Pb, criterion)  # type: ignore[arg-type]
        slack = IDENTITY_RTOL * measure(P)
        assert np.all(measure(P_info) <= measure(P) + slack)
        assert np.all(measure(P) <= np.minimum(measure(Pa), measure(Pb)) + slack)
        np.testing.assert_array_equal(omega[: n // 2], 0.0)
        np.testing.assert_array_equal(P[: n // 2], Pb[: n // 2])
        np.testing.assert_array_equal(x[: n // 2], xb[: n // 2])


def test_information_fusion_is_overconfident_with_correlated_errors_and_ci_is_not() -> None:
    """With correlated errors the information sum claims less than the actual error; CI does not."""
    Pa = np.diag([1.0, 4.0])
    Pb = np.diag([4.0, 1.0])
    rho = 0.9  # per-component correlation of the two estimates' errors
    C = rho * np.sqrt(np.diag(Pa)[:, None] * np.diag(Pb)[None, :]) * np.eye(2)
    joint = np.block([[Pa, C], [C.T, Pb]])
    assert np.linalg.eigvalsh(joint).min() > 0.0
    P_info, actual_info = _error_covariance_of_info(Pa, Pb, joint)
    assert _min_relative_eigenvalue(P_info, actual_info) < -0.1  # clearly overconfident
    _, P_ci, omega = covariance_intersection(np.zeros(2), Pa, np.zeros(2), Pb)
    actual_ci = _error_covariance_of_ci(P_ci, float(omega), Pa, Pb, joint)
    assert _min_relative_eigenvalue(P_ci, actual_ci) >= -PSD_RTOL


def test_omega_minimises_the_criterion() -> None:
    """The ω that CI returns is no worse than the best of a dense scan of [0, 1]."""
    rng = np.random.default_rng(3)
    scan = np.linspace(0.0, 1.0, 4001)
    for _ in range(20):
        d = int(rng.integers(2, 7))
        ma, mb = rng.standard_normal((2, d, d))
        Pa = ma @ ma.T + 0.05 * np.eye(d)
        Pb = mb @ mb.T + 0.05 * np.eye(d)
        Ia, Ib = np.linalg.inv(Pa), np.linalg.inv(Pb)
        info = scan[:, None, None] * Ia + (1.0 - scan[:, None, None]) * Ib
        scanned = {
            "trace": np.trace(np.linalg.inv(info), axis1=-2, axis2=-1),
            "det": 1.0 / np.linalg.det(info),
        }
        for criterion, values in scanned.items():
            _, P, omega = covariance_intersection(np.zeros(d), Pa, np.zeros(d), Pb, criterion)  # type: ignore[arg-type]
            found = np.trace(P) if criterion == "trace" else np.linalg.det(P)
            assert found <= values.min() * (1.0 + SCAN_RTOL)
            # The criterion is convex in ω, so the scan's best point is within
            # one grid step of the optimum unless the criterion is flat there.
            best = scan[np.argmin(values)]
            if values.min() < min(values[0], values[-1]) * (1.0 - 1e-6):
                assert abs(float(omega) - best) <= 0.01


def test_information_fusion_equals_the_kalman_update() -> None:
    """With independent errors the information sum is the Kalman update by the other estimate."""
    assert information_fusion([0.0], [[4.0]], [5.0], [[1.0]])[0] == pytest.approx([4.0])
    assert information_fusion([0.0], [[4.0]], [5.0], [[1.0]])[1][0] == pytest.approx([0.8])
    rng = np.random.default_rng(4)
    d = 5
    m, r = rng.standard_normal((2, 10, d, d))
    P = m @ np.swapaxes(m, -1, -2) + np.eye(d)
    R = r @ np.swapaxes(r, -1, -2) + np.eye(d)
    x, z = rng.standard_normal((2, 10, d))
    # Kalman update, measurement z = x_true + v, v ~ N(0, R), H = I (BLK 2001, ch. 5).
    S = P + R
    K = P @ np.linalg.inv(S)
    x_kf = x + np.einsum("...ij,...j->...i", K, z - x)
    P_kf = (np.eye(d) - K) @ P
    x_if, P_if = information_fusion(x, P, z, R)
    np.testing.assert_allclose(x_if, x_kf, rtol=IDENTITY_RTOL, atol=IDENTITY_ATOL)
    np.testing.assert_allclose(P_if, P_kf, rtol=IDENTITY_RTOL, atol=IDENTITY_ATOL)
    # And the information form P⁻¹ = Pa⁻¹ + Pb⁻¹.
    np.testing.assert_allclose(
        np.linalg.inv(P_if), np.linalg.inv(P) + np.linalg.inv(R), rtol=IDENTITY_RTOL
    )


ACCEL_PSD_M2_S3 = 25.0  # white-noise acceleration spectral density of the test model


def _cv_predict(x: FloatArray, P: FloatArray, dt_s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Constant-velocity prediction in 3-D, state (position m, velocity m/s), batched over dt."""
    dt = np.asarray(dt_s, dtype=float)[..., None, None]
    eye3 = np.eye(3)
    F = np.block([[eye3, np.zeros((3, 3))], [np.zeros((3, 3)), eye3]]) + np.zeros(dt.shape)
    F[..., :3, 3:] = dt * eye3
    # Continuous white-noise acceleration (BLK 2001, ch. 6).
    Q = ACCEL_PSD_M2_S3 * np.block(
        [[dt**3 / 3.0 * eye3, dt**2 / 2.0 * eye3], [dt**2 / 2.0 * eye3, dt * eye3]]
    )
    x_new = np.einsum("...ij,...j->...i", F, x)
    return x_new, F @ P @ np.swapaxes(F, -1, -2) + Q


def _track_covariances(rng: np.random.Generator, n: int) -> FloatArray:
    """Random track covariances: ~100 m in position, ~1 m/s in velocity, correlated."""
    m = np.diag([100.0] * 3 + [1.0] * 3) @ rng.standard_normal((n, 6, 6))
    covariances: FloatArray = m @ np.swapaxes(m, -1, -2) + np.eye(6)
    return covariances


def test_delayed_track_is_fused_at_its_measurement_time() -> None:
    """A remote track from t − τ is predicted to t before CI (the local one, when older)."""
    rng = np.random.default_rng(5)
    n = 6
    x_local = rng.standard_normal((n, 6)) * 1e3
    x_remote = rng.standard_normal((n, 6)) * 1e3
    P_local = _track_covariances(rng, n)
    P_remote = _track_covariances(rng, n)
    t_local_s = np.full(n, 100.0)
    t_remote_s = np.array([97.0, 99.5, 100.0, 101.0, 104.0, 60.0])
    x, P = fuse_delayed(x_local, P_local, t_local_s, x_remote, P_remote, t_remote_s, _cv_predict)
    for i in range(n):
        dt_s = t_local_s[i] - t_remote_s[i]
        if dt_s >= 0.0:
            xr, Pr = _cv_predict(x_remote[i], P_remote[i], np.array(dt_s))
            xl, Pl = x_local[i], P_local[i]
        else:
            xl, Pl = _cv_predict(x_local[i], P_local[i], np.array(-dt_s))
            xr, Pr = x_remote[i], P_remote[i]
        x_want, P_want, _ = covariance_intersection(xl, Pl, xr, Pr)
        np.testing.assert_allclose(x[i], x_want, rtol=IDENTITY_RTOL, atol=1e-9)
        np.testing.assert_allclose(P[i], P_want, rtol=IDENTITY_RTOL, atol=1e-9)


def test_ignoring_the_delay_biases_the_fused_track() -> None:
    """Fusing a stale track as if current biases it by ~speed × delay; fuse_delayed does not."""
    # CI is linear in the estimates with gains that depend only on the
    # covariances, so fusing the inputs' means gives the fused mean exactly.
    speed_mps = np.array([3000.0, -1000.0, 500.0])
    p0_m = np.array([1.0e6, 2.0e6, 1.0e5])
    delay_s = 2.0
    t_s = 300.0

    def truth(t: float) -> FloatArray:
        return np.concatenate([p0_m + speed_mps * t, speed_mps])

    P = np.diag([200.0**2] * 3 + [20.0**2] * 3)
    stale_x, _, _ = covariance_intersection(truth(t_s), P, truth(t_s - delay_s), P)
    bias_m = float(np.linalg.norm(stale_x[:3] - truth(t_s)[:3]))
    assert bias_m > 0.25 * float(np.linalg.norm(speed_mps)) * delay_s
    x, _ = fuse_delayed(truth(t_s), P, t_s, truth(t_s - delay_s), P, t_s - delay_s, _cv_predict)
    np.testing.assert_allclose(x[:3], truth(t_s)[:3], rtol=0.0, atol=POSITION_ATOL_M)


def test_fuse_many_fuses_valid_members_in_order() -> None:
    """Sequential CI uses only valid members, returns a lone one as is, and NaN if none is valid."""
    rng = np.random.default_rng(6)
    m, n, d = 3, 4, 2
    xs = rng.standard_normal((m, n, d))
    mats = rng.standard_normal((m, n, d, d))
    Ps = mats @ np.swapaxes(mats, -1, -2) + np.eye(d)
    valid = np.array(
        [[True, True, False, False], [True, False, False, True], [True, False, False, False]]
    )
    xs[~valid] = np.nan
    x, P = fuse_many(xs, Ps, valid)
    x01, P01, _ = covariance_intersection(xs[0, 0], Ps[0, 0], xs[1, 0], Ps[1, 0])
    x012, P012, _ = covariance_intersection(x01, P01, xs[2, 0], Ps[2, 0])
    np.testing.assert_allclose(x[0], x012, rtol=IDENTITY_RTOL)
    np.testing.assert_allclose(P[0], P012, rtol=IDENTITY_RTOL)
    np.testing.assert_array_equal(x[1], xs[0, 1])
    np.testing.assert_array_equal(P[3], Ps[1, 3])
    assert np.isnan(x[2]).all() and np.isnan(P[2]).all()


# --------------------------------------------------------------------------- links


def test_link_is_up_the_fraction_of_time_its_availability_says() -> None:
    """The fraction of trials with the link up at a time is its availability (binomial bound)."""
    availability = 0.9
    link = LinkModel("l", "NATO", FUSION_CENTRE, 2.0, availability=availability, mean_outage_s=60.0)
    n_trials = 20_000
    t_s = np.array([0.0, 7.0, 1_000.0, 10_000.0, 40_000.0])  # the start and far into the run
    up = link.draw_up(t_s, np.random.default_rng(7), n_trials)
    assert up.shape == (n_trials, t_s.size)
    bound = N_SIGMA * math.sqrt(availability * (1.0 - availability) / n_trials)
    # Each column is n_trials independent Bernoulli(A) draws (stationary start).
    assert np.all(np.abs(up.mean(axis=0) - availability) <= bound)
    # The columns are correlated, so their pooled mean varies no more than one column.
    assert abs(up.mean() - availability) <= bound


def test_mean_outage_and_up_durations_match_the_model() -> None:
    """Random outages last mean_outage_s on average, and up periods mean_outage_s·A/(1−A)."""
    availability, mean_outage_s = 0.75, 60.0
    link = LinkModel(
        "l", "NATO", "Russia", 1.0, availability=availability, mean_outage_s=mean_outage_s
    )
    dt_s = 0.5
    t_s = np.arange(0.0, 24_000.0, dt_s)
    up = link.draw_up(t_s, np.random.default_rng(8), 100)
    # Exponential durations under censoring at the ends: the estimate of the
    # mean is the time spent in the state over the number of periods seen to end.
    ends_down = np.count_nonzero(~up[:, :-1] & up[:, 1:])
    ends_up = np.count_nonzero(up[:, :-1] & ~up[:, 1:])
    mean_down_s = np.count_nonzero(~up) * dt_s / ends_down
    mean_up_s = np.count_nonzero(up) * dt_s / ends_up
    # Relative standard error 1/sqrt(periods) (exponential durations), plus
    # periods shorter than a grid step that the grid misses: ~dt/(2·mean).
    for got_s, want_s, count in (
        (mean_down_s, mean_outage_s, ends_down),
        (mean_up_s, mean_outage_s * availability / (1.0 - availability), ends_up),
    ):
        rtol = N_SIGMA / math.sqrt(count) + dt_s / want_s
        assert got_s == pytest.approx(want_s, rel=rtol)


def test_scripted_outages_are_always_down() -> None:
    """Within a scripted outage the link is down in every trial; the window is [start, end)."""
    link = LinkModel("l", "NATO", FUSION_CENTRE, 2.0, outages=(Outage(100.0, 200.0),))
    t_s = np.arange(0.0, 300.0, 0.5)
    up = link.draw_up(t_s, np.random.default_rng(9), 50)
    inside = (t_s >= 100.0) & (t_s < 200.0)
    assert not up[:, inside].any()
    assert up[:, ~inside].all()  # availability 1: always up otherwise
    noisy = LinkModel("m", "NATO", FUSION_CENTRE, 2.0, availability=0.5, outages=[(10.0, 20.0)])  # type: ignore[arg-type]
    assert not noisy.draw_up(np.arange(10.0, 20.0), np.random.default_rng(9), 50).any()


def test_same_seed_same_draws() -> None:
    """Draws from generators with the same seed are identical, and differ with another seed."""
    link = LinkModel("l", "NATO", "Russia", 1.0, latency_jitter_s=0.5, availability=0.9)
    t_s = np.linspace(0.0, 5_000.0, 101)
    first = link.draw_up(t_s, np.random.default_rng(10), 200)
    again = link.draw_up(t_s, np.random.default_rng(10), 200)
    other = link.draw_up(t_s, np.random.default_rng(11), 200)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    np.testing.assert_array_equal(
        link.draw_latency(np.random.default_rng(10), (3, 4)),
        link.draw_latency(np.random.default_rng(10), (3, 4)),
    )


def test_availability_one_is_always_up_and_zero_always_down() -> None:
    """A link of availability 1 is up at every time, one of availability 0 at none."""
    t_s = np.linspace(-100.0, 1e5, 1001)
    rng = np.random.default_rng(12)
    assert LinkModel("l", "a", "b", 1.0).draw_up(t_s, rng, 30).all()
    assert not LinkModel("l", "a", "b", 1.0, availability=0.0).draw_up(t_s, rng, 30).any()


def test_latency_jitter_is_a_shifted_exponential() -> None:
    """Latencies are never below latency_s and average latency_s + latency_jitter_s."""
    link = LinkModel("l", "a", "b", 1.0, latency_jitter_s=0.5)
    n = 100_000
    latency_s = link.draw_latency(np.random.default_rng(13), n)
    assert latency_s.min() >= 1.0
    assert latency_s.mean() == pytest.approx(1.5, abs=N_SIGMA * 0.5 / math.sqrt(n))
    np.testing.assert_array_equal(LinkModel("l", "a", "b", 1.0).draw_latency(None, 3), 1.0)


def test_link_numbers_are_checked() -> None:
    """Out-of-range link numbers and reversed outages raise JointshieldError."""
    with pytest.raises(JointshieldError, match="availability"):
        LinkModel("l", "a", "b", 1.0, availability=1.5)
    with pytest.raises(JointshieldError, match="latency_s"):
        LinkModel("l", "a", "b", -1.0)
    with pytest.raises(JointshieldError, match="mean_outage_s"):
        LinkModel("l", "a", "b", 1.0, mean_outage_s=0.0)
    with pytest.raises(JointshieldError, match="end_s"):
        Outage(20.0, 10.0)


# --------------------------------------------------------------------------- network


def _network(**overrides: object) -> Network:
    """NATO and Russia each linked to the fusion centre (2 s and 3 s)."""
    nato = {"name": "nato", "a": "NATO", "b": FUSION_CENTRE, "latency_s": 2.0}
    russia = {"name": "russia", "a": "Russia", "b": FUSION_CENTRE, "latency_s": 3.0}
    nato.update({k[5:]: v for k, v in overrides.items() if k.startswith("nato_")})
    russia.update({k[7:]: v for k, v in overrides.items() if k.startswith("russia_")})
    return Network(("NATO", "Russia"), (LinkModel(**nato), LinkModel(**russia)))  # type: ignore[arg-type]


def test_latency_adds_up_along_the_path_through_the_fusion_centre() -> None:
    """Without a direct link a message goes through the fusion centre and takes both latencies."""
    net = _network()
    assert [h.name for h in net.path("NATO", "Russia")] == ["nato", "russia"]
    assert [h.name for h in net.path("Russia", "NATO")] == ["russia", "nato"]
    arrival_s = net.deliver("NATO", "Russia", [0.0, 10.0, np.nan], "track", True)
    np.testing.assert_array_equal(arrival_s, [5.0, 15.0, np.nan])
    np.testing.assert_array_equal(net.deliver("NATO", "NATO", [1.0], "track", False), [1.0])
    direct = Network(
        ("NATO", "Russia"),
        (*net.links, LinkModel("hotline", "Russia", "NATO", 0.5)),
    )
    assert [h.name for h in direct.path("NATO", "Russia")] == ["hotline"]
    np.testing.assert_array_equal(direct.deliver("NATO", "Russia", 0.0, "cue", False), 0.5)


def test_a_message_crossing_a_hop_during_an_outage_is_lost() -> None:
    """Each hop's state is taken when the message is sent over it: down then means lost."""
    net = _network(nato_outages=(Outage(100.0, 110.0),), russia_outages=(Outage(200.0, 210.0),))
    t_send_s = np.array([99.0, 100.0, 109.0, 110.0, 196.0, 197.9, 198.0, 207.9, 208.0])
    arrival_s = net.deliver("NATO", "Russia", t_send_s, "cue", False)
    # 196 crosses the second hop at 198, before its outage, and arrives at 201
    # during it: in flight, not lost. 198 crosses it at 200: lost.
    want = [104.0, np.nan, np.nan, 115.0, 201.0, 202.9, np.nan, np.nan, 213.0]
    np.testing.assert_allclose(arrival_s, want, rtol=0.0, atol=1e-12)
    # With random draws the scripted windows still hold in every trial.
    random = net.deliver("NATO", "Russia", t_send_s, "cue", False, np.random.default_rng(14), 40)
    assert random.shape == (40, t_send_s.size)
    np.testing.assert_array_equal(np.isnan(random), np.isnan(np.broadcast_to(want, random.shape)))


def test_sharing_policy_gates_messages_along_the_path() -> None:
    """Early-warning passes cues only; own-territory tracks only of threats at the receiver."""
    targets = np.array([True, False])
    for policy, cues, tracks in (
        ("tracks", [True, True], [True, True]),
        ("early-warning", [True, True], [False, False]),
        ("tracks-own-territory", [True, True], [True, False]),
        ("none", [False, False], [False, False]),
    ):
        # The strictest policy along the path decides: here the second hop's.
        net = _network(russia_sharing=policy)
        assert net.path_policy("NATO", "Russia") == policy
        got_cues = ~np.isnan(net.deliver("NATO", "Russia", [0.0, 0.0], "cue", targets))
        got_tracks = ~np.isnan(net.deliver("NATO", "Russia", [0.0, 0.0], "track", targets))
        assert got_cues.tolist() == cues, policy
        assert got_tracks.tolist() == tracks, policy
    mixed = _network(nato_sharing="tracks-own-territory", russia_sharing="early-warning")
    assert mixed.path_policy("NATO", "Russia") == "early-warning"


def test_unknown_party_is_an_error_with_a_suggestion() -> None:
    """Asking for a path to a party that does not exist names the closest known party."""
    net = _network()
    with pytest.raises(JointshieldError, match="did you mean 'Russia'"):
        net.path("NATO", "Rusia")
    with pytest.raises(JointshieldError, match="did you mean 'NATO'"):
        net.deliver("Nato", "Russia", 0.0, "cue", False)
    with pytest.raises(JointshieldError, match="'Russia'"):
        Network(("NATO", "Russia"), (LinkModel("l", "NATO", "Rusia", 1.0),))


def test_no_path_loses_every_message() -> None:
    """Without a link chain from sender to receiver every message is lost (NaN)."""
    only_nato = Network(("NATO", "Russia"), (LinkModel("nato", "NATO", FUSION_CENTRE, 2.0),))
    assert only_nato.path("NATO", "Russia") == ()
    assert np.isnan(only_nato.deliver("NATO", "Russia", [0.0, 1.0], "cue", True)).all()
    one_way = Network(("NATO", "Russia"), (LinkModel("l", "NATO", "Russia", 1.0, two_way=False),))
    assert one_way.deliver("NATO", "Russia", 0.0, "cue", True) == 1.0
    assert np.isnan(one_way.deliver("Russia", "NATO", 0.0, "cue", True))


def test_random_delivery_loses_messages_at_the_rate_of_the_links() -> None:
    """A message over two independent links gets through with probability A1·A2 (binomial bound)."""
    net = _network(nato_availability=0.9, russia_availability=0.8)
    n_trials = 20_000
    arrival_s = net.deliver(
        "NATO", "Russia", [0.0, 500.0], "track", True, np.random.default_rng(15), n_trials
    )
    assert arrival_s.shape == (n_trials, 2)
    p = 0.9 * 0.8
    bound = N_SIGMA * math.sqrt(p * (1.0 - p) / n_trials)
    assert np.all(np.abs((~np.isnan(arrival_s)).mean(axis=0) - p) <= bound)
    np.testing.assert_array_equal(arrival_s[~np.isnan(arrival_s[:, 0]), 0], 5.0)
    # Perfect links without jitter draw nothing random: same as deterministic.
    perfect = _network().deliver("NATO", "Russia", [0.0], "cue", True, np.random.default_rng(0), 3)
    np.testing.assert_array_equal(perfect, np.full((3, 1), 5.0))


def test_delivery_sees_the_same_link_states_as_draw_up() -> None:
    """With the same seed, a one-hop delivery is lost exactly when draw_up says the link is down."""
    link = LinkModel("l", "NATO", "Russia", 1.5, availability=0.7, mean_outage_s=20.0)
    net = Network(("NATO", "Russia"), (link,))
    t_send_s = np.array([30.0, 0.0, 250.0, 10.0, 11.0, 400.0])  # unsorted on purpose
    up = link.draw_up(t_send_s, np.random.default_rng(16), 500)
    arrival_s = net.deliver(
        "NATO", "Russia", t_send_s, "cue", False, np.random.default_rng(16), 500
    )
    np.testing.assert_array_equal(np.isnan(arrival_s), ~up)
    assert 0.0 < up.mean() < 1.0


def test_network_from_a_builtin_scenario() -> None:
    """The built-in scenario's parties talk through the fusion centre."""
    from jointshield import load_scenario

    net = compile_scenario(load_scenario("europe-2011")).network
    assert set(net.parties) == {"NATO", "Russia"}
    assert len(net.path("NATO", "Russia")) == 2


def test_module_examples_run() -> None:
    """The examples in the network module's docstrings run and print what they say."""
    import doctest

    import jointshield.sensing.fusion
    import jointshield.sensing.network

    attempted = 0
    for module in (jointshield.sensing.network, jointshield.sensing.fusion):
        result = doctest.testmod(module, verbose=False)
        attempted += result.attempted
        assert result.failed == 0
    assert attempted > 0
