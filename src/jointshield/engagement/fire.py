"""Battle management: who engages which threat, with how many shots, and whether they kill.

Model
-----
This module is the battle-management core of a Monte Carlo trial, on plain
arrays. The geometry (elsewhere) gives, for each trial ``t``, threat ``n`` and
battery ``b``, the first feasible intercept solution and the first one that
leaves time for a kill assessment; the architecture (elsewhere) says which
battery may fire at which threat, and why not. From these, :func:`assign`
decides which battery engages which threat and with how many rounds, and
:func:`engage` also fires: it draws whether each shot kills and records the
reason of every threat's outcome. Every rule below is a decision that a report
can explain.

1. **Feasible pair.** Battery ``b`` can engage threat ``n`` in trial ``t``
   when ``blocked[t, n, b] == 0`` and its first solution
   (``earliest_launch_s``, ``earliest_intercept_s``) is finite. A pair that is
   not blocked but has no finite first solution is reported ``too-late``.
2. **Doctrine per pair** (Wilkening 1999; NRC 2012 on shoot-look-shoot against
   salvo, or "barrage", firing). With ``mode="shoot-look-shoot"``, a pair
   whose second solution (``second_launch_s``, ``second_intercept_s``, launched
   at or after ``earliest_intercept_s + kill_assessment_s``) is finite is
   engaged shoot-look-shoot: one interceptor at the first solution and, only if
   the kill assessment says it missed, a second at the second solution. A pair
   without a second solution falls back to a salvo of ``salvo_size``
   interceptors launched together at the first solution; ``mode="salvo"``
   always salvos. ``max_shots_per_threat`` caps both plans (so shoot-look-shoot
   needs it to be at least 2). The *plan* of a pair is its largest number of
   shots: 2 for shoot-look-shoot, ``min(salvo_size, max_shots_per_threat)``
   for a salvo.
3. **Rounds.** Each threat is engaged by at most one battery, and all of its
   shots come from that battery; a battery may engage several threats while
   its rounds last. In trial ``t`` every engagement of battery ``b`` holds
   ``K[t, b]`` rounds, the largest plan among the threats ``b`` can engage in
   that trial, so that whichever threats it is given it has the rounds for
   their plans. Its ``j``-th engagement (from 0) holds
   ``min(K, rounds - j·K)`` rounds, so the last one may hold fewer than a full
   plan: a battery fires its last rounds rather than keep them, and never fires
   more rounds than it has. A pair engaged in an engagement holding ``h``
   rounds fires at most ``k = min(plan, h)`` shots; with ``k = 1`` it is a
   single shot, whatever the doctrine.
4. **Shot value.** Engaging threat ``n`` with ``k`` shots of single-shot kill
   probability ``p`` is worth ``value[n]·(1 − (1 − p)^k)``. Shoot-look-shoot
   with two shots has the same kill probability as a salvo of two but spends
   ``1 + (1 − p)`` rounds on average instead of 2 (Wilkening 1999).
5. **Assignment** maximises the sum of shot values over the raid, once per
   trial, before any shot is fired (a static weapon-target assignment; Manne
   1958, Hosein & Athans 1990).

   * ``optimal``: each battery is replicated once per engagement it can hold
     (``ceil(rounds / K)`` columns, at most one per threat, column ``j``
     holding ``min(K, rounds − j·K)`` rounds) and the threats are matched to
     the columns by :func:`scipy.optimize.linear_sum_assignment` (Crouse
     2016), maximising the total. Any set of columns of one battery holds at
     most its rounds, and any set of engagements that its rounds allow fits
     on its first columns, so the matching is an exact optimum of the model
     above (the tests compare it with brute-force enumeration). It is solved
     trial by trial, once per distinct trial (trials with identical values,
     kill probabilities, feasibility and rounds share a matching): cost about
     the number of distinct trials times one ``n × C`` matching, ``C ≤ b·n``
     columns, some tens of µs for a few threats and up to milliseconds near
     the ``auto`` threshold.
   * ``greedy``: threats in order of decreasing value (ties: earliest first
     intercept among the batteries that can engage them, then threat index);
     each takes the battery of highest shot value among those with rounds left
     (ties: earliest first intercept, then battery index). Vectorised over
     trials, with a loop over the ``n`` threats only. It is a feasible
     solution of the same model, so it never beats ``optimal``.
   * ``auto``: ``optimal`` when ``n·b ≤`` :data:`AUTO_OPTIMAL_MAX_PAIRS`,
     else ``greedy``.

   A pair of zero shot value (a threat of value 0, or ``pk = 0``) is never
   engaged: spending rounds on it gains nothing.
6. **Kill draws.** Each shot draws one uniform ``u`` and kills if ``u < pk``.
   The uniforms of a trial are drawn up front in a fixed shape
   ``(n, max_shots_per_threat)`` (shot ``k`` at threat ``n`` always uses the
   same uniform), so a trial's result depends only on its random stream, never
   on which other trials share the call. With shoot-look-shoot the second
   round is spent only if the first shot missed; in a salvo every
   interceptor flies and each one's own draw is recorded (several may "kill";
   the threat dies once). Rounds held for a second shot that is not fired are
   returned to the battery (:attr:`Outcome.rounds_left`) but not re-assigned
   within the raid.
7. **Random streams.** ``rng`` is either one :class:`numpy.random.Generator`
   for the whole ``(T, n, S)`` block, or one
   :class:`numpy.random.SeedSequence` per trial (e.g. the children of
   ``SeedSequence(seed).spawn(T)``), each trial drawing from
   ``Generator(PCG64(seed_t))``. Only the second form makes the result the
   same whether trials 0-99 run in one call or in two calls of 50 with the
   corresponding children, on one worker or many.
8. **Reason of each threat's outcome.** Engaged and killed: ``engaged`` (0).
   Engaged and not killed: ``missed``. Never engaged: the most telling of its
   batteries' reasons, the one closest to an engagement, in the order of
   :data:`REASON_PRIORITY`: ``no-rounds`` (a battery could engage it with a
   shot worth something, but its rounds were all held for other threats),
   ``not-targeted`` (a battery could engage it, but the shot was worth nothing,
   value or ``pk`` 0, so the defence kept its rounds), then the caller's codes,
   the decisions before the physics (``vetoed``, ``not-authorised``,
   ``not-responsible``: a decision, not a limit of the hardware, stood between
   the threat and that battery), then ``too-late``, ``out-of-envelope``,
   ``not-fire-control-quality``, ``no-track``. With no battery at all the
   reason is ``out-of-envelope``. ``no-rounds`` refers to the plan: rounds
   that a shoot-look-shoot engagement held and did not fire come back only
   after the raid.

Assumptions
-----------
* Kill assessment is perfect: a kill is never reported as a miss, nor a miss
  as a kill.
* Shots are independent: no common-mode failure between the interceptors of
  one salvo or one battery.
* A battery's launch rate is not limited here: two engagements may launch at
  the same second. A threat missed by its battery is not handed to another
  battery within the raid.
* ``kill_assessment_s`` (10 s, assumption) is used by the geometry to compute
  the second solution; here it only checks that the second solutions given are
  consistent with it.

Sources
-------
* Wilkening 1999: D. A. Wilkening, "A simple model for calculating ballistic
  missile defense effectiveness", *Science & Global Security* 8(2), 1999,
  pp. 183-215: kill probability of barrage (salvo) and shoot-look-shoot firing
  and the interceptors they spend.
* NRC 2012: National Research Council, *Making Sense of Ballistic Missile
  Defense: An Assessment of Concepts and Systems for U.S. Boost-Phase Missile
  Defense in Comparison to Other Alternatives*, National Academies Press,
  2012: shoot-look-shoot as the doctrine that makes midcourse defence
  affordable, and the battlespace it needs.
* Manne 1958: A. S. Manne, "A target-assignment problem", *Operations
  Research* 6(3), 1958, pp. 346-351: the weapon-target assignment problem.
* Hosein & Athans 1990: P. A. Hosein, M. Athans, "Preferential defense
  strategies. Part I: The static case", MIT Laboratory for Information and
  Decision Systems, 1990: static assignment of interceptors to threats of
  different values.
* Crouse 2016: D. F. Crouse, "On implementing 2D rectangular assignment
  algorithms", *IEEE Trans. Aerospace and Electronic Systems* 52(4), 2016,
  pp. 1679-1696: the algorithm of :func:`scipy.optimize.linear_sum_assignment`.

Conventions
-----------
``T`` trials, ``n`` threats, ``b`` batteries, ``S = max_shots_per_threat``.
Times are s on the scenario clock, NaN where there is none. Reasons are the
``int8`` codes of :data:`REASONS`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment

from jointshield.arrays import BoolArray, FloatArray, Int8Array, Int64Array
from jointshield.engagement.reasons import (
    _CALLER_CODES,
    _RANK,
    ENGAGED,
    MISSED,
    NO_ROUNDS,
    NOT_TARGETED,
    OUT_OF_ENVELOPE,
    REASON_PRIORITY,
    REASONS,
    TOO_LATE,
)
from jointshield.errors import JointshieldError, UnknownNameError
from jointshield.montecarlo.streams import RandomSource, uniform

"""Engaged and killed (or, in a :class:`Plan`, engaged)."""
"""No track of the threat reached the battery."""
"""A track, but not good enough to launch on."""
"""No intercept point within the interceptor's reach."""
"""Intercept points existed, but none can still be reached in time."""
"""The battery could engage, but its rounds were all held for other threats."""
"""Not the battery's sector or territory under the architecture."""
"""The launch was not authorised (in time)."""
"""The other party vetoed the launch."""
"""Engaged, and every shot fired missed."""
"""The battery could engage, but the shot was worth nothing and the rounds were kept."""
"""Names of the reason codes; the index of a name is its code."""
"""Reasons of a threat never engaged, most telling (closest to an engagement) first."""
_RANK[list(REASON_PRIORITY)] = np.arange(len(REASON_PRIORITY))

