"""Geometry samples of a raid: launch points uniform in their areas, times in their jitter."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from jointshield.errors import JointshieldError
from jointshield.flight.raid import RaidPlan, Threat, fly_raid, sample_plans
from jointshield.physics.geo import (
    MEAN_EARTH_RADIUS_M,
    great_circle_azimuth_rad,
    great_circle_distance_m,
)
from jointshield.scenario import load_scenario
from missiles import TWO_STAGE
from theatres import theatre

DRAWS = 4000
# A fixed seed: the goodness-of-fit tests are deterministic, and pass with room to spare.
SEED = 20240611
P_MIN = 1e-3


def _threat(lat_deg: float, lon_deg: float, **extra: float) -> Threat:
    return Threat(
        id="t",
        missile=TWO_STAGE,
        rcs_m2=0.1,
        launch_area="area",
        target="city",
        target_owner="NATO",
        launch_lat_rad=math.radians(lat_deg),
        launch_lon_rad=math.radians(lon_deg),
        target_lat_rad=math.radians(44.0),
        target_lon_rad=math.radians(26.0),
        **{"launch_time_s": 60.0, **extra},
    )


def _launch_points(th: Threat, k: int = DRAWS) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and azimuth (rad) from the area's centre of ``k`` sampled launch points."""
    plans = sample_plans(RaidPlan("r", (th,)), k, SEED)
    lat = np.array([p.threats[0].launch_lat_rad for p in plans])
    lon = np.array([p.threats[0].launch_lon_rad for p in plans])
    r = great_circle_distance_m(th.launch_lat_rad, th.launch_lon_rad, lat, lon)
    az = great_circle_azimuth_rad(th.launch_lat_rad, th.launch_lon_rad, lat, lon)
    return r, az


@pytest.mark.parametrize(
    ("lat_deg", "lon_deg"), [(35.6, 53.4), (-60.0, 179.9), (0.0, -20.0)], ids=str
)
def test_launch_points_are_uniform_by_area_in_a_small_launch_circle(
    lat_deg: float, lon_deg: float
) -> None:
    """In a 50 km area: (r/R)² ~ U(0, 1) and the azimuth ~ U(0, 2π) (Kolmogorov–Smirnov)."""
    radius = 50e3
    r, az = _launch_points(_threat(lat_deg, lon_deg, launch_radius_m=radius))
    assert np.all(r <= radius * (1 + 1e-9))
    assert stats.kstest((r / radius) ** 2, "uniform").pvalue > P_MIN
    assert stats.kstest(az, "uniform", args=(0.0, 2 * math.pi)).pvalue > P_MIN
    # The same test refuses a law that is uniform in r instead of by area.
    assert stats.kstest(r / radius, "uniform").pvalue < 1e-6


def test_launch_points_fill_a_large_spherical_cap_by_its_exact_area() -> None:
    """A 2,000 km area: the cap within δ has area ∝ 1 - cos δ, so (1 - cos δ)/(1 - cos α) ~ U."""
    radius = 2_000e3
    r, az = _launch_points(_threat(70.0, 40.0, launch_radius_m=radius))
    delta, alpha = r / MEAN_EARTH_RADIUS_M, radius / MEAN_EARTH_RADIUS_M
    assert np.all(delta <= alpha * (1 + 1e-9))
    fraction = (1 - np.cos(delta)) / (1 - np.cos(alpha))
    assert stats.kstest(fraction, "uniform").pvalue > P_MIN
    assert stats.kstest(az, "uniform", args=(0.0, 2 * math.pi)).pvalue > P_MIN


def test_launch_points_near_a_pole_stay_in_the_circle() -> None:
    """Around a centre 10 km from the pole the points still lie within the radius, by area."""
    radius = 50e3
    r, _ = _launch_points(_threat(89.91, 0.0, launch_radius_m=radius))
    assert np.all(r <= radius * (1 + 1e-9))
    assert stats.kstest((r / radius) ** 2, "uniform").pvalue > P_MIN


def test_launch_time_is_uniform_in_its_jitter_interval() -> None:
    """The launch time falls uniformly in [t - j, t + j]; with no radius the point stays put."""
    jitter = 45.0
    th = _threat(35.6, 53.4, launch_time_s=30.0, launch_time_jitter_s=jitter)
    plans = sample_plans(RaidPlan("r", (th,)), DRAWS, SEED)
    offset = np.array([p.threats[0].launch_time_s for p in plans]) - th.launch_time_s
    assert np.all(np.abs(offset) <= jitter)
    assert offset.min() < 0.0  # may launch before the nominal time (here: before the raid's 0)
    assert stats.kstest((offset + jitter) / (2 * jitter), "uniform").pvalue > P_MIN
    lat = np.array([p.threats[0].launch_lat_rad for p in plans])
    np.testing.assert_allclose(lat, th.launch_lat_rad, rtol=0, atol=1e-15)


