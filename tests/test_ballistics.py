"""Tests of closed-form ballistic free flight and two-body propagation."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from jointshield.physics.ballistics import (
    apogee_radius_m,
    free_flight_range_angle_rad,
    free_flight_time_s,
    gammas_for_range_rad,
    kepler_propagate,
    max_range_angle_rad,
    max_range_gamma_rad,
    min_energy_speed_mps,
    orbital_elements,
    q_parameter,
    stumpff_c2_c3,
    time_to_radius_s,
)
from jointshield.physics.geo import MU_EARTH_M3_S2

MU = MU_EARTH_M3_S2
R_BURNOUT_M = 6_478_000.0  # about 100 km above the Earth's surface

# Reference integration: DOP853 at these settings keeps a ballistic flight
# to about 1e-10 relative (checked against the closed forms themselves).
IVP_RTOL = 1e-12
IVP_ATOL = 1e-6
# Closed forms against integration: 1e-6 relative is asked; the integrator
# is good to ~1e-10, so 1e-8 still leaves a factor 100 of margin.
CLOSED_VS_IVP_RTOL = 1e-8
# Kepler propagation against integration over 2,000 s: 1 mm in position.
# In velocity the integrator itself is off by ~1e-6 m/s where the ballistic
# ellipse dips towards its perigee (1,008 km from the centre); tightening
# its rtol to 3e-14 shrinks that to 1e-8 m/s, converging on the closed form.
KEPLER_VS_IVP_ATOL_M = 1e-3
KEPLER_VS_IVP_ATOL_MPS = 1e-5
# Forward then back by the same step: rounding only. Positions are ~7e6 m
# (one ulp ~1e-9 m); a few hundred ulps of slack.
ROUND_TRIP_ATOL_M = 1e-6
ROUND_TRIP_ATOL_MPS = 1e-9
# Energy and angular momentum after a closed-form step: rounding only.
CONSERVATION_RTOL = 1e-12
# Identities between closed forms, evaluated in floating point.
IDENTITY_RTOL = 1e-12
TIME_ATOL_S = 1e-9
IDENTITY_ATOL_RAD = 1e-12
# γ recovered from Ψ near the maximum range: Ψ is quadratic in γ there, so a
# rounding error ε in Ψ becomes ~sqrt(ε) ~ 1e-8 rad in γ.
GAMMA_ROUND_TRIP_ATOL_RAD = 1e-6
# solve_ivp's event location (Brent on the dense output) and the closed form.
EVENT_TIME_ATOL_S = 1e-6
# Near a parabola the universal-variable form keeps the crossing to rounding.
NEAR_PARABOLIC_RTOL = 1e-13


def _two_body(_t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
    r = y[:3]
    return np.concatenate((y[3:], -MU * r / np.linalg.norm(r) ** 3))


def _burnout_state(speed_mps: float, gamma_rad: float) -> NDArray[np.float64]:
    """State at burnout on the x axis, flying in the x-y plane."""
    return np.array(
        [
            R_BURNOUT_M,
            0.0,
            0.0,
            speed_mps * math.sin(gamma_rad),
            speed_mps * math.cos(gamma_rad),
            0.0,
        ]
    )


def _integrate(
    y0: NDArray[np.float64],
    t_end: float,
    events: list[Callable[[float, NDArray[np.float64]], float]] | None = None,
    t_eval: NDArray[np.float64] | None = None,
) -> Any:
    return solve_ivp(
        _two_body,
        (0.0, t_end),
        y0,
        method="DOP853",
        rtol=IVP_RTOL,
        atol=IVP_ATOL,
        events=events,
        t_eval=t_eval,
    )


def _radius_event(
    radius_m: float, direction: float
) -> Callable[[float, NDArray[np.float64]], float]:
    def event(_t: float, y: NDArray[np.float64]) -> float:
        return float(np.linalg.norm(y[:3]) - radius_m)

    event.direction = direction  # type: ignore[attr-defined]
    return event


def _apogee_event(_t: float, y: NDArray[np.float64]) -> float:
    return float(np.dot(y[:3], y[3:]))


_apogee_event.direction = -1.0  # type: ignore[attr-defined]


def _integrated_flight(speed_mps: float, gamma_rad: float) -> tuple[float, float, float]:
    """Range angle (rad), flight time (s) and apogee radius (m) by numerical integration."""
    y0 = _burnout_state(speed_mps, gamma_rad)
    re_entry = _radius_event(R_BURNOUT_M, -1.0)
    re_entry.terminal = True  # type: ignore[attr-defined]
    sol = _integrate(y0, 1e5, events=[re_entry, _apogee_event])
    t_end = float(sol.t_events[0][0])
    y_end = sol.y_events[0][0]
    apogee = float(np.linalg.norm(sol.y_events[1][0][:3]))
    return math.atan2(y_end[1], y_end[0]) % (2.0 * math.pi), t_end, apogee


def test_q_is_one_at_circular_speed() -> None:
    """Q = v² r / μ equals 1 at circular speed and 2 at escape speed (BMW §6.2)."""
    v_circ = math.sqrt(MU / R_BURNOUT_M)
    assert q_parameter(v_circ, R_BURNOUT_M) == pytest.approx(1.0, rel=IDENTITY_RTOL)
    assert q_parameter(math.sqrt(2.0) * v_circ, R_BURNOUT_M) == pytest.approx(
        2.0, rel=IDENTITY_RTOL
    )


def test_worked_example() -> None:
    """Burnout at 6,478 km, 5 km/s, γ = 35° flies Ψ = 29.411° in 921.39 s, apogee 7,121.45 km."""
    v, gamma = 5_000.0, math.radians(35.0)
    psi = free_flight_range_angle_rad(v, gamma, R_BURNOUT_M)
    t = free_flight_time_s(v, gamma, R_BURNOUT_M)
    r_apogee = apogee_radius_m(v, gamma, R_BURNOUT_M)
    # By hand, with BMW's cosine forms: Q = 0.4062966, a = r / (2 - Q) =
    # 4,064.746 km, e = sqrt(1 + Q (Q - 2) cos²γ) = 0.7520040,
    # cos(Ψ/2) = (1 - Q cos²γ) / e, and the burnout eccentric anomaly from
    # cos E = (e - cos(Ψ/2)) / (1 - e cos(Ψ/2)) = cos(2.4807821 rad).
    q = v * v * R_BURNOUT_M / MU
    a = R_BURNOUT_M / (2.0 - q)
    e = math.sqrt(1.0 + q * (q - 2.0) * math.cos(gamma) ** 2)
    psi_hand = 2.0 * math.acos((1.0 - q * math.cos(gamma) ** 2) / e)
    ecc = math.acos((e - math.cos(psi_hand / 2)) / (1.0 - e * math.cos(psi_hand / 2)))
    t_hand = 2.0 * math.sqrt(a**3 / MU) * (math.pi - ecc + e * math.sin(ecc))
    assert (q, a, e, ecc) == pytest.approx((0.4062966, 4_064_746.3, 0.7520040, 2.4807821), rel=1e-6)
    assert psi == pytest.approx(psi_hand, rel=IDENTITY_RTOL)
    assert t == pytest.approx(t_hand, rel=IDENTITY_RTOL)
    assert r_apogee == pytest.approx(a * (1.0 + e), rel=IDENTITY_RTOL)
    assert math.degrees(psi) == pytest.approx(29.41102, rel=1e-6)
    assert t == pytest.approx(921.3886, rel=1e-6)
    assert r_apogee == pytest.approx(7_121_452.0, rel=1e-6)
    # The same by numerical integration of the two-body problem.
    psi_num, t_num, apogee_num = _integrated_flight(v, gamma)
    assert psi == pytest.approx(psi_num, rel=CLOSED_VS_IVP_RTOL)
    assert t == pytest.approx(t_num, rel=CLOSED_VS_IVP_RTOL)
    assert r_apogee == pytest.approx(apogee_num, rel=CLOSED_VS_IVP_RTOL)


@pytest.mark.parametrize(
    ("speed_mps", "gamma_deg"),
    [(1_000.0, 45.0), (3_000.0, 10.0), (4_500.0, 70.0), (6_500.0, 22.0), (7_300.0, 40.0)],
)
def test_closed_forms_match_integration(speed_mps: float, gamma_deg: float) -> None:
    """Range angle, flight time and apogee agree with numerical integration of the flight."""
    gamma = math.radians(gamma_deg)
    psi_num, t_num, apogee_num = _integrated_flight(speed_mps, gamma)
    assert free_flight_range_angle_rad(speed_mps, gamma, R_BURNOUT_M) == pytest.approx(
        psi_num, rel=CLOSED_VS_IVP_RTOL
    )
    assert free_flight_time_s(speed_mps, gamma, R_BURNOUT_M) == pytest.approx(
        t_num, rel=CLOSED_VS_IVP_RTOL
    )
    assert apogee_radius_m(speed_mps, gamma, R_BURNOUT_M) == pytest.approx(
        apogee_num, rel=CLOSED_VS_IVP_RTOL
    )


def test_range_equation_agrees_with_bmw_cosine_form() -> None:
    """Ψ satisfies BMW's range equation cos(Ψ/2) = (1 - Q cos²γ) / sqrt(1 + Q(Q-2) cos²γ)."""
    v, gamma = np.meshgrid(np.linspace(500.0, 7_800.0, 30), np.radians(np.linspace(1.0, 89.0, 30)))
    q = q_parameter(v, R_BURNOUT_M)
    c2 = np.cos(gamma) ** 2
    psi = free_flight_range_angle_rad(v, gamma, R_BURNOUT_M)
    expected = (1.0 - q * c2) / np.sqrt(1.0 + q * (q - 2.0) * c2)
    np.testing.assert_allclose(np.cos(0.5 * psi), expected, atol=IDENTITY_ATOL_RAD)


