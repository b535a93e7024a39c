r"""Who contributes what: the Shapley value of each player's assets to a defence.

A *player* is a group of a theatre's assets: a party (every radar, space
sensor and battery it owns), a site (a battery with its organic radars; a
radar or a space sensor of its own), a battery, or a sensor. A *coalition*
is a set of players; its value is the outcome of the defence, under one
architecture and its rules, when only its players' assets exist (the
compiled theatre without the others'; assets that are not players, e.g. the
sensors when the players are batteries, are always there). The Shapley value
of a player is its marginal contribution averaged over every order in which
the players could join (Shapley 1953):

.. math::

    \phi_i = \sum_{S \subseteq N \setminus \{i\}}
        \frac{|S|!\,(n - |S| - 1)!}{n!}\,\bigl(v(S \cup \{i\}) - v(S)\bigr),

so the values add up to :math:`v(N) - v(\varnothing)`, a player whose
assets change nothing gets zero, and two players whose assets are
interchangeable get the same.

Common random numbers: every coalition is run on the same seed, so that the
differences between coalitions are, as far as the trial engine's streams
allow, differences of assets, not of luck. Link outages, authorisation
delays and kills have streams of their own; missed detections are drawn in
the order of the radars used, and authorisation delays for every (threat,
battery) pair, so removing a radar, or a battery when delays are random,
re-draws some others' numbers: the values stay unbiased and the intervals
valid, only wider. Each trial ``t`` gives its own :math:`v_t(S)` and so its
own :math:`\phi_{i,t}`; the Shapley value is their mean over trials and its
interval a Student interval over them (the trials are independent). Up to
:data:`EXACT_MAX_PLAYERS` players every coalition is enumerated (exact up
to the Monte Carlo); beyond, permutations are sampled (Castro, Gómez and
Tejada 2009) and the interval is the normal one of the mean over
permutations (the Monte Carlo noise of each coalition's value is not added).

Values (``value``):

* ``population``: expected population not hit (the defended population of
  :func:`jointshield.analysis.runs.summarise`);
* ``no-leak``: probability that no warhead leaks;
* ``leakers``: expected warheads stopped (warheads minus leakers), so that a
  larger value is a better defence for every value.

A coalition without a battery stops nothing: its value is that of the raid
undefended (every warhead hits its asset), computed without a battle.

References
----------
L. S. Shapley, "A value for n-person games", in *Contributions to the Theory
of Games II*, Princeton University Press, 1953, pp. 307-317.
J. Castro, D. Gómez and J. Tejada, "Polynomial calculation of the Shapley
value based on sampling", *Computers & Operations Research* 36(5), 2009,
pp. 1726-1730.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from jointshield.analysis.runs import _simulate, _split_params
from jointshield.architectures.presets import ARCHITECTURES, Architecture, architecture
from jointshield.arrays import FloatArray
from jointshield.battle.context import Deployment, Rules
from jointshield.battle.samples import (
    deploy_samples,
    prepare_samples,
    trial_samples,
)
from jointshield.battle.trial import Trials
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.montecarlo.progress import ProgressArg, _progress
from jointshield.montecarlo.stats import Estimate, _z, grouped_mean_interval
from jointshield.montecarlo.store import write_rows
from jointshield.scenario import Scenario
from jointshield.theatre.compile import theatre_of
from jointshield.theatre.model import Theatre

__all__ = [
    "EXACT_MAX_PLAYERS",
    "PLAYER_KINDS",
    "VALUES",
    "Attribution",
    "Dependency",
    "Player",
    "ValueOf",
    "attribute",
    "coalition_theatre",
    "dependency",
    "players_of",
    "shapley_exact",
    "shapley_sampled",
    "write_dependency",
]

EXACT_MAX_PLAYERS: Final = 12
"""Most players whose coalitions are all enumerated (2¹² = 4,096 coalitions)."""

DEFAULT_PERMUTATIONS: Final = 200
"""Permutations sampled beyond :data:`EXACT_MAX_PLAYERS` players."""

PLAYER_KINDS: Final = ("parties", "sites", "batteries", "sensors")
"""How a theatre's assets are grouped into players."""

VALUES: Final = {
    "population": "expected population not hit",
    "no-leak": "probability that no warhead leaks",
    "leakers": "expected warheads stopped",
}
"""The values a coalition can be measured by, with what each means."""

