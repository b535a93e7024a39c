"""The sensor picture of a raid: what every radar sees of every threat, computed once.

For each radar of a scenario and each threat of a raid: the looks (scan times
at which the threat is visible, with its true state there), the time a track
is confirmed (M detections in N looks, every look detecting: the nominal
picture), and the covariance history of a ballistic track filter started at
burnout, linearised about the true trajectory
(:func:`jointshield.tracking.covariance_history`). The timeline and the
engagement model read it; no Monte Carlo trial recomputes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
from numpy.typing import NDArray

from jointshield.arrays import FloatArray
from jointshield.flight.raid import RaidGeometry
from jointshield.sensing.fusion import fuse_many
from jointshield.sensing.radar import Looks, Radar, radar_looks
from jointshield.sensing.tracking import RadarFrame, TrackHistory, covariance_history

#: Process noise of the ballistic track filters, m²/s³ (white acceleration):
#: covers drag and mismodelled gravity after burnout [assumption].
PROCESS_NOISE_M2_S3 = 1.0


def _post_burnout(looks: Looks, burnout_s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the looks after burnout, moved to the front of each row.

    Returns times (n, J) and true states (n, J, 6), NaN-padded.
    """
    j = looks.t_s.shape[1]
    before = np.sum(looks.t_s <= burnout_s[:, None], axis=1)
    cols = np.arange(j)[None, :] + before[:, None]
    valid = cols < looks.count[:, None]
    cols = np.minimum(cols, max(j - 1, 0))
    t = np.where(valid, np.take_along_axis(looks.t_s, cols, axis=1), np.nan)
    states = np.concatenate([looks.r_ecef_m, looks.v_ecef_mps], axis=-1)
    x = np.take_along_axis(states, cols[..., None], axis=1)
    x = np.where(valid[..., None], x, np.nan)
    return t, x


@dataclass(frozen=True)
class RadarView:
    """One radar's deterministic view of every threat of a raid (threat flight times, s).

    Attributes
    ----------
    radar : Radar
        The radar.
    looks : Looks
        Its looks at each threat.
    confirmed_s : ndarray, shape (n,)
        Time its track of each threat is confirmed (the M-th look); NaN if never.
    history : TrackHistory or None
        Covariance history of its post-burnout track filter; None if it never
        looks at any threat after burnout.
    """

    radar: Radar
    looks: Looks
    confirmed_s: FloatArray
    history: TrackHistory | None

    @property
    def first_look_s(self) -> FloatArray:
        """Time of the first look at each threat, s; NaN if never."""
        return self.looks.first_s()

    def position_sigma_at(self, t_s: NDArray[np.float64], rows: NDArray[np.int64]) -> FloatArray:
        """One-sigma position error per axis of the track at times ``t_s``, m.

        ``t_s`` has shape (T, m): a time for every trial and column, and
        ``rows`` (m,) gives the threat of each column (e.g. the threat of
        each warhead). The error is the filter's after its last look at or
        before each time (NaN before its first look after burnout), per
        axis: the root of a third of the position covariance's trace.
        """
        if self.history is None:
            return np.full(t_s.shape, np.nan)
        looks = self.history.t_s[rows]  # (m, J)
        sigma = self.history.position_sigma_m()[rows] / np.sqrt(3.0)
        # Number of looks at or before each time: (T, m, J) comparisons summed.
        done = np.sum(looks[None, :, :] <= t_s[..., None], axis=-1)
        idx = np.maximum(done - 1, 0)
        cols = np.arange(looks.shape[0])[None, :]
        out: FloatArray = np.where(done > 0, sigma[cols, idx], np.nan)
        return out

    def fire_control_s(self, position_sigma_m: float, velocity_sigma_mps: float) -> FloatArray:
        """First look at which the track's one-sigma errors per axis are below the figures, s.

        Per axis: the root of a third of the trace of the position (velocity)
        covariance, compared with ``position_sigma_m`` (``velocity_sigma_mps``).
        NaN where never.
        """
        n = self.looks.t_s.shape[0]
        if self.history is None:
            return np.full(n, np.nan)
        root3 = math.sqrt(3.0)
        return self.history.first_time_below(position_sigma_m * root3, velocity_sigma_mps * root3)


@dataclass(frozen=True)
class Picture:
    """Every radar's view of a raid."""

    geometry: RaidGeometry
    views: tuple[RadarView, ...]

    @cached_property
    def by_name(self) -> dict[str, RadarView]:
        """The views by radar name."""
        return {v.radar.name: v for v in self.views}


def _view(radar: Radar, looks: Looks, geometry: RaidGeometry) -> RadarView:
    """Build a radar's view from its looks: nominal confirmation, post-burnout covariances."""
    fl = geometry.flyouts
    n = len(geometry)
    m = radar.track_confirm_m
    # With every look a detection, M of N is reached at the M-th look.
    confirmed = looks.t_s[:, m - 1].copy() if looks.t_s.shape[1] >= m else np.full(n, np.nan)
    t_post, x_post = _post_burnout(looks, fl.t_burnout_s)
    history = None
    if t_post.shape[1] and np.isfinite(t_post).any():
        frame = RadarFrame.at(
            radar.lat_rad,
            radar.lon_rad,
            radar.alt_m,
            radar.sigma_range_m,
            radar.sigma_az_rad,
            radar.sigma_el_rad,
        )
        history = covariance_history(t_post, x_post, frame, PROCESS_NOISE_M2_S3)
    return RadarView(radar, looks, confirmed, history)


