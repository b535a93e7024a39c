"""Battle management over a raid: who may fire at what, when, and what it achieves.

This module ties the deterministic picture of a raid (aimed flyouts, radar
looks, track covariances, intercept windows) to the engagement engine
(:mod:`jointshield.engagement`: assignment, doctrine, kill draws), under the
rules of an architecture (:mod:`jointshield.architectures`). It is split in three:

* :func:`deploy` computes, once per raid, everything that depends on neither
  the architecture nor the trial: the raid flown, every radar's view, the
  batteries with their reach, the intercept windows, the sector under each
  candidate intercept point (a :class:`Deployment`, shared by every
  architecture of a comparison and every point of a sweep);
* :func:`prepare` adds, once per architecture, what its rules decide before
  any trial (a picklable :class:`BattleContext`);
* :func:`~jointshield.battle.trial.run_block` simulates a block of trials from one seed sequence:
  link outages, authorisation delays, vetoes and kill draws, and returns the
  per-trial columns.

Which track a battery may launch on (:func:`~jointshield.architectures.rules.may_use_track`):

* its **organic** radar (a radar of the same party at the battery's site)
  once that radar holds a fire-control-quality track;
* **launch on remote**, where its weapon system can: another radar's track
  (its own party's always; the other party's where the architecture lets it,
  delivered over the data links), provided its organic radar sees the threat
  at least ``handover_s`` before the intercept and takes over;
* **engage on remote**, where its weapon system can: the whole engagement on
  another radar's track, no organic radar needed;
* **a fused track**: every radar track the battery may use of its own party,
  and, with a fused picture, of both parties, fused by covariance
  intersection (:func:`~jointshield.sensing.picture.fused_fire_control_s`),
  used as a remote track.

Fire-control quality is per axis: the root of a third of a track's position
(velocity) covariance trace below the interceptor's figures.

**Cues.** Every sensor's first report of a threat (a radar's confirmed
track, a space-based infrared launch report) cues the other radars of its
party at once, and the other party's where the links carry cues. A cued
radar with a cued search volume acquires farther and earlier
(:func:`~jointshield.sensing.picture.cued_view`); and with
``authorise_from="cue"`` a launch decision starts at the party's first cue.

A battery is responsible for the threats its architecture gives it (its own
party's assets, all assets, or whatever is intercepted over its party's
sector). A launch in a dual-key architecture waits for both parties'
authorisation and may be vetoed. A threat fired ``count`` times is ``count``
targets on one trajectory. Every pair that cannot engage says why, in the
order physics first (no track, no fire-control track, out of the envelope,
too late), then the architecture (not responsible, vetoed); the engagement
engine adds no rounds and missed. A warhead missed by one battery may be
engaged by another while time remains (re-engagement, ``Rules.reengage``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from jointshield.architectures.presets import Architecture, architecture
from jointshield.architectures.rules import may_use_track, network_for
from jointshield.architectures.sectors import sector_owner
from jointshield.arrays import BoolArray, FloatArray, Int64Array, ObjectArray
from jointshield.cache import GeometryCache, fingerprint
from jointshield.engagement.fire import Doctrine
from jointshield.engagement.reasons import NO_TRACK, NOT_FIRE_CONTROL_QUALITY, OUT_OF_ENVELOPE
from jointshield.engagement.windows import (
    BatteryGeometry,
    InterceptWindows,
    close_launches,
    intercept_windows,
)
from jointshield.errors import JointshieldError, Problem, ScenarioError
from jointshield.flight.raid import RaidGeometry
from jointshield.physics.geo import ecef_to_geodetic
from jointshield.record import Origin
from jointshield.sensing.network import Network
from jointshield.sensing.picture import (
    Picture,
    RadarView,
    cued_view,
    fused_fire_control_s,
)
from jointshield.sensing.space_ir import SpaceIR, space_ir_cues
from jointshield.theatre.model import Slowdown, Theatre
from jointshield.vocabulary import truth

__all__ = [
    "RULE_PARAMETERS",
    "BattleContext",
    "CueSource",
    "Deployment",
    "Rules",
    "cue_arrivals",
    "cue_inputs",
    "cue_sources",
    "cued_views",
    "deploy",
    "prepare",
]


@dataclass(frozen=True)
class Rules:
    """Engagement settings that every architecture shares.

    Parameters
    ----------
    doctrine : Doctrine
        Shoot-look-shoot or salvo, and the kill-assessment time.
    assignment : {'auto', 'optimal', 'greedy'}
        Weapon–target assignment method.
    handover_s : float
        For launch on remote: how long before the intercept the organic radar
        must see the threat, s [assumption: no published hand-over time was
        found; vary it].
    reengage : bool
        A warhead that a battery engaged and missed may be engaged by another
        battery with rounds left, launched after the last intercept has been
        assessed (``doctrine.kill_assessment_s``).
    """

    doctrine: Doctrine = field(default_factory=Doctrine)
    assignment: Literal["auto", "optimal", "greedy"] = "auto"
    handover_s: float = 30.0
    reengage: bool = True

    def with_params(self, **params: object) -> Rules:
        """Return these rules with some of :data:`RULE_PARAMETERS` changed, validated.

        Values may be typed or strings as the command line gives them.

        Raises
        ------
        JointshieldError
            For an unknown rule (listing the valid ones) or a bad value.

        Examples
        --------
        >>> Rules().with_params(handover_s="20", doctrine="salvo").doctrine.mode
        'salvo'
        """
        rules: dict[str, Any] = {}
        doctrine: dict[str, Any] = {}
        for key, value in params.items():
            if key not in RULE_PARAMETERS:
                raise JointshieldError(
                    f"unknown battle rule {key!r} (valid: {', '.join(RULE_PARAMETERS)})"
                )
            typed = _rule_value(key, value)
            if key in _DOCTRINE_KEYS:
                doctrine[_DOCTRINE_KEYS[key]] = typed
            else:
                rules[key] = typed
        if doctrine:
            rules["doctrine"] = replace(self.doctrine, **doctrine)
        return replace(self, **rules)

    def parameters(self) -> dict[str, object]:
        """Every rule of :data:`RULE_PARAMETERS` with its value here."""
        out: dict[str, object] = {}
        for key in RULE_PARAMETERS:
            field_name = _DOCTRINE_KEYS.get(key)
            out[key] = getattr(self.doctrine, field_name) if field_name else getattr(self, key)
        return out


RULE_PARAMETERS: Final[Mapping[str, str]] = {
    "handover_s": (
        "s in [0, 3600]: for launch on remote, how long before the intercept the battery's "
        "own radar must see the threat [assumption]"
    ),
    "doctrine": "shoot-look-shoot or salvo",
    "salvo_size": "interceptors in a salvo, an integer in [1, 10]",
    "max_shots_per_threat": "most interceptors one battery fires at one warhead, in [1, 10]",
    "kill_assessment_s": "s in [0, 600]: time to assess an intercept before the next launch",
    "assignment": "auto, optimal or greedy weapon-target assignment",
    "reengage": "true/false: another battery may engage a warhead that one battery missed",
}
"""Battle rules a user may set (``--set NAME=VALUE``, ``--grid``), shared by every architecture."""

_DOCTRINE_KEYS: Final[Mapping[str, str]] = {
    "doctrine": "mode",
    "salvo_size": "salvo_size",
    "max_shots_per_threat": "max_shots_per_threat",
    "kill_assessment_s": "kill_assessment_s",
}


def _rule_value(key: str, value: object) -> object:
    """Read one rule's value (typed, or a string from the command line), or raise."""
    text = value.strip().lower() if isinstance(value, str) else value
    if key == "reengage":
        read = truth(value)
        if read is not None:
            return read
        raise JointshieldError(f"{key}: expected true or false, got {value!r}")
    if key in ("doctrine", "assignment"):
        known = (
            ("shoot-look-shoot", "salvo") if key == "doctrine" else ("auto", "optimal", "greedy")
        )
        if text not in known:
            raise JointshieldError(f"{key}: expected one of {', '.join(known)}, got {value!r}")
        return text
    if key in ("salvo_size", "max_shots_per_threat"):
        try:
            real = float(str(text)) if not isinstance(text, bool) else math.nan
        except ValueError:
            real = math.nan
        number = int(real) if math.isfinite(real) and real == int(real) else None
        if number is None or not 1 <= number <= 10:
            raise JointshieldError(f"{key}: expected an integer in [1, 10], got {value!r}")
        return number
    high = 3600.0 if key == "handover_s" else 600.0
    try:
        seconds = float(str(text)) if not isinstance(text, bool) else math.nan
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 0.0 <= seconds <= high):
        raise JointshieldError(f"{key}: expected a number of s in [0, {high:g}], got {value!r}")
    return seconds