def test_flight_path_angle_equation_holds() -> None:
    """Ψ and γ satisfy BMW's sin(2γ + Ψ/2) = ((2 - Q)/Q) sin(Ψ/2)."""
    v, gamma = np.meshgrid(np.linspace(500.0, 7_800.0, 30), np.radians(np.linspace(1.0, 89.0, 30)))
    q = q_parameter(v, R_BURNOUT_M)
    psi = free_flight_range_angle_rad(v, gamma, R_BURNOUT_M)
    np.testing.assert_allclose(
        np.sin(2.0 * gamma + 0.5 * psi),
        (2.0 - q) / q * np.sin(0.5 * psi),
        atol=IDENTITY_ATOL_RAD,
    )


@pytest.mark.parametrize("speed_mps", [1_500.0, 3_000.0, 5_000.0, 7_000.0, 7_800.0])
def test_min_energy_gamma_maximises_range(speed_mps: float) -> None:
    """γ* = (π - Ψmax)/4 (BMW eq. 6.2-18) gives the maximum range; neighbouring γ fly shorter."""
    psi_max = max_range_angle_rad(speed_mps, R_BURNOUT_M)
    gamma_star = max_range_gamma_rad(psi_max)
    assert free_flight_range_angle_rad(speed_mps, gamma_star, R_BURNOUT_M) == pytest.approx(
        psi_max, rel=IDENTITY_RTOL
    )
    for delta in (1e-3, 1e-2, 0.1):
        for gamma in (gamma_star - delta, gamma_star + delta):
            assert free_flight_range_angle_rad(speed_mps, gamma, R_BURNOUT_M) < psi_max
    # A dense scan finds no longer range than the closed form.
    scan = free_flight_range_angle_rad(
        speed_mps, np.linspace(0.0, 0.5 * math.pi, 10_001), R_BURNOUT_M
    )
    assert np.max(scan) <= psi_max * (1.0 + IDENTITY_RTOL)
    # And the minimum-energy speed for that range is the speed itself (BMW eq. 6.2-20).
    assert min_energy_speed_mps(psi_max, R_BURNOUT_M) == pytest.approx(speed_mps, rel=IDENTITY_RTOL)