def sensor_picture(geometry: RaidGeometry, radars: tuple[Radar, ...]) -> Picture:
    """Compute every radar's looks, confirmation times and track covariances for a raid.

    Parameters
    ----------
    geometry : RaidGeometry
        The raid, aimed and flown.
    radars : tuple of Radar
        The radars, in the theatre's order.

    Returns
    -------
    Picture
        One view per radar, in the same order.
    """
    fl = geometry.flyouts
    views = tuple(
        _view(radar, radar_looks(radar, fl, geometry.rcs_m2, geometry.launch_time_s), geometry)
        for radar in radars
    )
    return Picture(geometry, views)


def _looks_from(looks: Looks, start_s: FloatArray) -> Looks:
    """Return the looks at or after ``start_s`` (n,), moved to the front of each row (NaN: none)."""
    t = looks.t_s
    j = t.shape[1]
    with np.errstate(invalid="ignore"):
        before = np.sum(t < start_s[:, None], axis=1)
    before = np.where(np.isfinite(start_s), before, looks.count)
    cols = np.arange(j)[None, :] + before[:, None]
    count = np.maximum(looks.count - before, 0)
    valid = np.arange(j)[None, :] < count[:, None]
    cols = np.minimum(cols, max(j - 1, 0))
    pick = np.take_along_axis
    return Looks(
        sensor=looks.sensor,
        t_s=np.where(valid, pick(t, cols, axis=1), np.nan),
        r_ecef_m=np.where(valid[..., None], pick(looks.r_ecef_m, cols[..., None], axis=1), np.nan),
        v_ecef_mps=np.where(
            valid[..., None], pick(looks.v_ecef_mps, cols[..., None], axis=1), np.nan
        ),
        count=count.astype(np.int64),
    )


def cued_view(view: RadarView, geometry: RaidGeometry, cue_s: FloatArray) -> RadarView | None:
    """Return the radar's view when a cue of each threat reaches it at flight time ``cue_s``.

    Cued acquisition: from the cue on, the radar searches only the cue's
    volume, and its range is ``range_max`` times
    :meth:`~jointshield.sensing.radar.Radar.cued_range_gain` (the search
    radar equation). Its looks are then those of the cued radar at or after
    the cue, and its track (confirmation, covariances) starts from them.
    Where the cue comes no earlier than the uncued radar's first look, or
    never, the radar already holds the threat, or has no cue, and its view
    is the uncued one.

    Parameters
    ----------
    view : RadarView
        The uncued view.
    geometry : RaidGeometry
        The raid.
    cue_s : ndarray, shape (n,)
        Flight time at which a cue of each threat reaches the radar, s; NaN: none.

    Returns
    -------
    RadarView or None
        The cued view, or None where the cue changes nothing for any threat
        (no cued search, or no cue before a first look).
    """
    radar = view.radar
    if radar.cued_range_gain() == 1.0:
        return None
    first = view.first_look_s
    with np.errstate(invalid="ignore"):
        early = np.isfinite(cue_s) & ~(cue_s >= first)
    if not early.any():
        return None
    cued = radar.cued()
    looks = radar_looks(cued, geometry.flyouts, geometry.rcs_m2, geometry.launch_time_s)
    looks = _looks_from(looks, np.where(early, cue_s, np.nan))
    # Rows the cue does not help keep the uncued looks.
    merged = _merge_rows(looks, view.looks, early)
    return _view(cued, merged, geometry)


def _merge_rows(a: Looks, b: Looks, use_a: NDArray[np.bool_]) -> Looks:
    """Rows of ``a`` where ``use_a``, else of ``b``, padded to one width."""
    j = max(a.t_s.shape[1], b.t_s.shape[1])

    def pad(x: FloatArray) -> FloatArray:
        width = [(0, 0)] * x.ndim
        width[1] = (0, j - x.shape[1])
        return np.pad(x, width, constant_values=np.nan)

    pick = use_a[:, None]
    return Looks(
        sensor=a.sensor,
        t_s=np.where(pick, pad(a.t_s), pad(b.t_s)),
        r_ecef_m=np.where(pick[..., None], pad(a.r_ecef_m), pad(b.r_ecef_m)),
        v_ecef_mps=np.where(pick[..., None], pad(a.v_ecef_mps), pad(b.v_ecef_mps)),
        count=np.where(use_a, a.count, b.count).astype(np.int64),
    )


FUSION_GRID_POINTS: Final = 64
"""Times at which a fused track's quality is evaluated between its first data and the
best single track's fire-control time (plus that time itself)."""