@dataclass(frozen=True)
class CueSource:
    """A sensor's first report of each threat: what cues the other sensors and decisions.

    Attributes
    ----------
    sensor, owner : str
        The reporting sensor and its party.
    t_s : ndarray, shape (n,)
        Flight time of the report, s (a radar's nominal confirmed track, a
        space-based sensor's launch report); NaN: never.
    p_detect : float
        Probability that the report is made in a trial (a radar's is nominal: 1).
    """

    sensor: str
    owner: str
    t_s: FloatArray
    p_detect: float


@dataclass(frozen=True)
class _CueInput:
    """A cue source as one party receives it: at once (its own) or over the links."""

    cue: int
    receiver: str
    arrival_s: FloatArray  # (n,) nominal flight time of arrival, NaN: never
    remote: bool


@dataclass(frozen=True)
class _FireControlSource:
    """A track (one radar's, or a fusion of several) that a battery may launch on.

    ``windows`` is ``organic`` (the battery's own radars only: no hand-over)
    or ``remote`` (launch or engage on remote). ``members`` are the views
    whose tracks it uses (one for a single track), ``remote_members`` those
    of them that come from the other party over the links, and ``delays_s``
    the nominal latency of each member's path to the battery's party
    (0 for its own). ``fc_s`` is the
    nominal flight time of fire-control quality as the battery receives it,
    with the architecture's cues; ``fc_uncued_s`` the same without cues
    (single tracks; NaN for a fused one, which then falls back to its
    members). ``looks_needed`` (and ``looks_needed_uncued``) count the
    post-burnout detections after which the single track reaches it.
    """

    battery: int
    windows: Literal["organic", "remote"]
    members: tuple[int, ...]
    remote_members: tuple[int, ...]
    delays_s: tuple[float, ...]
    fc_s: FloatArray
    fc_uncued_s: FloatArray
    looks_needed: NDArray[np.int64]
    looks_needed_uncued: NDArray[np.int64]
    sender: str
    receiver: str
    targets_receiver: NDArray[np.bool_]

    @property
    def fused(self) -> bool:
        """Whether the source fuses several tracks."""
        return len(self.members) > 1


