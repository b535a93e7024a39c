"""Aiming: impact on the target in every mode, trajectory shapes, reach and Earth rotation."""

from __future__ import annotations

import re

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic

from jointshield.errors import OutOfReachError
from jointshield.flight import FIXED_WGS84, fly_powered
from jointshield.flight.aim import (
    AimSolution,
    aim,
    max_range_m,
    max_range_on_bearing,
    range_table,
)
from jointshield.flight.flyout import STATUS_IMPACT
from missiles import TWO_STAGE

AIM_TOL_M = 1.0  # aim's default miss tolerance, m
APOGEE_TOL_M = 10.0  # apogee-height tolerance of the apogee mode, m
PITCH_STEP_RAD = np.radians(2.0)  # neighbouring pitches of the minimum-energy check, rad
REACH_REL_TOL = 0.03  # reported maximum range against max_range_on_bearing, relative
EARLY_CUTOFF_FRACTION = 0.95  # a target well short of maximum range cuts thrust before this


# Launch points, bearings (deg) and ranges (km) of a batch: every quadrant, both hemispheres.
BATCH_LAT_DEG = (35.0, 10.0, -20.0, 50.0, 0.0)
BATCH_LON_DEG = (50.0, 20.0, -40.0, 0.0, 100.0)
BATCH_AZ_DEG = (300.0, 45.0, 170.0, 95.0, 260.0)
BATCH_RANGE_KM = (600.0, 950.0, 1300.0, 1650.0, 1900.0)
BATCH_APOGEE_KM = (250.0, 300.0, 400.0, 450.0, 500.0)  # between depressed and lofted
# A full burn on the depressed branch reaches only the last few hundred km below the maximum.
DEPRESSED_LAT_DEG = (40.0, 40.0, 40.0, 40.0, 10.0)
DEPRESSED_LON_DEG = (45.0, 45.0, 45.0, 45.0, 0.0)
DEPRESSED_AZ_DEG = (0.0, 90.0, 180.0, 270.0, 300.0)
DEPRESSED_RANGE_KM = (2100.0, 2150.0, 2100.0, 2100.0, 2120.0)