def _covariance_at(
    history: TrackHistory, delay_s: float, tau_s: FloatArray
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """One track's covariance as received at times ``tau_s`` (n, G), propagated to them.

    The last update available at ``τ`` is the one at the last look ``t`` with
    ``t + delay ≤ τ``; it is propagated by ``τ − t`` with a constant-velocity
    model and the filters' white-acceleration process noise (gravity's
    gradient neglected over the gap). Returns the position and velocity
    blocks (n, G, 3, 3) and whether the track exists yet (n, G).
    """
    t = history.t_s
    n, g = tau_s.shape
    avail = t + delay_s
    idx = np.empty((n, g), dtype=np.intp)
    for i in range(n):
        row = avail[i]
        row = row[np.isfinite(row)]
        idx[i] = np.searchsorted(row, tau_s[i], side="right") - 1
    have = idx >= 0
    idx = np.maximum(idx, 0)
    rows = np.arange(n)[:, None]
    P = history.P[rows, idx]  # (n, G, 6, 6)
    dt = np.where(have, tau_s - t[rows, idx], 0.0)[..., None, None]
    q = PROCESS_NOISE_M2_S3
    pp, pv, vv = P[..., :3, :3], P[..., :3, 3:], P[..., 3:, 3:]
    eye = np.eye(3)
    pos = pp + dt * (pv + np.swapaxes(pv, -1, -2)) + dt**2 * vv + q * dt**3 / 3.0 * eye
    vel = vv + q * dt * eye
    ok = have & np.isfinite(pos[..., 0, 0]) & np.isfinite(vel[..., 0, 0])
    return pos, vel, ok


def fused_fire_control_s(
    members: tuple[tuple[RadarView, float], ...],
    position_sigma_m: float,
    velocity_sigma_mps: float,
) -> FloatArray:
    """First time a fusion of several tracks meets fire-control figures per axis, s.

    Each member is a radar's view with the delay, s, after which its
    updates reach the fusing party (0 for its own sensors, the links'
    latency for another party's). At each evaluation time every member's
    latest received update is propagated to that time
    (:func:`_covariance_at`), and the members' position blocks, and their
    velocity blocks, are fused by sequential covariance intersection
    (:func:`jointshield.sensing.fusion.fuse_many`; Julier & Uhlmann 1997),
    which bounds the error whatever the tracks' correlation and is never
    tighter than the information would allow nor looser than the best
    member. The fused track is good enough when the root of a third of each
    fused trace is below its figure.

    The evaluation times are :data:`FUSION_GRID_POINTS` evenly spaced from
    the first member's first received update to the best single member's
    fire-control time (received), and that time itself; with no single
    member ever good enough, to its last received update. So the fused time
    is never later than the best member's (covariance intersection at
    ω ∈ {0, 1} is that member).

    Returns
    -------
    ndarray, shape (n,)
        Flight time of fire-control quality of the fused track, s; NaN if never.
    """
    hist = [(v.history, d) for v, d in members if v.history is not None]
    n = members[0][0].looks.t_s.shape[0]
    if not hist:
        return np.full(n, np.nan)
    single = np.stack(
        [v.fire_control_s(position_sigma_m, velocity_sigma_mps) + d for v, d in members]
    )
    best: FloatArray = np.asarray(np.fmin.reduce(single, axis=0), dtype=float)
    start: FloatArray = np.fmin.reduce(
        np.stack(
            [np.nanmin(np.where(np.isfinite(h.t_s), h.t_s, np.inf), axis=1) + d for h, d in hist]
        ),
        axis=0,
    )
    last: FloatArray = np.fmax.reduce(
        np.stack(
            [np.nanmax(np.where(np.isfinite(h.t_s), h.t_s, -np.inf), axis=1) + d for h, d in hist]
        ),
        axis=0,
    )
    end = np.where(np.isfinite(best), best, last)
    ok_row = np.isfinite(start) & np.isfinite(end) & (end >= start)
    start = np.where(ok_row, start, 0.0)
    end = np.where(ok_row, end, 0.0)
    frac = np.linspace(0.0, 1.0, FUSION_GRID_POINTS + 1)
    tau = start[:, None] + (end - start)[:, None] * frac[None, :]
    blocks = [_covariance_at(h, d, tau) for h, d in hist]
    zeros = np.zeros((len(hist), n, tau.shape[1], 3))
    valid = np.stack([ok for _, _, ok in blocks])
    _, p_pos = fuse_many(zeros, np.stack([pos for pos, _, _ in blocks]), valid)
    _, p_vel = fuse_many(zeros, np.stack([vel for _, vel, _ in blocks]), valid)
    with np.errstate(invalid="ignore"):
        sig_p = np.sqrt(np.trace(p_pos, axis1=-2, axis2=-1) / 3.0)
        sig_v = np.sqrt(np.trace(p_vel, axis1=-2, axis2=-1) / 3.0)
        good = (sig_p < position_sigma_m) & (sig_v < velocity_sigma_mps) & ok_row[:, None]
    first = np.argmax(good, axis=1)
    fused = np.where(good.any(axis=1), tau[np.arange(n), first], np.nan)
    out: FloatArray = np.fmin(fused, best)
    return out
