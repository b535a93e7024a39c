"""Reference tests of the flight engine: closed forms, conservation laws, a peer integrator."""

from __future__ import annotations

import numpy as np
import pytest

from jointshield.errors import UnknownNameError
from jointshield.flight import (
    FIXED_SPHERE,
    FIXED_WGS84,
    ROTATING_WGS84,
    Accuracy,
    Earth,
    fly_free,
    fly_powered,
)
from jointshield.flight.earth import EARTHS, earth_named
from jointshield.flight.flyout import PHASE_BOOST, PHASE_REENTRY, STATUS_IMPACT
from jointshield.physics.ballistics import (
    apogee_radius_m,
    free_flight_range_angle_rad,
    free_flight_time_s,
)
from jointshield.physics.geo import MU_EARTH_M3_S2, SPHERE, ecef_to_geodetic
from jointshield.vocabulary import EARTH_MODELS
from missiles import TWO_STAGE
from reference_flight import fly_reference

REL_0_1_PERCENT = 1e-3
IMPACT_TOL_M = 100.0


@pytest.mark.parametrize("speed_kms", [2.0, 3.5, 5.0, 6.5])
@pytest.mark.parametrize("gamma_deg", [20.0, 35.0, 50.0, 70.0])
def test_free_flight_matches_bate_mueller_white(speed_kms: float, gamma_deg: float) -> None:
    """On a fixed spherical Earth without drag, range, time and apogee match BMW ch. 6 to 0.1 %."""
    alt0 = 100e3
    fl = fly_free(
        0.3,
        0.2,
        1.0,
        speed_kms * 1e3,
        np.radians(gamma_deg),
        alt_m=alt0,
        impact_alt_m=alt0,
        earth=FIXED_SPHERE,
    )
    r0 = SPHERE.a_m + alt0
    psi = free_flight_range_angle_rad(speed_kms * 1e3, np.radians(gamma_deg), r0)
    assert fl.status[0] == STATUS_IMPACT
    # Ground range on the sphere's surface is the range angle times its radius.
    assert fl.ground_range_m[0] == pytest.approx(psi * SPHERE.a_m, rel=REL_0_1_PERCENT)
    assert fl.t_impact_s[0] == pytest.approx(
        free_flight_time_s(speed_kms * 1e3, np.radians(gamma_deg), r0), rel=REL_0_1_PERCENT
    )
    assert fl.apogee_alt_m[0] + SPHERE.a_m == pytest.approx(
        apogee_radius_m(speed_kms * 1e3, np.radians(gamma_deg), r0), rel=1e-6
    )


def test_free_flight_conserves_energy_and_angular_momentum() -> None:
    """In vacuum on a fixed Earth the sampled states keep v²/2 - μ/r and r × v to 1e-9."""
    fl = fly_free(
        0.5, 0.5, 0.7, 4000.0, np.radians(40.0), alt_m=80e3, earth=FIXED_WGS84, sample_dt_s=5.0
    )
    keep = fl.sample_phase[0] >= 0
    r, v = fl.samples[0, keep, :3], fl.samples[0, keep, 3:]
    energy = 0.5 * np.sum(v * v, 1) - MU_EARTH_M3_S2 / np.linalg.norm(r, axis=1)
    h = np.cross(r, v)
    assert np.ptp(energy) / abs(energy[0]) < 1e-9
    assert np.max(np.linalg.norm(h - h[0], axis=1)) / np.linalg.norm(h[0]) < 1e-9