def test_one_sample_is_the_nominal_plan_and_more_are_deterministic() -> None:
    """K = 1 is the plan itself; K > 1 is the same for the same seed and differs for another."""
    th = _threat(35.6, 53.4, launch_radius_m=50e3, launch_time_jitter_s=30.0)
    salvo = dataclasses.replace(th, id="salvo", count=3)
    plan = RaidPlan("r", (th, salvo))
    assert sample_plans(plan, 1, SEED) == (plan,)
    assert sample_plans(plan, 1, SEED)[0] is plan
    drawn = sample_plans(plan, 5, SEED)
    assert drawn == sample_plans(plan, 5, SEED)
    assert drawn != sample_plans(plan, 5, SEED + 1)
    assert len(drawn) == 5 and len(set(drawn)) == 5
    for p in drawn:
        assert p.name == plan.name
        # A salvo stays one threat: its count missiles share one launch point and time.
        assert [t.id for t in p.threats] == ["t", "salvo"]
        assert p.threats[1].count == 3
        # Only the launch point and time are drawn.
        for got, nominal in zip(p.threats, plan.threats, strict=True):
            assert (
                dataclasses.replace(
                    got,
                    launch_lat_rad=nominal.launch_lat_rad,
                    launch_lon_rad=nominal.launch_lon_rad,
                    launch_time_s=nominal.launch_time_s,
                )
                == nominal
            )


def test_one_threats_spread_does_not_move_anothers_draws() -> None:
    """Each threat takes its draws whether it has a spread or not (positions in the raid)."""
    a = _threat(35.6, 53.4, launch_radius_m=50e3)
    b = dataclasses.replace(a, id="b")
    still = sample_plans(RaidPlan("r", (dataclasses.replace(a, launch_radius_m=0.0), b)), 4, SEED)
    moving = sample_plans(RaidPlan("r", (a, b)), 4, SEED)
    assert [p.threats[1] for p in still] == [p.threats[1] for p in moving]


@pytest.mark.parametrize("k", [0, -3, 2.5, True])
def test_fewer_than_one_sample_is_refused(k: object) -> None:
    """A number of samples that is not a whole number of at least 1 is refused."""
    plan = RaidPlan("r", (_threat(35.6, 53.4),))
    with pytest.raises(JointshieldError, match="at least 1"):
        sample_plans(plan, k, SEED)


@pytest.mark.parametrize(
    "extra",
    [
        {"launch_radius_m": -1.0},
        {"launch_radius_m": math.inf},
        {"launch_time_jitter_s": -0.5},
        {"launch_time_jitter_s": math.nan},
    ],
)
def test_a_negative_or_infinite_spread_is_refused(extra: dict[str, float]) -> None:
    """A threat's launch radius and time jitter are finite and at least 0."""
    with pytest.raises(JointshieldError, match="at least 0"):
        _threat(35.6, 53.4, **extra)


def test_the_compiled_threat_carries_its_areas_radius_and_its_jitter() -> None:
    """``launch_areas[].radius_km`` and ``launch_time_jitter_s`` reach the compiled threat."""
    sc = load_scenario("europe-2011")
    raid = sc.raid()
    first = raid.threats[0].model_copy(update={"launch_time_jitter_s": 20.0})
    changed = sc.model_copy(
        update={"raids": (raid.model_copy(update={"threats": (first, *raid.threats[1:])}),)}
    )
    plan = theatre(changed).raid()
    radius = {a.name: a.radius_km * 1e3 for a in sc.launch_areas}
    assert [t.launch_radius_m for t in plan.threats] == [
        radius[t.launch_area] for t in raid.threats
    ]
    assert [t.launch_time_jitter_s for t in plan.threats] == [20.0] + [0.0] * (
        len(raid.threats) - 1
    )


def test_plans_flown_together_split_into_each_plans_own_flights() -> None:
    """Flying the samples as one batch and splitting gives each sample's flights alone."""
    plan = theatre("europe-2011").raid()
    plans = sample_plans(plan, 2, SEED)
    joined = RaidPlan(plan.name, plans[0].threats + plans[1].threats)
    parts = fly_raid(joined).split(2)
    alone = fly_raid(plans[1])
    got = parts[1]
    assert got.threat_id == alone.threat_id and got.raid == alone.raid
    np.testing.assert_array_equal(got.launch_time_s, alone.launch_time_s)
    assert got.flyouts.samples is not None and alone.flyouts.samples is not None
    assert got.flyouts.samples.shape == alone.flyouts.samples.shape
    np.testing.assert_allclose(got.flyouts.samples, alone.flyouts.samples, rtol=0, atol=1e-6)
    np.testing.assert_allclose(got.miss_m, alone.miss_m, rtol=0, atol=1e-6)
    with pytest.raises(JointshieldError, match="equal runs"):
        fly_raid(plan).split(4)
