"""Sensors: radar horizon and field of regard, looks on real flyouts, noise, infrared cues."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pymap3d
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.interpolate import CubicHermiteSpline

import jointshield.sensing.radar as sensors_module
from jointshield.errors import JointshieldError
from jointshield.flight import Flyouts, fly_powered
from jointshield.flight.aim import aim
from jointshield.flight.flyout import PHASE_BOOST
from jointshield.physics.geo import WGS84, aer_to_ecef, ecef_to_geodetic, geodetic_to_ecef
from jointshield.scenario import Scenario, load_scenario
from jointshield.scenario.model import Sensor
from jointshield.sensing.radar import EFFECTIVE_EARTH_FACTOR, Radar, measure, radar_looks
from jointshield.sensing.space_ir import SpaceIR, space_ir_cues
from jointshield.theatre.compile import (
    compile_missile,
    compile_radar,
    compile_scenario,
    compile_space_ir,
)

A_M = WGS84.a_m
K = EFFECTIVE_EARTH_FACTOR

HORIZON_REL_TOL = 1e-6  # both models are exact on the equator; the brief's bound is 0.1 %
RULE_OF_THUMB_REL_TOL = 1e-2  # 4.12 (√h_r + √h_t) km neglects h² against 2kRh and uses R ≈ 6,371 km
EDGE_EPS_RAD = 1e-7  # ≈ 0.1 m at 1,000 km: far from rounding, far inside any physics
EDGE_EPS_REL = 1e-9  # relative step across a range limit
AER_ANGLE_TOL_RAD = 1e-6
AER_RANGE_TOL_M = 1e-3
LOOK_POSITION_TOL_M = 5.0  # cubic Hermite at 1 s against 0.1 s samples of the same flight
LOOK_VELOCITY_TOL_MPS = 10.0  # derivative of the cubic at 1 s; worst across thrust cut-off
GRID_TOL = 1e-9  # look times are multiples of the revisit, in units of the revisit
BRUTE_POSITION_TOL_M = 1e-6  # vectorised against scipy's Hermite spline, same nodes
SIGMAS_BOUND = 5.0  # statistical checks at five standard errors

SCAN_PHASE_S = 0.3  # puts 1 s scans between the 1 s samples


def equator_radar(h_r_m: float, refraction: str = "4/3", **changes: float) -> Radar:
    """A radar on the equator at longitude 0 that would see anything but for the Earth."""
    radar = Radar(
        name="test",
        owner="NATO",
        lat_rad=0.0,
        lon_rad=0.0,
        alt_m=h_r_m,
        boresight_az_rad=0.0,
        az_half_width_rad=math.pi,
        el_min_rad=-math.pi / 2,
        el_max_rad=math.pi / 2,
        range_min_m=0.0,
        range_max_m=1e8,
        reference_rcs_m2=1.0,
        revisit_s=1.0,
        sigma_range_m=10.0,
        sigma_az_rad=1e-3,
        sigma_el_rad=2e-3,
        p_detect=0.9,
        refraction=refraction,  # type: ignore[arg-type]
    )
    return replace(radar, **changes)


def on_equator(theta_rad: float | np.ndarray, h_m: float | np.ndarray) -> np.ndarray:
    """ECEF points at height ``h_m`` on the equator, ``theta_rad`` east of longitude 0."""
    theta = np.asarray(theta_rad, dtype=float)
    rho = A_M + np.asarray(h_m, dtype=float)
    return np.stack(np.broadcast_arrays(rho * np.cos(theta), rho * np.sin(theta), 0.0 * theta), -1)


def horizon_edge_range_m(radar: Radar, h_t_m: float) -> float:
    """Straight range to the last visible point at height h_t along the equator (bisection)."""
    lo, hi = 1e-9, 0.5 * math.pi
    assert radar.line_of_sight(on_equator(lo, h_t_m)) and not radar.line_of_sight(
        on_equator(hi, h_t_m)
    )
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if radar.line_of_sight(on_equator(mid, h_t_m)):
            lo = mid
        else:
            hi = mid
    return float(np.linalg.norm(on_equator(lo, h_t_m) - radar.position_ecef_m))


HEIGHTS = [(0.0, 100e3), (30.0, 10e3), (1000.0, 100.0), (500.0, 1000e3), (20.0, 20.0)]


@pytest.mark.parametrize(("h_r", "h_t"), HEIGHTS)
def test_horizon_without_refraction_is_the_two_tangents(h_r: float, h_t: float) -> None:
    """Without refraction a radar on the equator sees to sqrt((a+h_r)²−a²) + sqrt((a+h_t)²−a²)."""
    expected = math.sqrt((A_M + h_r) ** 2 - A_M**2) + math.sqrt((A_M + h_t) ** 2 - A_M**2)
    got = horizon_edge_range_m(equator_radar(h_r, "none"), h_t)
    assert got == pytest.approx(expected, rel=HORIZON_REL_TOL)


@pytest.mark.parametrize(("h_r", "h_t"), HEIGHTS)
def test_horizon_with_4_3_earth_is_the_two_tangents_on_the_effective_sphere(
    h_r: float, h_t: float
) -> None:
    """With 4/3 refraction the horizon is the tangent sum with R → (4/3) R, ≈ 4.12(√h_r+√h_t) km."""
    kr = K * A_M  # along the equator the radius of curvature is a
    expected = math.sqrt((kr + h_r) ** 2 - kr**2) + math.sqrt((kr + h_t) ** 2 - kr**2)
    got = horizon_edge_range_m(equator_radar(h_r), h_t)
    assert got == pytest.approx(expected, rel=HORIZON_REL_TOL)
    if h_t <= 100e3:
        rule_m = 4.12e3 * (math.sqrt(h_r) + math.sqrt(h_t))
        assert got == pytest.approx(rule_m, rel=RULE_OF_THUMB_REL_TOL)


def test_refraction_extends_the_horizon() -> None:
    """The 4/3 Earth sees farther than straight rays, by about √(4/3) for a radar on the ground."""
    plain = horizon_edge_range_m(equator_radar(0.0, "none"), 50e3)
    refracted = horizon_edge_range_m(equator_radar(0.0), 50e3)
    assert refracted / plain == pytest.approx(math.sqrt(K), rel=1e-3)


def effective_target(radar_h_m: float, el_rad: float, range_m: float) -> np.ndarray:
    """Point on the equator east of the radar at this 4/3-Earth elevation and straight range."""
    kr = K * A_M
    rho_r = kr + radar_h_m
    rho_t = math.sqrt(rho_r**2 + range_m**2 + 2 * rho_r * range_m * math.sin(el_rad))
    h_t = rho_t - kr
    # Longitude at which the true straight range from the radar is range_m.
    cos_theta = ((A_M + h_t) ** 2 + (A_M + radar_h_m) ** 2 - range_m**2) / (
        2 * (A_M + h_t) * (A_M + radar_h_m)
    )
    return on_equator(math.acos(cos_theta), h_t)


@pytest.mark.parametrize("refraction", ["4/3", "none"])
def test_elevation_limits_are_edges(refraction: str) -> None:
    """A target is seen for el_min ≤ el ≤ el_max (effective elevation with refraction)."""
    el_min, el_max = math.radians(1.5), math.radians(60.0)
    radar = equator_radar(25.0, refraction, el_min_rad=el_min, el_max_rad=el_max)
    for el, inside in [
        (el_min - EDGE_EPS_RAD, False),
        (el_min + EDGE_EPS_RAD, True),
        (el_max - EDGE_EPS_RAD, True),
        (el_max + EDGE_EPS_RAD, False),
    ]:
        if refraction == "4/3":
            target = effective_target(25.0, el, 900e3)
        else:
            target = aer_to_ecef(math.pi / 2, el, 900e3, 0.0, 0.0, 25.0)
        assert bool(radar.visible(target, 1.0)) is inside, (refraction, math.degrees(el))


def test_effective_elevation_uses_the_radius_of_curvature_in_the_azimuth() -> None:
    """At 45° N the 4/3 elevation uses R = M looking north and R = N looking east (Euler)."""
    lat = math.radians(45.0)
    radar = replace(equator_radar(0.0), lat_rad=lat, el_min_rad=0.0)
    e2 = WGS84.e2
    w = math.sqrt(1 - e2 * math.sin(lat) ** 2)
    radii = {0.0: A_M * (1 - e2) / w**3, 90.0: A_M / w}
    for az_deg, radius in radii.items():
        target = aer_to_ecef(math.radians(az_deg), math.radians(3.0), 600e3, lat, 0.0, 0.0)
        h_t = float(ecef_to_geodetic(target)[2])
        d = 600e3
        kr = K * radius
        sin_el = ((kr + h_t) ** 2 - kr**2 - d**2) / (2 * kr * d)
        # Just above that elevation's edge: seen; just below: not.
        above = replace(radar, el_min_rad=math.asin(sin_el) - EDGE_EPS_RAD)
        below = replace(radar, el_min_rad=math.asin(sin_el) + EDGE_EPS_RAD)
        assert above.visible(target, 1.0) and not below.visible(target, 1.0), az_deg


def test_azimuth_window_wraps_through_north() -> None:
    """A sector of 350° ± 30° holds 320°…20° through north, and nothing else."""
    radar = equator_radar(
        0.0, "none", boresight_az_rad=math.radians(350.0), az_half_width_rad=math.radians(30.0)
    )
    cases = {
        320.0 - 1e-5: False,
        320.0 + 1e-5: True,
        350.0: True,
        359.9: True,
        0.0: True,
        19.99999: True,
        20.00001: False,
        170.0: False,
        90.0: False,
    }
    for az_deg, inside in cases.items():
        target = aer_to_ecef(math.radians(az_deg), math.radians(30.0), 500e3, 0.0, 0.0, 0.0)
        assert bool(radar.visible(target, 1.0)) is inside, az_deg


def test_range_limits_and_rcs_scaling() -> None:
    """range_min ≤ range ≤ range_max·(σ/σ_ref)^¼: sixteen times the RCS is seen to exactly twice."""
    radar = equator_radar(
        0.0,
        "none",
        range_min_m=50e3,
        range_max_m=500e3,
        reference_rcs_m2=0.1,
        boresight_az_rad=math.radians(90.0),
        az_half_width_rad=math.radians(60.0),
    )
    assert radar.max_range_m(1.6) == 2 * radar.range_max_m
    assert radar.max_range_m([0.1, 1.6]).tolist() == [500e3, 1000e3]
    el = math.radians(40.0)
    for range_m, rcs, inside in [
        (50e3 * (1 - EDGE_EPS_REL), 0.1, False),
        (50e3 * (1 + EDGE_EPS_REL), 0.1, True),
        (500e3 * (1 - EDGE_EPS_REL), 0.1, True),
        (500e3 * (1 + EDGE_EPS_REL), 0.1, False),
        (1000e3 * (1 - EDGE_EPS_REL), 1.6, True),
        (1000e3 * (1 + EDGE_EPS_REL), 1.6, False),
        (1000e3 * (1 - EDGE_EPS_REL), 0.1, False),
    ]:
        target = aer_to_ecef(math.radians(90.0), el, range_m, 0.0, 0.0, 0.0)
        assert bool(radar.visible(target, rcs)) is inside, (range_m, rcs)


def test_visible_broadcasts_and_rejects_nan() -> None:
    """visible() works on any leading shape, broadcasts the RCS, and NaN positions are unseen."""
    radar = equator_radar(0.0, range_max_m=1000e3)
    targets = aer_to_ecef(
        np.radians([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]), math.radians(30.0), 900e3, 0, 0, 0
    )
    targets[1, 2] = np.nan
    seen = radar.visible(targets, np.array([[1.0], [0.5]]))
    assert seen.shape == (2, 3)
    assert seen.tolist() == [[True, True, True], [False, False, False]]
    assert not radar.line_of_sight(np.full(3, np.nan))


def test_aer_matches_pymap3d() -> None:
    """Radar.aer agrees with pymap3d.ecef2aer to 1 µrad and 1 mm."""
    rng = np.random.default_rng(7)
    radar = replace(
        equator_radar(120.0), lat_rad=math.radians(44.9251), lon_rad=math.radians(40.9839)
    )
    lat = np.radians(rng.uniform(20, 60, 200))
    lon = np.radians(rng.uniform(20, 60, 200))
    alt = rng.uniform(0, 1.2e6, 200)
    r = geodetic_to_ecef(lat, lon, alt)
    az, el, rng_m = radar.aer(r)
    az_ref, el_ref, rng_ref = pymap3d.ecef2aer(
        r[:, 0], r[:, 1], r[:, 2], radar.lat_rad, radar.lon_rad, radar.alt_m, deg=False
    )
    d_az = np.mod(az - az_ref + math.pi, 2 * math.pi) - math.pi
    assert np.max(np.abs(d_az)) < AER_ANGLE_TOL_RAD
    assert np.max(np.abs(el - el_ref)) < AER_ANGLE_TOL_RAD
    assert np.max(np.abs(rng_m - rng_ref)) < AER_RANGE_TOL_M
    assert az.min() >= 0.0 and az.max() < 2 * math.pi


def test_bad_inputs_raise_clear_errors() -> None:
    """Out-of-domain parameters and inputs raise JointshieldError naming the problem."""
    with pytest.raises(JointshieldError, match="revisit_s must be positive"):
        equator_radar(0.0, revisit_s=0.0)
    with pytest.raises(JointshieldError, match="el_min_rad <= el_max_rad"):
        equator_radar(0.0, el_min_rad=0.5, el_max_rad=0.4)
    with pytest.raises(JointshieldError, match="p_detect"):
        equator_radar(0.0, p_detect=1.5)
    with pytest.raises(JointshieldError, match="range_min_m < range_max_m"):
        equator_radar(0.0, range_min_m=2e8)
    with pytest.raises(JointshieldError, match="finite"):
        equator_radar(0.0, lat_rad=float("nan"))
    with pytest.raises(JointshieldError, match="refraction"):
        equator_radar(0.0, "ducting")
    radar = equator_radar(0.0)
    with pytest.raises(JointshieldError, match="positive"):
        radar.max_range_m([1.0, 0.0])
    with pytest.raises(JointshieldError, match=r"shape \(\.\.\., 3\)"):
        radar.visible(np.zeros((4, 2)), 1.0)
    with pytest.raises(JointshieldError, match="delay_s"):
        SpaceIR("sbirs", "NATO", delay_s=-1.0)
    unsampled = fly_powered(
        compile_missile(load_scenario("europe-2011").missile("shahab-3")),
        0.6,
        0.8,
        4.7,
        0.5,
    )
    with pytest.raises(JointshieldError, match="sample_dt_s"):
        radar_looks(radar, unsampled, 1.0)
    with pytest.raises(JointshieldError, match="sample_dt_s"):
        space_ir_cues(SpaceIR("sbirs", "NATO", 10.0), unsampled)


# --------------------------------------------------------------------------- scenarios


@pytest.fixture(scope="module")
def europe_2011() -> Scenario:
    return load_scenario("europe-2011")


def test_radars_from_scenario_convert_to_si(europe_2011: Scenario) -> None:
    """Scenario km, degrees and mrad become m and rad; every radar of the file is built."""
    radars = {r.name: r for r in compile_scenario(europe_2011).radars}
    assert set(radars) == {s.name for s in europe_2011.sensors if s.kind == "radar"}
    tpy2 = radars["tpy-2-kurecik"]
    assert tpy2.owner == "NATO"
    assert tpy2.range_max_m == 1500e3 and tpy2.range_min_m == 10e3
    assert tpy2.sigma_az_rad == pytest.approx(0.5e-3) and tpy2.sigma_range_m == 10.0
    assert tpy2.boresight_az_rad == pytest.approx(math.radians(105.0))
    assert tpy2.lat_rad == pytest.approx(math.radians(38.3494))
    assert tpy2.refraction == "4/3"
    (sbirs,) = compile_scenario(europe_2011).space_ir
    assert (sbirs.name, sbirs.owner, sbirs.delay_s, sbirs.p_detect) == ("sbirs", "NATO", 60.0, 0.95)
    with pytest.raises(JointshieldError, match="expected a radar"):
        compile_radar(
            europe_2011.sensor("tpy-2-kurecik").model_copy(update={"kind": "space-ir"}),
            europe_2011.site("kurecik"),
        )


def test_space_ir_from_scenario_takes_name_owner_and_delay() -> None:
    """A space-ir sensor keeps its name, owner and delay; the cue quality keeps its defaults."""
    sensor = Sensor(
        name="sbirs",
        kind="space-ir",
        site="kurecik",
        owner="NATO",
        range_max_km=40000.0,
        revisit_s=10.0,
        sigma_range_m=1.0,
        sigma_az_mrad=1.0,
        sigma_el_mrad=1.0,
        p_detect=0.99,
        delay_s=45.0,
    )
    ir = compile_space_ir(sensor)
    assert (ir.name, ir.owner, ir.delay_s, ir.min_altitude_m) == ("sbirs", "NATO", 45.0, 10e3)
    with pytest.raises(JointshieldError, match="space-ir"):
        compile_space_ir(sensor.model_copy(update={"kind": "radar"}))


class RaidFlight:
    """Shahab-3 threats of the europe-2011 raid, sampled at 1 s and at 0.1 s."""

    def __init__(self, scenario: Scenario) -> None:
        raid = scenario.raid()
        threats = [t for t in raid.threats if t.missile == "shahab-3"]
        self.ids = [t.id for t in threats]
        self.launch_time_s = np.array([t.launch_time_s for t in threats], dtype=float)
        missile = scenario.missile("shahab-3")
        self.rcs_m2 = missile.rcs_m2
        model = compile_missile(missile)
        start = [scenario.launch_area(t.launch_area) for t in threats]
        end = [scenario.asset(t.target) for t in threats]
        lat0 = np.radians([p.lat_deg for p in start])
        lon0 = np.radians([p.lon_deg for p in start])
        sol = aim(
            model,
            lat0,
            lon0,
            np.radians([p.lat_deg for p in end]),
            np.radians([p.lon_deg for p in end]),
            sample_dt_s=1.0,
        )
        self.coarse: Flyouts = sol.flyouts
        self.fine: Flyouts = fly_powered(
            model,
            lat0,
            lon0,
            sol.azimuth_rad,
            sol.pitch_end_rad,
            sol.cutoff_s,
            sample_dt_s=0.1,
            sample_horizon_s=float(np.max(self.coarse.t_impact_s)) + 1.0,
        )


@pytest.fixture(scope="module")
def raid(europe_2011: Scenario) -> RaidFlight:
    return RaidFlight(europe_2011)


def test_looks_lie_on_the_scan_grid_inside_the_flight(
    europe_2011: Scenario, raid: RaidFlight
) -> None:
    """Look times are scan_phase + j·revisit on the scenario clock, between launch and impact."""
    fl = raid.coarse
    for radar in compile_scenario(europe_2011).radars:
        looks = radar_looks(radar, fl, raid.rcs_m2, raid.launch_time_s, SCAN_PHASE_S)
        n, width = looks.t_s.shape
        assert n == len(fl) and looks.r_ecef_m.shape == (n, width, 3)
        filled = np.arange(width)[None, :] < looks.count[:, None]
        assert np.array_equal(np.isfinite(looks.t_s), filled), radar.name
        assert np.array_equal(np.isfinite(looks.r_ecef_m[..., 0]), filled)
        t = np.where(filled, looks.t_s, 0.0)
        j = (t + raid.launch_time_s[:, None] - SCAN_PHASE_S) / radar.revisit_s
        assert np.all(np.abs(j - np.round(j))[filled] < GRID_TOL), radar.name
        assert np.all(np.diff(t, axis=1)[filled[:, 1:]] > 0.0)
        assert np.all(t[filled] >= 0.0)
        assert np.all((t <= fl.t_impact_s[:, None])[filled])
        first = looks.first_s()
        assert np.array_equal(np.isnan(first), looks.count == 0)


def test_look_states_are_the_true_states(europe_2011: Scenario, raid: RaidFlight) -> None:
    """Interpolated look states match the same flight sampled at 0.1 s (< 5 m)."""
    fine = raid.fine
    assert fine.samples is not None
    worst_r = worst_v = 0.0
    checked = 0
    for radar in compile_scenario(europe_2011).radars:
        looks = radar_looks(radar, raid.coarse, raid.rcs_m2, raid.launch_time_s, SCAN_PHASE_S)
        i, j = np.nonzero(np.isfinite(looks.t_s))
        t = looks.t_s[i, j]
        k = np.round(t / 0.1).astype(int)
        assert np.all(np.abs(k * 0.1 - t) < 1e-9)
        inside = k < fine.samples.shape[1]
        truth = fine.samples[i[inside], k[inside]]
        ok = np.isfinite(truth[:, 0])  # the last look may fall after the last 0.1 s sample
        dr = np.linalg.norm(looks.r_ecef_m[i, j][inside][ok] - truth[ok, :3], axis=-1)
        dv = np.linalg.norm(looks.v_ecef_mps[i, j][inside][ok] - truth[ok, 3:], axis=-1)
        worst_r = max(worst_r, float(dr.max(initial=0.0)))
        worst_v = max(worst_v, float(dv.max(initial=0.0)))
        checked += int(ok.sum())
    assert checked > 1000
    assert worst_r < LOOK_POSITION_TOL_M, worst_r
    assert worst_v < LOOK_VELOCITY_TOL_MPS, worst_v


def brute_force_looks(
    radar: Radar, fl: Flyouts, rcs_m2: float, launch_s: np.ndarray, phase_s: float
) -> list[list[tuple[float, np.ndarray]]]:
    """Scan by scan, threat by threat, with scipy's Hermite spline through the samples."""
    assert fl.samples is not None and fl.sample_dt_s is not None
    out = []
    for i in range(len(fl)):
        valid = np.isfinite(fl.samples[i, :, 0])
        t_nodes = np.flatnonzero(valid) * fl.sample_dt_s
        states = fl.samples[i, valid]
        if fl.t_impact_s[i] > t_nodes[-1]:
            t_nodes = np.append(t_nodes, fl.t_impact_s[i])
            impact = np.concatenate([fl.impact_r_m[i], fl.impact_v_mps[i]])
            states = np.vstack([states, impact])
        spline = CubicHermiteSpline(t_nodes, states[:, :3], states[:, 3:], axis=0)
        seen = []
        j = math.floor((launch_s[i] - phase_s) / radar.revisit_s)
        while True:
            t = phase_s + j * radar.revisit_s - launch_s[i]
            j += 1
            if t < 0.0:
                continue
            if t > t_nodes[-1]:
                break
            r = spline(t)
            if radar.visible(r, rcs_m2):
                seen.append((t, r))
        out.append(seen)
    return out