def test_rotating_earth_equatorial_flight_matches_closed_form() -> None:
    """Along the equator, the impact longitude is launch ± ψ - ωt with the inertial ψ and t."""
    earth = Earth(ellipsoid=SPHERE)
    speed, gamma = 3000.0, np.radians(40.0)
    omega_r = earth.omega_rad_s * SPHERE.a_m
    for az_deg, sign in ((90.0, 1.0), (270.0, -1.0)):
        fl = fly_free(0.0, 0.0, np.radians(az_deg), speed, gamma, earth=earth)
        # Inertial burnout velocity: horizontal part gains (east) or loses (west) ωR.
        vh, vv = speed * np.cos(gamma) + sign * omega_r, speed * np.sin(gamma)
        v_in, g_in = np.hypot(vh, vv), np.arctan2(vv, abs(vh))
        psi = free_flight_range_angle_rad(v_in, g_in, SPHERE.a_m)
        t_f = free_flight_time_s(v_in, g_in, SPHERE.a_m)
        expected_lon = sign * psi - earth.omega_rad_s * t_f
        assert fl.impact_lon_rad[0] == pytest.approx(expected_lon, abs=1e-6)
        assert fl.t_impact_s[0] == pytest.approx(t_f, rel=1e-6)


def test_rotation_lengthens_eastward_and_shortens_westward_range() -> None:
    """The same missile flies farther east than west from the equator (the Earth's spin)."""
    fl = fly_powered(TWO_STAGE, 0.0, 0.0, np.radians([90.0, 270.0]), np.radians(30.0))
    east, west = fl.ground_range_m
    assert east > west * 1.02


@pytest.mark.parametrize(
    ("earth", "drag"),
    [(ROTATING_WGS84, True), (FIXED_WGS84, False), (ROTATING_WGS84.with_j2(), True)],
    ids=["rotating-drag", "fixed-vacuum", "rotating-drag-j2"],
)
def test_powered_flight_matches_solve_ivp(earth: Earth, drag: bool) -> None:
    """A powered flyout lands within 100 m of scipy's DOP853 at rtol 1e-11 in another frame."""
    lat, lon, az, pitch = 35.2, 53.9, 305.0, 32.0
    fl = fly_powered(
        TWO_STAGE,
        np.radians(lat),
        np.radians(lon),
        np.radians(az),
        np.radians(pitch),
        earth=earth,
        drag=drag,
    )
    ref = fly_reference(TWO_STAGE, lat, lon, az, pitch, earth=earth, drag=drag)
    assert np.linalg.norm(fl.impact_r_m[0] - ref["impact_r_m"]) < IMPACT_TOL_M
    assert fl.t_impact_s[0] == pytest.approx(ref["t_impact_s"], abs=0.2)
    assert fl.apogee_alt_m[0] == pytest.approx(ref["apogee_alt_m"], abs=50.0)


def test_thrust_cutoff_matches_solve_ivp() -> None:
    """A flight with thrust cut short also matches the reference integrator."""
    fl = fly_powered(TWO_STAGE, 0.6, 0.9, 1.0, np.radians(40.0), 70.0)
    ref = fly_reference(
        TWO_STAGE,
        np.degrees(0.6),
        np.degrees(0.9),
        np.degrees(1.0),
        40.0,
        earth=ROTATING_WGS84,
        cutoff_s=70.0,
    )
    assert np.linalg.norm(fl.impact_r_m[0] - ref["impact_r_m"]) < IMPACT_TOL_M
    assert fl.t_burnout_s[0] == 70.0


def test_tighter_tolerance_converges_to_reference() -> None:
    """Tightening the tolerances brings the impact point closer to the reference (to under 5 m)."""
    args = (np.radians(40.0), np.radians(20.0), np.radians(100.0), np.radians(35.0))
    ref = fly_reference(TWO_STAGE, 40.0, 20.0, 100.0, 35.0, earth=ROTATING_WGS84)
    fine = fly_powered(TWO_STAGE, *args, accuracy=Accuracy.scaled(0.01))
    assert np.linalg.norm(fine.impact_r_m[0] - ref["impact_r_m"]) < 5.0