@dataclass(frozen=True)
class Deployment:
    """A raid against a theatre's forces: everything no architecture and no trial changes.

    Attributes
    ----------
    theatre_name : str
        The theatre's (scenario's) name.
    origin : Origin
        Scenario, hash and version, for every result made from it.
    parties : tuple of str
        The parties, in the theatre's order.
    geometry : RaidGeometry
        The raid, aimed and flown.
    picture : Picture
        Every radar's view of the raid.
    cues : tuple of CueSource
        Every sensor's first report of each threat (radars in the picture's
        order, then the space-based infrared sensors).
    batteries : tuple of BatteryGeometry
        The batteries with their interceptor's reach.
    windows : InterceptWindows
        Intercept solutions of every threat × battery × threat sample.
    network : Network
        The theatre's data network, as the scenario sets it.
    sector_owner : ndarray of object, shape (n, b, K)
        Party whose sector holds each candidate intercept point ('' for none).
    target_owner : ndarray of object, shape (n,)
        Party that owns each threat's target.
    warhead_threat : ndarray of int, shape (m,)
        The threat of each warhead (a threat fired ``count`` times is ``count`` warheads).
    assets : tuple of str
        The assets the raid attacks, in the order of first attack.
    asset_population : ndarray, shape (A,)
        Their populations.
    warhead_asset : ndarray of int, shape (m,)
        The asset each warhead attacks (index into ``assets``).
    slowdowns : tuple of Slowdown
        Parties' authorisations slowed by the theatre's faults.
    """

    theatre_name: str
    origin: Origin
    parties: tuple[str, ...]
    geometry: RaidGeometry
    picture: Picture
    cues: tuple[CueSource, ...]
    batteries: tuple[BatteryGeometry, ...]
    windows: InterceptWindows
    network: Network
    sector_owner: ObjectArray
    target_owner: ObjectArray
    warhead_threat: Int64Array
    assets: tuple[str, ...]
    asset_population: FloatArray
    warhead_asset: Int64Array
    slowdowns: tuple[Slowdown, ...] = ()
    memo: dict[tuple[Any, ...], Any] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )
    """What :func:`prepare` derived from this deployment that another architecture may
    reuse: a radar's view under given cues, a fused track of given members."""
    cache: GeometryCache | None = field(default=None, compare=False, repr=False)
    """The theatre's geometry cache, where :func:`prepare` keeps the cued views between
    runs (None: in memory only)."""
    geometry_key: str = ""
    """:func:`~jointshield.cache.fingerprint` of :attr:`geometry` when there is a cache."""


