"""The architectures' rules as pure functions.

Who may use which track, who is responsible, who decides, and the random
parts of a decision.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from jointshield.architectures.presets import Architecture, TrackUse
from jointshield.arrays import BoolArray, FloatArray, Int8Array
from jointshield.engagement.reasons import NOT_AUTHORISED, NOT_RESPONSIBLE, VETOED
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.montecarlo.streams import RandomSource, per_trial, uniform
from jointshield.sensing.network import Network


def network_for(arch: Architecture, network: Network) -> Network:
    """Return the network as the architecture runs it.

    Every link takes the architecture's sharing policy, and its latency and
    availability where the architecture overrides them (the random part of
    the latency, ``latency_jitter_s``, is kept). Scripted outages stay.
    """
    changes: dict[str, Any] = {"sharing": arch.sharing}
    if arch.latency_s is not None:
        changes["latency_s"] = arch.latency_s
    if arch.availability is not None:
        changes["availability"] = arch.availability
    links = tuple(dataclasses.replace(link, **changes) for link in network.links)
    return dataclasses.replace(network, links=links)


# --------------------------------------------------------------------------- rules


def may_use_track(
    arch: Architecture,
    battery_party: str,
    sensor_party: str,
    organic: bool,
    *,
    launch_on_remote: bool = False,
    engage_on_remote: bool = False,
) -> tuple[bool, TrackUse]:
    """Say whether a battery may fire on a radar's track, and how.

    * Its organic radar (same party, at its site): always, ``organic``.
    * Another radar of its own party, or of the other party where the
      architecture lets a battery use the other party's tracks
      (``other_party_tracks``): in the best mode the battery's weapon system
      has, ``engage-on-remote`` (the whole engagement on that track), else
      ``launch-on-remote`` (its organic radar takes over before the
      intercept); with neither mode, ``cue-only``: the track only cues its
      radars.
    * The other party's radar otherwise: ``barred``.

    This is the permission only: whether the track reaches the battery, and
    when, is the network's business (sharing policy, latency, outages).

    Parameters
    ----------
    arch : Architecture
    battery_party, sensor_party : str
        Parties of the battery and of the radar.
    organic : bool
        Whether the radar is the battery's own, at its site.
    launch_on_remote, engage_on_remote : bool
        The battery's engagement modes (its weapon system's capabilities).

    Returns
    -------
    allowed : bool
        Whether the battery may fire on the track.
    use : {'organic', 'engage-on-remote', 'launch-on-remote', 'cue-only', 'barred'}
        How the track may be used (:data:`TRACK_USES`).

    Raises
    ------
    JointshieldError
        If an organic radar belongs to another party.

    Examples
    --------
    >>> from jointshield.architectures.presets import architecture
    >>> may_use_track(architecture("national"), "NATO", "Russia", False, launch_on_remote=True)
    (False, 'barred')
    >>> may_use_track(architecture("national"), "NATO", "NATO", False, launch_on_remote=True)
    (True, 'launch-on-remote')
    >>> may_use_track(architecture("joint"), "NATO", "Russia", False)
    (False, 'cue-only')
    """
    if organic:
        if sensor_party != battery_party:
            raise JointshieldError(
                f"an organic radar belongs to the battery's party ({battery_party!r}), "
                f"got one of {sensor_party!r}"
            )
        return True, "organic"
    if sensor_party != battery_party and not arch.other_party_tracks:
        return False, "barred"
    if engage_on_remote:
        return True, "engage-on-remote"
    if launch_on_remote:
        return True, "launch-on-remote"
    return False, "cue-only"


def responsible(
    arch: Architecture,
    battery_party: ArrayLike,
    target_owner: ArrayLike,
    intercept_sector_owner: ArrayLike,
) -> BoolArray:
    """Say whether each threat is the battery's business under the architecture.

    * ``own``: the threatened asset belongs to the battery's party.
    * ``all``: always.
    * ``sector``: the party whose sector contains the intercept point (its
      sub-point; :func:`sector_owner`) is the battery's, whatever the target.
      Where the point lies in no sector (``''``), the target's owner is
      responsible, as in ``own``.

    Where the answer is no, the pair's reason is ``not-responsible``.

    Parameters
    ----------
    arch : Architecture
    battery_party : str or array_like of str
        Party of the battery (or of each battery, broadcast with the others).
    target_owner : array_like of str
        Owner of each threat's target.
    intercept_sector_owner : array_like of str
        Owner of the sector of each intercept point, ``''`` for none
        (ignored unless ``defend`` is ``sector``, but still sets the shape).

    Returns
    -------
    ndarray of bool
        Broadcast shape of the three arguments.

    Examples
    --------
    >>> from jointshield.architectures.presets import architecture
    >>> responsible(architecture("sectoral"), "Russia", ["NATO", "NATO"], ["Russia", ""]).tolist()
    [True, False]
    """
    party, owner, sector = np.broadcast_arrays(
        np.asarray(battery_party, dtype=object),
        np.asarray(target_owner, dtype=object),
        np.asarray(intercept_sector_owner, dtype=object),
    )
    own = np.asarray(owner == party, dtype=bool)
    if arch.defend == "own":
        return own
    if arch.defend == "all":
        return np.ones(own.shape, dtype=bool)
    in_no_sector = np.asarray(sector == "", dtype=bool)
    mine = np.asarray(sector == party, dtype=bool)
    return np.where(in_no_sector, own, mine)


def consent_needed(
    arch: Architecture, battery_party: str, parties: Sequence[str]
) -> tuple[str, ...]:
    """Return the parties whose consent a launch by a battery of ``battery_party`` needs.

    With a dual key, every party's (``parties``, in their order); otherwise
    none: the battery's party decides alone.

    Raises
    ------
    JointshieldError
        If ``battery_party`` is not one of ``parties``.
    """
    if battery_party not in parties:
        raise UnknownNameError("battery party", battery_party, parties)
    return tuple(parties) if arch.dual_key else ()


def deciders(arch: Architecture, battery_party: str, parties: Sequence[str]) -> tuple[str, ...]:
    """Return the parties that authorise a launch: the consenting ones, or the battery's alone.

    Its length is the ``n_consenting`` of :func:`draw_authorisation`.
    """
    return consent_needed(arch, battery_party, parties) or (battery_party,)


def vetoer(arch: Architecture, battery_party: str, parties: Sequence[str]) -> str | None:
    """Return the party that may veto a launch by a battery of ``battery_party``, if any.

    Only a dual key gives a veto, and it is the other party's: the first
    consenting party (in ``parties``' order) that is not the battery's. With
    no dual key, or no other party, nobody vetoes.

    Examples
    --------
    >>> from jointshield.architectures.presets import architecture
    >>> vetoer(architecture("joint"), "NATO", ["NATO", "Russia"])
    'Russia'
    >>> vetoer(architecture("data-exchange"), "NATO", ["NATO", "Russia"]) is None
    True
    """
    others = [p for p in consent_needed(arch, battery_party, parties) if p != battery_party]
    return others[0] if others else None


def _as_shape(shape: int | Sequence[int]) -> tuple[int, ...]:
    dims: list[object] = [shape] if isinstance(shape, int | np.integer) else list(shape)
    out: list[int] = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, int | np.integer) or d < 0:
            raise JointshieldError(f"shape: expected non-negative integers, got {shape!r}")
        out.append(int(d))
    return tuple(out)


def draw_authorisation(
    arch: Architecture,
    rng: RandomSource,
    shape: int | Sequence[int],
    n_consenting: int,
    *,
    extra_s: ArrayLike | None = None,
) -> FloatArray:
    """Draw the time each launch waits for its authorisation, s.

    The launching party decides in a lognormal time of median
    ``authorisation_delay_s``; with a dual key, each of the other
    ``n_consenting − 1`` deciding parties (:func:`deciders`) consents in an
    independent lognormal time of median ``consent_delay_s``. All have the
    shape ``authorisation_sigma`` and decide in parallel, so the launch
    waits for the slowest: the delay is the maximum. A decision is a human
    chain of command, whose time has a floor and a long tail: a lognormal is
    the simplest law with both [assumption].

    The standard normal deviates are drawn whatever the parameters, so two
    runs with the same streams and different delays are coupled: a longer
    median lengthens every draw (common random numbers for sweeps).

    Parameters
    ----------
    arch : Architecture
    rng : numpy.random.Generator or sequence of numpy.random.SeedSequence
        One generator for the block, or one seed per trial (``shape[0]``).
    shape : int or tuple of int
        Shape of the result, e.g. ``(T, n, b)``.
    n_consenting : int
        Number of parties that decide (>= 0; 0: no decision, no wait); the
        first is the launching party.
    extra_s : array_like, optional
        Time added to each deciding party's own decision, s, broadcastable
        to ``(*shape, n_consenting)`` in the order of :func:`deciders` (an
        exercise's fault: a party's authorisation slowed); added before the
        maximum, so a slowed party delays a launch only when it becomes the
        slowest.

    Returns
    -------
    ndarray of float, shape ``shape``
        Delays, s; zeros when every median is 0 or nobody decides.
    """
    dims = _as_shape(shape)
    if isinstance(n_consenting, bool) or not isinstance(n_consenting, numbers.Integral):
        raise JointshieldError(f"n_consenting: expected an integer, got {n_consenting!r}")
    if n_consenting < 0:
        raise JointshieldError(f"n_consenting: expected an integer >= 0, got {n_consenting}")
    if n_consenting == 0:
        return np.zeros(dims)
    k = int(n_consenting)
    z = per_trial(rng, (*dims, k), lambda g, s: g.standard_normal(s))
    median = np.full(k, arch.consent_delay_s)
    median[0] = arch.authorisation_delay_s
    each = median * np.exp(arch.authorisation_sigma * z)
    if extra_s is not None:
        each = each + np.asarray(extra_s, dtype=float)
    delay_s: FloatArray = np.max(each, axis=-1)
    return delay_s


def veto_probability(
    arch: Architecture, over_vetoer_territory: ArrayLike, other_party_battery: ArrayLike
) -> FloatArray:
    """Probability that a launch is vetoed, the most specific setting first (:func:`draw_veto`).

    0 without a dual key. The flags broadcast together; the result has their shape.

    Examples
    --------
    >>> from jointshield.architectures.presets import architecture
    >>> veto_probability(architecture("joint"), False, True).tolist()
    0.05
    """
    territory, other = np.broadcast_arrays(
        np.asarray(over_vetoer_territory, dtype=bool), np.asarray(other_party_battery, dtype=bool)
    )
    if not arch.dual_key:
        return np.zeros(territory.shape)
    p = np.full(territory.shape, arch.veto_probability)
    if arch.veto_other_battery is not None:
        p = np.where(other, arch.veto_other_battery, p)
    if arch.veto_own_territory is not None:
        p = np.where(territory, arch.veto_own_territory, p)
    return p


def draw_veto(
    arch: Architecture,
    rng: RandomSource,
    shape: int | Sequence[int],
    over_vetoer_territory: ArrayLike,
    other_party_battery: ArrayLike,
    vetoer_index: ArrayLike | None = None,
) -> BoolArray:
    """Draw whether each launch is vetoed, per (trial, threat, battery).

    Only a dual key can veto: otherwise nothing is drawn and nothing is
    vetoed. The flags describe the launch as the vetoing party sees it, and
    choose the probability, the most specific first:

    1. ``veto_own_territory`` where the intercept point lies over the
       vetoing party's territory (when set);
    2. ``veto_other_battery`` where the battery is another party's (when
       set);
    3. ``veto_probability`` otherwise.

    A launch is vetoed when a uniform draw falls below its probability. The
    architecture's ``veto_scope`` says how far one draw reaches: each
    launch its own (``engagement``), one per battery and trial for the
    whole raid (``battery``), or one per vetoing party and trial
    (``party``: a party that decides to refuse refuses all of its
    launches, so with one probability ``v`` all of them are vetoed together
    with probability ``v``). With the same streams, every launch vetoed at
    a probability is vetoed at any larger one (common random numbers).

    Parameters
    ----------
    arch : Architecture
    rng : numpy.random.Generator or sequence of numpy.random.SeedSequence
        One generator for the block, or one seed per trial (``shape[0]``).
    shape : tuple of int
        ``(T, n, b)``: trials, threats, batteries.
    over_vetoer_territory, other_party_battery : array_like of bool
        Broadcastable to ``shape``.
    vetoer_index : array_like of int, shape (b,), optional
        For ``party`` scope: the index of each battery's vetoing party
        (batteries that nobody vetoes may hold any index).

    Returns
    -------
    ndarray of bool, shape ``shape``
    """
    dims = _as_shape(shape)
    territory = np.broadcast_to(np.asarray(over_vetoer_territory, dtype=bool), dims)
    other = np.broadcast_to(np.asarray(other_party_battery, dtype=bool), dims)
    if not arch.dual_key:
        return np.zeros(dims, dtype=bool)
    if len(dims) != 3:
        raise JointshieldError(f"shape: expected (trials, threats, batteries), got {dims}")
    p = veto_probability(arch, territory, other)
    t, _, b = dims
    if arch.veto_scope == "engagement":
        u = uniform(rng, dims)
    elif arch.veto_scope == "battery":
        u = uniform(rng, (t, b))[:, None, :]
    else:
        index = np.zeros(b, dtype=np.intp) if vetoer_index is None else np.asarray(vetoer_index)
        if index.shape != (b,):
            raise JointshieldError(f"vetoer_index: expected shape ({b},), got {index.shape}")
        n_parties = int(index.max()) + 1 if b else 1
        u = uniform(rng, (t, n_parties))[:, None, index]
    return np.asarray(u < p, dtype=bool)


def refusal(responsible: ArrayLike, vetoed: ArrayLike, authorised_in_time: ArrayLike) -> Int8Array:
    """Return the reason code of the architecture's decision on each launch, 0 if it may go.

    In order of precedence: ``not-responsible`` (not the battery's business,
    so nobody asked), ``vetoed`` (asked and refused), ``not-authorised``
    (asked, not refused, but the authorisation came too late to launch).

    Parameters
    ----------
    responsible, vetoed, authorised_in_time : array_like of bool
        Broadcast together.

    Returns
    -------
    ndarray of int8
        0, :data:`~jointshield.engagement.NOT_RESPONSIBLE`,
        :data:`~jointshield.engagement.VETOED` or
        :data:`~jointshield.engagement.NOT_AUTHORISED`.
    """
    resp, veto, in_time = np.broadcast_arrays(
        np.asarray(responsible, dtype=bool),
        np.asarray(vetoed, dtype=bool),
        np.asarray(authorised_in_time, dtype=bool),
    )
    code = np.where(~in_time, NOT_AUTHORISED, 0)
    code = np.where(veto, VETOED, code)
    code = np.where(~resp, NOT_RESPONSIBLE, code)
    return code.astype(np.int8)