def test_short_range_flight_never_leaving_atmosphere() -> None:
    """A short flight that stays below the atmosphere's top lands and matches the reference."""
    fl = fly_powered(TWO_STAGE, 0.5, 0.5, 0.3, np.radians(8.0), 40.0)
    assert fl.status[0] == STATUS_IMPACT
    assert fl.apogee_alt_m[0] < 120e3
    assert np.isnan(fl.t_reentry_s[0])
    ref = fly_reference(
        TWO_STAGE,
        np.degrees(0.5),
        np.degrees(0.5),
        np.degrees(0.3),
        8.0,
        earth=ROTATING_WGS84,
        cutoff_s=40.0,
    )
    assert np.linalg.norm(fl.impact_r_m[0] - ref["impact_r_m"]) < IMPACT_TOL_M


def test_samples_cover_the_flight_in_order() -> None:
    """Samples start on the pad, go through boost, coast and re-entry, and end near impact."""
    fl = fly_powered(TWO_STAGE, 0.6, 0.9, 1.0, np.radians(35.0), sample_dt_s=2.0)
    ph = fl.sample_phase[0]
    kept = ph[ph >= 0]
    assert kept[0] == PHASE_BOOST and kept[-1] == PHASE_REENTRY
    assert np.all(np.diff(kept) >= 0)
    lat, lon, alt = ecef_to_geodetic(fl.samples[0, 0, :3])
    assert (lat, lon, alt) == pytest.approx((0.6, 0.9, 0.0), abs=1e-6)
    last = np.flatnonzero(ph >= 0)[-1]
    assert fl.t_impact_s[0] - last * 2.0 < 2.0
    # Sampling does not change the result.
    plain = fly_powered(TWO_STAGE, 0.6, 0.9, 1.0, np.radians(35.0))
    np.testing.assert_allclose(plain.impact_r_m, fl.impact_r_m, atol=1e-6)


def test_batch_results_do_not_depend_on_chunking_or_workers() -> None:
    """The same flyouts come out bit for bit whatever the number of processes or the chunking."""
    rng = np.random.default_rng(7)
    az = rng.uniform(0, 2 * np.pi, 60)
    pitch = np.radians(rng.uniform(20, 60, 60))
    one = fly_powered(TWO_STAGE, 0.6, 0.9, az, pitch, chunk_size=7)
    many = fly_powered(TWO_STAGE, 0.6, 0.9, az, pitch, chunk_size=7, workers=2)
    whole = fly_powered(TWO_STAGE, 0.6, 0.9, az, pitch)
    single = fly_powered(TWO_STAGE, 0.6, 0.9, az[13:14], pitch[13:14])
    np.testing.assert_array_equal(one.impact_r_m, many.impact_r_m)
    np.testing.assert_array_equal(one.apogee_alt_m, many.apogee_alt_m)
    np.testing.assert_array_equal(one.t_impact_s, many.t_impact_s)
    np.testing.assert_array_equal(whole.impact_r_m, one.impact_r_m)
    np.testing.assert_array_equal(single.impact_r_m[0], one.impact_r_m[13])


def test_orbital_speed_is_reported_not_looped() -> None:
    """A body fast enough to orbit is flagged as such instead of integrating forever."""
    fl = fly_free(0.0, 0.0, 1.0, [7900.0, 11500.0, 3000.0], 0.0, alt_m=300e3, earth=FIXED_WGS84)
    assert list(fl.status) == [1, 2, 0]


def test_each_earth_word_names_its_preset() -> None:
    """rotating, fixed and sphere name the rotating and fixed WGS-84 and the fixed sphere."""
    assert tuple(EARTHS) == EARTH_MODELS
    assert earth_named("rotating") is ROTATING_WGS84
    assert earth_named("fixed") is FIXED_WGS84
    assert earth_named("sphere") is FIXED_SPHERE
    assert FIXED_SPHERE.ellipsoid == SPHERE and not FIXED_SPHERE.rotating and FIXED_SPHERE.j2 == 0
    with pytest.raises(UnknownNameError, match="did you mean 'sphere'"):
        earth_named("spher")
