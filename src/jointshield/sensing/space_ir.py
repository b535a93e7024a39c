"""Space-based infrared early warning: a launch cue from the boost plume."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from jointshield.arrays import FloatArray
from jointshield.errors import JointshieldError
from jointshield.flight.flyout import PHASE_BOOST, Flyouts
from jointshield.physics.geo import geodetic_altitude_m
from jointshield.sensing.radar import _check


@dataclass(frozen=True)
class SpaceIR:
    """Space-based infrared early warning: sees the boost phase after a delay; no fire-control data.

    A constellation of early-warning satellites (the U.S. DSP/SBIRS, the
    Russian Oko/Tundra) sees the plume of a burning rocket once it is out of
    the clouds, and reports a launch: a time, an area and a rough bearing,
    which cue radars but do not guide interceptors.

    Parameters
    ----------
    name, owner : str
        The sensor's name and the party that operates it.
    delay_s : float
        Reporting delay after the first detectable moment, s.
    p_detect : float
        Probability that the constellation reports a given launch at all.
    min_altitude_m : float
        Height above which the plume is seen, m. 10 km is an assumption
        (about the top of most cloud decks), not a published figure.
    sigma_launch_time_s : float
        One-sigma error of the reported launch time, s (assumption).
    sigma_azimuth_rad : float
        One-sigma error of the reported launch azimuth, rad (assumption).
    launch_area_radius_m : float
        Radius of the reported launch area, m (assumption).
    down_s : tuple of (float, float)
        Windows ``[start, end)`` on the scenario clock in which it reports
        nothing (an exercise's fault; :func:`space_ir_cues`).

    """

    name: str
    owner: str
    delay_s: float
    p_detect: float = 1.0
    min_altitude_m: float = 10_000.0
    sigma_launch_time_s: float = 5.0
    sigma_azimuth_rad: float = math.radians(5.0)
    launch_area_radius_m: float = 50e3
    down_s: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        for key in (
            "delay_s",
            "min_altitude_m",
            "sigma_launch_time_s",
            "sigma_azimuth_rad",
            "launch_area_radius_m",
        ):
            value = getattr(self, key)
            _check(
                isinstance(value, numbers.Real) and math.isfinite(float(value)),
                self.name,
                f"{key} must be a finite number, got {value!r}",
            )
            if key != "min_altitude_m":
                _check(value >= 0, self.name, f"{key} must be >= 0, got {value}")
        _check(
            isinstance(self.p_detect, numbers.Real) and 0 <= self.p_detect <= 1,
            self.name,
            f"p_detect must lie in [0, 1], got {self.p_detect!r}",
        )


def space_ir_cues(sensor: SpaceIR, flyouts: Flyouts, launch_time_s: ArrayLike = 0.0) -> FloatArray:
    """Return the flight time at which a space-based infrared sensor reports each launch.

    Parameters
    ----------
    sensor : SpaceIR
        The sensor.
    flyouts : jointshield.flight.Flyouts
        A batch flown with ``sample_dt_s``.
    launch_time_s : array_like
        Each launch's time on the scenario clock, s (a number or shape (n,)),
        to place the report against the sensor's :attr:`SpaceIR.down_s`.

    Returns
    -------
    numpy.ndarray
        Shape (n,): the time of the first boost-phase sample at or above
        ``min_altitude_m`` (geodetic height), plus ``delay_s``, s after
        launch; NaN where the boost never climbs that high, or where the
        report would fall while the sensor is down. The plume is
        seen only while the engine burns, so the first detectable moment is
        quantised to the sample interval.

    Raises
    ------
    JointshieldError
        If the flyouts carry no samples.

    """
    samples = flyouts.samples
    phase = flyouts.sample_phase
    dt = flyouts.sample_dt_s
    if samples is None or phase is None or dt is None:
        raise JointshieldError(
            "space_ir_cues needs sampled flyouts: fly them with sample_dt_s (e.g. 1.0 s)"
        )
    n = samples.shape[0]
    boost = phase == PHASE_BOOST
    # The boost is at the start of a flight: look only at the columns that hold any.
    columns = np.flatnonzero(boost.any(axis=0))
    width = int(columns[-1]) + 1 if columns.size else 0
    if width == 0:
        return np.full(n, np.nan)
    r = samples[:, :width, :3]
    with np.errstate(invalid="ignore"):
        alt = geodetic_altitude_m(np.sqrt(r[..., 0] ** 2 + r[..., 1] ** 2), r[..., 2])
        seen = boost[:, :width] & (alt >= sensor.min_altitude_m)
    first = np.argmax(seen, axis=1)
    cue: FloatArray = np.where(seen.any(axis=1), first * dt + sensor.delay_s, np.nan)
    at = cue + np.asarray(launch_time_s, dtype=float)
    for start, end in sensor.down_s:
        with np.errstate(invalid="ignore"):
            cue = np.where((at >= start) & (at < end), np.nan, cue)
    return cue
