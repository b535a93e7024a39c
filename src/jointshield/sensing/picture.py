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

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from jointshield.arrays import FloatArray
from jointshield.flight.raid import RaidGeometry
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

    def position_sigma_at(self, t_s: NDArray[np.float64]) -> NDArray[np.float64]:
        """One-sigma position error per axis of the track at times ``t_s``, m.

        ``t_s`` has shape (T, n, b): a time for every trial, threat and
        battery. The error is the filter's after its last look at or before
        each time (NaN before its first look after burnout), per axis: the
        root of a third of the position covariance's trace.
        """
        if self.history is None:
            return np.full(t_s.shape, np.nan)
        looks = self.history.t_s  # (n, J)
        sigma = self.history.position_sigma_m() / np.sqrt(3.0)  # (n, J)
        # Number of looks at or before each time: (T, n, b, J) comparisons summed.
        done = np.sum(looks[None, :, None, :] <= t_s[..., None], axis=-1)
        idx = np.maximum(done - 1, 0)
        rows = np.arange(looks.shape[0])[None, :, None]
        out: NDArray[np.float64] = np.where(done > 0, sigma[rows, idx], np.nan)
        return out

    def fire_control_s(self, position_sigma_m: float, velocity_sigma_mps: float) -> FloatArray:
        """First time the track's one-sigma errors are below the given figures, s; NaN if never."""
        n = self.looks.t_s.shape[0]
        if self.history is None:
            return np.full(n, np.nan)
        return self.history.first_time_below(position_sigma_m, velocity_sigma_mps)


@dataclass(frozen=True)
class Picture:
    """Every radar's view of a raid."""

    geometry: RaidGeometry
    views: tuple[RadarView, ...]

    @cached_property
    def by_name(self) -> dict[str, RadarView]:
        """The views by radar name."""
        return {v.radar.name: v for v in self.views}


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
    n = len(geometry)
    views = []
    for radar in radars:
        looks = radar_looks(radar, fl, geometry.rcs_m2, geometry.launch_time_s)
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
        views.append(RadarView(radar, looks, confirmed, history))
    return Picture(geometry, tuple(views))
