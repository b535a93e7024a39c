"""Interceptor reach and intercept windows, against direct flights, closed forms and loops."""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest
from geographiclib.geodesic import Geodesic
from scipy.interpolate import CubicHermiteSpline
from scipy.optimize import brentq

from jointshield.battle.context import deploy
from jointshield.engagement.windows import (
    REASON_ALTITUDE,
    REASON_FEASIBLE,
    REASON_OUT_OF_RANGE,
    REASON_UNREACHABLE,
    BatteryGeometry,
    InterceptWindows,
    intercept_windows,
)
from jointshield.errors import JointshieldError
from jointshield.flight import FIXED_WGS84, fly_powered
from jointshield.flight.flyout import PHASE_BOOST
from jointshield.flight.raid import RaidGeometry, fly_raid
from jointshield.flight.reach import (
    TUNING_PITCH_END_RAD,
    InterceptorKinematics,
    InterceptorType,
    ReachTables,
)
from jointshield.physics.geo import WGS84
from jointshield.scenario import builtin_names, load_scenario
from jointshield.theatre.compile import compile_interceptor
from theatres import REACH, theatre

A_M = WGS84.a_m

SPEED_REL_TOL = 0.01  # the brief's bound on the tuned burnout speed
# Table against direct flights: the fan is 1.06° apart in burnout angle and sampled every
# 0.5-1 s, and triangles interpolate linearly between them; the time of flight is smooth on
# that scale, so the table is found within about 0.02 s (0.01 %). 0.5 % leaves room for
# other points without hiding a wrong branch or a lost sample (a whole sample is 1 s).
DIRECT_REL_TOL = 0.005
DIRECT_ABS_TOL_S = 0.25
# Vertical column against the radial Kepler arc: exact in both but for the linear
# interpolation between 1-s samples and between altitude nodes (about 1 ms here).
VERTICAL_TOL_S = 0.05
GEOMETRY_TOL_S = 1e-3  # geographiclib vs Vincenty differ by < 1 mm: far below a millisecond
SCAN_STEP_S = 1.0  # the brute-force launch-time scan


# --------------------------------------------------------------------------- fixtures


def _interceptor_types() -> list[InterceptorType]:
    seen: dict[tuple[float, ...], InterceptorType] = {}
    for name in builtin_names():
        for ic in load_scenario(name).interceptors:
            kind = compile_interceptor(ic)
            seen.setdefault(kind.kinematic_key, kind)
    return list(seen.values())


@pytest.fixture(scope="module")
def scenario_2018_raid() -> RaidGeometry:
    return fly_raid(theatre("europe-2018").raid())


@pytest.fixture(scope="module")
def batteries_2018() -> tuple[BatteryGeometry, ...]:
    return deploy(theatre("europe-2018")).batteries


@pytest.fixture(scope="module")
def windows_2018(
    scenario_2018_raid: RaidGeometry, batteries_2018: tuple[BatteryGeometry, ...]
) -> InterceptWindows:
    return intercept_windows(batteries_2018, scenario_2018_raid.flyouts)


