"""The compiled theatre: the domain objects of a scenario, SI units, every name resolved.

A :class:`Theatre` is what every layer below the analysis works on: radars
with all their fields, space-based infrared sensors, interceptor types and
batteries, the data network, the sectors of responsibility, the defended
assets and the raids' threats. It is made once from a scenario by
:func:`jointshield.theatre.compile.compile_scenario`; nothing below reads
the scenario file or its schema.

It also holds the one cache of the deterministic work that depends only on
the theatre's interceptor types, the reach tables
(:class:`~jointshield.flight.reach.ReachTables`): whatever study uses the
same theatre shares them, and they go when the theatre goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jointshield.architectures.sectors import Sector
from jointshield.cache import GeometryCache, fingerprint
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.flight.earth import ROTATING_WGS84
from jointshield.flight.raid import RaidGeometry, RaidPlan, fly_raid
from jointshield.flight.reach import InterceptorKinematics, InterceptorType, ReachTables
from jointshield.record import Origin
from jointshield.sensing.network import Network
from jointshield.sensing.picture import Picture, sensor_picture
from jointshield.sensing.radar import Radar
from jointshield.sensing.space_ir import SpaceIR

__all__ = ["Asset", "Battery", "FaultWindow", "Slowdown", "Theatre"]


@dataclass(frozen=True)
class Slowdown:
    """A party's authorisation slowed, an exercise's fault.

    Attributes
    ----------
    party : str
        The party whose decisions are slowed.
    extra_s : float
        Time added to its own decision on each launch it decides, s.
    start_s, end_s : float
        The window on the scenario clock (s after the raid starts) in which
        a decision requested is slowed; ``end_s`` may be infinite.
    """

    party: str
    extra_s: float
    start_s: float = 0.0
    end_s: float = float("inf")


@dataclass(frozen=True)
class FaultWindow:
    """Where a fault with a time window was written, to check it against the raid's time.

    Attributes
    ----------
    key : str
        Its dotted key, e.g. ``faults[2]``, or ``--fault 1``.
    line : int or None
        Its line in the file.
    start_s, end_s : float
        Its window on the scenario clock, s.
    """

    key: str
    line: int | None
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Asset:
    """A defended asset (a city).

    Parameters
    ----------
    name, owner : str
        Its name and the party it belongs to.
    lat_rad, lon_rad : float
        Position, rad.
    population : float
        People it stands for (the value of defending it).
    """

    name: str
    owner: str
    lat_rad: float
    lon_rad: float
    population: float


@dataclass(frozen=True)
class Battery:
    """An interceptor battery: where, whose, how many rounds, which type, which radars.

    Parameters
    ----------
    name, owner, site : str
        Its name, the party that fires it, and the site it stands on.
    lat_rad, lon_rad, alt_m : float
        Geodetic position of the launchers, rad and m.
    rounds : int
        Interceptors ready to fire.
    interceptor : InterceptorType
        Its interceptor type.
    organic_radars : tuple of str
        Names of the radars of its party on its site (its own fire-control radars).
    launch_on_remote : bool
        It can launch on another radar's track, an organic radar taking over
        before the intercept (a capability of its weapon system and era).
    engage_on_remote : bool
        It can fly a whole engagement on another radar's track.
    down_s : tuple of (float, float)
        Windows on the scenario clock (s after the raid starts) in which it
        cannot launch (an exercise's fault).
    """

    name: str
    owner: str
    site: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    rounds: int
    interceptor: InterceptorType
    organic_radars: tuple[str, ...] = ()
    launch_on_remote: bool = False
    engage_on_remote: bool = False
    down_s: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Theatre:
    """A scenario compiled: its parties' assets, sensors, weapons, network and raids.

    Parameters
    ----------
    name : str
        The scenario's name.
    scenario_hash : str
        The scenario's content hash.
    parties : tuple of str
        Party names, in the file's order.
    radars : tuple of Radar
        Every radar, in the file's order.
    space_ir : tuple of SpaceIR
        Every space-based infrared early-warning sensor.
    interceptors : tuple of InterceptorType
        Every interceptor type.
    batteries : tuple of Battery
        Every battery, in the file's order.
    network : Network
        The parties and the data links between them and the fusion centre.
    sectors : tuple of Sector
        Sectors of responsibility (the scenario's, else the default split).
    assets : tuple of Asset
        Defended assets.
    raids : tuple of RaidPlan
        The raids, each with its threats compiled.
    default_raid : str or None
        Name of the raid a study uses unless told otherwise.
    reach : ReachTables
        The interceptor types' reach tables, built once per theatre.
    cache : GeometryCache or None
        Where deterministic geometry (raid flights, radar views, reach
        tables) is kept between runs (:mod:`jointshield.cache`); None: it is
        computed afresh in every process.
    slowdowns : tuple of Slowdown
        Parties' authorisations slowed by the scenario's faults.
    fault_windows : tuple of FaultWindow
        The faults' time windows, checked against the raid's time when a
        raid is flown (:func:`jointshield.battle.context.deploy`).
    file : str or None
        The scenario's file, for messages about its faults.
    """

    name: str
    scenario_hash: str
    parties: tuple[str, ...]
    radars: tuple[Radar, ...]
    space_ir: tuple[SpaceIR, ...]
    interceptors: tuple[InterceptorType, ...]
    batteries: tuple[Battery, ...]
    network: Network
    sectors: tuple[Sector, ...]
    assets: tuple[Asset, ...]
    raids: tuple[RaidPlan, ...]
    default_raid: str | None
    reach: ReachTables = field(default_factory=ReachTables, compare=False, repr=False)
    cache: GeometryCache | None = field(default=None, compare=False, repr=False)
    slowdowns: tuple[Slowdown, ...] = ()
    fault_windows: tuple[FaultWindow, ...] = ()
    file: str | None = None

    def __post_init__(self) -> None:
        names = [r.name for r in self.raids]
        if self.default_raid is not None and self.default_raid not in names:
            raise UnknownNameError("default raid", self.default_raid, names)

    @property
    def origin(self) -> Origin:
        """The scenario's name and hash, with this version of jointshield."""
        return Origin(self.name, self.scenario_hash)

    def raid(self, name: str | None = None) -> RaidPlan:
        """Return a raid by name, or the default raid."""
        wanted = self.default_raid if name is None else name
        if wanted is None:
            raise UnknownNameError("raid", "(default)", [r.name for r in self.raids])
        for raid in self.raids:
            if raid.name == wanted:
                return raid
        raise UnknownNameError("raid", wanted, [r.name for r in self.raids])

    def asset(self, name: str) -> Asset:
        """Return an asset by name."""
        for asset in self.assets:
            if asset.name == name:
                return asset
        raise UnknownNameError("asset", name, [a.name for a in self.assets])

    def radar(self, name: str) -> Radar:
        """Return a radar by name."""
        for radar in self.radars:
            if radar.name == name:
                return radar
        raise UnknownNameError("radar", name, [r.name for r in self.radars])

    def interceptor(self, name: str) -> InterceptorType:
        """Return an interceptor type by name."""
        for kind in self.interceptors:
            if kind.name == name:
                return kind
        raise UnknownNameError("interceptor", name, [i.name for i in self.interceptors])

    def fly(self, plan: RaidPlan) -> RaidGeometry:
        """Aim and fly a raid's threats (:func:`~jointshield.flight.raid.fly_raid`).

        Read from :attr:`cache` when it holds this plan's flight (keyed by
        every field of the plan and the flight options), else flown and
        written to it.
        """
        earth, drag, sample_dt_s = ROTATING_WGS84, True, 1.0  # the key names each option

        def flown() -> RaidGeometry:
            return fly_raid(plan, earth=earth, drag=drag, sample_dt_s=sample_dt_s)

        if self.cache is None:
            return flown()
        key = fingerprint(plan, earth, drag, sample_dt_s)
        return self.cache.get_or_compute("raid", key, flown)

    def geometry_key(self, geometry: RaidGeometry) -> str:
        """Return the cache key of a flown raid (:func:`~jointshield.cache.fingerprint`).

        "" without a cache, where nothing derived from the raid is kept.
        """
        return "" if self.cache is None else fingerprint(geometry)

    def picture(self, geometry: RaidGeometry) -> Picture:
        """Every radar's view of a flown raid (:func:`~jointshield.sensing.picture.sensor_picture`).

        Read from :attr:`cache` when it holds it (keyed by the geometry and
        every field of every radar), else computed and written to it.
        """
        if self.cache is None:
            return sensor_picture(geometry, self.radars)
        key = fingerprint(geometry, self.radars)
        return self.cache.get_or_compute(
            "picture", key, lambda: sensor_picture(geometry, self.radars)
        )

    def kinematics(self, battery: Battery, *, drag: bool = True) -> InterceptorKinematics:
        """Return the reach of a battery's interceptor type (built once per theatre)."""
        return self.reach.get(battery.interceptor, drag=drag, store=self.cache)

    def require_batteries(self) -> None:
        """Raise if the theatre has no battery to fight with."""
        if not self.batteries:
            raise JointshieldError(f"scenario {self.name!r} has no batteries to fight with")