def test_max_range_angle_limits() -> None:
    """Ψmax is 0 at rest, π from circular speed on, and NaN from escape speed on."""
    v_circ = math.sqrt(MU / R_BURNOUT_M)
    speeds = np.array([0.0, v_circ, 1.2 * v_circ, 1.001 * math.sqrt(2.0) * v_circ, 2.0 * v_circ])
    psi = max_range_angle_rad(speeds, R_BURNOUT_M)
    assert psi[0] == 0.0
    assert psi[1] == pytest.approx(math.pi, rel=IDENTITY_RTOL)
    assert psi[2] == pytest.approx(math.pi, rel=IDENTITY_RTOL)
    assert np.isnan(psi[3]) and np.isnan(psi[4])


def test_min_energy_helpers_domain() -> None:
    """γ* and the minimum-energy speed are defined for ranges in [0, π] only."""
    psi = np.array([-0.1, 0.0, 0.5 * math.pi, math.pi, 3.5])
    gamma = max_range_gamma_rad(psi)
    np.testing.assert_allclose(gamma[1:4], [0.25 * math.pi, 0.125 * math.pi, 0.0])
    assert np.isnan(gamma[0]) and np.isnan(gamma[4])
    speed = min_energy_speed_mps(psi, R_BURNOUT_M)
    assert speed[1] == 0.0
    # Range π (the antipode) needs exactly circular speed: Q = 2·1/(1+1) = 1.
    assert speed[3] == pytest.approx(math.sqrt(MU / R_BURNOUT_M), rel=IDENTITY_RTOL)
    assert np.isnan(speed[0]) and np.isnan(speed[4])


