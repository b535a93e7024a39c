"""Aiming: the launch azimuth, pitch programme and thrust cut-off that hit a target.

Three trajectory shapes, as in the open literature (e.g. Wright, Science &
Global Security 2000; NRC 2012, appendix):

``min-energy``
    For each thrust cut-off the pitch that maximises range is found once per
    missile (a table flown on a fixed Earth); the missile flies that pitch
    and cuts its thrust when the target is reached, so it spends the least
    energy. This is the default.
``lofted`` / ``depressed``
    The full burn, on the high or low branch of range against pitch.
``apogee``
    A given apogee height at the target's range: pitch and cut-off together.

Every solution is then refined on the real model (rotating Earth, drag) by
Newton's method with finite-difference Jacobians, the whole batch at once,
until the impact point is within ``tolerance_m`` of the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

from jointshield.arrays import FloatArray
from jointshield.errors import JointshieldError, OutOfReachError
from jointshield.flight.earth import FIXED_WGS84, ROTATING_WGS84, Earth
from jointshield.flight.flyout import STATUS_IMPACT, Flyouts, fly_powered
from jointshield.flight.missile import MissileModel
from jointshield.physics.geo import MEAN_EARTH_RADIUS_M, geodesic_inverse
from jointshield.vocabulary import AimMode

AIM_MODES: tuple[str, ...] = ("min-energy", "lofted", "depressed", "apogee")

# Thrust pitch at cut-off.
_PITCH_GRID_RAD = np.radians(np.linspace(1.0, 87.0, 87))
_N_CUTOFF = 24
# Lowest thrust pitch at cut-off for a given apogee: an apogee below the minimum-energy one
# at a range near the maximum (a depressed ICBM trajectory) needs the thrust below the
# horizon at cut-off, as an interceptor's shallow shots do (flight.reach).
_APOGEE_PITCH_MIN_RAD = np.radians(-30.0)
_MAX_ITER = 12


@dataclass(frozen=True)
class RangeTable:
    """Range and apogee of one missile over its pitch programmes and cut-offs.

    Flown once on a fixed WGS-84 Earth from the equator toward the north; used
    for first guesses and for the minimum-energy pitch of each cut-off.
    """

    pitch_rad: FloatArray  # (P,)
    cutoff_s: FloatArray  # (C,)
    range_m: FloatArray  # (P, C)
    apogee_m: FloatArray  # (P, C)
    best_pitch_rad: FloatArray  # (C,) maximum-range pitch per cut-off
    best_range_m: FloatArray  # (C,)


@lru_cache(maxsize=32)
def range_table(missile: MissileModel, drag: bool = True) -> RangeTable:
    """Fly the pitch × cut-off grid of ``missile`` once and tabulate range and apogee."""
    t_min = missile.vertical_rise_s + 0.35 * (missile.total_burn_s - missile.vertical_rise_s)
    cutoffs = np.linspace(t_min, missile.total_burn_s, _N_CUTOFF)
    pp, cc = np.meshgrid(_PITCH_GRID_RAD, cutoffs, indexing="ij")
    fl = fly_powered(missile, 0.0, 0.0, 0.0, pp.ravel(), cc.ravel(), earth=FIXED_WGS84, drag=drag)
    rng = np.where(fl.status == STATUS_IMPACT, fl.ground_range_m, 0.0).reshape(pp.shape)
    apo = fl.apogee_alt_m.reshape(pp.shape)
    i = np.argmax(rng, axis=0)
    # Parabolic refinement of the maximum between neighbouring grid pitches.
    i = np.clip(i, 1, len(_PITCH_GRID_RAD) - 2)
    cols = np.arange(len(cutoffs))
    y0, y1, y2 = rng[i - 1, cols], rng[i, cols], rng[i + 1, cols]
    denom = y0 - 2 * y1 + y2
    shift = np.where(denom < 0, 0.5 * (y0 - y2) / np.where(denom < 0, denom, -1.0), 0.0)
    step = _PITCH_GRID_RAD[1] - _PITCH_GRID_RAD[0]
    best_pitch = _PITCH_GRID_RAD[i] + np.clip(shift, -1, 1) * step
    # The range at the best pitch is flown, not extrapolated.
    best = fly_powered(missile, 0.0, 0.0, 0.0, best_pitch, cutoffs, earth=FIXED_WGS84, drag=drag)
    best_range = np.where(best.status == STATUS_IMPACT, best.ground_range_m, 0.0)
    return RangeTable(_PITCH_GRID_RAD, cutoffs, rng, apo, best_pitch, best_range)


def max_range_m(missile: MissileModel, drag: bool = True) -> float:
    """Greatest ground range of ``missile`` on a fixed Earth (full burn, best pitch), m."""
    return float(range_table(missile, drag).best_range_m[-1])


@dataclass(frozen=True)
class AimSolution:
    """Controls that put each missile of a batch on its target, and the flyouts."""

    azimuth_rad: FloatArray
    pitch_end_rad: FloatArray
    cutoff_s: FloatArray
    miss_m: FloatArray
    flyouts: Flyouts


def _miss_vector(fl: Flyouts, lat_t: FloatArray, lon_t: FloatArray) -> FloatArray:
    """North and east offsets of the impact from the target, m (local plane)."""
    dlat = fl.impact_lat_rad - lat_t
    dlon = (fl.impact_lon_rad - lon_t + np.pi) % (2 * np.pi) - np.pi
    out: FloatArray = np.stack(
        [dlat * MEAN_EARTH_RADIUS_M, dlon * MEAN_EARTH_RADIUS_M * np.cos(lat_t)]
    )
    return out


def aim(
    missile: MissileModel,
    launch_lat_rad: ArrayLike,
    launch_lon_rad: ArrayLike,
    target_lat_rad: ArrayLike,
    target_lon_rad: ArrayLike,
    *,
    mode: AimMode = "min-energy",
    apogee_m: ArrayLike | None = None,
    launch_alt_m: ArrayLike = 0.0,
    target_alt_m: ArrayLike = 0.0,
    earth: Earth = ROTATING_WGS84,
    drag: bool = True,
    tolerance_m: float = 1.0,
    sample_dt_s: float | None = None,
) -> AimSolution:
    """Find the controls that put each missile on its target.

    Parameters
    ----------
    missile : MissileModel
        The missile type.
    launch_lat_rad, launch_lon_rad, target_lat_rad, target_lon_rad : array_like
        Geodetic launch and target points, rad; scalars or shape (n,).
    mode : {'min-energy', 'lofted', 'depressed', 'apogee'}
        Trajectory shape (see the module docstring).
    apogee_m : array_like, optional
        Apogee height for ``mode='apogee'``, m.
    launch_alt_m, target_alt_m : array_like
        Altitudes of launch and target above the ellipsoid, m.
    earth : Earth
        Earth model of the flyouts.
    drag : bool
        Whether the atmosphere acts.
    tolerance_m : float
        Largest acceptable miss distance, m.
    sample_dt_s : float, optional
        Keep the final trajectories sampled at this interval, s.

    Returns
    -------
    AimSolution
        Azimuth, pitch and cut-off of each missile with its final flyouts.

    Raises
    ------
    OutOfReachError
        Where a target lies beyond the missile's reach; the message gives the
        maximum range on that bearing.
    """
    if mode not in AIM_MODES:
        raise JointshieldError(f"unknown aim {mode!r}; expected one of {', '.join(AIM_MODES)}")
    if mode == "apogee" and apogee_m is None:
        raise JointshieldError("aim 'apogee' needs an apogee height")
    lat0, lon0, lat1, lon1, alt0, alt1 = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(a, dtype=float))
            for a in (
                launch_lat_rad,
                launch_lon_rad,
                target_lat_rad,
                target_lon_rad,
                launch_alt_m,
                target_alt_m,
            )
        )
    )
    n = lat0.shape[0]
    dist, az0, _ = geodesic_inverse(lat0, lon0, lat1, lon1, earth.ellipsoid)
    table = range_table(missile, drag)
    full = missile.total_burn_s

    # Unknowns per mode: always azimuth; then cut-off (min-energy), pitch (lofted,
    # depressed) or both (apogee, with the apogee height as third residual).
    az = az0.copy()
    if mode == "min-energy":
        # Keep the first guess off the full burn, where the cut-off has no effect and
        # the Jacobian would be singular.
        cutoff = np.minimum(np.interp(dist, table.best_range_m, table.cutoff_s), full - 1.0)
        pitch = np.interp(cutoff, table.cutoff_s, table.best_pitch_rad)
    else:
        cutoff = np.full(n, full)
        pitch = _pitch_guess(table, dist, mode)
    if mode == "apogee":
        apo = np.broadcast_to(np.asarray(apogee_m, dtype=float), (n,)).copy()
        pitch, cutoff = _apogee_guess(table, dist, apo)
    unknowns = {
        "min-energy": ("az", "cut"),
        "lofted": ("az", "pitch"),
        "depressed": ("az", "pitch"),
        "apogee": ("az", "pitch", "cut"),
    }[mode]
    steps = {"az": 2e-5, "pitch": 2e-4, "cut": 0.02}

    def fly(
        az_: FloatArray, pitch_: FloatArray, cut_: FloatArray, sample: float | None = None
    ) -> Flyouts:
        reps = az_.shape[0] // n
        return fly_powered(
            missile,
            np.tile(lat0, reps),
            np.tile(lon0, reps),
            az_,
            pitch_,
            cut_,
            alt_m=np.tile(alt0, reps),
            impact_alt_m=np.tile(alt1, reps),
            earth=earth,
            drag=drag,
            sample_dt_s=sample,
        )

    def residual(fl: Flyouts) -> FloatArray:
        reps = len(fl) // n
        res = _miss_vector(fl, np.tile(lat1, reps), np.tile(lon1, reps))
        if mode == "apogee":
            res = np.concatenate([res, (fl.apogee_alt_m - np.tile(apo, reps))[None]], axis=0)
        return np.where(fl.status == STATUS_IMPACT, res, np.nan)

    def controls(values: dict[str, FloatArray]) -> tuple[FloatArray, FloatArray, FloatArray]:
        if mode == "min-energy":
            # The pitch follows the cut-off along the table's maximum-range curve.
            return (
                values["az"],
                np.interp(values["cut"], table.cutoff_s, table.best_pitch_rad),
                values["cut"],
            )
        return values["az"], values["pitch"], values["cut"]

    x = {"az": az, "pitch": pitch, "cut": cutoff}
    lower = {
        "az": -np.inf,
        "pitch": float(_APOGEE_PITCH_MIN_RAD if mode == "apogee" else _PITCH_GRID_RAD[0]),
        "cut": missile.vertical_rise_s + 1.0,
    }
    upper = {"az": np.inf, "pitch": np.radians(89.0), "cut": full}
    fl = fly(*controls(x))
    res = residual(fl)
    converged = np.zeros(n, dtype=bool)
    for _ in range(_MAX_ITER):
        miss = np.hypot(res[0], res[1])
        converged = miss <= tolerance_m
        if mode == "apogee":
            converged &= np.abs(res[2]) <= max(10.0, tolerance_m)
        if converged.all():
            break
        # Finite-difference Jacobian: one extra flyout per unknown, all in one batch.
        k = len(unknowns)
        batch = {u: np.tile(x[u], k) for u in x}
        # One-sided differences pointing away from the bounds: at a full burn a
        # longer cut-off changes nothing, so the cut-off is always shortened.
        signed = {u: np.where(x[u] + steps[u] > upper[u], -steps[u], steps[u]) for u in unknowns}
        for j, u in enumerate(unknowns):
            batch[u][j * n : (j + 1) * n] += signed[u]
        fj = fly(*controls(batch))
        rj = residual(fj)
        jac = np.stack(
            [(rj[:, j * n : (j + 1) * n] - res) / signed[u] for j, u in enumerate(unknowns)],
            axis=-1,
        )
        # (residuals, n, unknowns) → per flyout least squares.
        a_mat = np.moveaxis(jac, 1, 0)  # (n, r, k)
        b_vec = np.moveaxis(res, 1, 0)  # (n, r)
        ok = np.isfinite(a_mat).all(axis=(1, 2)) & np.isfinite(b_vec).all(axis=1) & ~converged
        delta = np.zeros((n, k))
        if ok.any():
            aa = a_mat[ok]
            bb = b_vec[ok]
            # Gauss-Newton normal equations (square systems when residuals = unknowns).
            normal = np.einsum("nrk,nrl->nkl", aa, aa) + 1e-12 * np.eye(k)
            delta[ok] = np.linalg.solve(normal, np.einsum("nrk,nr->nk", aa, -bb)[..., None])[..., 0]
        for j, u in enumerate(unknowns):
            limit = {"az": 0.05, "pitch": 0.2, "cut": 0.25 * full}[u]
            x[u] = np.clip(x[u] + np.clip(delta[:, j], -limit, limit), lower[u], upper[u])
        fl = fly(*controls(x))
        res = residual(fl)

    miss = np.hypot(res[0], res[1])
    bad = ~(miss <= tolerance_m)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        reach = max_range_on_bearing(missile, lat0[i], lon0[i], x["az"][i], earth=earth, drag=drag)
        if dist[i] > reach:
            raise OutOfReachError(missile.name, dist[i] / 1e3, reach / 1e3)
        raise JointshieldError(
            f"could not aim {missile.name} at {dist[i] / 1e3:,.0f} km on a {mode} trajectory "
            f"(miss {miss[i] / 1e3:,.1f} km); try another aim"
        )
    if sample_dt_s:
        fl = fly(*controls(x), sample=sample_dt_s)
    az_f, pitch_f, cut_f = controls(x)
    return AimSolution(az_f, pitch_f, cut_f, miss, fl)


def _pitch_guess(table: RangeTable, dist: FloatArray, mode: str) -> FloatArray:
    """Pitch on the low (depressed) or high (lofted) branch of the full-burn range curve."""
    rng = table.range_m[:, -1]
    peak = int(np.argmax(rng))
    if mode == "lofted":
        pitches, ranges = table.pitch_rad[peak:][::-1], rng[peak:][::-1]
    else:
        pitches, ranges = table.pitch_rad[: peak + 1], rng[: peak + 1]
    # Ranges increase along each branch towards the peak.
    out: FloatArray = np.interp(dist, ranges, pitches)
    return out


def _apogee_guess(
    table: RangeTable, dist: FloatArray, apogee: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Nearest grid point in (range, apogee) for each target, as a first guess."""
    r = table.range_m.ravel()
    a = table.apogee_m.ravel()
    scale_r, scale_a = max(float(r.max()), 1.0), max(float(np.nanmax(a)), 1.0)
    d2 = ((r[None, :] - dist[:, None]) / scale_r) ** 2 + (
        (a[None, :] - apogee[:, None]) / scale_a
    ) ** 2
    idx = np.nanargmin(d2, axis=1)
    p_idx, c_idx = np.unravel_index(idx, table.range_m.shape)
    return table.pitch_rad[p_idx], table.cutoff_s[c_idx]


