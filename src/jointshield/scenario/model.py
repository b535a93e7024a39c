"""The validated, immutable objects a scenario loads into.

Every class is a frozen pydantic model that refuses unknown keys. Numbers keep
the unit the file gives them, named in the field (``lat_deg``, ``range_max_km``,
``latency_s``, ``rcs_m2``); code that computes converts to SI once, at its edge.
Collections are tuples, so a loaded scenario cannot be changed in place; use
``model_copy(update=...)`` to derive a variant.

Names tie the objects together (a sensor names its site, a threat its missile,
launch area and target); :mod:`jointshield.scenario.checks` verifies them when a
file is loaded, and :class:`Scenario` looks them up (``scenario.site("kurecik")``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any, Final, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PrivateAttr, model_validator

from jointshield.errors import UnknownNameError
from jointshield.physics.constants import G0_MPS2
from jointshield.scenario.provenance import Provenance
from jointshield.vocabulary import (
    MEAN_OUTAGE_S,
    Aim,
    Refraction,
    SensorKind,
    Sharing,
)

__all__ = [
    "SCHEMA_ID",
    "Aim",
    "Asset",
    "Battery",
    "Fault",
    "Interceptor",
    "LaunchArea",
    "Link",
    "LinkOutage",
    "Missile",
    "MissileType",
    "Party",
    "Raid",
    "Scenario",
    "Sensor",
    "SensorKind",
    "Site",
    "Stage",
    "Threat",
]

SCHEMA_ID: Final = "jointshield/scenario-1"
"""The ``schema`` value of files this version reads."""


# Number types of the file. Strict: a quoted "1500", true or .nan is an error, not a number.
Name = Annotated[str, Field(strict=True, min_length=1, description="a name")]
Real = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Positive = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]
NonNegative = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
Probability = Annotated[
    float, Field(strict=True, allow_inf_nan=False, ge=0, le=1, description="a probability")
]
Latitude = Annotated[
    float, Field(strict=True, allow_inf_nan=False, ge=-90, le=90, description="a latitude")
]
Longitude = Annotated[
    float, Field(strict=True, allow_inf_nan=False, ge=-180, le=180, description="a longitude")
]
Azimuth = Annotated[
    float, Field(strict=True, allow_inf_nan=False, ge=0, lt=360, description="an azimuth")
]
HalfWidth = Annotated[
    float,
    Field(strict=True, allow_inf_nan=False, gt=0, le=180, description="a half-width"),
]
Elevation = Annotated[
    float, Field(strict=True, allow_inf_nan=False, ge=-90, le=90, description="an elevation")
]
Count = Annotated[int, Field(strict=True, ge=1)]
NonNegativeInt = Annotated[int, Field(strict=True, ge=0)]


def _upto(high: float, what: str, *, zero: bool = False, low: float | None = None) -> Any:
    """Return the field of a strict, finite number in ``(0, high]`` (``[0, high]`` with ``zero``).

    The upper bounds are physical, not statistical: each is far beyond any
    real system but finite, so that a mistyped magnitude is an error at its
    line instead of an overflow or a failed flight later. ``docs/scenarios.md``
    ("Bounds") gives the reason of each.
    """
    # The marker tells error messages to say "a positive number" for a value below zero.
    marker: dict[str, JsonValue] = {"bound": "physical"}
    if low is not None:  # a physical floor above zero
        return Field(
            strict=True,
            allow_inf_nan=False,
            ge=low,
            le=high,
            description=what,
            json_schema_extra=marker,
        )
    if zero:
        return Field(
            strict=True,
            allow_inf_nan=False,
            ge=0,
            le=high,
            description=what,
            json_schema_extra=marker,
        )
    return Field(
        strict=True, allow_inf_nan=False, gt=0, le=high, description=what, json_schema_extra=marker
    )


# Physical bounds of the schema (see docs/scenarios.md, "Bounds").
DAY_S: Final = 86_400.0
"""One day, s: the longest latency, revisit, delay or raid clock time a file may give."""
WEEK_S: Final = 7 * DAY_S
"""One week, s: the longest mean outage of a link."""
MIN_BALLISTIC_COEFFICIENT_KG_M2: Final = 1.0
"""The lightest re-entry body a file may give, kg/m²: lighter, it floats down for hours
(terminal speed under 5 m/s at sea level) rather than re-entering; re-entry vehicles
have 10³ to 10⁵ kg/m²."""
HALF_CIRCUMFERENCE_KM: Final = 20_000.0
"""Half the Earth's circumference, km: the longest ground range between two points."""