def test_gammas_for_range_round_trip() -> None:
    """Both roots of the flight-path-angle equation fly the asked range, symmetric about γ*."""
    speed = 6_000.0
    psi = np.linspace(0.01, float(max_range_angle_rad(speed, R_BURNOUT_M)) - 1e-3, 50)
    low, high = gammas_for_range_rad(speed, psi, R_BURNOUT_M)
    assert np.all(low < high)
    np.testing.assert_allclose(
        free_flight_range_angle_rad(speed, low, R_BURNOUT_M), psi, rtol=IDENTITY_RTOL
    )
    np.testing.assert_allclose(
        free_flight_range_angle_rad(speed, high, R_BURNOUT_M), psi, rtol=IDENTITY_RTOL
    )
    np.testing.assert_allclose(0.5 * (low + high), max_range_gamma_rad(psi), atol=IDENTITY_ATOL_RAD)


def test_gammas_out_of_reach_are_nan() -> None:
    """Beyond the maximum range, or at escape speed, there is no flight-path angle."""
    speed = 4_000.0
    psi_max = float(max_range_angle_rad(speed, R_BURNOUT_M))
    low, high = gammas_for_range_rad(speed, [psi_max * 1.01, 2.0 * math.pi], R_BURNOUT_M)
    assert np.all(np.isnan(low)) and np.all(np.isnan(high))
    v_escape = math.sqrt(2.0 * MU / R_BURNOUT_M)
    low, high = gammas_for_range_rad(1.001 * v_escape, 0.5, R_BURNOUT_M)
    assert np.isnan(low) and np.isnan(high)
    # Exactly at the maximum the two roots merge at γ*.
    low, high = gammas_for_range_rad(speed, psi_max, R_BURNOUT_M)
    assert low == pytest.approx(float(max_range_gamma_rad(psi_max)), abs=GAMMA_ROUND_TRIP_ATOL_RAD)
    assert high == pytest.approx(float(max_range_gamma_rad(psi_max)), abs=GAMMA_ROUND_TRIP_ATOL_RAD)


def test_gammas_above_circular_speed_keep_only_the_lofted_root() -> None:
    """For Q > 1 the low root would dive below the burnout radius and is NaN."""
    speed = 1.1 * math.sqrt(MU / R_BURNOUT_M)
    low, high = gammas_for_range_rad(speed, 1.0, R_BURNOUT_M)
    assert np.isnan(low)
    assert free_flight_range_angle_rad(speed, high, R_BURNOUT_M) == pytest.approx(
        1.0, rel=IDENTITY_RTOL
    )


@settings(max_examples=200, deadline=None)
@given(
    speed_mps=st.floats(1_000.0, 7_500.0),
    gamma_deg=st.floats(5.0, 85.0),
)
def test_range_and_gamma_round_trip_property(speed_mps: float, gamma_deg: float) -> None:
    """For v in [1, 7.5] km/s and γ in [5°, 85°], γ is one of the two roots for its own range."""
    gamma = math.radians(gamma_deg)
    psi = float(free_flight_range_angle_rad(speed_mps, gamma, R_BURNOUT_M))
    assert 0.0 < psi < math.pi
    low, high = gammas_for_range_rad(speed_mps, psi, R_BURNOUT_M)
    assert min(abs(low - gamma), abs(high - gamma)) < GAMMA_ROUND_TRIP_ATOL_RAD
    # The flight takes the same time whichever way it is computed.
    state = _burnout_state(speed_mps, gamma)
    t_closed = float(free_flight_time_s(speed_mps, gamma, R_BURNOUT_M))
    t_crossing = float(time_to_radius_s(state[:3], state[3:], R_BURNOUT_M))
    # Short flights (tens of seconds) lose a few ulps more in the crossing time.
    assert t_crossing == pytest.approx(t_closed, rel=IDENTITY_RTOL, abs=TIME_ATOL_S)
    r_end, _ = kepler_propagate(state[:3], state[3:], t_closed)
    assert np.linalg.norm(r_end) == pytest.approx(R_BURNOUT_M, rel=IDENTITY_RTOL)
    assert math.atan2(r_end[1], r_end[0]) == pytest.approx(psi, rel=1e-10)