def _kinematics(scenario: str, name: str, **options: object) -> InterceptorKinematics:
    kind = compile_interceptor(load_scenario(scenario).interceptor(name))
    return REACH.get(kind, **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the stand-in vehicle


@pytest.mark.parametrize("interceptor", _interceptor_types(), ids=lambda ic: ic.name)
def test_stand_in_burnout_speed_matches_published(interceptor: InterceptorType) -> None:
    """The tuned vehicle's reference shot burns out at the published speed within 1 %."""
    kin = REACH.get(interceptor)
    fly = fly_powered(
        kin.model, 0.0, 0.0, math.pi / 2, TUNING_PITCH_END_RAD, earth=FIXED_WGS84, drag=True
    )
    assert fly.burnout_speed_mps[0] == pytest.approx(
        interceptor.burnout_speed_mps, rel=SPEED_REL_TOL
    )
    assert fly.t_burnout_s[0] == pytest.approx(interceptor.burn_time_s)
    assert kin.model.n_stages == 1 and kin.model.thrust_to_weight > 1.0


def test_reach_tables_are_cached_explicitly_and_read_only() -> None:
    """A cache builds equal types once and returns the same table, which cannot be written."""
    tables = ReachTables()
    kind = compile_interceptor(load_scenario("europe-2011").interceptor("53t6"))
    kin = tables.get(kind)
    again = tables.get(compile_interceptor(load_scenario("europe-2018").interceptor("53t6")))
    assert again is kin and len(tables) == 1
    # Another kill probability shares the table, and carries its own figures.
    other = tables.get(InterceptorType(**{**kind.__dict__, "name": "other", "pk": 0.1}))
    assert other.time_to_reach_s is kin.time_to_reach_s and other.pk == 0.1 and len(tables) == 1
    with pytest.raises(ValueError, match="read-only"):
        kin.time_to_reach_s[0, 0] = 0.0


# --------------------------------------------------------------------------- table vs flights


def _crossing(samples: np.ndarray, dt_s: float, range_m: float) -> tuple[float, float]:
    """Time and altitude at which one sampled equatorial flight first passes a ground range.

    Cubic Hermite interpolation on the samples' positions and velocities, so
    the crossing is found to well under a metre between samples a few seconds
    apart (the points tested are all past the interceptor's burnout).
    """
    ok = np.isfinite(samples[:, 0])
    s = samples[ok]
    t = np.arange(s.shape[0]) * dt_s
    rng = A_M * np.arctan2(s[:, 1], s[:, 0])
    ks = np.flatnonzero((rng[:-1] <= range_m) & (rng[1:] > range_m))
    if ks.size == 0:
        return math.nan, math.nan
    k = int(ks[0])
    spline = CubicHermiteSpline(t[k : k + 2], s[k : k + 2, :3], s[k : k + 2, 3:])

    def excess(tt: float) -> float:
        p = spline(tt)
        return float(A_M * math.atan2(p[1], p[0]) - range_m)

    tc = brentq(excess, t[k], t[k + 1], xtol=1e-9)
    p = spline(tc)
    return float(tc), float(math.hypot(p[0], p[1]) - A_M)


def _direct_time_s(
    kin: InterceptorKinematics, range_m: np.ndarray, alt_m: np.ndarray, dt_s: float
) -> np.ndarray:
    """Time of flight to each point on a real flyout aimed through it by a pitch search.

    The flyout passes the point's range once; the altitude there rises with
    the thrust pitch at cut-off until the trajectory no longer gets that far.
    The shallowest pitch that passes above the point brackets the earliest
    arrival; bisection on the pitch then puts the trajectory through it.
    """
    horizon = float(np.nanmax(kin.time_to_reach(range_m, alt_m))) * 1.3 + 20.0

    def fly(pitch: np.ndarray) -> np.ndarray:
        f = fly_powered(
            kin.model,
            0.0,
            0.0,
            math.pi / 2,
            pitch,
            earth=FIXED_WGS84,
            sample_dt_s=dt_s,
            sample_horizon_s=horizon,
        )
        assert f.samples is not None
        return f.samples

    probe = np.radians(np.linspace(-89.0, 89.9, 90))
    probe_samples = fly(probe)
    lo, hi = np.empty(range_m.size), np.empty(range_m.size)
    for j, (r, h) in enumerate(zip(range_m, alt_m, strict=True)):
        alts = np.array([_crossing(s, dt_s, r)[1] for s in probe_samples])
        above = np.nan_to_num(alts, nan=-np.inf) > h
        i = int(np.argmax(above))
        assert above[i] and i > 0
        lo[j], hi[j] = probe[i - 1], probe[i]
    for _ in range(14):  # 2° / 2¹⁴: about 2 m at 1,000 km
        mid = 0.5 * (lo + hi)
        cross = [_crossing(s, dt_s, r) for s, r in zip(fly(mid), range_m, strict=True)]
        up = np.nan_to_num([c[1] for c in cross], nan=-np.inf) > alt_m
        lo, hi = np.where(up, lo, mid), np.where(up, mid, hi)
    return np.array([_crossing(s, dt_s, r)[0] for s, r in zip(fly(hi), range_m, strict=True)])


@pytest.mark.parametrize(
    ("scenario", "name", "points_km", "dt_s"),
    [
        (
            "europe-2011",
            "sm-3-ia",
            # the last point lies beyond every ascending branch: reached on the way down
            [(50, 300), (150, 120), (300, 250), (450, 100), (820, 75)],
            4.0,
        ),
        ("europe-2011", "53t6", [(5, 25), (20, 8), (40, 20), (70, 12)], 1.0),
    ],
)
def test_table_matches_direct_flights(
    scenario: str, name: str, points_km: list[tuple[float, float]], dt_s: float
) -> None:
    """The table's time to reach a point equals a direct flyout's through it, within 0.5 %."""
    kin = _kinematics(scenario, name)
    r = np.array([p[0] for p in points_km]) * 1e3
    h = np.array([p[1] for p in points_km]) * 1e3
    table = kin.time_to_reach(r, h)
    assert np.isfinite(table).all()
    direct = _direct_time_s(kin, r, h, dt_s)
    np.testing.assert_allclose(table, direct, rtol=DIRECT_REL_TOL, atol=DIRECT_ABS_TOL_S)


def test_vertical_column_follows_radial_kepler_arc() -> None:
    """In vacuum the time straight up after burnout is that of the rectilinear Kepler ellipse."""
    kin = _kinematics("europe-2011", "sm-3-ia", drag=False)
    fly = fly_powered(kin.model, 0.0, 0.0, math.pi / 2, math.pi / 2, earth=FIXED_WGS84, drag=False)
    mu = FIXED_WGS84.mu_m3_s2
    r0 = float(np.linalg.norm(fly.burnout_r_m[0]))
    v0 = float(np.linalg.norm(fly.burnout_v_mps[0]))
    # Radial ellipse (e = 1): r = a (1 - cos η), t = √(a³/μ) (η - sin η)
    # (Kepler's equation, Bate, Mueller & White 1971, ch. 4, with e = 1).
    a = -mu / (2.0 * (0.5 * v0 * v0 - mu / r0))

    def t_of_r(r: np.ndarray) -> np.ndarray:
        eta = np.arccos(1.0 - r / a)
        out: np.ndarray = math.sqrt(a**3 / mu) * (eta - np.sin(eta))
        return out

    apogee_alt = 2.0 * a - A_M
    alt = np.linspace(
        max(kin.min_intercept_alt_m, r0 - A_M + 1e3),
        0.9 * min(apogee_alt, kin.max_intercept_alt_m),
        40,
    )
    expected = fly.t_burnout_s[0] + t_of_r(A_M + alt) - t_of_r(np.array(r0))
    np.testing.assert_allclose(kin.time_to_reach(0.0, alt), expected, atol=VERTICAL_TOL_S)


def test_descending_branches_only_extend_the_envelope() -> None:
    """An ascending pass is the earliest arrival; descending branches only add new points."""
    full = _kinematics("europe-2011", "sm-3-ia").time_to_reach_s
    rising = _kinematics("europe-2011", "sm-3-ia", descending=False).time_to_reach_s
    both = np.isfinite(rising)
    assert np.all(np.isfinite(full[both]))
    np.testing.assert_allclose(rising[both], full[both], atol=DIRECT_ABS_TOL_S)
    assert np.isfinite(full).sum() > 1.1 * both.sum()


def test_time_to_reach_is_nan_outside_limits() -> None:
    """Points beyond the range limit or outside the altitude band have no time of flight."""
    kin = _kinematics("europe-2011", "sm-3-ia")
    inside = kin.time_to_reach(100e3, 200e3)
    assert np.isfinite(inside)
    out = kin.time_to_reach(
        [kin.max_range_m * 1.01, 100e3, 100e3, -1.0, np.nan],
        [200e3, kin.min_intercept_alt_m - 1.0, kin.max_intercept_alt_m + 1.0, 200e3, 200e3],
    )
    assert np.isnan(out).all()


def test_bad_interceptor_is_refused() -> None:
    """Altitude limits out of order and a hopeless burn time are errors that say so."""
    ic = load_scenario("europe-2011").interceptor("53t6")
    with pytest.raises(JointshieldError, match="min_intercept_alt_km"):
        compile_interceptor(ic.model_copy(update={"min_intercept_alt_km": 40.0}))
    with pytest.raises(JointshieldError, match="burn time"):
        InterceptorKinematics.build(
            compile_interceptor(ic.model_copy(update={"burn_time_s": 400.0}))
        )
    with pytest.raises(JointshieldError, match="dt_s"):
        InterceptorKinematics.build(compile_interceptor(ic), dt_s=0.0)


# --------------------------------------------------------------------------- windows vs brute force


def _brute_force_reach(
    raid: RaidGeometry, i: int, battery: BatteryGeometry
) -> tuple[np.ndarray, np.ndarray]:
    """Sample times and time to reach each post-burnout threat point, one point at a time.

    Geometry with pymap3d and geographiclib (independent of jointshield.geo);
    limits checked explicitly; NaN where no intercept is possible.
    """
    fl = raid.flyouts
    assert fl.samples is not None and fl.sample_phase is not None and fl.sample_dt_s
    kin = battery.kinematics
    lat0, lon0 = math.degrees(battery.lat_rad), math.degrees(battery.lon_rad)
    n_k = fl.samples.shape[1]
    ttr = np.full(n_k, np.nan)
    for k in range(n_k):
        if fl.sample_phase[i, k] < 0 or fl.sample_phase[i, k] == PHASE_BOOST:
            continue
        lat, lon, alt = pymap3d.ecef2geodetic(*fl.samples[i, k, :3])
        dist = Geodesic.WGS84.Inverse(lat0, lon0, lat, lon)["s12"]
        if dist <= kin.max_range_m and kin.min_intercept_alt_m <= alt <= kin.max_intercept_alt_m:
            ttr[k] = float(kin.time_to_reach(dist, alt))
    return np.arange(n_k) * fl.sample_dt_s, ttr


def test_windows_match_brute_force_launch_scan(
    scenario_2018_raid: RaidGeometry,
    batteries_2018: tuple[BatteryGeometry, ...],
    windows_2018: InterceptWindows,
) -> None:
    """Launch times that meet a threat, scanned at 1 s, fill [earliest, latest] of the windows."""
    raid, w = scenario_2018_raid, windows_2018
    dt = float(raid.flyouts.sample_dt_s or 0.0)
    checked = 0
    for i in range(len(raid)):
        for j, bat in enumerate(batteries_2018):
            t_k, ttr = _brute_force_reach(raid, i, bat)
            # Per point: the same feasible set and launch times.
            np.testing.assert_array_equal(w.feasible[i, j], np.isfinite(ttr))
            np.testing.assert_allclose(
                w.t_launch_s[i, j][w.feasible[i, j]],
                (t_k - ttr)[np.isfinite(ttr)],
                atol=GEOMETRY_TOL_S,
            )
            if not np.isfinite(ttr).any():
                assert w.reason[i, j] != REASON_FEASIBLE
                assert np.isnan(w.latest_launch()[i, j])
                continue
            assert w.reason[i, j] == REASON_FEASIBLE
            # Scan launch times: launched at t_l, is the interceptor at some threat point
            # when the threat is (to within one sample interval)?
            scan = np.arange(np.floor(np.nanmin(t_k - ttr)) - 10.0, t_k[-1], SCAN_STEP_S)
            slack = t_k[None, :] - scan[:, None] - ttr[None, :]
            ok = ((slack >= 0.0) & (slack <= dt)).any(axis=1)
            found = scan[ok]
            earliest = float(np.nanmin(np.where(w.feasible[i, j], w.t_launch_s[i, j], np.nan)))
            latest = float(w.latest_launch()[i, j])
            assert earliest - dt - GEOMETRY_TOL_S <= found.min() <= earliest + GEOMETRY_TOL_S
            assert latest - SCAN_STEP_S - GEOMETRY_TOL_S <= found.max() <= latest + GEOMETRY_TOL_S
            launches = np.sort(w.t_launch_s[i, j][w.feasible[i, j]])
            if np.all(np.diff(launches) <= dt):
                # No gap: every scanned time between the ends is feasible.
                assert found.size == round((found.max() - found.min()) / SCAN_STEP_S) + 1
            else:
                expected = (
                    (launches[None, :] >= scan[:, None]) & (launches[None, :] <= scan[:, None] + dt)
                ).any(axis=1)
                np.testing.assert_array_equal(ok, expected)
            # A battery ready at any scanned feasible time has a solution; after the latest, none.
            t_l, _, k = w.earliest(
                np.broadcast_to(found[:, None, None], (found.size, *w.reason.shape))
            )
            assert np.all(k[:, i, j] >= 0) and np.all(t_l[:, i, j] >= found - GEOMETRY_TOL_S)
            assert w.earliest(np.full(w.reason.shape, latest + 0.5))[2][i, j] == -1
            checked += 1
    assert checked >= 3


# --------------------------------------------------------------------------- earliest / after


def _reference_first(w: InterceptWindows, ready: np.ndarray) -> tuple[np.ndarray, ...]:
    """Loop reference of ``earliest``: the first k with a feasible launch at or after ready."""
    n, b, _ = w.t_launch_s.shape
    ready = np.broadcast_to(ready, np.broadcast_shapes(ready.shape, (n, b)))
    t_l = np.full(ready.shape, np.nan)
    t_i = np.full(ready.shape, np.nan)
    kk = np.full(ready.shape, -1)
    for idx in np.ndindex(ready.shape):
        i, j = idx[-2], idx[-1]
        for k in range(w.t_launch_s.shape[-1]):
            if w.feasible[i, j, k] and w.t_launch_s[i, j, k] >= ready[idx]:
                t_l[idx], t_i[idx], kk[idx] = w.t_launch_s[i, j, k], w.t_intercept_s[i, j, k], k
                break
    return t_l, t_i, kk


def test_earliest_matches_loop_reference(windows_2018: InterceptWindows) -> None:
    """The vectorised earliest solution equals a loop over trials, pairs and samples."""
    w = windows_2018
    rng = np.random.default_rng(2012)
    ready = rng.uniform(-200.0, 900.0, size=(6, *w.reason.shape))
    ready[0, 0, 0] = np.nan
    ready[1, 1, 1] = -np.inf
    got = w.earliest(ready)
    want = _reference_first(w, ready)
    for g, e in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, e)
    assert got[2][0, 0, 0] == -1
    # A scalar broadcasts to every pair.
    for g, e in zip(w.earliest(100.0), _reference_first(w, np.array(100.0)), strict=True):
        np.testing.assert_array_equal(g, e)