Duration = Annotated[float, _upto(DAY_S, "a time in s", zero=True)]
PositiveDuration = Annotated[float, _upto(DAY_S, "a time in s")]
SiteAltitude = Annotated[
    float,
    Field(strict=True, allow_inf_nan=False, ge=-500, le=9_000, description="a height in m"),
]
GroundRange = Annotated[float, _upto(HALF_CIRCUMFERENCE_KM, "a ground range in km")]
SensorRange = Annotated[float, _upto(50_000.0, "a range in km")]
SensorRangeMin = Annotated[float, _upto(50_000.0, "a range in km", zero=True)]
InterceptAltitude = Annotated[float, _upto(5_000.0, "an altitude in km")]
InterceptAltitudeMin = Annotated[float, _upto(5_000.0, "an altitude in km", zero=True)]
BurnoutSpeed = Annotated[float, _upto(8.0, "a speed in km/s")]
InterceptorBurnTime = Annotated[float, _upto(600.0, "a burn time in s")]
StageBurnTime = Annotated[float, _upto(1_000.0, "a burn time in s")]
SpecificImpulse = Annotated[float, _upto(500.0, "a specific impulse in s")]
RocketMass = Annotated[float, _upto(1e7, "a mass in kg")]
Diameter = Annotated[float, _upto(20.0, "a diameter in m")]
DragCoefficient = Annotated[float, _upto(10.0, "a drag coefficient")]
BallisticCoefficient = Annotated[
    float, _upto(1e6, "a ballistic coefficient in kg/m²", low=MIN_BALLISTIC_COEFFICIENT_KG_M2)
]
CrossSection = Annotated[float, _upto(1e6, "a cross-section in m²")]
LaunchRadius = Annotated[float, _upto(5_000.0, "a radius in km", zero=True)]
RangeError = Annotated[float, _upto(1e6, "an error in m")]
AngleError = Annotated[float, _upto(1_000.0, "an error in mrad")]
PositionError = Annotated[float, _upto(1e7, "an error in m")]
VelocityError = Annotated[float, _upto(1e4, "an error in m/s")]
OutageMean = Annotated[float, _upto(WEEK_S, "a time in s")]
Rounds = Annotated[int, Field(strict=True, ge=0, le=10_000, description="a number of rounds")]
MissileCount = Annotated[
    int, Field(strict=True, ge=1, le=10_000, description="a number of missiles")
]
Population = Annotated[int, Field(strict=True, ge=0, le=10_000_000_000, description="a population")]
SolidAngle = Annotated[float, _upto(4 * math.pi, "a solid angle in sr")]
Looks = Annotated[int, Field(strict=True, ge=1, le=1_000, description="a number of looks")]


