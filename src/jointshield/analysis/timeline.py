"""Who learns of each threat when: the detection, track and fire-control timeline.

For every threat of a raid and every party, the timeline gives three moments
after launch, each with the sensor that provides it:

* **first detection**: the first look of one of the party's radars, the launch
  report of its space-based infrared sensor (:func:`~jointshield.sensing.space_ir.space_ir_cues`),
  or the first early-warning cue received from another party;
* **first track**: a track confirmed by one of its radars (M detections in N
  looks), or a track received from another party;
* **first fire-control-quality track**: a track whose one-sigma position and
  velocity errors per axis (the root of a third of the covariance's trace)
  are below the party's interceptors' fire-control figures.

Each moment is computed twice: with the party's own sensors alone, and with
the data the scenario's links deliver (their latency, scripted outages and
sharing policy; ``sharing`` overrides the policy of every link). The gap
between the two is what cooperation buys. As in the battle
(:func:`jointshield.battle.context.cued_views`), a party's radars are cued by
every cue that reaches the party (its own sensors' alone, or with the links'
too): a radar with a cued search acquires earlier, so a received cue moves a
party's own track and fire-control times as well.

The model is the deterministic, nominal picture (a Monte Carlo over missed
detections, noise and random outages is the engine's job): every look
detects; a radar's track is a Kalman filter on ballistic dynamics started at
burnout, whose covariance is computed along the true trajectory
(:func:`jointshield.tracking.covariance_history`); a received track counts
from its arrival. Fusing a received track with one's own can only make a
party's picture better, so the fire-control times with sharing are
conservative: they use the best single track available.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np

from jointshield.arrays import FloatArray
from jointshield.battle.context import cue_inputs, cue_sources, cued_views
from jointshield.errors import JointshieldError, unknown_name_message
from jointshield.flight.raid import RaidGeometry
from jointshield.scenario import Scenario
from jointshield.sensing.network import LinkModel, MessageKind, Network
from jointshield.sensing.picture import PROCESS_NOISE_M2_S3, RadarView
from jointshield.sensing.space_ir import space_ir_cues
from jointshield.theatre.compile import theatre_of
from jointshield.theatre.model import Theatre
from jointshield.vocabulary import SHARING_POLICIES, Sharing

#: Fire-control figures used for a party that has no interceptor of its own, m and m/s.
DEFAULT_FIRE_CONTROL = (200.0, 20.0)


@dataclass(frozen=True)
class Milestone:
    """One moment of a threat's timeline for one party.

    Attributes
    ----------
    t_s : float
        Seconds after the threat's launch; NaN if it never happens.
    sensor : str
        The radar that gives it ('' if none).
    owner : str
        The party that owns that radar.
    """

    t_s: float
    sensor: str = ""
    owner: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (time rounded to 0.1 s, None if never)."""
        return {
            "t_s": None if not np.isfinite(self.t_s) else round(self.t_s, 1),
            "sensor": self.sensor or None,
            "owner": self.owner or None,
        }


@dataclass(frozen=True)
class PartyTimeline:
    """What one party learns of one threat, with its own sensors and with sharing."""

    party: str
    own: dict[str, Milestone]
    shared: dict[str, Milestone]

    def gain_s(self, milestone: str) -> float:
        """Seconds earlier with sharing than alone (NaN if neither happens; inf if only shared)."""
        a, b = self.own[milestone].t_s, self.shared[milestone].t_s
        if np.isnan(b):
            return float("nan")
        if np.isnan(a):
            return float("inf")
        return float(a - b)


MILESTONES = ("detection", "track", "fire_control")


@dataclass(frozen=True)
class ThreatTimeline:
    """The timeline of one threat for every party."""

    threat_id: str
    missile: str
    launch_area: str
    target: str
    target_owner: str
    launch_time_s: float
    burnout_s: float
    impact_s: float
    parties: dict[str, PartyTimeline]


