"""The compile step: a scenario turned into the domain objects of a theatre.

This is the one place that reads a scenario's schema below the analysis
layer: every radar, space-based sensor, interceptor type, battery, link,
sector, asset and threat is converted here from the file's units (km, km/s,
degrees, mrad) into SI domain objects with every name resolved
(:class:`~jointshield.theatre.model.Theatre`). A field of the schema that
the domain objects do not carry is a defect: the tests compile every
built-in scenario and check each field reaches its object.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from jointshield.architectures.sectors import DEFAULT_SECTORS, Sector
from jointshield.cache import GeometryCache, default_cache
from jointshield.errors import JointshieldError, Problem, ScenarioError
from jointshield.flight.missile import MissileModel
from jointshield.flight.raid import RaidPlan, Threat
from jointshield.flight.reach import InterceptorType, ReachTables
from jointshield.scenario import DEFAULT_SCENARIO, load_scenario, scenario_hash
from jointshield.scenario.model import (
    Fault,
    Interceptor,
    Link,
    Missile,
    Scenario,
    Sensor,
    Site,
)
from jointshield.scenario.places import resolve_place
from jointshield.sensing.network import LinkModel, Network, Outage
from jointshield.sensing.radar import Radar
from jointshield.sensing.space_ir import SpaceIR
from jointshield.theatre.model import Asset, Battery, FaultWindow, Slowdown, Theatre

__all__ = [
    "compile_interceptor",
    "compile_item",
    "compile_link",
    "compile_missile",
    "compile_radar",
    "compile_scenario",
    "compile_space_ir",
    "theatre_of",
]


def compile_radar(sensor: Sensor, site: Site) -> Radar:
    """Build a radar from a scenario's sensor and its site, converting km, deg, mrad to SI.

    Every field of the sensor reaches the radar: field of regard, range
    limits, reference cross-section, revisit, noise, detection probability,
    refraction model and track confirmation (M of N).

    Raises
    ------
    JointshieldError
        If the sensor is not a radar, lacks a radar figure, or stands on
        another site.
    """
    where = f"radar {sensor.name!r}"
    if sensor.kind != "radar":
        raise JointshieldError(f"{where}: expected a radar, got kind {sensor.kind!r}")
    if sensor.site != site.name:
        raise JointshieldError(f"{where}: stands on site {sensor.site!r}, got site {site.name!r}")
    needed = {
        "range_max_km": sensor.range_max_km,
        "reference_rcs_m2": sensor.reference_rcs_m2,
        "revisit_s": sensor.revisit_s,
        "sigma_range_m": sensor.sigma_range_m,
        "sigma_az_mrad": sensor.sigma_az_mrad,
        "sigma_el_mrad": sensor.sigma_el_mrad,
    }
    missing = [k for k, v in needed.items() if v is None]
    if missing:
        raise JointshieldError(f"{where}: a radar needs {', '.join(missing)}")
    assert sensor.range_max_km is not None and sensor.reference_rcs_m2 is not None
    assert sensor.revisit_s is not None and sensor.sigma_range_m is not None
    assert sensor.sigma_az_mrad is not None and sensor.sigma_el_mrad is not None
    return Radar(
        name=sensor.name,
        owner=sensor.owner,
        lat_rad=math.radians(site.lat_deg),
        lon_rad=math.radians(site.lon_deg),
        alt_m=float(site.alt_m),
        boresight_az_rad=math.radians(sensor.boresight_az_deg),
        az_half_width_rad=math.radians(sensor.az_half_width_deg),
        el_min_rad=math.radians(sensor.el_min_deg),
        el_max_rad=math.radians(sensor.el_max_deg),
        range_min_m=sensor.range_min_km * 1e3,
        range_max_m=sensor.range_max_km * 1e3,
        reference_rcs_m2=float(sensor.reference_rcs_m2),
        revisit_s=float(sensor.revisit_s),
        sigma_range_m=float(sensor.sigma_range_m),
        sigma_az_rad=sensor.sigma_az_mrad * 1e-3,
        sigma_el_rad=sensor.sigma_el_mrad * 1e-3,
        p_detect=float(sensor.p_detect),
        refraction=sensor.refraction,
        track_confirm_m=sensor.track_confirm_m,
        track_confirm_n=sensor.track_confirm_n,
        search_sr=sensor.search_sr,
        cued_search_sr=sensor.cued_search_sr,
    )


def compile_space_ir(sensor: Sensor) -> SpaceIR:
    """Build a space-based infrared sensor from a scenario's sensor of kind ``space-ir``.

    The name, owner, reporting delay and detection probability come from the file; the plume
    altitude and the cue's errors keep :class:`SpaceIR`'s stated defaults,
    because the schema's radar fields do not describe a launch cue.

    Raises
    ------
    JointshieldError
        If the sensor is not of kind ``space-ir``.
    """
    if sensor.kind != "space-ir":
        raise JointshieldError(
            f"sensor {sensor.name!r}: expected a space-ir sensor, got kind {sensor.kind!r}"
        )
    return SpaceIR(
        name=sensor.name,
        owner=sensor.owner,
        delay_s=float(sensor.delay_s),
        p_detect=float(sensor.p_detect),
    )


def compile_interceptor(interceptor: Interceptor) -> InterceptorType:
    """Build an interceptor type from the scenario's, converting km and km/s to SI."""
    return InterceptorType(
        name=interceptor.name,
        burnout_speed_mps=interceptor.burnout_speed_kms * 1e3,
        burn_time_s=interceptor.burn_time_s,
        min_intercept_alt_m=interceptor.min_intercept_alt_km * 1e3,
        max_intercept_alt_m=interceptor.max_intercept_alt_km * 1e3,
        max_range_m=interceptor.max_range_km * 1e3,
        pk=interceptor.pk,
        fire_control_sigma_m=interceptor.fire_control_sigma_m,
        fire_control_sigma_mps=interceptor.fire_control_sigma_mps,
        handover_basket_m=interceptor.handover_basket_m,
        launch_on_remote=interceptor.launch_on_remote,
        engage_on_remote=interceptor.engage_on_remote,
    )