def deploy(
    theatre: Theatre, raid: str | None = None, *, geometry: RaidGeometry | None = None
) -> Deployment:
    """Compute once what every architecture and trial of a battle share.

    Parameters
    ----------
    theatre : Theatre
        The compiled scenario.
    raid : str, optional
        The raid; by default the theatre's default raid.
    geometry : RaidGeometry, optional
        The raid already flown (e.g. by a timeline of the same raid).

    Returns
    -------
    Deployment
        The raid flown, every radar's view, every sensor's cues, the
        batteries' reach and windows.
    """
    theatre.require_batteries()
    geo = geometry if geometry is not None else theatre.fly(theatre.raid(raid))
    picture = theatre.picture(geo)
    cues = cue_sources(picture, theatre.space_ir, geo)
    batteries = tuple(
        BatteryGeometry(
            name=b.name,
            owner=b.owner,
            lat_rad=b.lat_rad,
            lon_rad=b.lon_rad,
            alt_m=b.alt_m,
            rounds=b.rounds,
            kinematics=theatre.kinematics(b),
            organic_radars=b.organic_radars,
            launch_on_remote=b.launch_on_remote,
            engage_on_remote=b.engage_on_remote,
            down_s=b.down_s,
        )
        for b in theatre.batteries
    )
    check_fault_windows(theatre, geo)
    windows = close_launches(
        intercept_windows(batteries, geo.flyouts), batteries, geo.launch_time_s
    )
    # The party whose sector holds each candidate intercept point (sectoral rules, vetoes).
    lat, lon, _ = ecef_to_geodetic(windows.point_ecef_m)
    owners = sector_owner(theatre.sectors, lat, lon)
    owners = np.where(np.isfinite(lat), owners, "")
    per = np.repeat(np.arange(len(geo)), geo.count).astype(np.int64)
    assets = tuple(dict.fromkeys(geo.target))
    population = np.array([theatre.asset(a).population for a in assets], dtype=float)
    warhead_asset = np.array([assets.index(geo.target[i]) for i in per], dtype=np.int64)
    return Deployment(
        cache=theatre.cache,
        geometry_key=theatre.geometry_key(geo),
        theatre_name=theatre.name,
        origin=theatre.origin,
        parties=theatre.parties,
        geometry=geo,
        picture=picture,
        cues=cues,
        batteries=batteries,
        windows=windows,
        network=theatre.network,
        sector_owner=owners,
        target_owner=np.array(geo.target_owner, dtype=object),
        warhead_threat=per,
        assets=assets,
        asset_population=population,
        warhead_asset=warhead_asset,
        slowdowns=theatre.slowdowns,
    )


def raid_end_s(geometry: RaidGeometry) -> float:
    """Return the raid's end on the scenario clock: its last warhead's impact, s."""
    launch = np.asarray(geometry.launch_time_s, dtype=float)
    end = launch + np.asarray(geometry.flyouts.t_impact_s, dtype=float)
    return float(np.nanmax(end, initial=0.0))


