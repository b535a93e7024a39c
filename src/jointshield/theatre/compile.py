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

import math
from pathlib import Path

from jointshield.architectures.sectors import DEFAULT_SECTORS, Sector
from jointshield.errors import JointshieldError
from jointshield.flight.missile import MissileModel
from jointshield.flight.raid import RaidPlan, Threat
from jointshield.flight.reach import InterceptorType, ReachTables
from jointshield.scenario import DEFAULT_SCENARIO, load_scenario, scenario_hash
from jointshield.scenario.model import Interceptor, Link, Missile, Scenario, Sensor, Site
from jointshield.scenario.places import resolve_place
from jointshield.sensing.network import LinkModel, Network, Outage
from jointshield.sensing.radar import Radar
from jointshield.sensing.space_ir import SpaceIR
from jointshield.theatre.model import Asset, Battery, Theatre

__all__ = [
    "compile_interceptor",
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
    )


def compile_space_ir(sensor: Sensor) -> SpaceIR:
    """Build a space-based infrared sensor from a scenario's sensor of kind ``space-ir``.

    The name, owner and reporting delay come from the file; the plume
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
    return SpaceIR(name=sensor.name, owner=sensor.owner, delay_s=float(sensor.delay_s))


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


def _sectors(scenario: Scenario) -> tuple[Sector, ...]:
    if not scenario.sectors:
        return DEFAULT_SECTORS
    return tuple(
        Sector(party=s.party, polygon_deg=tuple(s.polygon_deg), name=s.name)
        for s in scenario.sectors
    )


def _raids(scenario: Scenario) -> tuple[RaidPlan, ...]:
    models: dict[str, MissileModel] = {}
    raids = []
    for raid in scenario.raids:
        threats = []
        for th in raid.threats:
            if th.missile not in models:
                models[th.missile] = compile_missile(scenario.missile(th.missile))
            start = resolve_place(scenario, th.launch_area)
            end = resolve_place(scenario, th.target)
            threats.append(
                Threat(
                    id=th.id,
                    missile=models[th.missile],
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
                )
            )
        raids.append(RaidPlan(raid.name, tuple(threats)))
    return tuple(raids)


def compile_scenario(scenario: Scenario, *, reach: ReachTables | None = None) -> Theatre:
    """Compile a loaded scenario into its theatre.

    Parameters
    ----------
    scenario : Scenario
        A loaded, validated scenario.
    reach : ReachTables, optional
        A cache of reach tables to share with other theatres (by default the
        theatre gets its own).

    Returns
    -------
    Theatre
        Every object of the scenario in SI, names resolved.

    Raises
    ------
    JointshieldError
        If an object cannot be built.
    """
    radars = tuple(
        compile_radar(s, scenario.site(s.site)) for s in scenario.sensors if s.kind == "radar"
    )
    types = {i.name: compile_interceptor(i) for i in scenario.interceptors}
    batteries = []
    for b in scenario.batteries:
        site = scenario.site(b.site)
        organic = tuple(
            s.name
            for s in scenario.sensors
            if s.kind == "radar" and s.site == b.site and s.owner == b.owner
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
            )
        )
    parties = tuple(p.name for p in scenario.parties)
    raids = _raids(scenario)
    return Theatre(
        name=scenario.name,
        scenario_hash=scenario_hash(scenario),
        parties=parties,
        radars=radars,
        space_ir=tuple(compile_space_ir(s) for s in scenario.sensors if s.kind == "space-ir"),
        interceptors=tuple(types.values()),
        batteries=tuple(batteries),
        network=Network(parties=parties, links=tuple(compile_link(k) for k in scenario.links)),
        sectors=_sectors(scenario),
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
    )


def theatre_of(
    source: Theatre | Scenario | str | Path | None = None, *, reach: ReachTables | None = None
) -> Theatre:
    """Return the theatre of a compiled theatre, a loaded scenario, a built-in name or a file.

    The analysis verbs call this once per study; ``None`` is the default
    scenario.
    """
    if isinstance(source, Theatre):
        return source
    if isinstance(source, Scenario):
        return compile_scenario(source, reach=reach)
    return compile_scenario(load_scenario(str(source or DEFAULT_SCENARIO)), reach=reach)