def max_range_on_bearing(
    missile: MissileModel,
    lat_rad: float,
    lon_rad: float,
    azimuth_rad: float,
    *,
    earth: Earth = ROTATING_WGS84,
    drag: bool = True,
) -> float:
    """Greatest ground range of a full burn on one bearing (golden-section search on pitch), m."""
    lo, hi = np.radians(5.0), np.radians(80.0)
    pitches = np.linspace(lo, hi, 31)
    fl = fly_powered(missile, lat_rad, lon_rad, azimuth_rad, pitches, earth=earth, drag=drag)
    rng = np.where(fl.status == STATUS_IMPACT, fl.ground_range_m, 0.0)
    i = int(np.argmax(rng))
    a, b = pitches[max(i - 1, 0)], pitches[min(i + 1, len(pitches) - 1)]
    g = (np.sqrt(5.0) - 1.0) / 2.0
    for _ in range(6):
        cand = np.array([b - g * (b - a), a + g * (b - a)])
        fl = fly_powered(missile, lat_rad, lon_rad, azimuth_rad, cand, earth=earth, drag=drag)
        r = np.where(fl.status == STATUS_IMPACT, fl.ground_range_m, 0.0)
        if r[0] > r[1]:
            b = cand[1]
        else:
            a = cand[0]
    return float(max(rng.max(), r.max()))