def test_after_matches_loop_reference(windows_2018: InterceptWindows) -> None:
    """A second shot launches no earlier than the first intercept plus the assessment gap."""
    w = windows_2018
    rng = np.random.default_rng(7)
    first = rng.uniform(0.0, 700.0, size=(4, *w.reason.shape))
    gap = rng.uniform(0.0, 60.0, size=(4, 1, 1))
    got = w.after(first, gap)
    want = _reference_first(w, first + gap)
    for g, e in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, e)
    assert np.all(np.isnan(got[0]) | (got[0] >= first + gap))


def test_latest_launch_is_max_feasible_launch(windows_2018: InterceptWindows) -> None:
    """The latest launch is the largest feasible launch time of each pair."""
    w = windows_2018
    masked = np.where(w.feasible, w.t_launch_s, -np.inf).max(axis=-1)
    np.testing.assert_array_equal(w.latest_launch(), np.where(np.isfinite(masked), masked, np.nan))


def test_bad_ready_shape_is_refused(windows_2018: InterceptWindows) -> None:
    """Ready times that do not broadcast to (threats, batteries) are an error."""
    with pytest.raises(JointshieldError, match="broadcastable"):
        windows_2018.earliest(np.zeros((3, 7)))


# --------------------------------------------------------------------------- reasons