ValueOf = Callable[[int], FloatArray]
"""A game: the per-trial values of the coalition whose members are the bits of a mask."""


# --------------------------------------------------------------------------- games


def _weights(n: int) -> FloatArray:
    """Shapley weight of a coalition of each size ``s`` (0 … n−1) that a player joins."""
    return np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    )


def shapley_exact(value_of: ValueOf, n: int) -> FloatArray:
    """Shapley values of an ``n``-player game by enumerating its ``2ⁿ`` coalitions.

    Parameters
    ----------
    value_of : callable
        ``value_of(mask)`` gives the coalition's values, shape ``(T,)`` (one per
        trial; ``T = 1`` for a deterministic game); bit ``i`` of ``mask`` is
        player ``i``. Each coalition is asked once.
    n : int
        Number of players, 1 to :data:`EXACT_MAX_PLAYERS`.

    Returns
    -------
    ndarray, shape (n, T)
        Each player's value in each trial; the columns add up to
        ``value_of(2ⁿ − 1) − value_of(0)``.
    """
    if not 1 <= n <= EXACT_MAX_PLAYERS:
        raise JointshieldError(f"players: expected 1 to {EXACT_MAX_PLAYERS}, got {n}")
    masks = np.arange(1 << n)
    values = np.stack([np.atleast_1d(np.asarray(value_of(int(m)), dtype=float)) for m in masks])
    sizes = np.array([int(m).bit_count() for m in masks])
    weights = _weights(n)
    phi = np.empty((n, values.shape[1]))
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        gain = values[without | bit] - values[without]
        phi[i] = weights[sizes[without]] @ gain
    return phi