def test_free_flight_special_cases() -> None:
    """Vertical flight is rectilinear; γ = 0 flies nothing below circular speed, an orbit above."""
    v = 3_000.0
    psi_num, t_num, apogee_num = _integrated_flight(v, 0.5 * math.pi)
    assert free_flight_range_angle_rad(v, 0.5 * math.pi, R_BURNOUT_M) == pytest.approx(
        0.0, abs=1e-15
    )
    assert free_flight_time_s(v, 0.5 * math.pi, R_BURNOUT_M) == pytest.approx(
        t_num, rel=CLOSED_VS_IVP_RTOL
    )
    # Energy: v²/2 - μ/r = -μ/r_apogee.
    r_apogee = 1.0 / (1.0 / R_BURNOUT_M - v * v / (2.0 * MU))
    assert apogee_radius_m(v, 0.5 * math.pi, R_BURNOUT_M) == pytest.approx(
        r_apogee, rel=IDENTITY_RTOL
    )
    assert apogee_num == pytest.approx(r_apogee, rel=CLOSED_VS_IVP_RTOL)
    assert psi_num == pytest.approx(0.0, abs=1e-9)

    assert free_flight_range_angle_rad(5_000.0, 0.0, R_BURNOUT_M) == 0.0
    assert free_flight_time_s(5_000.0, 0.0, R_BURNOUT_M) == pytest.approx(0.0, abs=1e-9)
    v_fast = 8_000.0
    a = R_BURNOUT_M / (2.0 - q_parameter(v_fast, R_BURNOUT_M))
    period = 2.0 * math.pi * math.sqrt(a**3 / MU)
    assert free_flight_range_angle_rad(v_fast, 0.0, R_BURNOUT_M) == pytest.approx(2.0 * math.pi)
    assert free_flight_time_s(v_fast, 0.0, R_BURNOUT_M) == pytest.approx(period, rel=IDENTITY_RTOL)


def test_symmetric_flight_invalid_inputs_are_nan() -> None:
    """Escape speed, negative or beyond-vertical γ give NaN rather than an answer."""
    v_escape = math.sqrt(2.0 * MU / R_BURNOUT_M)
    speeds = np.array([1.001 * v_escape, 1.5 * v_escape, 3_000.0, 3_000.0])
    gammas = np.array([0.5, 0.5, -0.1, 0.5 * math.pi + 0.1])
    assert np.all(np.isnan(free_flight_range_angle_rad(speeds, gammas, R_BURNOUT_M)))
    assert np.all(np.isnan(free_flight_time_s(speeds, gammas, R_BURNOUT_M)))
    assert np.all(np.isnan(apogee_radius_m(speeds[:2], gammas[:2], R_BURNOUT_M)))


def test_orbital_elements_match_closed_forms() -> None:
    """The elements of a burnout state give the same apogee, and a circular orbit has e = 0."""
    v, gamma = 5_000.0, math.radians(35.0)
    y0 = _burnout_state(v, gamma)
    el = orbital_elements(y0[:3], y0[3:])
    assert el.apoapsis_radius_m == pytest.approx(
        float(apogee_radius_m(v, gamma, R_BURNOUT_M)), rel=IDENTITY_RTOL
    )
    assert el.semi_major_axis_m == pytest.approx(
        R_BURNOUT_M / (2.0 - float(q_parameter(v, R_BURNOUT_M))), rel=IDENTITY_RTOL
    )
    assert el.specific_energy_m2_s2 == pytest.approx(
        0.5 * v * v - MU / R_BURNOUT_M, rel=IDENTITY_RTOL
    )
    np.testing.assert_allclose(
        el.angular_momentum_m2_s, [0.0, 0.0, R_BURNOUT_M * v * math.cos(gamma)]
    )
    assert el.periapsis_radius_m == pytest.approx(
        el.semi_major_axis_m * (1.0 - el.eccentricity), rel=1e-10
    )
    circular = orbital_elements([R_BURNOUT_M, 0.0, 0.0], [0.0, math.sqrt(MU / R_BURNOUT_M), 0.0])
    assert circular.eccentricity == pytest.approx(0.0, abs=1e-15)
    assert circular.periapsis_radius_m == pytest.approx(R_BURNOUT_M, rel=IDENTITY_RTOL)
    assert circular.apoapsis_radius_m == pytest.approx(R_BURNOUT_M, rel=IDENTITY_RTOL)
    hyperbola = orbital_elements([R_BURNOUT_M, 0.0, 0.0], [0.0, 12_000.0, 0.0])
    assert hyperbola.semi_major_axis_m < 0.0 and hyperbola.eccentricity > 1.0
    assert math.isinf(hyperbola.apoapsis_radius_m)