def test_reasons_say_why_a_pair_has_no_solution(
    scenario_2018_raid: RaidGeometry, batteries_2018: tuple[BatteryGeometry, ...]
) -> None:
    """Far batteries are out of range, a 53T6 under a midcourse is outside its altitudes."""
    raid = scenario_2018_raid
    fl = raid.flyouts
    assert fl.samples is not None
    moscow = next(b for b in batteries_2018 if b.name == "a-135-moscow")
    deveselu = next(b for b in batteries_2018 if b.name == "aegis-ashore-deveselu")
    # Under the apogee of the Tabriz-Istanbul threat: every point near it is far too high.
    i = raid.index("sj-istanbul")
    k_apo = int(np.nanargmax(np.linalg.norm(fl.samples[i, :, :3], axis=-1)))
    lat, lon, _ = pymap3d.ecef2geodetic(*fl.samples[i, k_apo, :3], deg=False)
    under = BatteryGeometry("under", "Russia", float(lat), float(lon), 0.0, 4, moscow.kinematics)
    lisbon = BatteryGeometry(
        "lisbon", "NATO", math.radians(38.7), math.radians(-9.1), 0.0, 4, deveselu.kinematics
    )
    slow_ic = InterceptorType(
        name="slow",
        burnout_speed_mps=600.0,
        burn_time_s=5.0,
        min_intercept_alt_m=70e3,
        max_intercept_alt_m=500e3,
        max_range_m=900e3,
        pk=0.5,
    )
    slow = BatteryGeometry(
        "slow",
        "NATO",
        deveselu.lat_rad,
        deveselu.lon_rad,
        0.0,
        4,
        REACH.get(slow_ic),
    )
    w = intercept_windows([moscow, under, lisbon, slow, deveselu], fl)
    assert np.all(w.reason[:, 0] == REASON_OUT_OF_RANGE)
    assert w.reason[i, 1] == REASON_ALTITUDE
    assert np.all(w.reason[:, 2] == REASON_OUT_OF_RANGE)
    bucharest = raid.index("sj-bucharest")
    assert w.reason[bucharest, 3] == REASON_UNREACHABLE
    assert w.reason[bucharest, 4] == REASON_FEASIBLE
    assert not w.feasible[:, :4].any()