def compile_missile(missile: Missile) -> MissileModel:
    """Build the SI flight model of a scenario's missile type."""
    stages = missile.stages
    return MissileModel(
        name=missile.name,
        burn_time_s=tuple(s.burn_time_s for s in stages),
        propellant_kg=tuple(s.propellant_mass_kg for s in stages),
        dry_kg=tuple(s.dry_mass_kg for s in stages),
        isp_s=tuple(s.isp_s for s in stages),
        payload_kg=missile.payload_mass_kg,
        diameter_m=missile.diameter_m,
        drag_coefficient=missile.drag_coefficient,
        reentry_beta_kg_m2=missile.reentry_ballistic_coefficient_kg_m2,
        vertical_rise_s=missile.vertical_rise_s,
    )


def compile_link(link: Link) -> LinkModel:
    """Build a link model from a scenario's link, every field included."""
    return LinkModel(
        name=link.name,
        a=link.from_party,
        b=link.to_party,
        latency_s=float(link.latency_s),
        latency_jitter_s=float(link.latency_jitter_s),
        availability=float(link.availability),
        mean_outage_s=float(link.mean_outage_s),
        outages=tuple(Outage(float(o.start_s), float(o.end_s)) for o in link.outages),
        two_way=link.two_way,
        sharing=link.sharing,
    )


_T = TypeVar("_T")


def compile_item(
    scenario: Scenario, key: str, make: Callable[[], _T], problems: list[Problem]
) -> _T | None:
    """Build one domain object, turning its refusal into a problem at its key.

    Parameters
    ----------
    scenario : Scenario
        The scenario the object comes from (for the line of ``key``).
    key : str
        Dotted key path of the scenario item, e.g. ``missiles[1]``.
    make : callable
        Builds the object; a :class:`~jointshield.errors.JointshieldError` it
        raises becomes a :class:`~jointshield.errors.Problem` at ``key``.
    problems : list of Problem
        Where the problem is appended.

    Returns
    -------
    object or None
        What ``make`` built, or None if it refused.
    """
    try:
        return make()
    except ScenarioError as exc:
        problems.extend(exc.problems)
    except JointshieldError as exc:
        problems.append(Problem(key, str(exc), scenario.line_of(key)))
    return None


def _sectors(scenario: Scenario, problems: list[Problem]) -> tuple[Sector, ...]:
    if not scenario.sectors:
        return DEFAULT_SECTORS
    built = [
        compile_item(
            scenario,
            f"sectors[{index}].polygon_deg",
            partial(Sector, party=s.party, polygon_deg=tuple(s.polygon_deg), name=s.name),
            problems,
        )
        for index, s in enumerate(scenario.sectors)
    ]
    return tuple(sector for sector in built if sector is not None)


def _launch_radius_km(scenario: Scenario, place: str) -> float:
    """Radius of the launch area named ``place``, km (0 for a place that is not one)."""
    return next((float(a.radius_km) for a in scenario.launch_areas if a.name == place), 0.0)