def check_fault_windows(theatre: Theatre, geometry: RaidGeometry) -> None:
    """Refuse faults whose window does not lie within the raid's time, [0, its last impact].

    Raises
    ------
    ScenarioError
        Naming the file, line and key of every such fault.
    """
    end = raid_end_s(geometry)
    problems = [
        Problem(
            f"{w.key}.end_s" if w.end_s > end else f"{w.key}.start_s",
            f"the window [{w.start_s:g}, {w.end_s:g}] s lies outside the raid's time "
            f"[0, {end:,.0f}] s (its last impact); leave end_s out for a fault that lasts "
            "to the end",
            w.line,
        )
        for w in theatre.fault_windows
        if w.start_s >= end or (math.isfinite(w.end_s) and w.end_s > end)
    ]
    if problems:
        raise ScenarioError(theatre.file, problems)


@dataclass(frozen=True)
class BattleContext:
    """Everything about a battle that does not change from trial to trial (picklable).

    ``views`` are the radars' views under the architecture: cued where a
    cue reaches a radar that can use it (``cued`` marks them; ``uncued``
    holds the views without cues, for trials in which the cue is lost).
    ``cue_inputs[r]`` are the cues that reach radar ``r``, and
    ``knowledge_inputs[j]`` those that reach battery ``j``'s party.
    """

    deployment: Deployment
    architecture: Architecture
    rules: Rules
    network: Network  # as the architecture runs it
    views: tuple[RadarView, ...]
    cued: tuple[bool, ...]
    cue_inputs: tuple[tuple[_CueInput, ...], ...]
    knowledge_inputs: tuple[tuple[_CueInput, ...], ...]
    remote_windows: InterceptWindows
    sources: tuple[_FireControlSource, ...]  # every track a battery may launch on
    blocked_static: NDArray[np.int8]  # (n, b) physics that no trial changes
    value: FloatArray  # (m,)
    pk: FloatArray  # (b,)
    basket_m: FloatArray  # (b,) hand-over basket radius, NaN: no degradation
    allowed_views: tuple[tuple[int, ...], ...]  # per battery, indices into the views
    rounds: Int64Array  # (b,)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def geometry(self) -> RaidGeometry:
        """The raid, aimed and flown."""
        return self.deployment.geometry

    @property
    def batteries(self) -> tuple[BatteryGeometry, ...]:
        """The batteries with their reach."""
        return self.deployment.batteries

    @property
    def organic_windows(self) -> InterceptWindows:
        """Intercept windows on the batteries' own radars' tracks."""
        return self.deployment.windows

    @property
    def uncued(self) -> tuple[RadarView, ...]:
        """Every radar's view of the raid without cues."""
        return self.deployment.picture.views

    @property
    def assets(self) -> tuple[str, ...]:
        """The assets the raid attacks."""
        return self.deployment.assets

    @property
    def asset_population(self) -> FloatArray:
        """Their populations."""
        return self.deployment.asset_population


def _looks_needed(view: RadarView, fc_s: FloatArray) -> NDArray[np.int64]:
    """How many post-burnout detections the nominal track needs to reach fire control (0: never)."""
    n = fc_s.shape[0]
    if view.history is None:
        return np.zeros(n, dtype=np.int64)
    looks = view.history.t_s
    reached = np.isfinite(fc_s)
    count = np.sum(looks <= np.where(reached, fc_s, -np.inf)[:, None], axis=1)
    return np.where(reached, count, 0).astype(np.int64)


def _path_latency_s(network: Network, sender: str, receiver: str) -> float:
    """Nominal latency of the path from ``sender`` to ``receiver``, s (0 within a party)."""
    return float(sum(link.latency_s for link in network.path(sender, receiver)))


def cue_sources(
    picture: Picture, space_ir: tuple[SpaceIR, ...], geometry: RaidGeometry
) -> tuple[CueSource, ...]:
    """Every sensor's first report of each threat: radars' confirmed tracks, then launch reports.

    Radars in the picture's order (their nominal confirmation, M of N), then the
    space-based infrared sensors (:func:`~jointshield.sensing.space_ir.space_ir_cues`).
    """
    return tuple(
        CueSource(view.radar.name, view.radar.owner, view.confirmed_s, 1.0)
        for view in picture.views
    ) + tuple(
        CueSource(
            sensor.name,
            sensor.owner,
            space_ir_cues(sensor, geometry.flyouts, geometry.launch_time_s),
            sensor.p_detect,
        )
        for sensor in space_ir
    )