AUTO_OPTIMAL_MAX_PAIRS: Final = 400
"""``assignment="auto"`` solves exactly while ``n·b`` is at most this, else greedily."""

DoctrineMode = Literal["shoot-look-shoot", "salvo"]
"""Firing doctrine; see :class:`Doctrine`."""

AssignmentMethod = Literal["optimal", "greedy", "auto"]
"""How threats are assigned to batteries; see :func:`assign`."""

_MODES: Final[tuple[str, ...]] = get_args(DoctrineMode)
_METHODS: Final[tuple[str, ...]] = get_args(AssignmentMethod)

# A second solution may not launch before the first intercept plus the kill
# assessment; allow rounding of times computed elsewhere (1 µs).
_TIME_TOL_S: Final = 1e-6


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Doctrine:
    """How many interceptors to fire at one threat, and when.

    Parameters
    ----------
    mode : {'shoot-look-shoot', 'salvo'}
        ``shoot-look-shoot``: where the window allows a kill assessment and a
        second shot, fire one and the second only if the first missed; else a
        salvo. ``salvo``: always a salvo.
    salvo_size : int
        Interceptors launched together in a salvo (at least 1).
    kill_assessment_s : float
        Time from the first intercept to the earliest launch of a second shot,
        s (10 s: assumption). The geometry uses it to compute the second
        solution; :func:`assign` checks that the given solutions respect it.
    max_shots_per_threat : int
        Most interceptors fired at one threat (at least 1); caps the salvo,
        and shoot-look-shoot needs at least 2.
    """

    mode: DoctrineMode = "shoot-look-shoot"
    salvo_size: int = 2
    kill_assessment_s: float = 10.0
    max_shots_per_threat: int = 2

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise UnknownNameError("doctrine mode", str(self.mode), _MODES)
        for name in ("salvo_size", "max_shots_per_threat"):
            got = getattr(self, name)
            if isinstance(got, bool) or not isinstance(got, int | np.integer) or got < 1:
                raise JointshieldError(
                    f"Doctrine.{name}: expected an integer of at least 1, got {got!r}"
                )
        ka = self.kill_assessment_s
        if (
            isinstance(ka, bool)
            or not isinstance(ka, numbers.Real)
            or not np.isfinite(ka)
            or ka < 0
        ):
            raise JointshieldError(
                f"Doctrine.kill_assessment_s: expected a finite number of s >= 0, got {ka!r}"
            )

    @property
    def salvo_shots(self) -> int:
        """Interceptors in a salvo, after the cap on shots per threat."""
        return int(min(self.salvo_size, self.max_shots_per_threat))

    @property
    def looks(self) -> bool:
        """Whether pairs with a second solution are engaged shoot-look-shoot."""
        return self.mode == "shoot-look-shoot" and self.max_shots_per_threat >= 2