def _raids(scenario: Scenario, problems: list[Problem]) -> tuple[RaidPlan, ...]:
    models: dict[str, MissileModel | None] = {}
    index_of = {m.name: i for i, m in enumerate(scenario.missiles)}
    raids = []
    for raid_index, raid in enumerate(scenario.raids):
        threats = []
        for threat_index, th in enumerate(raid.threats):
            if th.missile not in models:
                models[th.missile] = compile_item(
                    scenario,
                    f"missiles[{index_of.get(th.missile, 0)}]",
                    partial(compile_missile, scenario.missile(th.missile)),
                    problems,
                )
            model = models[th.missile]
            key = f"raids[{raid_index}].threats[{threat_index}]"
            start = compile_item(
                scenario,
                f"{key}.launch_area",
                partial(resolve_place, scenario, th.launch_area),
                problems,
            )
            end = compile_item(
                scenario,
                f"{key}.target",
                partial(resolve_place, scenario, th.target),
                problems,
            )
            if model is None or start is None or end is None:
                continue
            threats.append(
                Threat(
                    id=th.id,
                    missile=model,
                    rcs_m2=float(scenario.missile(th.missile).rcs_m2),
                    launch_area=th.launch_area,
                    target=th.target,
                    target_owner=scenario.asset(th.target).owner,
                    launch_lat_rad=math.radians(start.lat_deg),
                    launch_lon_rad=math.radians(start.lon_deg),
                    target_lat_rad=math.radians(end.lat_deg),
                    target_lon_rad=math.radians(end.lon_deg),
                    launch_time_s=float(th.launch_time_s),
                    count=th.count,
                    aim=th.aim,
                    launch_radius_m=_launch_radius_km(scenario, start.name) * 1e3,
                    launch_time_jitter_s=float(th.launch_time_jitter_s),
                )
            )
        raids.append(RaidPlan(raid.name, tuple(threats)))
    return tuple(raids)


_FOREVER_S = 1e15
"""The end of a link outage that lasts the whole run, s (an outage's times are finite)."""


@dataclasses.dataclass(frozen=True)
class _Faults:
    """A scenario's faults, sorted by what they affect."""

    faults: tuple[Fault, ...]

    def windows(self, kind: str, name: str) -> tuple[tuple[float, float], ...]:
        """Return the down windows of one sensor, link or battery, s on the scenario clock."""
        return tuple(
            (float(f.start_s), math.inf if f.end_s is None else float(f.end_s))
            for f in self.faults
            if f.kind == kind and f.target == name and f.latency_s is None
        )

    def removed(self, kind: str, name: str) -> bool:
        """Whether a sensor or battery is down for the whole run (as if deleted)."""
        return any(f.kind == kind and f.target == name and f.whole_run for f in self.faults)

    def link(self, link: LinkModel) -> LinkModel:
        """Return a link with its outages and raised latency."""
        extra = sum(
            float(f.latency_s)
            for f in self.faults
            if f.kind == "link" and f.target == link.name and f.latency_s is not None
        )
        outages = tuple(
            Outage(start, min(end, _FOREVER_S)) for start, end in self.windows("link", link.name)
        )
        if not extra and not outages:
            return link
        return dataclasses.replace(
            link, latency_s=link.latency_s + extra, outages=link.outages + outages
        )

    def slowdowns(self) -> tuple[Slowdown, ...]:
        return tuple(
            Slowdown(
                f.target,
                float(f.authorisation_delay_s or 0.0),
                float(f.start_s),
                math.inf if f.end_s is None else float(f.end_s),
            )
            for f in self.faults
            if f.kind == "party"
        )


def _fault_windows(scenario: Scenario) -> tuple[FaultWindow, ...]:
    """Return the faults' windows, to check against the raid's time once it is flown.

    A fault added by ``--fault`` (:func:`~jointshield.scenario.faults.add_faults`)
    is named by its option, with no line.
    """
    out = []
    for index, f in enumerate(scenario.faults):
        if f.whole_run or f.latency_s is not None:
            continue
        key, line = f"faults[{index}]", scenario.line_of(f"faults[{index}]")
        if f.name.startswith("--fault "):
            key, line = f.name, None
        elif f.name:
            key = f"{key} ({f.name})"
        end = math.inf if f.end_s is None else float(f.end_s)
        out.append(FaultWindow(key, line, float(f.start_s), end))
    return tuple(out)