def cue_inputs(
    cues: tuple[CueSource, ...],
    geometry: RaidGeometry,
    network: Network,
    receiver: str,
) -> tuple[_CueInput, ...]:
    """Return the cues that reach a party: its own sensors' at once, the others' over the links.

    The nominal arrival (links up except in scripted outages, fixed latency),
    and only where the path's sharing policy carries cues.
    """
    launch = geometry.launch_time_s
    targets = np.array(geometry.target_owner, dtype=object) == receiver
    out = []
    for c, cue in enumerate(cues):
        if cue.owner == receiver:
            out.append(_CueInput(c, receiver, cue.t_s, False))
            continue
        arrival = network.deliver(cue.owner, receiver, launch + cue.t_s, "cue", targets)
        arrival = arrival - launch
        if np.isfinite(arrival).any():
            out.append(_CueInput(c, receiver, arrival, True))
    return tuple(out)


def cued_views(
    picture: Picture,
    cues: tuple[CueSource, ...],
    inputs: dict[str, tuple[_CueInput, ...]],
    memo: dict[tuple[Any, ...], Any] | None = None,
    cache: GeometryCache | None = None,
    geometry_key: str = "",
) -> tuple[tuple[RadarView, ...], tuple[bool, ...], tuple[tuple[_CueInput, ...], ...]]:
    """Each radar's view with the cues its party receives (its own reports excluded).

    Parameters
    ----------
    picture : Picture
        The uncued views.
    cues : tuple of CueSource
        Every sensor's first report (:func:`cue_sources`).
    inputs : dict of str to tuple
        Per party, the cues that reach it (:func:`cue_inputs`).
    memo : dict, optional
        Views already derived for the same cues (reused, and filled).
    cache : GeometryCache, optional
        Where cued views are kept between runs, keyed by ``geometry_key``
        (the flown raid's fingerprint), the radar and the cue times.
    geometry_key : str
        :func:`~jointshield.cache.fingerprint` of ``picture.geometry``; the
        cache is used only when it is given.

    Returns
    -------
    views : tuple of RadarView
        Cued where a cue comes before the radar's own first look and it has a
        cued search, else the uncued view.
    cued : tuple of bool
        Which views are cued.
    per_radar : tuple of tuple
        The cue inputs of each radar.
    """
    memo = {} if memo is None else memo
    n = len(picture.geometry)
    views: list[RadarView] = []
    cued: list[bool] = []
    per_radar: list[tuple[_CueInput, ...]] = []
    for view in picture.views:
        radar = view.radar
        mine = tuple(i for i in inputs[radar.owner] if cues[i.cue].sensor != radar.name)
        per_radar.append(mine)
        cue = _earliest(mine, n)
        key = ("cued", radar.name, cue.tobytes())
        if key not in memo:

            def derive(view: RadarView = view, cue: FloatArray = cue) -> tuple[RadarView | None]:
                # In a tuple, so that "the cue changes nothing" (None) is kept too.
                return (cued_view(view, picture.geometry, cue),)

            if cache is not None and geometry_key:
                # A radar's uncued view is its and the raid's alone (sensor_picture).
                stored = fingerprint("cued", geometry_key, radar, cue)
                (memo[key],) = cache.get_or_compute("cued", stored, derive)
            else:
                (memo[key],) = derive()
        better = memo[key]
        views.append(better if better is not None else view)
        cued.append(better is not None)
    return tuple(views), tuple(cued), tuple(per_radar)


def _earliest(inputs: tuple[_CueInput, ...], n: int) -> FloatArray:
    """Earliest nominal arrival of any of the inputs, (n,); NaN: none."""
    out = np.full(n, np.nan)
    for item in inputs:
        out = np.fmin(out, item.arrival_s)
    return out