@dataclass(frozen=True)
class Timeline:
    """Timelines of the threats of a raid, with what produced them."""

    threats: tuple[ThreatTimeline, ...]
    sharing: str
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict: per threat, per party, own and shared milestones."""

        def num(x: float) -> float | None:
            return round(float(x), 1) if np.isfinite(x) else None

        return {
            "sharing": self.sharing,
            "threats": [
                {
                    "id": th.threat_id,
                    "missile": th.missile,
                    "launch_area": th.launch_area,
                    "target": th.target,
                    "launch_time_s": th.launch_time_s,
                    "burnout_s": num(th.burnout_s),
                    "impact_s": num(th.impact_s),
                    "parties": {
                        p: {
                            "own": {k: v.to_json() for k, v in pt.own.items()},
                            "shared": {k: v.to_json() for k, v in pt.shared.items()},
                            "gain_s": {
                                k: (
                                    None
                                    if not np.isfinite(pt.gain_s(k))
                                    else round(pt.gain_s(k), 1)
                                )
                                for k in MILESTONES
                            },
                        }
                        for p, pt in th.parties.items()
                    },
                }
                for th in self.threats
            ],
            "meta": self.meta,
        }


def _fire_control_figures(theatre: Theatre) -> dict[str, tuple[float, float]]:
    """Per party, the loosest fire-control figures among its batteries' interceptor types."""
    out: dict[str, tuple[float, float]] = {}
    for party in theatre.parties:
        figs = [
            (b.interceptor.fire_control_sigma_m, b.interceptor.fire_control_sigma_mps)
            for b in theatre.batteries
            if b.owner == party
        ]
        out[party] = (
            (max(f[0] for f in figs), max(f[1] for f in figs)) if figs else DEFAULT_FIRE_CONTROL
        )
    return out


def _earliest(candidates: list[tuple[float, str, str]]) -> Milestone:
    finite = [c for c in candidates if np.isfinite(c[0])]
    if not finite:
        return Milestone(float("nan"))
    t, sensor, owner = min(finite, key=lambda c: c[0])
    return Milestone(float(t), sensor, owner)