def compile_scenario(
    scenario: Scenario, *, reach: ReachTables | None = None, cache: GeometryCache | None = None
) -> Theatre:
    """Compile a loaded scenario into its theatre.

    Parameters
    ----------
    scenario : Scenario
        A loaded, validated scenario.
    reach : ReachTables, optional
        Reach tables to share with other theatres (by default the theatre
        gets its own).
    cache : GeometryCache, optional
        Where the theatre keeps its deterministic geometry between runs
        (:attr:`Theatre.cache`); by default nowhere.

    Returns
    -------
    Theatre
        Every object of the scenario in SI, names resolved.

    Raises
    ------
    ScenarioError
        If an object cannot be built: every refusal, each at the file, line
        and key of its item.
    """
    problems: list[Problem] = []
    faults = _Faults(scenario.faults)
    radars = tuple(
        dataclasses.replace(radar, down_s=faults.windows("sensor", radar.name))
        for index, s in enumerate(scenario.sensors)
        if s.kind == "radar"
        and not faults.removed("sensor", s.name)
        and (
            radar := compile_item(
                scenario,
                f"sensors[{index}]",
                partial(compile_radar, s, scenario.site(s.site)),
                problems,
            )
        )
        is not None
    )
    types: dict[str, InterceptorType] = {}
    for index, i in enumerate(scenario.interceptors):
        kind = compile_item(
            scenario, f"interceptors[{index}]", partial(compile_interceptor, i), problems
        )
        if kind is not None:
            types[i.name] = kind
    batteries = []
    for b in scenario.batteries:
        if b.interceptor not in types or faults.removed("battery", b.name):
            continue
        site = scenario.site(b.site)
        organic = tuple(
            s.name
            for s in scenario.sensors
            if s.kind == "radar"
            and s.site == b.site
            and s.owner == b.owner
            and not faults.removed("sensor", s.name)
        )
        batteries.append(
            Battery(
                name=b.name,
                owner=b.owner,
                site=b.site,
                lat_rad=math.radians(site.lat_deg),
                lon_rad=math.radians(site.lon_deg),
                alt_m=float(site.alt_m),
                rounds=b.rounds,
                interceptor=types[b.interceptor],
                organic_radars=organic,
                launch_on_remote=(
                    types[b.interceptor].launch_on_remote
                    if b.launch_on_remote is None
                    else b.launch_on_remote
                ),
                engage_on_remote=(
                    types[b.interceptor].engage_on_remote
                    if b.engage_on_remote is None
                    else b.engage_on_remote
                ),
                down_s=faults.windows("battery", b.name),
            )
        )
    parties = tuple(p.name for p in scenario.parties)
    raids = _raids(scenario, problems)
    sectors = _sectors(scenario, problems)
    links = tuple(
        link
        for index, k in enumerate(scenario.links)
        if (link := compile_item(scenario, f"links[{index}]", partial(compile_link, k), problems))
        is not None
    )
    links = tuple(faults.link(link) for link in links)
    network = compile_item(
        scenario, "links", partial(Network, parties=parties, links=links), problems
    )
    if problems or network is None:
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise ScenarioError(scenario.file, problems)
    return Theatre(
        name=scenario.name,
        scenario_hash=scenario_hash(scenario),
        parties=parties,
        radars=radars,
        space_ir=tuple(
            dataclasses.replace(compile_space_ir(s), down_s=faults.windows("sensor", s.name))
            for s in scenario.sensors
            if s.kind == "space-ir" and not faults.removed("sensor", s.name)
        ),
        interceptors=tuple(types.values()),
        batteries=tuple(batteries),
        network=network,
        sectors=sectors,
        assets=tuple(
            Asset(
                name=a.name,
                owner=a.owner,
                lat_rad=math.radians(a.lat_deg),
                lon_rad=math.radians(a.lon_deg),
                population=float(a.population),
            )
            for a in scenario.assets
        ),
        raids=raids,
        default_raid=scenario.default_raid,
        reach=reach if reach is not None else ReachTables(),
        cache=cache,
        slowdowns=faults.slowdowns(),
        fault_windows=_fault_windows(scenario),
        file=scenario.file,
    )


def theatre_of(
    source: Theatre | Scenario | str | Path | None = None,
    *,
    reach: ReachTables | None = None,
    cache: GeometryCache | bool | None = True,
) -> Theatre:
    """Return the theatre of a compiled theatre, a loaded scenario, a built-in name or a file.

    The analysis verbs call this once per study; ``None`` is the default
    scenario.

    Parameters
    ----------
    source : Theatre or Scenario or str or path, optional
        What to compile; a theatre is returned as it is, with its own cache
        unless ``cache`` is False or a cache.
    reach : ReachTables, optional
        Reach tables to share (see :func:`compile_scenario`).
    cache : GeometryCache or bool or None
        True: the user's cache (:func:`jointshield.cache.default_cache`,
        which the environment may turn off); False or None: none; or a
        cache.
    """
    store = default_cache() if cache is True else (cache or None)
    if isinstance(source, Theatre):
        if cache is True:
            return source
        return dataclasses.replace(source, cache=store)
    if isinstance(source, Scenario):
        return compile_scenario(source, reach=reach, cache=store)
    scenario = load_scenario(str(source or DEFAULT_SCENARIO))
    return compile_scenario(scenario, reach=reach, cache=store)
