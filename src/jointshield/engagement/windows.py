"""Intercept windows: when a battery can meet each threat along its path.

For every threat × battery × threat sample, the launch time that meets the
threat there (from the interceptor's reach table,
:mod:`jointshield.flight.reach`) and whether the point is inside the
battery's envelope, with a reason where it is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.arrays import BoolArray, FloatArray, IntArray
from jointshield.compiled import njit
from jointshield.errors import JointshieldError
from jointshield.flight.flyout import PHASE_BOOST, Flyouts
from jointshield.flight.reach import InterceptorKinematics, _read_only
from jointshield.physics.geo import ecef_to_geodetic, geodesic_inverse

#: Why a threat-battery pair has no feasible intercept.
REASON_FEASIBLE: Final = 0
REASON_OUT_OF_RANGE: Final = 1
REASON_ALTITUDE: Final = 2
REASON_UNREACHABLE: Final = 3
REASON_NAMES: Final = {
    REASON_FEASIBLE: "feasible",
    REASON_OUT_OF_RANGE: "out of range",
    REASON_ALTITUDE: "outside altitude limits",
    REASON_UNREACHABLE: "unreachable in time",
}


# --------------------------------------------------------------------------- batteries


@dataclass(frozen=True)
class BatteryGeometry:
    """A battery as the engagement model sees it: where, whose, how many, how far it reaches.

    Attributes
    ----------
    name, owner : str
        The battery's name and the party that fires it.
    lat_rad, lon_rad, alt_m : float
        Geodetic position of the launchers, rad and m.
    rounds : int
        Interceptors ready to fire.
    kinematics : InterceptorKinematics
        The reach of its interceptor type (with the type's published figures).
    organic_radars : tuple of str
        Names of its own fire-control radars (its party's, on its site).
    launch_on_remote, engage_on_remote : bool
        Its engagement modes on another radar's track (its weapon system's).
    down_s : tuple of (float, float)
        Windows on the scenario clock in which it cannot launch
        (:func:`close_launches`).
    """

    name: str
    owner: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    rounds: int
    kinematics: InterceptorKinematics
    organic_radars: tuple[str, ...] = ()
    launch_on_remote: bool = False
    engage_on_remote: bool = False
    down_s: tuple[tuple[float, float], ...] = ()


# --------------------------------------------------------------------------- windows


_LOWEST: Final = float(np.finfo(np.float64).min)


@njit
def _first_at_or_after(
    running: FloatArray,
    t_launch: FloatArray,
    t_intercept: FloatArray,
    rows: IntArray,
    ready: FloatArray,
    launch_out: FloatArray,
    intercept_out: FloatArray,
    k_out: IntArray,
) -> None:
    """Find, for each ready time, the first sample whose running maximum launch is at or after it.

    For ``ready[q, i, j]``: the first sample k of pair (``rows[i]``, j) with
    ``running ≥ ready`` (a lower-bound binary search), its launch and
    intercept times and k; NaN and -1 where there is none or the time is NaN.
    """
    n_queries, m, b = ready.shape
    n_k = running.shape[2]
    for q in range(n_queries):
        for i in range(m):
            row = rows[i]
            for j in range(b):
                r = ready[q, i, j]
                lo = n_k
                if not np.isnan(r):
                    # -inf marks "no feasible solution yet": any ready time is above it.
                    r = max(r, _LOWEST)
                    lo, hi = 0, n_k
                    while lo < hi:
                        mid = (lo + hi) >> 1
                        if running[row, j, mid] < r:
                            lo = mid + 1
                        else:
                            hi = mid
                if lo < n_k:
                    launch_out[q, i, j] = t_launch[row, j, lo]
                    intercept_out[q, i, j] = t_intercept[row, j, lo]
                    k_out[q, i, j] = lo
                else:
                    launch_out[q, i, j] = np.nan
                    intercept_out[q, i, j] = np.nan
                    k_out[q, i, j] = -1


@dataclass(frozen=True, eq=False)
class InterceptWindows:
    """For every threat × battery, the intercept solutions along the threat's path.

    Times are on each threat's own clock: seconds after that threat's launch.
    Axis ``K`` runs over the threat's trajectory samples.

    Attributes
    ----------
    t_intercept_s : ndarray, shape (n, b, K)
        Candidate intercept times (the threat's sample times), s; NaN where
        the sample is not a candidate (after impact, or in the boost when
        only post-burnout intercepts are asked for).
    t_launch_s : ndarray, shape (n, b, K)
        When the interceptor must launch to be at the point then:
        ``t_intercept_s - time_to_reach``, s; NaN where unreachable.
    feasible : ndarray of bool, shape (n, b, K)
        The point is a candidate, within the battery's range and altitude
        limits, and in its reach.
    point_ecef_m : ndarray, shape (n, b, K, 3)
        The candidate points, ECEF, m.
    reason : ndarray of int8, shape (n, b)
        Why a pair has no feasible solution at all: :data:`REASON_FEASIBLE`
        (0, it has some), :data:`REASON_OUT_OF_RANGE` (1, no candidate
        point within the maximum range), :data:`REASON_ALTITUDE` (2, none in
        range is within the altitude limits), :data:`REASON_UNREACHABLE`
        (3, those that are lie outside the reach envelope).
    """

    t_intercept_s: FloatArray
    t_launch_s: FloatArray
    feasible: BoolArray
    point_ecef_m: FloatArray
    reason: NDArray[np.int8]

    @cached_property
    def _launch_running_max_s(self) -> FloatArray:
        """Running maximum over k of the feasible launch times (-inf before the first)."""
        launch = np.where(self.feasible, self.t_launch_s, -np.inf)
        out: FloatArray = np.maximum.accumulate(launch, axis=-1)
        return out

    def earliest(
        self, ready_s: ArrayLike, rows: IntArray | None = None
    ) -> tuple[FloatArray, FloatArray, IntArray]:
        """Return the earliest intercept whose launch is no earlier than ``ready_s``.

        "Earliest" is by intercept time: of the feasible solutions with
        ``t_launch ≥ ready_s``, the one with the smallest sample index k.

        Parameters
        ----------
        ready_s : array_like
            When each battery is ready to fire at each threat, s after the
            threat's launch; broadcastable to ``(..., n, b)`` (a leading
            trial axis is allowed). NaN means never.
        rows : ndarray of int, shape (m,), optional
            The threat of each row of ``ready_s`` (e.g. of each warhead: a
            threat fired twice is two rows); ``ready_s`` is then
            broadcastable to ``(..., m, b)``. Default: row ``i`` is threat ``i``.

        Returns
        -------
        t_launch_s, t_intercept_s : ndarray
            Launch and intercept time of the solution, s; NaN where none
            ("too late").
        k : ndarray of intp
            Sample index of the solution; -1 where none.

        Notes
        -----
        ``t_launch`` is not monotone in k, but its running maximum ``M_k``
        is, and the first k with ``t_launch_k ≥ r`` is the first with
        ``M_k ≥ r`` (there ``M`` rises, so ``M_k = t_launch_k``). A binary
        search on ``M`` (a compiled loop over the queries,
        :func:`_first_at_or_after`) answers each query in ``log2(K)`` steps,
        exactly.
        """
        ready = np.asarray(ready_s, dtype=float)
        n, b, _ = self.t_launch_s.shape
        which = np.arange(n) if rows is None else np.asarray(rows, dtype=np.intp)
        try:
            shape = np.broadcast_shapes(ready.shape, (which.shape[0], b))
        except ValueError:
            raise JointshieldError(
                f"ready times of shape {ready.shape}: expected a shape broadcastable to "
                f"(..., {which.shape[0]}, {b}) (threats, batteries)"
            ) from None
        r = np.ascontiguousarray(np.broadcast_to(ready, shape)).reshape(-1, *shape[-2:])
        t_launch = np.empty(r.shape)
        t_intercept = np.empty(r.shape)
        k = np.empty(r.shape, dtype=np.intp)
        _first_at_or_after(
            self._launch_running_max_s,
            self.t_launch_s,
            self.t_intercept_s,
            which,
            r,
            t_launch,
            t_intercept,
            k,
        )
        return t_launch.reshape(shape), t_intercept.reshape(shape), k.reshape(shape)

    def latest_launch(self) -> FloatArray:
        """Return the last launch time that still meets each threat, s, (n, b); NaN if none."""
        last = self._launch_running_max_s[..., -1]
        return np.where(np.isfinite(last), last, np.nan)

    def after(
        self, t_intercept_s: ArrayLike, gap_s: ArrayLike, rows: IntArray | None = None
    ) -> tuple[FloatArray, FloatArray, IntArray]:
        """Return the earliest solution launched at least ``gap_s`` after ``t_intercept_s``.

        For shoot-look-shoot: a second interceptor is launched only after the
        first one's intercept has been assessed.

        Parameters
        ----------
        t_intercept_s : array_like
            Intercept time of the earlier shot, s after the threat's launch;
            broadcastable to ``(..., n, b)``; NaN means no earlier shot.
        gap_s : array_like
            Time from that intercept to the earliest next launch (kill
            assessment), s.
        rows : ndarray of int, optional
            As for :meth:`earliest`.

        Returns
        -------
        tuple
            As :meth:`earliest`.
        """
        ready = np.asarray(t_intercept_s, dtype=float) + np.asarray(gap_s, dtype=float)
        return self.earliest(ready, rows)


@dataclass(frozen=True)
class WindowGeometry:
    """Where every sampled threat point lies from every battery site, before any kinematics.

    The ground range and the altitude of a point do not depend on the
    interceptor, so a caller that asks the same sites about many interceptor
    types or speeds (:mod:`jointshield.analysis.redline`) computes them once.

    Attributes
    ----------
    sites_rad : ndarray, shape (b, 2)
        Geodetic latitude and longitude of each site, rad.
    times_s : ndarray, shape (K,)
        Sample times, s after the threat's launch.
    candidate : ndarray of bool, shape (n, K)
        Samples that may be intercepted (in flight, finite, past burnout when
        asked).
    range_m : ndarray, shape (n, b, K)
        WGS-84 geodesic from each site to the sample's sub-point, m (NaN where
        not a candidate).
    alt_m : ndarray, shape (n, K)
        Geodetic altitude of the sample, m (NaN where not a candidate).
    point_ecef_m : ndarray, shape (n, K, 3)
        The sample's position, ECEF, m (NaN where not a candidate).
    """

    sites_rad: FloatArray
    times_s: FloatArray
    candidate: BoolArray
    range_m: FloatArray
    alt_m: FloatArray
    point_ecef_m: FloatArray

    def take(self, rows: ArrayLike, sites: ArrayLike) -> WindowGeometry:
        """Return the geometry of some threats (``rows``) from some sites (``sites``)."""
        r = np.asarray(rows, dtype=np.intp)
        c = np.asarray(sites, dtype=np.intp)
        return WindowGeometry(
            sites_rad=self.sites_rad[c],
            times_s=self.times_s,
            candidate=self.candidate[r],
            range_m=self.range_m[r][:, c],
            alt_m=self.alt_m[r],
            point_ecef_m=self.point_ecef_m[r],
        )


def window_geometry(
    sites_rad: ArrayLike, flyouts: Flyouts, *, post_burnout_only: bool = True
) -> WindowGeometry:
    """Ground range and altitude of every sampled threat point from every site.

    Parameters
    ----------
    sites_rad : array_like, shape (b, 2)
        Geodetic latitude and longitude of each site, rad.
    flyouts : Flyouts
        The threats (``n``), with trajectory samples (ECEF).
    post_burnout_only : bool
        Leave out samples of the threat's boost.

    Returns
    -------
    WindowGeometry
        The geometry, read-only.

    Notes
    -----
    Ground range: WGS-84 geodesic from the site to the point's geodetic
    sub-point (Vincenty); altitude: geodetic, above the ellipsoid.
    """
    if flyouts.samples is None or flyouts.sample_phase is None or flyouts.sample_dt_s is None:
        raise JointshieldError(
            "flyouts: expected sampled trajectories (fly them with sample_dt_s set)"
        )
    where = np.array(sites_rad, dtype=float).reshape(-1, 2)
    samples, phase = flyouts.samples, flyouts.sample_phase
    n, n_k = phase.shape
    n_b = where.shape[0]
    times = np.arange(n_k, dtype=np.float64) * float(flyouts.sample_dt_s)
    pos = samples[..., :3]
    candidate = (phase >= 0) & np.isfinite(pos).all(axis=-1)
    if post_burnout_only:
        candidate &= phase != PHASE_BOOST
    idx = np.flatnonzero(candidate.ravel())
    lat, lon, alt_c = ecef_to_geodetic(pos.reshape(-1, 3)[idx], flyouts.earth.ellipsoid)
    dist_c, _, _ = geodesic_inverse(
        where[None, :, 0], where[None, :, 1], lat[:, None], lon[:, None], flyouts.earth.ellipsoid
    )
    # Scatter the candidates' geometry back onto the (n, b, K) grid.
    range_m = np.full((n * n_k, n_b), np.nan)
    range_m[idx] = dist_c
    range_m = range_m.reshape(n, n_k, n_b).transpose(0, 2, 1)
    alt_flat = np.full(n * n_k, np.nan)
    alt_flat[idx] = alt_c
    point = np.where(candidate[..., None], pos, np.nan)
    out = WindowGeometry(
        sites_rad=where,
        times_s=times,
        candidate=candidate,
        range_m=range_m,
        alt_m=alt_flat.reshape(n, n_k),
        point_ecef_m=point,
    )
    for a in (where, times, candidate, range_m, out.alt_m, point):
        _read_only(a)
    return out


def intercept_windows(
    batteries: Sequence[BatteryGeometry],
    flyouts: Flyouts | None = None,
    *,
    post_burnout_only: bool = True,
    geometry: WindowGeometry | None = None,
) -> InterceptWindows:
    """Intercept solutions of every battery against every sampled threat trajectory.

    Parameters
    ----------
    batteries : sequence of BatteryGeometry
        The batteries (``b``).
    flyouts : Flyouts, optional
        The threats (``n``), with trajectory samples (ECEF, e.g.
        :attr:`jointshield.raid.RaidGeometry.flyouts`); not needed when
        ``geometry`` is given.
    post_burnout_only : bool
        Leave out samples of the threat's boost (the default: the
        interceptors modelled engage after burnout).
    geometry : WindowGeometry, optional
        The geometry of the same threats from the batteries' sites, in their
        order (:func:`window_geometry`), computed once for many kinematics.

    Returns
    -------
    InterceptWindows
        Solutions on each threat's own clock (s after its launch).

    Notes
    -----
    Range and altitude (:func:`window_geometry`) go into the battery's reach
    table (:meth:`InterceptorKinematics.time_to_reach`).
    """
    bats = tuple(batteries)
    if not bats or not all(isinstance(x, BatteryGeometry) for x in bats):
        raise JointshieldError("batteries: expected a non-empty sequence of BatteryGeometry")
    sites = np.array([[x.lat_rad, x.lon_rad] for x in bats])
    if geometry is None:
        if flyouts is None:
            raise JointshieldError("intercept_windows: expected flyouts or a geometry")
        geometry = window_geometry(sites, flyouts, post_burnout_only=post_burnout_only)
    elif not np.array_equal(geometry.sites_rad, sites):
        raise JointshieldError("geometry: computed for other sites than these batteries'")
    candidate, times, range_m = geometry.candidate, geometry.times_s, geometry.range_m
    n, n_k = candidate.shape
    n_b = len(bats)
    pos = geometry.point_ecef_m
    alt_m = np.broadcast_to(geometry.alt_m[:, None, :], (n, n_b, n_k))

    max_range = np.array([x.kinematics.max_range_m for x in bats])[None, :, None]
    min_alt = np.array([x.kinematics.min_intercept_alt_m for x in bats])[None, :, None]
    max_alt = np.array([x.kinematics.max_intercept_alt_m for x in bats])[None, :, None]
    cand = np.broadcast_to(candidate[:, None, :], (n, n_b, n_k))
    with np.errstate(invalid="ignore"):
        in_range = cand & (range_m <= max_range)
        in_alt = in_range & (alt_m >= min_alt) & (alt_m <= max_alt)
    ttr = np.full((n, n_b, n_k), np.nan)
    # One table lookup per interceptor type, over all its batteries at once.
    groups: dict[int, list[int]] = {}
    for j, x in enumerate(bats):
        groups.setdefault(id(x.kinematics), []).append(j)
    for cols in groups.values():
        kin = bats[cols[0]].kinematics
        ttr[:, cols, :] = kin.time_to_reach(range_m[:, cols, :], alt_m[:, cols, :])
    t_intercept = np.where(cand, times[None, None, :], np.nan)
    t_launch = t_intercept - ttr
    feasible = in_alt & np.isfinite(t_launch)
    reason = np.full((n, n_b), REASON_UNREACHABLE, dtype=np.int8)
    reason[~in_alt.any(axis=-1)] = REASON_ALTITUDE
    reason[~in_range.any(axis=-1)] = REASON_OUT_OF_RANGE
    reason[feasible.any(axis=-1)] = REASON_FEASIBLE
    point_ecef = np.broadcast_to(pos[:, None, :, :], (n, n_b, n_k, 3))
    out = InterceptWindows(
        t_intercept_s=t_intercept,
        t_launch_s=t_launch,
        feasible=feasible,
        point_ecef_m=point_ecef,
        reason=reason,
    )
    for a in (t_intercept, t_launch, feasible, reason):
        _read_only(a)
    return out


def close_launches(
    windows: InterceptWindows,
    batteries: Sequence[BatteryGeometry],
    launch_time_s: ArrayLike,
) -> InterceptWindows:
    """Remove the solutions whose launch falls while its battery is down.

    A battery down from ``t1`` to ``t2`` on the scenario clock
    (:attr:`BatteryGeometry.down_s`) cannot launch then, so every solution
    with ``t1 <= launch_time_s + t_launch < t2`` ceases to be feasible; a
    threat that it could only have engaged then finds it too late. A
    battery's later solutions stay, so it fights again once it is back up.

    Parameters
    ----------
    windows : InterceptWindows
        The windows of these batteries, in their order.
    batteries : sequence of BatteryGeometry
        The batteries (``b``).
    launch_time_s : array_like, shape (n,)
        Each threat's launch time on the scenario clock, s.

    Returns
    -------
    InterceptWindows
        The same windows, or, where a battery is down, a copy without the
        launches it cannot make.
    """
    if not any(bat.down_s for bat in batteries):
        return windows
    at = windows.t_launch_s + np.asarray(launch_time_s, dtype=float)[:, None, None]
    down = np.zeros(windows.feasible.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        for j, bat in enumerate(batteries):
            for start, end in bat.down_s:
                down[:, j, :] |= (at[:, j, :] >= start) & (at[:, j, :] < end)
    feasible = windows.feasible & ~down
    _read_only(feasible)
    return replace(windows, feasible=feasible)