def shapley_sampled(
    value_of: ValueOf, n: int, permutations: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Shapley values estimated from random orders of the players (Castro et al. 2009).

    Parameters
    ----------
    value_of : callable
        As for :func:`shapley_exact`; each coalition met is asked once.
    n : int
        Number of players.
    permutations : int
        Orders drawn (uniformly, from ``rng``).
    rng : numpy.random.Generator
        The orders' generator.

    Returns
    -------
    estimate : ndarray, shape (n,)
        Each player's mean marginal contribution over the orders (and trials).
    standard_error : ndarray, shape (n,)
        Its standard error over the orders.
    """
    if n < 1 or permutations < 2:
        raise JointshieldError(
            f"sampled Shapley: expected at least 1 player and 2 permutations, "
            f"got {n} and {permutations}"
        )
    memo: dict[int, float] = {}

    def v(mask: int) -> float:
        if mask not in memo:
            memo[mask] = float(np.mean(value_of(mask)))
        return memo[mask]

    gains = np.empty((permutations, n))
    for p in range(permutations):
        mask = 0
        before = v(0)
        for i in rng.permutation(n):
            mask |= 1 << int(i)
            after = v(mask)
            gains[p, i] = after - before
            before = after
    estimate = gains.mean(axis=0)
    error = gains.std(axis=0, ddof=1) / math.sqrt(permutations)
    return estimate, error


# --------------------------------------------------------------------------- players


@dataclass(frozen=True)
class Player:
    """A group of a theatre's assets that joins or leaves a coalition together.

    Attributes
    ----------
    name, party : str
        The player's name and the party whose assets they are ('' for a
        player of several parties' assets).
    radars, space_ir, batteries : tuple of str
        Names of its assets.
    """

    name: str
    party: str
    radars: tuple[str, ...] = ()
    space_ir: tuple[str, ...] = ()
    batteries: tuple[str, ...] = ()


def players_of(theatre: Theatre, kind: str = "parties") -> tuple[Player, ...]:
    """Group a theatre's assets into players of a kind (:data:`PLAYER_KINDS`).

    ``parties``: every asset of each party. ``sites``: each battery's site with
    its organic radars, then every other radar and every space sensor alone.
    ``batteries``: each battery (the sensors are always present). ``sensors``:
    each radar and space sensor (the batteries are always present).
    """
    if kind not in PLAYER_KINDS:
        raise UnknownNameError("player kind", kind, PLAYER_KINDS)
    if kind == "parties":
        return tuple(
            Player(
                party,
                party,
                tuple(r.name for r in theatre.radars if r.owner == party),
                tuple(s.name for s in theatre.space_ir if s.owner == party),
                tuple(b.name for b in theatre.batteries if b.owner == party),
            )
            for party in theatre.parties
        )
    if kind == "batteries":
        return tuple(Player(b.name, b.owner, batteries=(b.name,)) for b in theatre.batteries)
    sensors = tuple(Player(r.name, r.owner, radars=(r.name,)) for r in theatre.radars) + tuple(
        Player(s.name, s.owner, space_ir=(s.name,)) for s in theatre.space_ir
    )
    if kind == "sensors":
        return sensors
    sites: dict[str, list[Any]] = {}
    for b in theatre.batteries:
        sites.setdefault(b.site, []).append(b)
    out = []
    organic: set[str] = set()
    for site, bats in sites.items():
        radars = tuple(dict.fromkeys(r for b in bats for r in b.organic_radars))
        organic.update(radars)
        owners = {b.owner for b in bats}
        party = owners.pop() if len(owners) == 1 else ""
        out.append(Player(site, party, radars, (), tuple(b.name for b in bats)))
    return tuple(out) + tuple(p for p in sensors if not set(p.radars) & organic)


def coalition_theatre(
    theatre: Theatre, players: Sequence[Player], members: Sequence[bool]
) -> Theatre:
    """Return the theatre without the assets of the players that are not members.

    Assets of no player stay. Reach tables and the geometry cache are the
    theatre's own, so every coalition shares them.
    """
    gone_r = {n for p, m in zip(players, members, strict=True) if not m for n in p.radars}
    gone_s = {n for p, m in zip(players, members, strict=True) if not m for n in p.space_ir}
    gone_b = {n for p, m in zip(players, members, strict=True) if not m for n in p.batteries}
    radars = tuple(r for r in theatre.radars if r.name not in gone_r)
    kept = {r.name for r in radars}
    batteries = tuple(
        replace(b, organic_radars=tuple(r for r in b.organic_radars if r in kept))
        for b in theatre.batteries
        if b.name not in gone_b
    )
    return replace(
        theatre,
        radars=radars,
        space_ir=tuple(s for s in theatre.space_ir if s.name not in gone_s),
        batteries=batteries,
    )


# --------------------------------------------------------------------------- values


def _trial_values(value: str, dep: Deployment, trials: Trials) -> FloatArray:
    """Return the value of each trial (:data:`VALUES`)."""
    if value == "population":
        attacked = float(np.sum(dep.asset_population))
        return attacked - np.asarray(trials.population_hit, dtype=float)
    if value == "no-leak":
        return np.asarray(trials.no_leak, dtype=float)
    warheads = float(dep.warhead_asset.shape[0])
    return warheads - np.asarray(trials.leakers, dtype=float)


def _aimed(dep: Deployment) -> NDArray[np.bool_]:
    """Return which attacked assets some warhead aims at: those hit when nothing is stopped."""
    aimed = np.zeros(len(dep.assets), dtype=bool)
    aimed[dep.warhead_asset[dep.warhead_asset >= 0]] = True
    return aimed


def _undefended(value: str, dep: Deployment) -> float:
    """Return the raid's value when no interceptor flies: every warhead hits its asset."""
    if value == "population":
        return float(np.asarray(dep.asset_population, dtype=float) @ ~_aimed(dep))
    if value == "no-leak":
        return float(dep.warhead_asset.shape[0] == 0)
    return 0.0


def _deploy(theatre: Theatre, raid: str | None, k: int, seed: int) -> tuple[Deployment, ...] | None:
    """Deploy a coalition's theatre (None when it has no battery to fight with)."""
    return deploy_samples(theatre, raid, k, seed) if theatre.batteries else None


def _fight(
    deps: tuple[Deployment, ...], arch: Architecture, rules: Rules | None, trials: int, seed: int
) -> Trials:
    """Run a coalition's trials on the study's seed (the same for every coalition)."""
    return _simulate(prepare_samples(deps, arch=arch, rules=rules), trials, seed, 1, None, False)


@dataclass(frozen=True)
class Attribution:
    """Each player's Shapley value, with what the coalitions are worth.

    Attributes
    ----------
    architecture, value, kind : str
        The architecture, the value (:data:`VALUES`) and the players' kind.
    players : tuple of Player
        The players, in the order of the values.
    shapley : tuple of Estimate
        Each player's value with its 95 % interval.
    grand, empty : float
        The value of every player together and of none (the undefended raid).
    method : str
        ``exact`` (every coalition) or ``sampled`` (permutations).
    coalitions : int
        Coalitions run.
    trials, seed : int
        Trials per coalition and the seed they all share.
    permutations : int
        Orders sampled (0 when exact).
    meta : dict
        Provenance: scenario, hash, version, raid.
    """

    architecture: str
    value: str
    kind: str
    players: tuple[Player, ...]
    shapley: tuple[Estimate, ...]
    grand: float
    empty: float
    method: str
    coalitions: int
    trials: int
    seed: int
    permutations: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def share(self, i: int) -> float:
        """Player ``i``'s share of what the defence adds (``grand − empty``); NaN if nothing."""
        total = self.grand - self.empty
        return self.shapley[i].value / total if total else math.nan

    def party_totals(self) -> dict[str, float]:
        """Return the sum of the values of each party's players ('' for mixed players)."""
        out: dict[str, float] = {}
        for p, est in zip(self.players, self.shapley, strict=True):
            out[p.party] = out.get(p.party, 0.0) + est.value
        return out

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (no NaN: a share of nothing is null)."""
        return {
            "architecture": self.architecture,
            "value": self.value,
            "value_means": VALUES[self.value],
            "players_kind": self.kind,
            "method": self.method,
            "coalitions": self.coalitions,
            "trials": self.trials,
            "seed": self.seed,
            "permutations": self.permutations,
            "grand": self.grand,
            "empty": self.empty,
            "players": [
                {
                    "name": p.name,
                    "party": p.party,
                    "radars": list(p.radars),
                    "space_ir": list(p.space_ir),
                    "batteries": list(p.batteries),
                    "shapley": est.to_json(),
                    "share": None if math.isnan(s := self.share(i)) else s,
                }
                for i, (p, est) in enumerate(zip(self.players, self.shapley, strict=True))
            ],
            "parties": self.party_totals(),
            "meta": self.meta,
        }


def _select(players: tuple[Player, ...], names: Sequence[str] | None) -> tuple[Player, ...]:
    if not names:
        return players
    known = [p.name for p in players]
    for name in names:
        if name not in known:
            raise UnknownNameError("player", name, known)
    chosen = set(names)
    return tuple(p for p in players if p.name in chosen)


def attribute(
    source: Theatre | Scenario | str | None = None,
    *,
    arch: str = "joint",
    players: str = "parties",
    only: Sequence[str] | None = None,
    value: str = "population",
    trials: int = 2000,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    rules: Rules | None = None,
    raid: str | None = None,
    geometry_samples: int = 1,
    permutations: int = DEFAULT_PERMUTATIONS,
    exact: bool | None = None,
    progress: ProgressArg = True,
    cache: bool = True,
) -> Attribution:
    """Attribute a defence's value to its players by their Shapley values.

    Parameters
    ----------
    source : Theatre or Scenario or str or None
        The theatre, a loaded scenario, a built-in name or file; None for the default.
    arch : str
        The architecture (:data:`jointshield.architectures.presets.ARCHITECTURES`).
    players : str
        How assets are grouped (:data:`PLAYER_KINDS`).
    only : sequence of str, optional
        Only these players (by name); every other asset is always present.
    value : str
        What a coalition is worth (:data:`VALUES`).
    trials, seed : int
        Trials per coalition, and the seed every coalition shares.
    params : mapping, optional
        Architecture parameters (as ``--set`` gives them).
    rules : Rules, optional
        Doctrine, assignment method and hand-over time.
    raid : str, optional
        The raid (default: the theatre's).
    geometry_samples : int
        Draws of the raid's launch points and times (as for
        :func:`jointshield.analysis.runs.run`), the same for every coalition.
    permutations : int
        Orders to sample when the coalitions are not enumerated.
    exact : bool, optional
        Enumerate every coalition (default: when there are at most
        :data:`EXACT_MAX_PLAYERS` players); False samples permutations.
    progress : bool or callable
        Progress bar over coalitions (on a terminal) or a callback.
    cache : bool
        Whether deterministic geometry is kept in the user's cache.

    Returns
    -------
    Attribution
        The values, the coalitions' worth and the provenance.

    Raises
    ------
    UnknownNameError
        For an unknown architecture, player kind, value or player.
    JointshieldError
        For no players, or ``exact`` asked with more players than
        :data:`EXACT_MAX_PLAYERS`.
    """
    if value not in VALUES:
        raise UnknownNameError("value", value, list(VALUES))
    if trials < 2 or seed < 0 or geometry_samples < 1:
        raise JointshieldError(
            f"attribution: expected at least 2 trials, a seed of at least 0 and at least "
            f"one geometry sample, got {trials}, {seed} and {geometry_samples}"
        )
    theatre = theatre_of(source, cache=cache)
    params, rules = _split_params(params, rules)
    the_arch = architecture(arch, **params)
    group = _select(players_of(theatre, players), only)
    n = len(group)
    if n == 0:
        raise JointshieldError(f"scenario {theatre.name!r}: no {players} to attribute to")
    if exact is None:
        exact = n <= EXACT_MAX_PLAYERS
    if exact and n > EXACT_MAX_PLAYERS:
        raise JointshieldError(
            f"players: {n} are too many to enumerate (at most {EXACT_MAX_PLAYERS}); "
            "sample permutations instead"
        )
    grand_deps = deploy_samples(theatre, raid, geometry_samples, seed)
    groups = trial_samples(len(grand_deps), trials, seed) if geometry_samples > 1 else None
    empty = _undefended(value, grand_deps[0])
    cache_of: dict[int, FloatArray] = {}

    def value_of(mask: int) -> FloatArray:
        if mask in cache_of:
            return cache_of[mask]
        members = [bool(mask >> i & 1) for i in range(n)]
        sub = coalition_theatre(theatre, group, members)
        deps = grand_deps if all(members) else _deploy(sub, raid, geometry_samples, seed)
        if deps is None:
            out = np.full(trials, empty)
        else:
            fought = _fight(deps, the_arch, rules, trials, seed)
            out = _trial_values(value, deps[0], fought)
        cache_of[mask] = out
        step()
        return out

    total = (1 << n) if exact else min(1 << n, permutations * n + 1)
    with _progress(progress, total, f"coalitions ({players})") as step:
        if exact:
            phi = shapley_exact(value_of, n)
            estimates = tuple(_estimate(phi[i], groups) for i in range(n))
        else:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5A,)))
            mean, error = shapley_sampled(value_of, n, permutations, rng)
            z = _z(0.95)
            estimates = tuple(
                Estimate(float(m), float(m - z * e), float(m + z * e), "mean")
                for m, e in zip(mean, error, strict=True)
            )
    grand = float(np.mean(value_of((1 << n) - 1)))
    meta = theatre.origin.meta(
        raid=theatre.raid(raid).name,
        architecture=the_arch.name,
        seed=seed,
        trials=trials,
        geometry_samples=geometry_samples,
        players=players,
        value=value,
    )
    return Attribution(
        architecture=the_arch.name,
        value=value,
        kind=players,
        players=group,
        shapley=estimates,
        grand=grand,
        empty=empty,
        method="exact" if exact else "sampled",
        coalitions=len(cache_of),
        trials=trials,
        seed=seed,
        permutations=0 if exact else permutations,
        meta=meta,
    )


def _estimate(x: FloatArray, groups: NDArray[np.intp] | None) -> Estimate:
    """Return the mean over trials with its 95 % interval (grouped by geometry sample)."""
    if groups is None:
        return Estimate.from_samples(x)
    return Estimate(*grouped_mean_interval(x, groups), "mean")


# --------------------------------------------------------------------------- dependency


@dataclass(frozen=True)
class Dependency:
    """How much of one party's defended population rests on the other parties' assets.

    Attributes
    ----------
    architecture, party : str
        The architecture and the party whose assets (cities) are counted.
    attacked : float
        Population of the party's assets that the raid attacks.
    defended : Estimate
        Expected population of those assets not hit, every party's assets present.
    alone : Estimate
        The same with only the party's own radars, space sensors and batteries.
    loss : Estimate
        ``defended − alone``, trial by trial on the same seeds, with its interval.
    """

    architecture: str
    party: str
    attacked: float
    defended: Estimate
    alone: Estimate
    loss: Estimate

    @property
    def share(self) -> float:
        """The share of the defended population that the other parties' assets buy; NaN if none."""
        return self.loss.value / self.defended.value if self.defended.value else math.nan

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (a share of nothing is null)."""
        share = self.share
        return {
            "architecture": self.architecture,
            "party": self.party,
            "attacked": self.attacked,
            "defended": self.defended.to_json(),
            "alone": self.alone.to_json(),
            "loss": self.loss.to_json(),
            "share": None if math.isnan(share) else share,
        }


def _own_defended(owned: NDArray[np.bool_], dep: Deployment, trials: Trials | None) -> FloatArray:
    """Return the population of the owned attacked assets not hit, per trial."""
    pop = np.asarray(dep.asset_population, dtype=float) * owned
    if trials is None:
        return np.array([float(pop @ ~_aimed(dep))])
    return np.asarray((~trials.asset_hit) @ pop, dtype=float)


def dependency(
    source: Theatre | Scenario | str | None = None,
    architectures: Sequence[str] = ARCHITECTURES,
    *,
    trials: int = 2000,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    rules: Rules | None = None,
    raid: str | None = None,
    geometry_samples: int = 1,
    cache: bool = True,
) -> tuple[Dependency, ...]:
    """For each architecture and party, what its defence loses without the other parties' assets.

    Each party's own assets (its cities) are counted twice on the same seeds:
    with every party's radars, space sensors and batteries, and with its own
    only (:func:`coalition_theatre`); the difference is what it depends on
    the others for. The governance is the architecture's in both.

    Parameters
    ----------
    source : Theatre or Scenario or str or None
        The theatre, a loaded scenario, a built-in name or file.
    architectures : sequence of str
        The architectures (default: all five).
    trials, seed, params, rules, raid, geometry_samples, cache
        As for :func:`attribute`.

    Returns
    -------
    tuple of Dependency
        One per architecture and party with attacked assets, architecture-major.
    """
    theatre = theatre_of(source, cache=cache)
    params, rules = _split_params(params, rules)
    archs = [architecture(a, **params) for a in architectures]
    parties = players_of(theatre, "parties")
    grand = deploy_samples(theatre, raid, geometry_samples, seed)
    dep0 = grand[0]
    owner = np.array([theatre.asset(a).owner for a in dep0.assets])
    groups = trial_samples(len(grand), trials, seed) if geometry_samples > 1 else None
    alone = {
        p.name: _deploy(
            coalition_theatre(theatre, parties, [q is p for q in parties]),
            raid,
            geometry_samples,
            seed,
        )
        for p in parties
    }
    out = []
    for arch in archs:
        full = _fight(grand, arch, rules, trials, seed)
        for p in parties:
            owned = owner == p.name
            if not owned.any():
                continue
            with_all = _own_defended(owned, dep0, full)
            deps = alone[p.name]
            by_self = _own_defended(
                owned, dep0, None if deps is None else _fight(deps, arch, rules, trials, seed)
            )
            by_self = np.broadcast_to(by_self, with_all.shape)
            out.append(
                Dependency(
                    architecture=arch.name,
                    party=p.name,
                    attacked=float(np.sum(np.asarray(dep0.asset_population)[owned])),
                    defended=_estimate(with_all, groups),
                    alone=_estimate(np.array(by_self), groups),
                    loss=_estimate(with_all - by_self, groups),
                )
            )
    return tuple(out)


def write_dependency(
    dependencies: Sequence[Dependency], path: str | Path, meta: Mapping[str, Any]
) -> Path:
    """Write one row per (architecture, party) to Parquet, typed and labelled.

    Columns: ``architecture`` and ``party`` (categories); ``attacked``; the
    value, ``_lo`` and ``_hi`` of ``defended``, ``alone`` and ``loss``
    (people); ``share``. The study's provenance is in the schema's metadata
    under ``jointshield``.
    """
    rows = []
    for d in dependencies:
        row: dict[str, Any] = {
            "architecture": d.architecture,
            "party": d.party,
            "attacked": d.attacked,
        }
        for key in ("defended", "alone", "loss"):
            row.update(getattr(d, key).columns(key))
        row["share"] = d.share
        rows.append(row)
    return write_rows(path, rows, ("architecture", "party"), meta)