def test_looks_match_a_brute_force_loop(europe_2011: Scenario, raid: RaidFlight) -> None:
    """The vectorised looks equal a Python loop over threats and scans, scan for scan."""
    for name in ("tpy-2-kurecik", "voronezh-armavir", "daryal-gabala"):
        radar = compile_radar(
            europe_2011.sensor(name), europe_2011.site(europe_2011.sensor(name).site)
        )
        looks = radar_looks(radar, raid.coarse, raid.rcs_m2, raid.launch_time_s, SCAN_PHASE_S)
        brute = brute_force_looks(radar, raid.coarse, raid.rcs_m2, raid.launch_time_s, SCAN_PHASE_S)
        for i, seen in enumerate(brute):
            assert looks.count[i] == len(seen), (name, i)
            if seen:
                t_ref = np.array([t for t, _ in seen])
                r_ref = np.array([r for _, r in seen])
                assert np.allclose(looks.t_s[i, : len(seen)], t_ref, rtol=0, atol=1e-9)
                dr = np.abs(looks.r_ecef_m[i, : len(seen)] - r_ref).max()
                assert dr < BRUTE_POSITION_TOL_M, (name, i, dr)


def test_looks_do_not_depend_on_the_block_size(
    europe_2011: Scenario, raid: RaidFlight, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cutting the batch into blocks of one threat gives the same bits."""
    radar = compile_scenario(europe_2011).radars[1]
    whole = radar_looks(radar, raid.coarse, raid.rcs_m2, raid.launch_time_s)
    monkeypatch.setattr(sensors_module, "_LOOK_BLOCK_POINTS", 1)
    cut = radar_looks(radar, raid.coarse, raid.rcs_m2, raid.launch_time_s)
    assert np.array_equal(whole.t_s, cut.t_s, equal_nan=True)
    assert np.array_equal(whole.r_ecef_m, cut.r_ecef_m, equal_nan=True)
    assert np.array_equal(whole.count, cut.count)


def test_a_radar_that_cannot_see_gives_no_looks(raid: RaidFlight) -> None:
    """A radar facing away from every threat has count 0 and first look NaN."""
    armavir = load_scenario("europe-2011").site("armavir")
    away = replace(
        equator_radar(0.0, range_max_m=3000e3),
        lat_rad=math.radians(armavir.lat_deg),
        lon_rad=math.radians(armavir.lon_deg),
        boresight_az_rad=0.0,  # north: the raid flies south of Armavir
        az_half_width_rad=math.radians(30.0),
    )
    looks = radar_looks(away, raid.coarse, raid.rcs_m2, raid.launch_time_s)
    assert looks.count.tolist() == [0] * len(raid.coarse)
    assert looks.t_s.shape == (len(raid.coarse), 0)
    assert np.all(np.isnan(looks.first_s()))


def test_armavir_and_kurecik_both_see_the_shahab_from_tabriz_by_burnout(
    europe_2011: Scenario, raid: RaidFlight
) -> None:
    """Both radars see a Shahab-3 from Tabriz by one revisit after burnout, where it is visible."""
    i = raid.ids.index("s3-ankara")  # Tabriz to Ankara
    fl = raid.coarse
    first = {}
    for name in ("voronezh-armavir", "tpy-2-kurecik", "daryal-gabala"):
        radar = compile_radar(
            europe_2011.sensor(name), europe_2011.site(europe_2011.sensor(name).site)
        )
        first[name] = float(radar_looks(radar, fl, raid.rcs_m2).first_s()[i])
        if name != "daryal-gabala":
            # Geometry: the burnout point is above both horizons and inside both sectors.
            assert radar.visible(fl.burnout_r_m[i], raid.rcs_m2), name
            assert first[name] <= fl.t_burnout_s[i] + radar.revisit_s, name
    message = (
        f"first looks after launch: Armavir {first['voronezh-armavir']:.0f} s, "
        f"Kürecik {first['tpy-2-kurecik']:.0f} s, Gabala {first['daryal-gabala']:.0f} s; "
        f"burnout {fl.t_burnout_s[i]:.1f} s"
    )
    assert all(np.isfinite(v) for v in first.values()), message
    assert first["voronezh-armavir"] > 0 and first["tpy-2-kurecik"] > 0, message


# --------------------------------------------------------------------------- measurements


def test_measure_noise_and_detection_statistics() -> None:
    """Errors have zero mean and the radar's sigmas, uncorrelated; detections occur at p_detect."""
    radar = equator_radar(0.0, sigma_range_m=25.0, sigma_az_rad=2e-3, sigma_el_rad=1e-3)
    truth = aer_to_ecef(math.radians(80.0), math.radians(20.0), 700e3, 0.0, 0.0, 0.0)
    n = 200_000
    z, detected = measure(radar, np.broadcast_to(truth, (n, 3)), np.random.default_rng(2011))
    assert z.shape == (n, 3) and detected.shape == (n,)
    az, el, rng_m = radar.aer(truth)
    err = z - np.array([rng_m, az, el])
    sigma = np.array([25.0, 2e-3, 1e-3])
    normed = err / sigma
    bound_mean = SIGMAS_BOUND / math.sqrt(n)
    assert np.all(np.abs(normed.mean(axis=0)) < bound_mean)
    bound_var = SIGMAS_BOUND * math.sqrt(2.0 / (n - 1))
    assert np.all(np.abs(normed.var(axis=0, ddof=1) - 1.0) < bound_var)
    corr = np.corrcoef(normed.T)
    assert np.all(np.abs(corr[np.triu_indices(3, 1)]) < bound_mean)
    # χ² with 3 degrees of freedom: mean 3, variance 6.
    chi2 = np.sum(normed**2, axis=1)
    assert abs(chi2.mean() - 3.0) < SIGMAS_BOUND * math.sqrt(6.0 / n)
    p = radar.p_detect
    assert abs(detected.mean() - p) < SIGMAS_BOUND * math.sqrt(p * (1 - p) / n)


def test_measure_is_reproducible_and_nan_is_not_detected() -> None:
    """The same seed gives the same draws; a NaN position gives NaN and no detection."""
    radar = equator_radar(0.0)
    truth = aer_to_ecef(np.radians([10.0, 200.0, 359.99]), 0.3, 500e3, 0.0, 0.0, 0.0)
    truth[1] = np.nan
    a = measure(radar, truth, np.random.default_rng(5))
    b = measure(radar, truth, np.random.default_rng(5))
    assert np.array_equal(a[0], b[0], equal_nan=True) and np.array_equal(a[1], b[1])
    assert np.all(np.isnan(a[0][1])) and not a[1][1]
    assert np.all((a[0][[0, 2], 1] >= 0.0) & (a[0][[0, 2], 1] < 2 * math.pi))


# --------------------------------------------------------------------------- space-based infrared


def test_space_ir_cue_is_first_boost_sample_above_the_clouds_plus_delay(
    raid: RaidFlight,
) -> None:
    """The cue is the first boost sample at or above min_altitude, plus the delay, exactly."""
    fl = raid.fine
    assert fl.samples is not None and fl.sample_phase is not None and fl.sample_dt_s
    for sensor in (
        SpaceIR("sbirs", "NATO", delay_s=30.0),
        SpaceIR("oko", "Russia", delay_s=12.5, min_altitude_m=40e3),
        SpaceIR("never", "Russia", delay_s=0.0, min_altitude_m=500e3),
    ):
        cues = space_ir_cues(sensor, fl)
        for i in range(len(fl)):
            expected = math.nan
            for k in range(fl.samples.shape[1]):
                if fl.sample_phase[i, k] != PHASE_BOOST:
                    continue
                alt = float(ecef_to_geodetic(fl.samples[i, k, :3])[2])
                if alt >= sensor.min_altitude_m:
                    expected = k * fl.sample_dt_s + sensor.delay_s
                    break
            assert cues[i] == expected or (math.isnan(expected) and math.isnan(cues[i]))
        if sensor.name == "never":
            assert np.all(np.isnan(cues))
        else:
            assert np.all(cues - sensor.delay_s < fl.t_burnout_s)


# --------------------------------------------------------------------------- invariants


@settings(max_examples=60, deadline=None)
@given(
    boresight_deg=st.floats(0.0, 360.0, exclude_max=True),
    half_width_deg=st.floats(1.0, 179.0),
    az_deg=st.floats(0.0, 360.0, exclude_max=True),
)
def test_azimuth_window_membership_wraps(
    boresight_deg: float, half_width_deg: float, az_deg: float
) -> None:
    """A target is in the sector iff its azimuth, wrapped about the boresight, is within it."""
    off = (az_deg - boresight_deg + 180.0) % 360.0 - 180.0
    assume(abs(abs(off) - half_width_deg) > 1e-6)
    radar = equator_radar(
        0.0,
        "none",
        boresight_az_rad=math.radians(boresight_deg),
        az_half_width_rad=math.radians(half_width_deg),
    )
    target = aer_to_ecef(math.radians(az_deg), math.radians(25.0), 400e3, 0.0, 0.0, 0.0)
    assert bool(radar.visible(target, 1.0)) is (abs(off) <= half_width_deg)


def around(radar: Radar, az: float, el: float, rng_m: float) -> np.ndarray:
    """A target at geometric az, el, range from the radar and 26 neighbours 10⁻⁶ away."""
    d = np.array([-1e-6, 0.0, 1e-6])
    da, de, dr = (x.ravel() for x in np.meshgrid(d, d, d))
    return aer_to_ecef(
        az + da, el + de, rng_m * (1 + dr), radar.lat_rad, radar.lon_rad, radar.alt_m
    )


def rotate_z(r: np.ndarray, angle_rad: float) -> np.ndarray:
    """Turn ECEF points about the Earth's axis."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return np.stack([c * r[..., 0] - s * r[..., 1], s * r[..., 0] + c * r[..., 1], r[..., 2]], -1)


@settings(max_examples=40, deadline=None)
@given(
    lat_deg=st.floats(-80.0, 80.0),
    lon_deg=st.floats(-180.0, 180.0),
    alt_m=st.floats(0.0, 3000.0),
    az_deg=st.floats(0.0, 360.0),
    el_deg=st.floats(-3.0, 70.0),
    range_km=st.floats(20.0, 3000.0),
    shift_deg=st.floats(-360.0, 360.0),
    refraction=st.sampled_from(["4/3", "none"]),
)
def test_visibility_is_invariant_under_a_rotation_in_longitude(
    lat_deg: float,
    lon_deg: float,
    alt_m: float,
    az_deg: float,
    el_deg: float,
    range_km: float,
    shift_deg: float,
    refraction: str,
) -> None:
    """Turning radar and target together about the Earth's axis changes nothing seen."""
    base = equator_radar(
        alt_m,
        refraction,
        lat_rad=math.radians(lat_deg),
        lon_rad=math.radians(lon_deg),
        boresight_az_rad=math.radians(120.0),
        az_half_width_rad=math.radians(70.0),
        el_min_rad=math.radians(1.0),
        el_max_rad=math.radians(60.0),
        range_min_m=50e3,
        range_max_m=2500e3,
    )
    shift = math.radians(shift_deg)
    shifted = replace(base, lon_rad=base.lon_rad + shift)
    targets = around(base, math.radians(az_deg), math.radians(el_deg), range_km * 1e3)
    seen = base.visible(targets, 1.0)
    # Only points that are not within 10⁻⁶ of an edge: rounding may flip those.
    assume(bool(seen.all()) or not seen.any())
    assert np.array_equal(shifted.visible(rotate_z(targets, shift), 1.0), seen)
