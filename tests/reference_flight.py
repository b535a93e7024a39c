"""An independent, slow reference for the flight engine, built on scipy's solve_ivp.

It integrates one trajectory at a time in the Earth-fixed (rotating) frame,
with the Coriolis and centrifugal accelerations written out, the exact
geodetic altitude, and the exact U.S. Standard Atmosphere 1976 — a different
frame, altitude and atmosphere evaluation from the engine's, so that
agreement tests the engine rather than repeating it.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from jointshield.flight import Earth, MissileModel
from jointshield.physics.atmosphere import density_kg_m3
from jointshield.physics.geo import ecef_to_geodetic, geodetic_to_ecef


def _accel(t: float, r: np.ndarray, v: np.ndarray, earth: Earth) -> np.ndarray:
    w = np.array([0.0, 0.0, earth.omega_rad_s])
    rn = np.linalg.norm(r)
    g = -earth.mu_m3_s2 * r / rn**3
    if earth.j2:
        z2 = 5 * r[2] ** 2 / rn**2
        s = 1.5 * earth.j2 * (earth.ellipsoid.a_m / rn) ** 2
        g = g * np.array([1 + s * (1 - z2), 1 + s * (1 - z2), 1 + s * (3 - z2)])
    return g - 2 * np.cross(w, v) - np.cross(w, np.cross(w, r))


def _density(r: np.ndarray, earth: Earth) -> float:
    _, _, alt = ecef_to_geodetic(r, earth.ellipsoid)
    return float(density_kg_m3(alt))


def fly_reference(
    missile: MissileModel | None,
    lat_deg: float,
    lon_deg: float,
    azimuth_deg: float,
    pitch_end_deg: float = 45.0,
    *,
    earth: Earth,
    drag: bool = True,
    cutoff_s: float | None = None,
    v0_ecef: np.ndarray | None = None,
    alt_m: float = 0.0,
    beta: float | None = None,
    rtol: float = 1e-11,
    atol: float = 1e-6,
) -> dict[str, float | np.ndarray]:
    """Fly one missile (or, with ``missile=None``, one free body from ``v0_ecef``)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    r0 = geodetic_to_ecef(lat, lon, alt_m, earth.ellipsoid)
    v0 = np.zeros(3) if v0_ecef is None else np.asarray(v0_ecef, float)
    w = np.array([0.0, 0.0, earth.omega_rad_s])
    y = np.concatenate([r0, v0])
    t = 0.0
    if missile is not None:
        az = np.radians(azimuth_deg)
        u0 = r0 / np.linalg.norm(r0)
        east = np.array([-np.sin(lon), np.cos(lon), 0.0])
        north = np.cross(u0, east)
        n_inertial = np.cross(u0, np.cos(az) * north + np.sin(az) * east)
        turn = np.radians(90.0 - pitch_end_deg)
        t_cut = missile.total_burn_s if cutoff_s is None else cutoff_s
        ends = np.cumsum(missile.burn_time_s)
        bounds = sorted({missile.vertical_rise_s, *ends})
        starts = missile.stage_start_s
        area = missile.reference_area_m2 * missile.drag_coefficient if drag else 0.0
        for b in bounds:
            stop = min(b, t_cut)
            if stop <= t:
                continue
            mid = 0.5 * (t + stop)
            k = min(int(np.searchsorted(ends, mid, side="right")), missile.n_stages - 1)
            m0 = missile.stage_start_mass_kg[k]
            mdot = missile.mass_flow_kg_s[k]
            thrust = missile.thrust_n[k]

            def rhs(
                tt: float,
                yy: np.ndarray,
                k: int = k,
                m0: float = m0,
                mdot: float = mdot,
                thrust: float = thrust,
            ) -> np.ndarray:
                r, v = yy[:3], yy[3:]
                mass = m0 - mdot * (tt - starts[k])
                # The plane of flight is fixed in inertial space: rotate its normal into ECEF.
                c, s = np.cos(earth.omega_rad_s * tt), np.sin(earth.omega_rad_s * tt)
                n = np.array(
                    [
                        c * n_inertial[0] + s * n_inertial[1],
                        -s * n_inertial[0] + c * n_inertial[1],
                        n_inertial[2],
                    ]
                )
                u = r / np.linalg.norm(r)
                hdir = np.cross(n, u)
                hdir /= np.linalg.norm(hdir)
                frac = np.clip(
                    (tt - missile.vertical_rise_s) / (t_cut - missile.vertical_rise_s),
                    0,
                    1,
                )
                theta = np.pi / 2 - frac * turn
                a = _accel(tt, r, v, earth) + thrust / mass * (
                    np.cos(theta) * hdir + np.sin(theta) * u
                )
                if area:
                    a -= 0.5 * _density(r, earth) * area / mass * np.linalg.norm(v) * v
                return np.concatenate([v, a])

            sol = solve_ivp(rhs, (t, stop), y, method="DOP853", rtol=rtol, atol=atol)
            y, t = sol.y[:, -1], stop
        inv_beta = 1.0 / missile.reentry_beta_kg_m2 if drag else 0.0
    else:
        inv_beta = 0.0 if beta is None else 1.0 / beta
    t_bo, y_bo = t, y.copy()

    def free(tt: float, yy: np.ndarray) -> np.ndarray:
        r, v = yy[:3], yy[3:]
        a = _accel(tt, r, v, earth)
        if inv_beta:
            a -= 0.5 * _density(r, earth) * inv_beta * np.linalg.norm(v) * v
        return np.concatenate([v, a])

    def impact(tt: float, yy: np.ndarray) -> float:
        return float(ecef_to_geodetic(yy[:3], earth.ellipsoid)[2]) - (
            alt_m if missile is None else 0.0
        )

    impact.terminal = True  # type: ignore[attr-defined]
    impact.direction = -1  # type: ignore[attr-defined]

    def apogee(tt: float, yy: np.ndarray) -> float:
        return float(np.dot(yy[:3], yy[3:]))

    apogee.direction = -1  # type: ignore[attr-defined]
    sol = solve_ivp(
        free,
        (t, t + 1e5),
        y,
        method="DOP853",
        rtol=rtol,
        atol=atol,
        events=[impact, apogee],
        dense_output=True,
    )
    t_imp = float(sol.t_events[0][0])
    r_imp = sol.y_events[0][0][:3]
    apo = [float(ecef_to_geodetic(sol.sol(ta)[:3], earth.ellipsoid)[2]) for ta in sol.t_events[1]]
    return {
        "t_burnout_s": t_bo,
        "burnout": y_bo,
        "t_impact_s": t_imp,
        "impact_r_m": r_imp,
        "apogee_alt_m": max(apo) if apo else float("nan"),
        "nfev": float(sol.nfev),
        "w": w,
    }