# States for propagation: a ballistic flight, a low orbit, an inclined
# eccentric orbit, a hyperbola and (to rounding) a parabola.
_V_ESCAPE_6778 = math.sqrt(2.0 * MU / 6_778_000.0)
PROPAGATION_STATES = [
    (
        _burnout_state(5_000.0, math.radians(35.0))[:3],
        _burnout_state(5_000.0, math.radians(35.0))[3:],
    ),
    (np.array([6_778_000.0, 0.0, 0.0]), np.array([0.0, 7_668.0, 0.0])),
    (np.array([-2_000_000.0, 6_000_000.0, 1_500_000.0]), np.array([-5_500.0, -2_800.0, 4_000.0])),
    (np.array([6_778_000.0, 0.0, 0.0]), np.array([1_000.0, 12_000.0, 500.0])),
    (np.array([6_778_000.0, 0.0, 0.0]), np.array([0.0, _V_ESCAPE_6778, 0.0])),
]


@pytest.mark.parametrize(("r0", "v0"), PROPAGATION_STATES)
def test_kepler_matches_integration(r0: NDArray[np.float64], v0: NDArray[np.float64]) -> None:
    """Universal-variable propagation agrees with DOP853 integration to 1 mm over ±2,000 s."""
    times = np.linspace(0.0, 2_000.0, 9)
    y0 = np.concatenate((r0, v0))
    forward = _integrate(y0, 2_000.0, t_eval=times)
    r, v = kepler_propagate(r0, v0, times)
    np.testing.assert_allclose(r, forward.y[:3].T, atol=KEPLER_VS_IVP_ATOL_M, rtol=0.0)
    np.testing.assert_allclose(v, forward.y[3:].T, atol=KEPLER_VS_IVP_ATOL_MPS, rtol=0.0)
    backward = solve_ivp(
        _two_body, (0.0, -2_000.0), y0, method="DOP853", rtol=IVP_RTOL, atol=IVP_ATOL, t_eval=-times
    )
    r, v = kepler_propagate(r0, v0, -times)
    np.testing.assert_allclose(r, backward.y[:3].T, atol=KEPLER_VS_IVP_ATOL_M, rtol=0.0)
    np.testing.assert_allclose(v, backward.y[3:].T, atol=KEPLER_VS_IVP_ATOL_MPS, rtol=0.0)


@pytest.mark.parametrize(("r0", "v0"), PROPAGATION_STATES)
def test_kepler_conserves_energy_and_angular_momentum(
    r0: NDArray[np.float64], v0: NDArray[np.float64]
) -> None:
    """Energy, angular momentum and the eccentricity vector are the same after any step."""
    before = orbital_elements(r0, v0)
    r, v = kepler_propagate(r0, v0, np.array([-5_000.0, -1.0, 0.0, 1.0, 700.0, 5_000.0]))
    after = orbital_elements(r, v)
    np.testing.assert_allclose(
        after.specific_energy_m2_s2,
        before.specific_energy_m2_s2,
        rtol=CONSERVATION_RTOL,
        atol=CONSERVATION_RTOL * MU / float(np.linalg.norm(r0)),
    )
    h_scale = float(np.linalg.norm(r0) * np.linalg.norm(v0))
    np.testing.assert_allclose(
        after.angular_momentum_m2_s,
        np.broadcast_to(before.angular_momentum_m2_s, (6, 3)),
        atol=CONSERVATION_RTOL * h_scale,
    )


@settings(max_examples=100, deadline=None)
@given(
    speed_mps=st.floats(1_000.0, 7_500.0),
    gamma_deg=st.floats(5.0, 85.0),
    fraction=st.floats(0.0, 1.0),
)
def test_kepler_round_trip_property(speed_mps: float, gamma_deg: float, fraction: float) -> None:
    """From burnout, forward by dt within the flight and back by -dt returns to the start."""
    gamma = math.radians(gamma_deg)
    y0 = _burnout_state(speed_mps, gamma)
    # Within the free flight. Continued below the burnout radius, slow steep
    # ellipses pass within ~20 km of the Earth's centre at > 100 km/s, where
    # any method loses digits (a round trip there is good to ~0.1 mm only).
    dt_s = fraction * float(free_flight_time_s(speed_mps, gamma, R_BURNOUT_M))
    r, v = kepler_propagate(y0[:3], y0[3:], dt_s)
    r_back, v_back = kepler_propagate(r, v, -dt_s)
    np.testing.assert_allclose(r_back, y0[:3], atol=ROUND_TRIP_ATOL_M, rtol=0.0)
    np.testing.assert_allclose(v_back, y0[3:], atol=ROUND_TRIP_ATOL_MPS, rtol=0.0)