def prepare(
    deployment: Deployment | Theatre,
    raid: str | None = None,
    *,
    arch: Architecture | str = "data-exchange",
    rules: Rules | None = None,
) -> BattleContext:
    """Add to a deployment what an architecture decides before any trial.

    Parameters
    ----------
    deployment : Deployment or Theatre
        The deployment (:func:`deploy`), or a theatre to deploy against ``raid``.
    raid : str, optional
        With a theatre: the raid (default: the theatre's).
    arch : Architecture or str
        The architecture in force (a preset name or a configured one).
    rules : Rules, optional
        Doctrine, assignment method, hand-over time and re-engagement.

    Returns
    -------
    BattleContext
        The picklable context of :func:`~jointshield.battle.trial.run_block`.
    """
    dep = deploy(deployment, raid) if isinstance(deployment, Theatre) else deployment
    the_arch = architecture(arch) if isinstance(arch, str) else arch
    rules = rules or Rules()
    geo, windows = dep.geometry, dep.windows
    batteries = dep.batteries
    network = network_for(the_arch, dep.network)
    n, b = len(geo), len(batteries)

    # Cues: what reaches each party, and each radar's view with the cues it gets.
    party_inputs = {p: cue_inputs(dep.cues, geo, network, p) for p in dep.parties}
    views_t, cued_t, cue_inputs_t = cued_views(
        dep.picture, dep.cues, party_inputs, dep.memo, dep.cache, dep.geometry_key
    )
    views, cued = list(views_t), list(cued_t)

    organic_first = np.full((n, b), np.nan)
    any_look = np.zeros((n, b), dtype=bool)
    sources: list[_FireControlSource] = []
    allowed_views: list[tuple[int, ...]] = []
    basket = np.full(b, np.nan)
    for j, bat in enumerate(batteries):
        allowed_j: list[int] = []
        kind = bat.kinematics.interceptor
        fig = (kind.fire_control_sigma_m, kind.fire_control_sigma_mps)
        if kind.handover_basket_m is not None:
            basket[j] = kind.handover_basket_m
        targets = dep.target_owner == bat.owner
        for v, view in enumerate(views):
            radar = view.radar
            is_organic = radar.name in bat.organic_radars
            allowed, _ = may_use_track(
                the_arch,
                bat.owner,
                radar.owner,
                is_organic,
                launch_on_remote=bat.launch_on_remote,
                engage_on_remote=bat.engage_on_remote,
            )
            if not allowed:
                continue
            allowed_j.append(v)
            any_look[:, j] |= np.isfinite(view.first_look_s)
            if is_organic:
                organic_first[:, j] = np.fmin(organic_first[:, j], view.first_look_s)
            fc = view.fire_control_s(*fig)
            fc_uncued = dep.picture.views[v].fire_control_s(*fig) if cued[v] else fc
            remote = radar.owner != bat.owner
            sources.append(
                _FireControlSource(
                    battery=j,
                    windows="organic" if is_organic else "remote",
                    members=(v,),
                    remote_members=(v,) if remote else (),
                    delays_s=(_path_latency_s(network, radar.owner, bat.owner),),
                    fc_s=fc,
                    fc_uncued_s=fc_uncued,
                    looks_needed=_looks_needed(view, fc),
                    looks_needed_uncued=_looks_needed(dep.picture.views[v], fc_uncued),
                    sender=radar.owner,
                    receiver=bat.owner,
                    targets_receiver=targets,
                )
            )
        allowed_views.append(tuple(allowed_j))
        # Fused tracks: the party's own usable tracks; with a fused picture, both parties'.
        own = tuple(v for v in allowed_j if views[v].radar.owner == bat.owner)
        groups = [own]
        if the_arch.fused_picture and len(allowed_j) > len(own):
            groups.append(tuple(allowed_j))
        for members in groups:
            if len(members) < 2:
                continue
            delays = tuple(
                _path_latency_s(network, views[v].radar.owner, bat.owner) for v in members
            )
            fused_key = ("fused", tuple(id(views[v]) for v in members), delays, fig)
            if fused_key not in dep.memo:
                tracks = tuple((views[v], d) for v, d in zip(members, delays, strict=True))

                def fuse(
                    tracks: tuple[tuple[RadarView, float], ...] = tracks,
                    fig: tuple[float, float] = fig,
                ) -> FloatArray:
                    return fused_fire_control_s(tracks, *fig)

                if dep.cache is None:
                    dep.memo[fused_key] = fuse()
                else:
                    # Keyed by the members' views themselves (radar, looks, covariances).
                    stored = fingerprint("fused", tracks, fig)
                    dep.memo[fused_key] = dep.cache.get_or_compute("fused", stored, fuse)
            fused = dep.memo[fused_key]
            organic_only = all(views[v].radar.name in bat.organic_radars for v in members)
            sources.append(
                _FireControlSource(
                    battery=j,
                    windows="organic" if organic_only else "remote",
                    members=members,
                    remote_members=tuple(v for v in members if views[v].radar.owner != bat.owner),
                    delays_s=delays,
                    fc_s=fused,
                    fc_uncued_s=np.full(n, np.nan),
                    looks_needed=np.zeros(n, dtype=np.int64),
                    looks_needed_uncued=np.zeros(n, dtype=np.int64),
                    sender=bat.owner,
                    receiver=bat.owner,
                    targets_receiver=targets,
                )
            )

    # Launch on remote: the organic radar must see the threat handover_s before the
    # intercept; a battery that can engage on remote needs no organic radar.
    engage_remote = np.array([bat.engage_on_remote for bat in batteries], dtype=bool)
    lower = np.where(engage_remote[None, :], -np.inf, organic_first + rules.handover_s)
    with np.errstate(invalid="ignore"):
        handed = windows.t_intercept_s >= lower[..., None]
    remote_windows = replace(windows, feasible=windows.feasible & handed)

    any_fc = np.zeros((n, b), dtype=bool)
    for src in sources:
        any_fc[:, src.battery] |= np.isfinite(src.fc_s) | np.isfinite(src.fc_uncued_s)
    blocked = np.zeros((n, b), dtype=np.int8)
    blocked[~any_look] = NO_TRACK
    blocked[(blocked == 0) & ~any_fc] = NOT_FIRE_CONTROL_QUALITY
    blocked[(blocked == 0) & (windows.reason != 0)] = OUT_OF_ENVELOPE

    return BattleContext(
        deployment=dep,
        architecture=the_arch,
        rules=rules,
        network=network,
        views=tuple(views),
        cued=tuple(cued),
        cue_inputs=cue_inputs_t,
        knowledge_inputs=tuple(party_inputs[bat.owner] for bat in batteries),
        remote_windows=remote_windows,
        sources=tuple(sources),
        blocked_static=blocked,
        value=dep.asset_population[dep.warhead_asset],
        pk=np.array([bat.kinematics.pk for bat in batteries]),
        basket_m=basket,
        allowed_views=tuple(allowed_views),
        rounds=np.array([bat.rounds for bat in batteries], dtype=np.int64),
        meta=dep.origin.meta(raid=geo.raid, architecture=the_arch.name),
    )