def _as_pair_array(name: str, a: ArrayLike, dtype: type[Any]) -> NDArray[Any]:
    arr = np.array(a, dtype=dtype)  # a copy: the caller may go on changing theirs
    if arr.ndim != 3:
        raise JointshieldError(
            f"Opportunities.{name}: expected an array of shape (trials, threats, batteries), "
            f"got shape {arr.shape}"
        )
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class Opportunities:
    """The intercept solutions of every threat-battery pair in every trial.

    All arrays have shape ``(T, n, b)``: trials, threats, batteries.

    Parameters
    ----------
    earliest_launch_s, earliest_intercept_s : ndarray of float
        Launch and intercept times of battery ``b``'s first feasible shot at
        threat ``n`` in trial ``t``, given when it may launch; s, NaN if none.
    second_launch_s, second_intercept_s : ndarray of float
        The first feasible shot launched at or after
        ``earliest_intercept_s + kill_assessment_s`` (the second shot of
        shoot-look-shoot); s, NaN if none.
    blocked : ndarray of int8
        Why the pair cannot engage at all, 0 if it can: one of the codes 1-8 of
        :data:`REASONS` (``no-track`` ... ``vetoed``).

    Raises
    ------
    JointshieldError
        If an array is not 3-D, the shapes differ, or ``blocked`` holds
        another code.
    """

    earliest_launch_s: FloatArray
    earliest_intercept_s: FloatArray
    second_launch_s: FloatArray
    second_intercept_s: FloatArray
    blocked: Int8Array

    def __post_init__(self) -> None:
        names = ("earliest_launch_s", "earliest_intercept_s", "second_launch_s")
        for name in (*names, "second_intercept_s"):
            object.__setattr__(self, name, _as_pair_array(name, getattr(self, name), np.float64))
        raw = np.asarray(self.blocked)
        if raw.dtype.kind not in "iub" and not (
            raw.dtype.kind == "f" and bool(np.all(raw == np.round(raw)))
        ):
            raise JointshieldError(
                f"Opportunities.blocked: expected integer reason codes, got dtype {raw.dtype}"
            )
        # Check the codes before the cast to int8, which would wrap large ones.
        bad = ~np.isin(raw, [ENGAGED, *sorted(_CALLER_CODES)])
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise JointshieldError(
                f"Opportunities.blocked{list(where)}: expected 0 or a code 1-8 "
                f"({', '.join(REASONS[1:9])}), got {raw[where]}"
            )
        object.__setattr__(self, "blocked", _as_pair_array("blocked", raw, np.int8))
        shape = self.earliest_launch_s.shape
        for name in (*names[1:], "second_intercept_s", "blocked"):
            got = getattr(self, name).shape
            if got != shape:
                raise JointshieldError(
                    f"Opportunities.{name}: expected shape {shape} like earliest_launch_s, "
                    f"got {got}"
                )

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(T, n, b)``: trials, threats, batteries."""
        t, n, b = self.earliest_launch_s.shape
        return (t, n, b)

    def trials(self, index: slice | ArrayLike) -> Opportunities:
        """Return the opportunities of some trials only (a chunk of a Monte Carlo run)."""
        idx = index if isinstance(index, slice) else np.asarray(index)
        return Opportunities(
            self.earliest_launch_s[idx],
            self.earliest_intercept_s[idx],
            self.second_launch_s[idx],
            self.second_intercept_s[idx],
            self.blocked[idx],
        )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Plan:
    """The assignment of threats to batteries, before any shot is fired.

    Parameters
    ----------
    battery : ndarray of int, shape (T, n)
        The battery that engages each threat, −1 if none.
    shots : ndarray of int, shape (T, n)
        The most interceptors it may fire at the threat (0 if not engaged).
    look : ndarray of bool, shape (T, n)
        Whether the engagement is shoot-look-shoot (else a salvo or one shot).
    reason : ndarray of int8, shape (T, n)
        ``engaged`` for engaged threats; otherwise why not (rule 8 of the
        module docstring).
    expected_value : ndarray of float, shape (T,)
        The sum of the engaged threats' shot values, the objective maximised.
    method : {'optimal', 'greedy'}
        The assignment used.
    """

    battery: Int64Array
    shots: Int64Array
    look: BoolArray
    reason: Int8Array
    expected_value: FloatArray
    method: Literal["optimal", "greedy"]


@dataclass(frozen=True)
class Outcome:
    """What happened to every threat in every trial.

    Parameters
    ----------
    killed : ndarray of bool, shape (T, n)
        Whether the threat was killed.
    reason : ndarray of int8, shape (T, n)
        ``engaged`` if killed, ``missed`` if engaged and not killed, otherwise
        why it was never engaged (codes of :data:`REASONS`).
    battery : ndarray of int, shape (T, n)
        The battery that engaged it, −1 if none.
    shots : ndarray of int, shape (T, n)
        Interceptors fired at it.
    shot_launch_s, shot_intercept_s : ndarray of float, shape (T, n, S)
        Launch and intercept time of each shot fired, s; NaN past the last.
    shot_killed : ndarray of bool, shape (T, n, S)
        Whether each shot fired killed (False past the last).
    rounds_left : ndarray of int, shape (T, b)
        Rounds each battery has left after the raid.
    plan : Plan
        The assignment the shots followed.
    """

    killed: BoolArray
    reason: Int8Array
    battery: Int64Array
    shots: Int64Array
    shot_launch_s: FloatArray
    shot_intercept_s: FloatArray
    shot_killed: BoolArray
    rounds_left: Int64Array
    plan: Plan

    def leakers(self, count: ArrayLike | None = None) -> NDArray[Any]:
        """Threats not killed per trial.

        Parameters
        ----------
        count : array_like, shape (n,) or (T, n), optional
            Warheads (or any weight) per threat; without it each threat counts 1.

        Returns
        -------
        ndarray, shape (T,)
            Number (or weighted sum) of threats not killed.
        """
        leaked = ~self.killed
        if count is None:
            return np.asarray(leaked.sum(axis=1))
        weights = np.asarray(count)
        if weights.shape not in {leaked.shape[1:], leaked.shape}:
            raise JointshieldError(
                f"leakers count: expected shape ({leaked.shape[1]},) or {leaked.shape}, "
                f"got {weights.shape}"
            )
        return np.asarray((leaked * weights).sum(axis=1))

    def p_kill_per_threat(self) -> FloatArray:
        """Fraction of trials in which each threat was killed, shape ``(n,)``; NaN with no trial."""
        if self.killed.shape[0] == 0:
            return np.full(self.killed.shape[1], np.nan)
        return np.asarray(self.killed.mean(axis=0), dtype=np.float64)

    def interceptors_spent(self) -> Int64Array:
        """Interceptors fired per trial, shape ``(T,)``."""
        return np.asarray(self.shots.sum(axis=1), dtype=np.int64)


# --------------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class _Problem:
    """Validated inputs broadcast to full shapes, and the per-pair doctrine."""

    value: FloatArray  # (T, n)
    pk: FloatArray  # (T, n, b), possibly a broadcast view
    rounds: Int64Array  # (T, b)
    feasible: BoolArray  # (T, n, b)
    plan_shots: Int64Array  # (T, n, b): 2 for shoot-look-shoot, else the salvo
    look: BoolArray  # (T, n, b)
    hold: Int64Array  # (T, b): rounds held per engagement, K of rule 3
    first_intercept_s: FloatArray  # (T, n, b) with +inf where not feasible


def _prepare(
    opp: Opportunities,
    value: ArrayLike,
    pk: ArrayLike,
    rounds: ArrayLike,
    doctrine: Doctrine,
) -> _Problem:
    if not isinstance(opp, Opportunities):
        raise JointshieldError(
            f"opportunities: expected an Opportunities, got {type(opp).__name__}"
        )
    if not isinstance(doctrine, Doctrine):
        raise JointshieldError(f"doctrine: expected a Doctrine, got {type(doctrine).__name__}")
    t, n, b = opp.shape

    v = np.asarray(value, dtype=np.float64)
    if v.shape not in {(n,), (t, n)}:
        raise JointshieldError(f"value: expected shape ({n},) or {(t, n)}, got {v.shape}")
    if not np.all(np.isfinite(v) & (v >= 0)):
        raise JointshieldError("value: expected finite numbers >= 0")
    v = np.broadcast_to(v, (t, n))

    p = np.asarray(pk, dtype=np.float64)
    if p.shape not in {(b,), (n, b), (t, n, b)}:
        raise JointshieldError(f"pk: expected shape ({b},), {(n, b)} or {(t, n, b)}, got {p.shape}")
    if not np.all((p >= 0) & (p <= 1)):  # also rejects NaN
        raise JointshieldError("pk: expected probabilities in [0, 1]")
    p = np.broadcast_to(p, (t, n, b))

    r_raw = np.asarray(rounds)
    if r_raw.shape not in {(b,), (t, b)}:
        raise JointshieldError(f"rounds: expected shape ({b},) or {(t, b)}, got {r_raw.shape}")
    if r_raw.dtype.kind not in "iu" and not (
        r_raw.dtype.kind == "f" and bool(np.all(r_raw == np.round(r_raw)))
    ):
        raise JointshieldError(f"rounds: expected whole numbers, got {r_raw.dtype} values")
    r = np.broadcast_to(r_raw.astype(np.int64), (t, b)).copy()
    if np.any(r < 0):
        raise JointshieldError("rounds: expected numbers >= 0")

    feasible = (
        (opp.blocked == ENGAGED)
        & np.isfinite(opp.earliest_launch_s)
        & np.isfinite(opp.earliest_intercept_s)
    )
    has_second = np.isfinite(opp.second_launch_s) & np.isfinite(opp.second_intercept_s)
    early = (
        has_second
        & feasible
        & (
            opp.second_launch_s
            < opp.earliest_intercept_s + doctrine.kill_assessment_s - _TIME_TOL_S
        )
    )
    if early.any():
        where = tuple(int(i) for i in np.argwhere(early)[0])
        raise JointshieldError(
            f"Opportunities.second_launch_s{list(where)}: expected a launch at or after "
            f"earliest_intercept_s + kill_assessment_s = "
            f"{opp.earliest_intercept_s[where] + doctrine.kill_assessment_s:.6g} s, "
            f"got {opp.second_launch_s[where]:.6g} s"
        )
    look = feasible & has_second if doctrine.looks else np.zeros((t, n, b), dtype=bool)
    plan_shots = np.where(look, 2, doctrine.salvo_shots).astype(np.int64)
    hold = np.where(feasible, plan_shots, 0).max(axis=1, initial=0)
    first = np.where(feasible, opp.earliest_intercept_s, np.inf)
    return _Problem(v, p, r, feasible, plan_shots, look, hold, first)


def _p_kill(pk: FloatArray, shots: Int64Array) -> FloatArray:
    """Kill probability of ``shots`` independent shots of kill probability ``pk`` each."""
    return 1.0 - (1.0 - pk) ** shots


# --------------------------------------------------------------------------- assignment


def _assign_optimal(pb: _Problem) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Exact assignment per trial; returns battery, shots and rounds held, each (T, n)."""
    t_count, n, b = pb.pk.shape
    battery = np.full((t_count, n), -1, dtype=np.int64)
    shots = np.zeros((t_count, n), dtype=np.int64)
    held = np.zeros((t_count, n), dtype=np.int64)
    if n == 0 or b == 0:
        return battery, shots, held
    # Columns per battery: ceil(rounds / K), never more than one per threat.
    hold_safe = np.maximum(pb.hold, 1)
    columns = np.where(pb.hold > 0, -(-pb.rounds // hold_safe), 0)
    j_max = int(min(n, columns.max(initial=0)))
    j = np.arange(j_max)
    # Trials whose assignment inputs are identical (common when the geometry
    # is deterministic) share one matching: solve each distinct trial once.
    key = np.concatenate(
        [
            pb.value,
            pb.pk.reshape(t_count, -1),
            pb.feasible.reshape(t_count, -1),
            pb.plan_shots.reshape(t_count, -1),
            pb.rounds,
            pb.hold,
        ],
        axis=1,
        dtype=np.float64,
    )
    # Distinct trials by the bytes of their inputs, in order of first appearance (a
    # dict, not a sort): ``first_of[j]`` is the first trial of the j-th, ``which[t]``
    # the one of trial t.
    distinct: dict[bytes, int] = {}
    first: list[int] = []
    which = np.empty(t_count, dtype=np.intp)
    for t in range(t_count):
        index = distinct.setdefault(key[t].tobytes(), len(first))
        if index == len(first):
            first.append(t)
        which[t] = index
    first_of = np.array(first, dtype=np.intp)
    for t in first_of:
        # Rounds held by column j of each battery: min(K, rounds − j·K), ≥ 0.
        room = np.clip(pb.rounds[t, :, None] - j * pb.hold[t, :, None], 0, pb.hold[t, :, None])
        col_b, col_j = np.nonzero(room > 0)
        if col_b.size == 0:
            continue
        col_room = room[col_b, col_j]
        k = np.minimum(pb.plan_shots[t][:, col_b], col_room)  # (n, C)
        gain = pb.value[t][:, None] * _p_kill(pb.pk[t][:, col_b], k)
        gain = np.where(pb.feasible[t][:, col_b], gain, 0.0)
        rows, cols = linear_sum_assignment(gain, maximize=True)
        # Zero-gain matches are the matching's padding (infeasible pairs) or
        # worthless engagements: neither spends a round.
        keep = gain[rows, cols] > 0
        rows, cols = rows[keep], cols[keep]
        battery[t, rows] = col_b[cols]
        shots[t, rows] = k[rows, cols]
        held[t, rows] = col_room[cols]
    return battery[first_of][which], shots[first_of][which], held[first_of][which]


def _assign_greedy(pb: _Problem) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Greedy assignment, vectorised over trials; returns battery, shots, held, each (T, n)."""
    t_count, n, b = pb.pk.shape
    battery = np.full((t_count, n), -1, dtype=np.int64)
    shots = np.zeros((t_count, n), dtype=np.int64)
    held = np.zeros((t_count, n), dtype=np.int64)
    if n == 0 or b == 0:
        return battery, shots, held
    first = pb.first_intercept_s.min(axis=2)  # (T, n), inf if no battery can engage
    # lexsort's last key is the primary one: decreasing value, then earliest
    # intercept; the stable sort keeps threat index order for full ties.
    order = np.lexsort((first, -pb.value), axis=-1)
    left = pb.rounds.copy()
    tt = np.arange(t_count)
    for i in range(n):
        idx = order[:, i]
        room = np.minimum(pb.hold, left)  # (T, b)
        k = np.where(pb.feasible[tt, idx], np.minimum(pb.plan_shots[tt, idx], room), 0)
        gain = pb.value[tt, idx][:, None] * _p_kill(pb.pk[tt, idx], k)
        best = gain.max(axis=1)
        tied = gain == best[:, None]
        choice = np.argmin(np.where(tied, pb.first_intercept_s[tt, idx], np.inf), axis=1)
        go = best > 0
        tg, ng, bg = tt[go], idx[go], choice[go]
        battery[tg, ng] = bg
        shots[tg, ng] = k[go, bg]
        held[tg, ng] = room[go, bg]
        left[tg, bg] -= room[go, bg]
    return battery, shots, held


def _never_engaged_reason(
    opp: Opportunities, pb: _Problem, battery: Int64Array, held: Int64Array
) -> Int8Array:
    """Rule 8: the most telling reason among each threat's batteries, for threats not engaged."""
    t_count, n, b = opp.shape
    if b == 0:
        reason = np.full((t_count, n), OUT_OF_ENVELOPE, dtype=np.int8)
        reason[battery >= 0] = ENGAGED
        return reason
    # Rounds not held by any engagement once the plan is made.
    engaged = battery >= 0
    flat = (np.arange(t_count)[:, None] * b + battery)[engaged]
    held_by = np.bincount(flat, weights=held[engaged], minlength=t_count * b)
    free = pb.rounds - held_by.reshape(t_count, b).astype(np.int64)
    code = opp.blocked.astype(np.int64)
    code = np.where((code == ENGAGED) & ~pb.feasible, TOO_LATE, code)
    # A pair that could engage but was not: short of rounds if its shot was
    # worth something and the battery's rounds were all held; otherwise (its
    # shot worth nothing, or, which the optimum never leaves, rounds to spare)
    # the defence chose not to spend on it.
    worth = (pb.value[:, :, None] > 0) & (pb.pk > 0)
    short = worth & (free[:, None, :] <= 0)
    code = np.where(pb.feasible, np.where(short, NO_ROUNDS, NOT_TARGETED), code)
    best = np.take_along_axis(code, np.argmin(_RANK[code], axis=2)[..., None], axis=2)[..., 0]
    return np.where(engaged, ENGAGED, best).astype(np.int8)


def assign(
    opportunities: Opportunities,
    value: ArrayLike,
    pk: ArrayLike,
    rounds: ArrayLike,
    doctrine: Doctrine | None = None,
    assignment: AssignmentMethod = "auto",
) -> Plan:
    """Assign threats to batteries in every trial (rules 1-5 and 8 of the module docstring).

    Parameters
    ----------
    opportunities : Opportunities
        Intercept solutions and blocked pairs, shape ``(T, n, b)``.
    value : array_like, shape (n,) or (T, n)
        Value of killing each threat (e.g. population of its target × warheads), ≥ 0.
    pk : array_like, shape (b,), (n, b) or (T, n, b)
        Single-shot kill probability.
    rounds : array_like of int, shape (b,) or (T, b)
        Interceptors each battery has at the start of the raid.
    doctrine : Doctrine, optional
        Firing doctrine; default ``Doctrine()``.
    assignment : {'auto', 'optimal', 'greedy'}
        ``optimal``: exact, per trial; ``greedy``: by decreasing threat value,
        vectorised; ``auto``: optimal while ``n·b ≤`` :data:`AUTO_OPTIMAL_MAX_PAIRS`.

    Returns
    -------
    Plan

    Raises
    ------
    JointshieldError
        If an input has the wrong shape or values, naming it.

    Examples
    --------
    One battery with one round, two threats: it engages the more valuable.

    >>> import numpy as np
    >>> times = np.array([[[100.0], [110.0]]])
    >>> nan = np.full((1, 2, 1), np.nan)
    >>> opp = Opportunities(times, times + 60, nan, nan, np.zeros((1, 2, 1), np.int8))
    >>> plan = assign(opp, value=[1.0, 5.0], pk=[0.8], rounds=[1])
    >>> plan.battery.tolist(), [REASONS[r] for r in plan.reason[0]]
    ([[-1, 0]], ['no-rounds', 'engaged'])
    """
    doctrine = Doctrine() if doctrine is None else doctrine
    pb = _prepare(opportunities, value, pk, rounds, doctrine)
    method = _method(assignment, opportunities.shape)
    solve = _assign_optimal if method == "optimal" else _assign_greedy
    battery, shots, held = solve(pb)
    engaged = battery >= 0
    if opportunities.shape[2] > 0:
        b_idx = np.where(engaged, battery, 0)[..., None]
        look = engaged & np.take_along_axis(pb.look, b_idx, axis=2)[..., 0] & (shots == 2)
        p = np.take_along_axis(pb.pk, b_idx, axis=2)[..., 0]
        expected = np.where(engaged, pb.value * _p_kill(p, shots), 0.0).sum(axis=1)
    else:  # no battery: nothing engaged
        look = np.zeros(engaged.shape, dtype=bool)
        expected = np.zeros(pb.value.shape[0])
    reason = _never_engaged_reason(opportunities, pb, battery, held)
    return Plan(battery, shots, look, reason, expected, method)


def _method(assignment: str, shape: tuple[int, int, int]) -> Literal["optimal", "greedy"]:
    if assignment not in _METHODS:
        raise UnknownNameError("assignment", str(assignment), _METHODS)
    if assignment == "auto":
        return "optimal" if shape[1] * shape[2] <= AUTO_OPTIMAL_MAX_PAIRS else "greedy"
    return "optimal" if assignment == "optimal" else "greedy"


# --------------------------------------------------------------------------- firing


def _uniforms(rng: RandomSource, shape: tuple[int, int, int]) -> FloatArray:
    """Rule 7: the kill-draw uniforms of every (trial, threat, shot)."""
    return uniform(rng, shape)


def engage(
    opportunities: Opportunities,
    value: ArrayLike,
    pk: ArrayLike,
    rounds: ArrayLike,
    *,
    rng: RandomSource,
    doctrine: Doctrine | None = None,
    assignment: AssignmentMethod = "auto",
) -> Outcome:
    """Assign, fire and draw every shot's kill in every trial (all rules of the module docstring).

    Parameters
    ----------
    opportunities, value, pk, rounds, doctrine, assignment
        As for :func:`assign`.
    rng : numpy.random.Generator or sequence of numpy.random.SeedSequence
        One Generator for the whole block, or one SeedSequence per trial
        (rule 7; only the latter gives the same result however the trials are
        split into calls).

    Returns
    -------
    Outcome

    Raises
    ------
    JointshieldError
        If an input has the wrong shape or values, naming it.

    Examples
    --------
    Shoot-look-shoot at one threat: a second round only after a miss.

    >>> import numpy as np
    >>> one = lambda x: np.full((1, 1, 1), x)
    >>> opp = Opportunities(one(100.0), one(160.0), one(175.0), one(230.0), one(0))
    >>> out = engage(opp, [1.0], [0.7], [4], rng=np.random.SeedSequence(1).spawn(1))
    >>> REASONS[out.reason[0, 0]], int(out.shots[0, 0]), int(out.rounds_left[0, 0])
    ('engaged', 1, 3)
    """
    doctrine = Doctrine() if doctrine is None else doctrine
    plan = assign(opportunities, value, pk, rounds, doctrine, assignment)
    t_count, n, b = opportunities.shape
    s = doctrine.max_shots_per_threat
    u = _uniforms(rng, (t_count, n, s))

    engaged = plan.battery >= 0
    b_idx = np.where(engaged, plan.battery, 0)[..., None]

    def at_battery(a: NDArray[Any]) -> NDArray[Any]:
        if b == 0:
            return np.full((t_count, n), np.nan)
        return np.take_along_axis(a, b_idx, axis=2)[..., 0]

    p = at_battery(np.broadcast_to(np.asarray(pk, dtype=np.float64), (t_count, n, b)))
    hit = u < p[..., None]  # (T, n, S); meaningless where not engaged, masked below
    shot = np.arange(s)
    fired_salvo = shot < plan.shots[..., None]
    # Shoot-look-shoot: the first shot always, the second only after a miss.
    fired_look = (shot == 0) | ((shot == 1) & ~hit[..., :1])
    fired = np.where(plan.look[..., None], fired_look, fired_salvo) & engaged[..., None]
    shot_killed = hit & fired
    killed = np.asarray(shot_killed.any(axis=2), dtype=bool)
    shots = fired.sum(axis=2).astype(np.int64)

    first_launch = at_battery(opportunities.earliest_launch_s)[..., None]
    first_intercept = at_battery(opportunities.earliest_intercept_s)[..., None]
    second = plan.look[..., None] & (shot == 1)
    launch = np.where(second, at_battery(opportunities.second_launch_s)[..., None], first_launch)
    intercept = np.where(
        second, at_battery(opportunities.second_intercept_s)[..., None], first_intercept
    )
    launch = np.where(fired, launch, np.nan)
    intercept = np.where(fired, intercept, np.nan)

    start = np.broadcast_to(np.asarray(rounds).astype(np.int64), (t_count, b))
    flat = (np.arange(t_count)[:, None] * b + plan.battery)[engaged]
    spent = np.bincount(flat, weights=shots[engaged], minlength=t_count * b)
    rounds_left = start - spent.reshape(t_count, b).astype(np.int64)

    reason = np.where(engaged, np.where(killed, ENGAGED, MISSED), plan.reason).astype(np.int8)
    return Outcome(
        killed=killed,
        reason=reason,
        battery=plan.battery,
        shots=shots,
        shot_launch_s=launch,
        shot_intercept_s=intercept,
        shot_killed=shot_killed,
        rounds_left=rounds_left,
        plan=plan,
    )