def test_kepler_periodicity_and_zero_step() -> None:
    """Ten full periods bring an orbit back to its start; a zero step changes nothing."""
    r0 = np.array([6_778_000.0, 0.0, 0.0])
    v0 = np.array([0.0, 7_800.0, 300.0])
    a = float(orbital_elements(r0, v0).semi_major_axis_m)
    period = 2.0 * math.pi * math.sqrt(a**3 / MU)
    r, v = kepler_propagate(r0, v0, 10.0 * period)
    np.testing.assert_allclose(r, r0, atol=ROUND_TRIP_ATOL_M, rtol=0.0)
    np.testing.assert_allclose(v, v0, atol=ROUND_TRIP_ATOL_MPS, rtol=0.0)
    r, v = kepler_propagate(r0, v0, 0.0)
    np.testing.assert_array_equal(r, r0)
    np.testing.assert_array_equal(v, v0)


def test_kepler_broadcasts_over_leading_axes() -> None:
    """States (4, 5, 3) with steps (5,) give (4, 5, 3), as one call per element; empty works."""
    rng = np.random.default_rng(6)
    speed = rng.uniform(2_000.0, 7_000.0, (4, 5))
    gamma = rng.uniform(0.1, 1.4, (4, 5))
    r0 = np.stack((np.full((4, 5), R_BURNOUT_M), np.zeros((4, 5)), np.zeros((4, 5))), axis=-1)
    v0 = np.stack((speed * np.sin(gamma), speed * np.cos(gamma), np.zeros((4, 5))), axis=-1)
    dt = np.linspace(-900.0, 1_200.0, 5)
    r, v = kepler_propagate(r0, v0, dt)
    assert r.shape == (4, 5, 3) and v.shape == (4, 5, 3)
    r_one, v_one = kepler_propagate(r0[2, 3], v0[2, 3], dt[3])
    np.testing.assert_allclose(r[2, 3], r_one, rtol=IDENTITY_RTOL)
    np.testing.assert_allclose(v[2, 3], v_one, rtol=IDENTITY_RTOL)
    # An empty batch is a batch too.
    r_empty, v_empty = kepler_propagate(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0))
    assert r_empty.shape == (0, 3) and v_empty.shape == (0, 3)
    assert time_to_radius_s(r0, v0, R_BURNOUT_M).shape == (4, 5)


def test_stumpff_functions() -> None:
    """c2 and c3 are 1/2 and 1/6 at 0, continuous where the series hands over, and exact far out."""
    c2, c3 = stumpff_c2_c3(0.0)
    assert c2 == 0.5 and c3 == pytest.approx(1.0 / 6.0, rel=1e-16)
    for edge in (1.0, -1.0):
        c2_pair, c3_pair = stumpff_c2_c3(np.array([edge * (1.0 - 1e-12), edge * (1.0 + 1e-12)]))
        assert c2_pair[0] == pytest.approx(c2_pair[1], rel=1e-11)
        assert c3_pair[0] == pytest.approx(c3_pair[1], rel=1e-11)
    psi = 4.0 * math.pi**2  # √ψ = 2π: c2 = 0, c3 = 1 / (2π)²
    c2, c3 = stumpff_c2_c3(psi)
    assert c2 == pytest.approx(0.0, abs=1e-16)
    assert c3 == pytest.approx(1.0 / psi, rel=IDENTITY_RTOL)
    c2, c3 = stumpff_c2_c3(-4.0)  # √-ψ = 2
    assert c2 == pytest.approx((math.cosh(2.0) - 1.0) / 4.0, rel=IDENTITY_RTOL)
    assert c3 == pytest.approx((math.sinh(2.0) - 2.0) / 8.0, rel=IDENTITY_RTOL)


def test_time_to_radius_matches_event_location() -> None:
    """Descending and ascending crossings agree with solve_ivp's event location."""
    y0 = _burnout_state(5_000.0, math.radians(35.0))
    # Start mid-ascent so that both crossings of 6,878 km lie ahead.
    r_start, v_start = kepler_propagate(y0[:3], y0[3:], 60.0)
    y_start = np.concatenate((r_start, v_start))
    radii = [6_578_000.0, 6_878_000.0, 7_000_000.0, R_BURNOUT_M]
    events = [_radius_event(radius, -1.0) for radius in radii]
    events += [_radius_event(radius, 1.0) for radius in radii]
    sol = _integrate(y_start, 2_000.0, events=events)
    descending = time_to_radius_s(r_start, v_start, np.array(radii))
    ascending = time_to_radius_s(r_start, v_start, np.array(radii), descending=False)
    for i in range(len(radii)):
        assert descending[i] == pytest.approx(sol.t_events[i][0], abs=EVENT_TIME_ATOL_S)
    # Below the start the ascending crossing lies a revolution (through the Earth) ahead.
    assert ascending[1] == pytest.approx(sol.t_events[len(radii) + 1][0], abs=EVENT_TIME_ATOL_S)
    assert ascending[2] == pytest.approx(sol.t_events[len(radii) + 2][0], abs=EVENT_TIME_ATOL_S)