def timeline(
    scenario: Theatre | Scenario | str | None = None,
    raid: str | None = None,
    *,
    threat: str | None = None,
    sharing: str | None = None,
    cache: bool = True,
    geometry: RaidGeometry | None = None,
) -> Timeline:
    """Compute who learns of each threat of a raid when, alone and with sharing.

    Parameters
    ----------
    scenario : Theatre or Scenario or str or None
        A compiled theatre, a loaded scenario, a built-in name or file path;
        None for the default.
    raid : str, optional
        The raid; by default the scenario's default raid.
    threat : str, optional
        Only this threat of the raid (by its identifier).
    sharing : {'none', 'early-warning', 'tracks', 'tracks-own-territory'}, optional
        Sharing policy for every link, overriding the scenario's.
    cache : bool
        Whether the raid's flight and the radars' views are read from and
        kept in the user's geometry cache (:mod:`jointshield.cache`).
    geometry : RaidGeometry, optional
        The raid already flown (e.g. by a battle of the same raid).

    Returns
    -------
    Timeline
        Per threat and party, first detection, first track and first
        fire-control-quality track after launch, own and shared.

    Examples
    --------
    >>> tl = timeline("europe-2011", sharing="tracks")  # doctest: +SKIP
    >>> tl.threats[0].parties["NATO"].gain_s("detection")  # doctest: +SKIP
    25.0
    """
    if sharing is not None and sharing not in SHARING_POLICIES:
        raise JointshieldError(unknown_name_message("sharing policy", sharing, SHARING_POLICIES))
    theatre = theatre_of(scenario, cache=cache)
    geo = geometry if geometry is not None else theatre.fly(theatre.raid(raid))
    if threat is not None:
        geo = geo.select([geo.index(threat)])
    network = theatre.network
    if sharing is not None:
        policy = cast(Sharing, sharing)
        network = replace(
            network, links=tuple(replace(link, sharing=policy) for link in network.links)
        )
    figures = _fire_control_figures(theatre)
    picture = theatre.picture(geo)
    # Space-based infrared: a launch report (a detection), never a track.
    cues = [(ir, space_ir_cues(ir, geo.flyouts, geo.launch_time_s)) for ir in theatre.space_ir]
    parties = list(theatre.parties)
    # Each party's radars as cued alone (its own sensors) and with the links' cues.
    reports = cue_sources(picture, theatre.space_ir, geo)
    alone = replace(network, links=())
    key = theatre.geometry_key(geo)

    def cued_with(links: Network) -> tuple[RadarView, ...]:
        inputs = {p: cue_inputs(reports, geo, links, p) for p in parties}
        return cued_views(picture, reports, inputs, cache=theatre.cache, geometry_key=key)[0]

    cued_alone, cued_shared = cued_with(alone), cued_with(network)

    def fire_control_of(views: tuple[RadarView, ...]) -> dict[str, dict[str, FloatArray]]:
        return {
            v.radar.name: {p: v.fire_control_s(*fig) for p, fig in figures.items()} for v in views
        }

    fc_alone, fc_shared = fire_control_of(cued_alone), fire_control_of(cued_shared)

    launch = geo.launch_time_s
    threats = []
    for k in range(len(geo)):
        per_party: dict[str, PartyTimeline] = {}
        for party in parties:
            own: dict[str, Milestone] = {}
            shared: dict[str, Milestone] = {}
            targets_me = geo.target_owner[k] == party
            for milestone in MILESTONES:
                own_c: list[tuple[float, str, str]] = []
                shared_c: list[tuple[float, str, str]] = []
                for view, with_links in zip(cued_alone, cued_shared, strict=True):
                    owner = view.radar.owner
                    # A radar's moment as cued by its party alone, and with the links' cues.
                    t_shared = _milestone_time(with_links, fc_shared, milestone, party, k)
                    if owner == party:
                        t = _milestone_time(view, fc_alone, milestone, party, k)
                        own_c.append((t, view.radar.name, owner))
                        shared_c.append((t_shared, view.radar.name, owner))
                    elif np.isfinite(t := t_shared):
                        # Another party's radar: its data travel over the network, as a cue
                        # (detection) or a track (track, fire control), on the scenario clock.
                        kind: MessageKind = "cue" if milestone == "detection" else "track"
                        arrival = network.deliver(
                            owner, party, np.array([launch[k] + t]), kind, np.array([targets_me])
                        )[0]
                        shared_c.append((float(arrival - launch[k]), view.radar.name, owner))
                if milestone == "detection":
                    for ir, cue_s in cues:
                        t = float(cue_s[k])
                        if ir.owner == party:
                            own_c.append((t, ir.name, ir.owner))
                            shared_c.append((t, ir.name, ir.owner))
                        elif np.isfinite(t):
                            arrival = network.deliver(
                                ir.owner, party, np.array([launch[k] + t]), "cue", np.array([True])
                            )[0]
                            shared_c.append((float(arrival - launch[k]), ir.name, ir.owner))
                own[milestone] = _earliest(own_c)
                shared[milestone] = _earliest(shared_c)
            per_party[party] = PartyTimeline(party, own, shared)
        threats.append(
            ThreatTimeline(
                threat_id=geo.threat_id[k],
                missile=geo.missile[k],
                launch_area=geo.launch_area[k],
                target=geo.target[k],
                target_owner=geo.target_owner[k],
                launch_time_s=float(launch[k]),
                burnout_s=float(geo.flyouts.t_burnout_s[k]),
                impact_s=float(geo.flyouts.t_impact_s[k]),
                parties=per_party,
            )
        )
    policies = sorted({link.sharing for link in network.links}) if network.links else ["none"]
    meta = theatre.origin.meta(
        raid=geo.raid,
        process_noise_m2_s3=PROCESS_NOISE_M2_S3,
        links=[_link_meta(link) for link in network.links],
    )
    return Timeline(tuple(threats), sharing or ",".join(policies), meta)


def _link_meta(link: LinkModel) -> dict[str, Any]:
    return {
        "name": link.name,
        "ends": [link.a, link.b],
        "latency_s": link.latency_s,
        "sharing": link.sharing,
    }


def _milestone_time(
    view: RadarView,
    fire_control: dict[str, dict[str, FloatArray]],
    milestone: str,
    party: str,
    k: int,
) -> float:
    if milestone == "detection":
        return float(view.first_look_s[k])
    if milestone == "track":
        return float(view.confirmed_s[k])
    return float(fire_control[view.radar.name][party][k])