def _targets(
    lat_deg: tuple[float, ...],
    lon_deg: tuple[float, ...],
    az_deg: tuple[float, ...],
    range_km: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """Target latitudes and longitudes (deg) at the given geodesic ranges and bearings."""
    out = [
        Geodesic.WGS84.Direct(la, lo, az, rk * 1e3)
        for la, lo, az, rk in zip(lat_deg, lon_deg, az_deg, range_km, strict=True)
    ]
    return np.array([d["lat2"] for d in out]), np.array([d["lon2"] for d in out])


def _aim_deg(
    lat0: tuple[float, ...] | np.ndarray,
    lon0: tuple[float, ...] | np.ndarray,
    lat1: np.ndarray,
    lon1: np.ndarray,
    **kwargs: object,
) -> AimSolution:
    return aim(
        TWO_STAGE,
        np.radians(lat0),
        np.radians(lon0),
        np.radians(lat1),
        np.radians(lon1),
        **kwargs,  # type: ignore[arg-type]
    )


def _geodesic_miss_m(sol: AimSolution, lat1: np.ndarray, lon1: np.ndarray) -> np.ndarray:
    """Distance from each impact point to its target on the WGS-84 ellipsoid (geographiclib), m."""
    lat_i = np.degrees(sol.flyouts.impact_lat_rad)
    lon_i = np.degrees(sol.flyouts.impact_lon_rad)
    return np.array(
        [
            Geodesic.WGS84.Inverse(a, b, c, d)["s12"]
            for a, b, c, d in zip(lat1, lon1, lat_i, lon_i, strict=True)
        ]
    )


@pytest.fixture(scope="module")
def apogee_shot() -> tuple[AimSolution, np.ndarray, np.ndarray]:
    lat1, lon1 = _targets(BATCH_LAT_DEG, BATCH_LON_DEG, BATCH_AZ_DEG, BATCH_RANGE_KM)
    sol = _aim_deg(
        BATCH_LAT_DEG,
        BATCH_LON_DEG,
        lat1,
        lon1,
        mode="apogee",
        apogee_m=np.array(BATCH_APOGEE_KM) * 1e3,
    )
    return sol, lat1, lon1


@pytest.mark.parametrize("mode", ["min-energy", "lofted", "depressed", "apogee"])
def test_aim_puts_every_impact_within_tolerance_of_its_target(
    mode: str, apogee_shot: tuple[AimSolution, np.ndarray, np.ndarray]
) -> None:
    """In every mode, a batch of shots at many bearings lands within 1 m of each target."""
    if mode == "apogee":
        sol, lat1, lon1 = apogee_shot
    elif mode == "depressed":
        lat0, lon0 = DEPRESSED_LAT_DEG, DEPRESSED_LON_DEG
        lat1, lon1 = _targets(lat0, lon0, DEPRESSED_AZ_DEG, DEPRESSED_RANGE_KM)
        sol = _aim_deg(lat0, lon0, lat1, lon1, mode=mode)
    else:
        lat1, lon1 = _targets(BATCH_LAT_DEG, BATCH_LON_DEG, BATCH_AZ_DEG, BATCH_RANGE_KM)
        sol = _aim_deg(BATCH_LAT_DEG, BATCH_LON_DEG, lat1, lon1, mode=mode)
    assert np.all(sol.flyouts.status == STATUS_IMPACT)
    assert np.all(sol.miss_m <= AIM_TOL_M)
    miss = _geodesic_miss_m(sol, lat1, lon1)
    assert np.all(miss < AIM_TOL_M), miss


def test_apogee_mode_hits_the_requested_apogee(
    apogee_shot: tuple[AimSolution, np.ndarray, np.ndarray],
) -> None:
    """The apogee mode flies each missile to its requested apogee height within 10 m."""
    sol, _, _ = apogee_shot
    requested = np.array(BATCH_APOGEE_KM) * 1e3
    np.testing.assert_allclose(sol.flyouts.apogee_alt_m, requested, rtol=0.0, atol=APOGEE_TOL_M)


def test_shapes_are_ordered_at_the_same_range() -> None:
    """At one range, lofted flies higher and longer than min-energy, which beats depressed."""
    lat0, lon0 = (38.0,), (46.0,)
    lat1, lon1 = _targets(lat0, lon0, (280.0,), (2150.0,))
    sols = {
        m: _aim_deg(lat0, lon0, lat1, lon1, mode=m) for m in ("lofted", "min-energy", "depressed")
    }
    apo = {m: float(s.flyouts.apogee_alt_m[0]) for m, s in sols.items()}
    tof = {m: float(s.flyouts.t_impact_s[0]) for m, s in sols.items()}
    assert apo["lofted"] > apo["min-energy"] > apo["depressed"], apo
    assert tof["lofted"] > tof["min-energy"] > tof["depressed"], tof
    # Lofted and depressed shots use the whole burn.
    assert sols["lofted"].cutoff_s[0] == TWO_STAGE.total_burn_s
    assert sols["depressed"].cutoff_s[0] == TWO_STAGE.total_burn_s
    assert sols["min-energy"].cutoff_s[0] <= TWO_STAGE.total_burn_s


def test_min_energy_cuts_thrust_early_well_short_of_maximum_range() -> None:
    """Well short of maximum range, min-energy cuts thrust early while lofted burns to the end."""
    lat0, lon0 = (38.0,), (46.0,)
    lat1, lon1 = _targets(lat0, lon0, (280.0,), (1200.0,))
    assert 0.6 * max_range_m(TWO_STAGE) > 1200e3
    min_energy = _aim_deg(lat0, lon0, lat1, lon1, mode="min-energy")
    lofted = _aim_deg(lat0, lon0, lat1, lon1, mode="lofted")
    assert min_energy.cutoff_s[0] < EARLY_CUTOFF_FRACTION * TWO_STAGE.total_burn_s
    assert lofted.cutoff_s[0] == TWO_STAGE.total_burn_s


def test_range_table_best_pitch_maximises_range_at_each_cutoff() -> None:
    """At each tabulated cut-off, pitches 2° either side of the best pitch fly shorter."""
    table = range_table(TWO_STAGE)
    n = table.cutoff_s.size
    pitch = np.concatenate(
        [
            table.best_pitch_rad - PITCH_STEP_RAD,
            table.best_pitch_rad,
            table.best_pitch_rad + PITCH_STEP_RAD,
        ]
    )
    cutoff = np.tile(table.cutoff_s, 3)
    # The table is flown on a fixed WGS-84 Earth from the equator toward the north.
    fl = fly_powered(TWO_STAGE, 0.0, 0.0, 0.0, pitch, cutoff, earth=FIXED_WGS84)
    assert np.all(fl.status == STATUS_IMPACT)
    lower, best, upper = fl.ground_range_m.reshape(3, n)
    worse = (lower > best) | (upper > best)
    bad = [
        f"cutoff {c:.1f} s, pitch {np.degrees(p):.2f}°: "
        f"{lo / 1e3:.1f} | {b / 1e3:.1f} | {up / 1e3:.1f} km (-2° | best | +2°)"
        for c, p, lo, b, up, w in zip(
            table.cutoff_s, table.best_pitch_rad, lower, best, upper, worse, strict=True
        )
        if w
    ]
    assert not bad, "a neighbouring pitch flies farther than the best pitch:\n" + "\n".join(bad)


def test_range_table_best_range_is_flown_at_its_best_pitch() -> None:
    """The tabulated best range of each cut-off is the range flown at the tabulated best pitch."""
    table = range_table(TWO_STAGE)
    fl = fly_powered(
        TWO_STAGE, 0.0, 0.0, 0.0, table.best_pitch_rad, table.cutoff_s, earth=FIXED_WGS84
    )
    np.testing.assert_allclose(table.best_range_m, fl.ground_range_m, rtol=5e-3)


def test_out_of_reach_target_reports_consistent_maximum_range() -> None:
    """Beyond reach, OutOfReachError states a maximum range that matches the bearing's."""
    lat0, lon0, az = (35.0,), (50.0,), (300.0,)
    lat1, lon1 = _targets(lat0, lon0, az, (2800.0,))
    with pytest.raises(OutOfReachError) as info:
        _aim_deg(lat0, lon0, lat1, lon1)
    message = str(info.value)
    found = re.search(r"maximum range[^0-9]*([0-9][0-9,]*(?:\.[0-9]+)?) km", message)
    assert found, message
    stated_km = float(found.group(1).replace(",", ""))
    reach_m = max_range_on_bearing(
        TWO_STAGE, np.radians(lat0[0]), np.radians(lon0[0]), np.radians(az[0])
    )
    assert stated_km * 1e3 == pytest.approx(reach_m, rel=REACH_REL_TOL)
    assert stated_km * 1e3 < 2800e3


def test_earth_rotation_lengthens_eastward_reach() -> None:
    """From the equator, the reach eastward exceeds the fixed-Earth one, which exceeds westward."""
    east = max_range_on_bearing(TWO_STAGE, 0.0, 0.0, np.radians(90.0))
    west = max_range_on_bearing(TWO_STAGE, 0.0, 0.0, np.radians(270.0))
    fixed = max_range_on_bearing(TWO_STAGE, 0.0, 0.0, np.radians(90.0), earth=FIXED_WGS84)
    assert east > fixed > west


@pytest.mark.parametrize(
    ("mode", "lat_deg", "lon_deg", "az_deg", "pitch_deg", "cutoff_s"),
    [
        # Eastward from the equator, just beyond the fixed-Earth maximum range.
        ("min-energy", 0.0, 0.0, 90.0, None, 99.5),
        # A high apogee at long range: cut-off a fraction of a second before burnout.
        ("apogee", 38.0, 46.0, 280.0, 38.5, 99.7),
    ],
    ids=["min-energy-east", "apogee-high"],
)
def test_aim_hits_a_target_whose_cutoff_lies_just_short_of_full_burn(
    mode: str,
    lat_deg: float,
    lon_deg: float,
    az_deg: float,
    pitch_deg: float | None,
    cutoff_s: float,
) -> None:
    """A target reachable by construction is hit when its cut-off lies just before burnout."""
    lat0, lon0 = np.radians(lat_deg), np.radians(lon_deg)
    if pitch_deg is None:
        # Minimum energy: the table's best pitch for this cut-off.
        table = range_table(TWO_STAGE)
        pitch = float(np.interp(cutoff_s, table.cutoff_s, table.best_pitch_rad))
    else:
        pitch = float(np.radians(pitch_deg))
    ref = fly_powered(TWO_STAGE, lat0, lon0, np.radians(az_deg), pitch, cutoff_s)
    assert ref.status[0] == STATUS_IMPACT
    if mode == "min-energy":
        assert ref.ground_range_m[0] > max_range_m(TWO_STAGE)
    extra = {"apogee_m": ref.apogee_alt_m} if mode == "apogee" else {}
    sol = aim(
        TWO_STAGE,
        lat0,
        lon0,
        ref.impact_lat_rad,
        ref.impact_lon_rad,
        mode=mode,
        **extra,  # type: ignore[arg-type]
    )
    miss = _geodesic_miss_m(sol, np.degrees(ref.impact_lat_rad), np.degrees(ref.impact_lon_rad))
    assert miss[0] < AIM_TOL_M
    if mode == "apogee":
        assert abs(sol.flyouts.apogee_alt_m[0] - ref.apogee_alt_m[0]) <= APOGEE_TOL_M