def test_time_to_radius_equals_free_flight_time() -> None:
    """From burnout, the next descending crossing of the burnout radius is the free-flight time."""
    speed = np.linspace(1_000.0, 7_500.0, 40)
    gamma = np.radians(np.linspace(5.0, 85.0, 40))
    r0 = np.stack((np.full(40, R_BURNOUT_M), np.zeros(40), np.zeros(40)), axis=-1)
    v0 = np.stack((speed * np.sin(gamma), speed * np.cos(gamma), np.zeros(40)), axis=-1)
    np.testing.assert_allclose(
        time_to_radius_s(r0, v0, R_BURNOUT_M),
        free_flight_time_s(speed, gamma, R_BURNOUT_M),
        rtol=IDENTITY_RTOL,
    )
    # Ascending through the radius it is on: now.
    assert time_to_radius_s(r0[0], v0[0], R_BURNOUT_M, descending=False) == pytest.approx(
        0.0, abs=1e-9
    )


def test_time_to_radius_never_crossed_is_nan() -> None:
    """Radii above apogee or below perigee, and a receding hyperbola, give NaN."""
    y0 = _burnout_state(5_000.0, math.radians(35.0))
    r_apogee = float(apogee_radius_m(5_000.0, math.radians(35.0), R_BURNOUT_M))
    t = time_to_radius_s(y0[:3], y0[3:], np.array([r_apogee + 1.0, 1_000.0, -5.0]))
    assert np.all(np.isnan(t))
    # Exactly the apogee: reached at the apogee time.
    t_apogee = float(free_flight_time_s(5_000.0, math.radians(35.0), R_BURNOUT_M)) / 2.0
    assert time_to_radius_s(y0[:3], y0[3:], r_apogee) == pytest.approx(t_apogee, rel=1e-6)
    r0 = np.array([6_778_000.0, 0.0, 0.0])
    receding = np.array([1_000.0, 12_000.0, 0.0])
    assert np.isnan(time_to_radius_s(r0, receding, 6_700_000.0))
    assert np.isnan(time_to_radius_s(r0, receding, 7_000_000.0, descending=True))


def test_time_to_radius_on_a_hyperbola() -> None:
    """An incoming hyperbola crosses a radius when integration says so, inbound and outbound."""
    r0 = np.array([20_000_000.0, 0.0, 0.0])
    v0 = np.array([-9_000.0, 3_000.0, 0.0])
    assert orbital_elements(r0, v0).eccentricity > 1.0
    y0 = np.concatenate((r0, v0))
    radius = 10_000_000.0
    sol = _integrate(y0, 20_000.0, events=[_radius_event(radius, -1.0), _radius_event(radius, 1.0)])
    assert time_to_radius_s(r0, v0, radius) == pytest.approx(
        sol.t_events[0][0], abs=EVENT_TIME_ATOL_S
    )
    assert time_to_radius_s(r0, v0, radius, descending=False) == pytest.approx(
        sol.t_events[1][0], abs=EVENT_TIME_ATOL_S
    )


@pytest.mark.parametrize("speed_factor", [1.0 - 1e-9, 1.0 - 1e-12, 1.0, 1.0 + 1e-12, 1.0 + 1e-9])
def test_time_to_radius_near_parabolic(speed_factor: float) -> None:
    """Within rounding of escape speed the crossing time still lands on the radius."""
    r0 = np.array([R_BURNOUT_M, 0.0, 0.0])
    v0 = np.array([0.0, speed_factor * math.sqrt(2.0 * MU / R_BURNOUT_M), 0.0])
    radius = np.array([7_000_000.0, 100_000_000.0])
    t = time_to_radius_s(r0, v0, radius, descending=False)
    r, _ = kepler_propagate(r0, v0, t)
    np.testing.assert_allclose(np.linalg.norm(r, axis=-1), radius, rtol=NEAR_PARABOLIC_RTOL)
    # Coming back down: never on a hyperbola, after the far apoapsis on an ellipse.
    t_down = time_to_radius_s(r0, v0, radius, descending=True)
    if orbital_elements(r0, v0).specific_energy_m2_s2 < 0.0:
        assert np.all(t_down > t)
    else:
        assert np.all(np.isnan(t_down))