def cue_arrivals(
    ctx: BattleContext,
    inputs: tuple[_CueInput, ...],
    reported: dict[int, BoolArray],
    rng: np.random.Generator,
    n_trials: int,
    delivered: dict[tuple[int, str], FloatArray] | None = None,
) -> FloatArray:
    """Earliest arrival in each trial of the cues ``inputs``, flight time s, (T, n).

    A sensor's report is made in a trial where ``reported[cue]`` says so
    (space-based sensors detect with their ``p_detect``); the other party's
    cues cross the links with the trial's outages and latency.

    A cue is one message to each receiving party: its arrival in a trial is
    drawn once per (cue, receiver) and kept in ``delivered``, so that every
    radar of the party and its launch decisions see the same message arrive
    at the same time (or be lost together). A block passes one dict to all
    its calls; without it each call draws afresh.
    """
    delivered = {} if delivered is None else delivered
    launch = ctx.geometry.launch_time_s
    n = launch.shape[0]
    out = np.full((n_trials, n), np.nan)
    for item in inputs:
        cue = ctx.deployment.cues[item.cue]
        seen = reported.get(item.cue)
        t = np.broadcast_to(cue.t_s, (n_trials, n))
        if item.remote:
            key = (item.cue, item.receiver)
            if key not in delivered:
                delivered[key] = (
                    ctx.network.deliver(
                        cue.owner,
                        item.receiver,
                        launch + cue.t_s,
                        "cue",
                        ctx.deployment.target_owner == item.receiver,
                        rng=rng,
                        n_trials=n_trials,
                    )
                    - launch
                )
            t = delivered[key]
        if seen is not None:
            t = np.where(seen, t, np.nan)
        out = np.fmin(out, t)
    return out