class _Record(BaseModel):
    """Base of every scenario object: frozen, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(_Record):
    """A party to the cooperation (e.g. NATO, Russia) that owns assets and decides.

    Parameters
    ----------
    name : str
        Unique name; ``fusion`` is reserved for the joint fusion centre.
    description : str
        Free text.

    """

    name: Name
    description: str = ""


class Site(_Record):
    """A place where sensors or batteries stand (or a ship patrols).

    Parameters
    ----------
    name : str
        Unique name.
    lat_deg, lon_deg : float
        Geodetic latitude in [-90, 90] and longitude in [-180, 180], degrees.
    alt_m : float
        Height above the WGS84 ellipsoid, m.
    owner : str or None
        The party that owns the site; sensors and batteries on it default to it.
    description : str
        Free text.

    """

    name: Name
    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: SiteAltitude = 0.0
    owner: Name | None = None
    description: str = ""


class Sensor(_Record):
    """A radar or space-based infrared sensor.

    Parameters
    ----------
    name : str
        Unique name.
    kind : {'radar', 'space-ir'}
        What it is.
    site : str
        Name of the site it stands on.
    owner : str
        The party that operates it (defaults, in a file, to the site's owner).
    boresight_az_deg : float
        Azimuth of the centre of the field of regard, degrees clockwise from north.
    az_half_width_deg : float
        Half the azimuth width of the field of regard, degrees (180 = all round).
    el_min_deg, el_max_deg : float
        Elevation limits, degrees above the local horizontal.
    range_min_km, range_max_km : float
        Range limits, km; ``range_max_km`` holds for a target of ``reference_rcs_m2``
        (required for a radar, not used by a space-ir sensor).
    reference_rcs_m2 : float or None
        Radar cross-section at which ``range_max_km`` holds, m²; a radar's detection
        range scales as (RCS / reference RCS)^(1/4). None for a space-ir sensor.
    revisit_s : float
        Time between looks at a track, s (radars).
    sigma_range_m : float
        One-sigma range error, m (radars).
    sigma_az_mrad, sigma_el_mrad : float
        One-sigma angle errors, mrad (radars).
    p_detect : float
        Probability of detecting a target in coverage on one look.
    delay_s : float
        Reporting delay between a measurement and its report, s (space-ir).
    refraction : {'4/3', 'none'}
        Radio horizon: the standard 4/3-Earth refraction model, or straight lines.
    track_confirm_m, track_confirm_n : int
        A track is confirmed after ``m`` detections in ``n`` consecutive looks.
    search_sr : float or None
        Solid angle the radar searches when it has no cue, sr; None: its whole
        field of regard, ``2·Δaz·(sin el_max − sin el_min)``.
    cued_search_sr : float or None
        Solid angle it searches around a cue, sr. With a cue, the same search
        frame spread over a smaller volume gives each beam more energy, so
        ``range_max_km`` grows by ``(search_sr / cued_search_sr)^(1/4)``
        (the search radar equation); None: a cue brings no range gain.
    description : str
        Free text.

    """

    name: Name
    kind: SensorKind
    site: Name
    owner: Name
    boresight_az_deg: Azimuth = 0.0
    az_half_width_deg: HalfWidth = 180.0
    el_min_deg: Elevation = 0.0
    el_max_deg: Elevation = 90.0
    range_min_km: SensorRangeMin = 0.0
    range_max_km: SensorRange | None = None
    reference_rcs_m2: CrossSection | None = None
    revisit_s: PositiveDuration | None = None
    sigma_range_m: RangeError | None = None
    sigma_az_mrad: AngleError | None = None
    sigma_el_mrad: AngleError | None = None
    p_detect: Probability
    delay_s: Duration = 0.0
    refraction: Refraction = "4/3"
    track_confirm_m: Looks = 3
    track_confirm_n: Looks = 5
    search_sr: SolidAngle | None = None
    cued_search_sr: SolidAngle | None = None
    description: str = ""


class Interceptor(_Record):
    """An interceptor type (its kinematics and its kill probability).

    Parameters
    ----------
    name : str
        Unique name.
    burnout_speed_kms : float
        Speed at burnout, km/s.
    burn_time_s : float
        Total burn time from launch to burnout, s.
    min_intercept_alt_km, max_intercept_alt_km : float
        Altitudes between which it can intercept, km.
    max_range_km : float
        Greatest ground range from the launcher to an intercept, km.
    pk : float
        Single-shot kill probability.
    fire_control_sigma_m, fire_control_sigma_mps : float
        Fire-control quality: the largest position (m) and velocity (m/s) errors
        of a track that this interceptor may be launched on, as 3-D RMS errors
        (the root of the trace of the track's position or velocity covariance).
    handover_basket_m : float or None
        Radius within which the kill vehicle acquires its target after hand-over,
        m. When given, the single-shot kill probability is multiplied by the
        chance that the track's error at launch falls inside it (see
        :mod:`jointshield.battle`); None leaves it undegraded.
    launch_on_remote : bool
        The weapon system can launch on another radar's track, its battery's
        own radar taking over before the intercept (e.g. Aegis BMD with the
        SM-3 Block IA, demonstrated in FTM-15, April 2011).
    engage_on_remote : bool
        The weapon system can fly a whole engagement on another radar's
        track, with no radar of its own (e.g. Aegis BMD 5.1 with the SM-3
        Block IIA).
    owner : str or None
        The party that fields the type, where one does.
    description : str
        Free text.

    """

    name: Name
    burnout_speed_kms: BurnoutSpeed
    burn_time_s: InterceptorBurnTime
    min_intercept_alt_km: InterceptAltitudeMin
    max_intercept_alt_km: InterceptAltitude
    max_range_km: GroundRange
    pk: Probability
    fire_control_sigma_m: PositionError = 200.0
    fire_control_sigma_mps: VelocityError = 20.0
    handover_basket_m: RangeError | None = None
    launch_on_remote: bool = False
    engage_on_remote: bool = False
    owner: Name | None = None
    description: str = ""


class Battery(_Record):
    """Launchers of one interceptor type at one site.

    Parameters
    ----------
    name : str
        Unique name.
    site : str
        Name of the site.
    owner : str
        The party that fires it (defaults, in a file, to the site's owner).
    interceptor : str
        Name of the interceptor type.
    rounds : int
        Interceptors ready to fire.
    launch_on_remote, engage_on_remote : bool or None
        The engagement modes this battery has, in its era and with its
        software (see :class:`Interceptor`); None: its interceptor type's.
        A battery cannot claim a mode its type does not have.
    description : str
        Free text.

    """

    name: Name
    site: Name
    owner: Name
    interceptor: Name
    rounds: Rounds
    launch_on_remote: bool | None = None
    engage_on_remote: bool | None = None
    description: str = ""


class Stage(_Record):
    """One rocket stage, burning at constant mass flow.

    Parameters
    ----------
    burn_time_s : float
        Burn time, s.
    propellant_mass_kg : float
        Propellant burnt, kg.
    dry_mass_kg : float
        Mass dropped at staging (structure, engine, residuals), kg.
    isp_s : float
        Vacuum specific impulse, s.

    """

    burn_time_s: StageBurnTime
    propellant_mass_kg: RocketMass
    dry_mass_kg: RocketMass
    isp_s: SpecificImpulse

    @property
    def mass_flow_kg_s(self) -> float:
        """Propellant mass flow, kg/s."""
        return self.propellant_mass_kg / self.burn_time_s

    @property
    def thrust_n(self) -> float:
        """Vacuum thrust, N: ``isp_s * g0 * propellant_mass_kg / burn_time_s``."""
        return self.isp_s * G0_MPS2 * self.mass_flow_kg_s

    @property
    def mass_kg(self) -> float:
        """Mass of the stage at ignition, kg."""
        return self.propellant_mass_kg + self.dry_mass_kg


class Missile(_Record):
    """A ballistic missile type: stages, payload and aerodynamics.

    Parameters
    ----------
    name : str
        Unique name.
    description : str
        Free text.
    propellant : {'liquid', 'solid'}
        Propellant type.
    stages : tuple of Stage
        Stages in firing order (at least one).
    payload_mass_kg : float
        Mass of what re-enters (warhead and re-entry vehicle), kg.
    diameter_m : float
        Body diameter, m; sets the reference area for boost-phase drag.
    drag_coefficient : float
        Boost-phase drag coefficient on the body's cross-section.
    reentry_ballistic_coefficient_kg_m2 : float
        Ballistic coefficient m / (Cd A) of the re-entry vehicle, kg/m².
    vertical_rise_s : float
        Time of vertical flight before the pitch-over, s.
    rcs_m2 : float
        Radar cross-section seen by the defence, m².
    published_range_km : float
        The range published for the missile, km, against which a model is tuned.

    """

    name: Name
    description: str = ""
    propellant: Literal["liquid", "solid"]
    stages: tuple[Stage, ...] = Field(min_length=1)
    payload_mass_kg: RocketMass
    diameter_m: Diameter
    drag_coefficient: DragCoefficient
    reentry_ballistic_coefficient_kg_m2: BallisticCoefficient
    vertical_rise_s: Annotated[float, _upto(1_000.0, "a time in s", zero=True)]
    rcs_m2: CrossSection
    published_range_km: GroundRange

    @property
    def launch_mass_kg(self) -> float:
        """Mass at lift-off, kg: all stages and the payload."""
        return self.payload_mass_kg + sum(stage.mass_kg for stage in self.stages)

    @property
    def reference_area_m2(self) -> float:
        """Cross-section of the body, m², for boost-phase drag."""
        return math.pi * self.diameter_m**2 / 4.0


MissileType = Missile
"""Another name of :class:`Missile`: a missile type, not one missile in flight."""


class LaunchArea(_Record):
    """A circular area from which threat missiles are launched.

    Parameters
    ----------
    name : str
        Unique name.
    lat_deg, lon_deg : float
        Centre, degrees.
    radius_km : float
        Radius, km: great-circle distance from the centre on the mean Earth
        sphere within which each geometry sample draws a threat's launch
        point, uniformly by area [assumption]; 0: always the centre.
    owner : str or None
        The state launching from it (free text; not one of the parties).
    description : str
        Free text.

    """

    name: Name
    lat_deg: Latitude
    lon_deg: Longitude
    radius_km: LaunchRadius
    owner: str | None = None
    description: str = ""


class Asset(_Record):
    """A defended city.

    Parameters
    ----------
    name : str
        Unique name.
    lat_deg, lon_deg : float
        Position, degrees.
    population : int
        People living there.
    owner : str
        The party responsible for defending it.
    description : str
        Free text.

    """

    name: Name
    lat_deg: Latitude
    lon_deg: Longitude
    population: Population
    owner: Name
    description: str = ""


class Threat(_Record):
    """Missiles of one type fired from one launch area at one asset.

    Parameters
    ----------
    id : str
        Unique within its raid; a file may leave it out (it becomes ``t1``,
        ``t2``, ... by position).
    missile : str
        Name of the missile type.
    launch_area : str
        Name of the launch area.
    target : str
        Name of the asset aimed at.
    launch_time_s : float
        Nominal launch time after the raid begins, s.
    launch_time_jitter_s : float
        Half-width of the interval around ``launch_time_s`` in which each
        geometry sample draws the launch time, uniformly [assumption], s;
        0 (the default): always at ``launch_time_s``.
    count : int
        Missiles fired (one launcher's salvo: one launch point and time).
    aim : {'min-energy', 'lofted', 'depressed'}
        Trajectory shape.

    """

    id: Name
    missile: Name
    launch_area: Name
    target: Name
    launch_time_s: Duration = 0.0
    launch_time_jitter_s: Duration = 0.0
    count: MissileCount = 1
    aim: Aim = "min-energy"


class Raid(_Record):
    """An attack: a named list of threats.

    Parameters
    ----------
    name : str
        Unique name.
    description : str
        Free text.
    threats : tuple of Threat
        At least one.

    """

    name: Name
    description: str = ""
    threats: tuple[Threat, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _number_threats(cls, data: Any) -> Any:
        # Threats without an id get one by position, so results can name each threat.
        if isinstance(data, dict) and isinstance(data.get("threats"), list | tuple):
            threats = [
                {**threat, "id": f"t{index + 1}"}
                if isinstance(threat, dict) and "id" not in threat
                else threat
                for index, threat in enumerate(data["threats"])
            ]
            return {**data, "threats": threats}
        return data

    @property
    def missile_count(self) -> int:
        """Number of missiles in the raid."""
        return sum(threat.count for threat in self.threats)

    def threat(self, threat_id: str) -> Threat:
        """Return the threat with this id.

        Raises
        ------
        UnknownNameError
            If the raid has no such threat.

        """
        for threat in self.threats:
            if threat.id == threat_id:
                return threat
        raise UnknownNameError("threat", threat_id, [threat.id for threat in self.threats])


class LinkOutage(_Record):
    """A scripted window when a link is down (a joint exercise's fault).

    Parameters
    ----------
    start_s, end_s : float
        Start and end on the scenario clock (seconds after the raid starts).

    """

    start_s: Duration
    end_s: Duration


class SectorArea(_Record):
    """A sector of responsibility for the sectoral architecture.

    Parameters
    ----------
    name : str
        Name, for reports.
    party : str
        The party that must engage whatever is intercepted over the sector.
    polygon_deg : tuple of (lat_deg, lon_deg)
        Vertices in order, closed implicitly (at least 3); edges are straight
        lines in latitude and longitude, which must not cross the date line.
    description : str
        Free text.

    """

    name: Name
    party: Name
    polygon_deg: tuple[tuple[Latitude, Longitude], ...] = Field(min_length=3)
    description: str = ""


class Link(_Record):
    """A data link between two parties, or a party and the fusion centre.

    Parameters
    ----------
    name : str
        Unique name; a file may leave it out (it becomes ``FROM->TO``).
    from_party, to_party : str
        End points: party names or ``fusion`` (:data:`FUSION_CENTRE`).
    latency_s : float
        Fixed part of the delay from sending to receiving, s.
    latency_jitter_s : float
        Mean of the random (exponential) part of each message's delay, s.
    availability : float
        Fraction of time the link is up.
    two_way : bool
        Whether it also carries data from ``to_party`` to ``from_party``.
    sharing : {'none', 'early-warning', 'tracks', 'tracks-own-territory'}
        What the link carries: nothing; early-warning cues only (launch detected,
        launch area, rough azimuth); full tracks; or tracks only of threats headed
        for the receiving party's territory (cues always).
    mean_outage_s : float
        Mean duration of a random outage, s (with ``availability``, it sets how
        often the link fails).
    outages : tuple of LinkOutage
        Scripted windows on the scenario clock when the link is down.

    """

    name: Name
    from_party: Name
    to_party: Name
    latency_s: Duration
    availability: Probability
    two_way: bool = True
    sharing: Sharing = "tracks"
    latency_jitter_s: Duration = 0.0
    mean_outage_s: OutageMean = MEAN_OUTAGE_S
    outages: tuple[LinkOutage, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data:
            return {**data, "name": f"{data.get('from_party')}->{data.get('to_party')}"}
        return data


class Fault(_Record):
    """A fault of an exercise: a sensor, link or battery down, a link slowed, a party slowed.

    Name exactly one of ``sensor``, ``link``, ``battery`` or ``party``:

    * a sensor (a radar or a space-based sensor) or a battery is down from
      ``start_s`` to ``end_s``: a radar makes no look, a space-based sensor
      reports no launch, a battery launches nothing; left without a window
      (no ``start_s``, no ``end_s``) it is down for the whole run, which is
      the same as deleting it;
    * a link is down from ``start_s`` to ``end_s`` (a scripted outage), or,
      with ``latency_s``, its latency is raised by that much for the whole run;
    * a party's authorisation is slowed: ``authorisation_delay_s`` is added to
      its own decision on every launch it decides (its own, and, with a dual
      key, the other party's) requested from ``start_s`` to ``end_s``.

    Parameters
    ----------
    name : str
        A label (an exercise groups the faults of one name into one case).
    sensor, link, battery, party : str, optional
        What fails.
    start_s : float
        Start on the scenario clock, s after the raid starts (default 0).
    end_s : float, optional
        End on the scenario clock, s; by default the end of the run. The
        window must lie within the raid's time (its last impact).
    latency_s : float, optional
        For a link: latency added for the whole run, s.
    authorisation_delay_s : float, optional
        For a party: time added to each of its decisions, s.
    description : str
        Free text.

    """

    name: str = ""
    sensor: Name | None = None
    link: Name | None = None
    battery: Name | None = None
    party: Name | None = None
    start_s: Duration = 0.0
    end_s: Duration | None = None
    latency_s: Duration | None = None
    authorisation_delay_s: Duration | None = None
    description: str = ""

    @property
    def kind(self) -> str:
        """What fails: 'sensor', 'link', 'battery' or 'party'."""
        return next(k for k in FAULT_KINDS if getattr(self, k) is not None)

    @property
    def target(self) -> str:
        """The name of what fails."""
        return str(getattr(self, self.kind))

    @property
    def whole_run(self) -> bool:
        """Whether it lasts the whole run (no window given)."""
        return self.start_s == 0.0 and self.end_s is None

    def describe(self) -> str:
        """Say what the fault does, in a few words, e.g. ``sensor sbirs down 60–300 s``."""
        end = "the end" if self.end_s is None else f"{self.end_s:g} s"
        when = "for the whole run" if self.whole_run else f"from {self.start_s:g} s to {end}"
        if self.latency_s is not None:
            return f"link {self.link} latency +{self.latency_s:g} s"
        if self.authorisation_delay_s is not None:
            return f"{self.party}'s authorisation +{self.authorisation_delay_s:g} s {when}"
        return f"{self.kind} {self.target} down {when}"


FAULT_KINDS = ("sensor", "link", "battery", "party")
"""The keys that name what a fault affects."""


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_N = TypeVar("_N", bound=_Named)


def _find(items: Iterable[_N], kind: str, name: str) -> _N:
    listed = list(items)
    for item in listed:
        if item.name == name:
            return item
    raise UnknownNameError(kind, name, [item.name for item in listed])


_K = TypeVar("_K")
_V = TypeVar("_V")


class _ReadOnlyMapping(Mapping[_K, _V]):
    """A read-only mapping that, unlike :class:`types.MappingProxyType`, pickles and deep-copies.

    A :class:`Scenario` keeps its key lines and provenance in these, so that it
    can be pickled (as multiprocessing does under its ``spawn`` and
    ``forkserver`` start methods) and deep-copied with them, while its users
    still cannot change them. It holds its own copy of the items it is given.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[_K, _V] | None = None) -> None:
        self._items: dict[_K, _V] = dict(items) if items is not None else {}

    def __getitem__(self, key: _K) -> _V:
        return self._items[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"

    def __reduce__(self) -> tuple[type[_ReadOnlyMapping[_K, _V]], tuple[dict[_K, _V]]]:
        return type(self), (self._items,)


class Scenario(_Record):
    """A whole scenario: parties, their sensors and interceptors, threats and links.

    Load one with :func:`jointshield.scenario.load_scenario`. Besides the
    fields, a loaded scenario knows the file it came from (:attr:`file`), where
    each key stood in it (:meth:`line_of`) and where each number comes from
    (:attr:`provenance`); these do not count in :func:`scenario_hash` or in
    comparisons of content. A scenario pickles and deep-copies with all three, so
    it can be sent to worker processes under any multiprocessing start method.

    Parameters
    ----------
    schema_id : str
        Always :data:`SCHEMA_ID`; written ``schema`` in a file.
    name : str
        Short name, e.g. ``europe-2011``.
    title : str
        One line for tables.
    description : str
        Free text.
    default_raid : str or None
        The raid used when none is named.
    references : mapping of str to str
        Citation key to full citation, for the ``source`` of numbers.
    parties, sites, sensors, interceptors, batteries, missiles, launch_areas, assets, raids, links
        Tuples of the objects of each kind.
    sectors : tuple of SectorArea
        Sectors of responsibility.
    faults : tuple of Fault
        An exercise's faults, applied in every study of the scenario.

    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_id: Literal["jointshield/scenario-1"] = Field(default=SCHEMA_ID, alias="schema")
    name: Name
    title: str
    description: str = ""
    default_raid: Name | None = None
    references: dict[str, str] = Field(default_factory=dict)
    parties: tuple[Party, ...] = Field(min_length=1)
    sites: tuple[Site, ...] = ()
    sensors: tuple[Sensor, ...] = ()
    interceptors: tuple[Interceptor, ...] = ()
    batteries: tuple[Battery, ...] = ()
    missiles: tuple[Missile, ...] = ()
    launch_areas: tuple[LaunchArea, ...] = ()
    assets: tuple[Asset, ...] = ()
    raids: tuple[Raid, ...] = ()
    links: tuple[Link, ...] = ()
    sectors: tuple[SectorArea, ...] = ()
    faults: tuple[Fault, ...] = ()

    _file: str | None = PrivateAttr(default=None)
    _lines: Mapping[str, int] = PrivateAttr(default_factory=_ReadOnlyMapping)
    _provenance: Mapping[str, Provenance] = PrivateAttr(default_factory=_ReadOnlyMapping)

    def with_origin(
        self,
        *,
        file: str | None,
        lines: Mapping[str, int],
        provenance: Mapping[str, Provenance],
    ) -> Scenario:
        """Return a copy that remembers its file, key lines and provenance.

        Parameters
        ----------
        file : str or None
            File name to use in messages.
        lines : mapping of str to int
            Dotted key path to 1-based line.
        provenance : mapping of str to Provenance
            Dotted key path to the provenance of that value.

        """
        copy = self.model_copy()
        copy._file = file
        copy._lines = _ReadOnlyMapping(lines)
        copy._provenance = _ReadOnlyMapping(provenance)
        return copy

    @property
    def file(self) -> str | None:
        """The file the scenario was loaded from, as named in messages."""
        return self._file

    @property
    def provenance(self) -> Mapping[str, Provenance]:
        """Provenance of each sourced value, keyed by dotted path (``sites[2].lat_deg``)."""
        return self._provenance

    def line_of(self, path: str) -> int | None:
        """Return the file line of a dotted key path (or of its nearest parent).

        Lets other modules report a problem with a scenario item as
        ``file:line key: message``.
        """
        while True:
            if path in self._lines:
                return self._lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                return self._lines.get("")
            path = path[:cut]

    def party(self, name: str) -> Party:
        """Return the party of this name (raises UnknownNameError)."""
        return _find(self.parties, "party", name)

    def site(self, name: str) -> Site:
        """Return the site of this name (raises UnknownNameError)."""
        return _find(self.sites, "site", name)

    def sensor(self, name: str) -> Sensor:
        """Return the sensor of this name (raises UnknownNameError)."""
        return _find(self.sensors, "sensor", name)

    def interceptor(self, name: str) -> Interceptor:
        """Return the interceptor type of this name (raises UnknownNameError)."""
        return _find(self.interceptors, "interceptor", name)

    def battery(self, name: str) -> Battery:
        """Return the battery of this name (raises UnknownNameError)."""
        return _find(self.batteries, "battery", name)

    def missile(self, name: str) -> Missile:
        """Return the missile type of this name (raises UnknownNameError)."""
        return _find(self.missiles, "missile", name)

    def launch_area(self, name: str) -> LaunchArea:
        """Return the launch area of this name (raises UnknownNameError)."""
        return _find(self.launch_areas, "launch area", name)

    def asset(self, name: str) -> Asset:
        """Return the asset of this name (raises UnknownNameError)."""
        return _find(self.assets, "asset", name)

    def raid(self, name: str | None = None) -> Raid:
        """Return the raid of this name, or the default raid (raises UnknownNameError)."""
        wanted = name if name is not None else self.default_raid
        if wanted is None:
            raise UnknownNameError("raid", "(default)", [raid.name for raid in self.raids])
        return _find(self.raids, "raid", wanted)