def test_boost_samples_are_left_out_by_default(
    scenario_2018_raid: RaidGeometry, batteries_2018: tuple[BatteryGeometry, ...]
) -> None:
    """Post-burnout windows have no candidate in the boost; the full windows may."""
    fl = scenario_2018_raid.flyouts
    assert fl.sample_phase is not None
    post = intercept_windows(batteries_2018, fl)
    full = intercept_windows(batteries_2018, fl, post_burnout_only=False)
    boost = np.broadcast_to((fl.sample_phase == PHASE_BOOST)[:, None, :], post.feasible.shape)
    assert not post.feasible[boost].any()
    assert np.isnan(post.t_intercept_s[boost]).all()
    assert np.isfinite(full.t_intercept_s[boost]).all()
    np.testing.assert_array_equal(post.feasible[~boost], full.feasible[~boost])


def test_unsampled_flyouts_are_refused(batteries_2018: tuple[BatteryGeometry, ...]) -> None:
    """Windows need sampled trajectories; flyouts without samples are an error that says so."""
    model = batteries_2018[0].kinematics.model
    fl = fly_powered(model, 0.6, 0.8, 1.0, 0.5, earth=FIXED_WGS84)
    with pytest.raises(JointshieldError, match="sampled"):
        intercept_windows(batteries_2018, fl)
    with pytest.raises(JointshieldError, match="BatteryGeometry"):
        intercept_windows([], fl)
