"""Tests of battle management: doctrine, weapon-target assignment, kill draws and reasons."""

from __future__ import annotations

import itertools
import math
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from jointshield.arrays import FloatArray
from jointshield.engagement.fire import (
    AUTO_OPTIMAL_MAX_PAIRS,
    AssignmentMethod,
    Doctrine,
    Opportunities,
    Outcome,
    assign,
    engage,
)
from jointshield.engagement.reasons import (
    ENGAGED,
    MISSED,
    NO_ROUNDS,
    NOT_TARGETED,
    OUT_OF_ENVELOPE,
    REASON_PRIORITY,
    REASONS,
    TOO_LATE,
)
from jointshield.errors import JointshieldError

# Monte Carlo checks of closed forms: a binomial mean (or a mean of a 0/1
# variable) may stray from its expectation by at most 5 standard errors; the
# chance of a false alarm is then below 1e-6 per check.
SIGMAS = 5.0
N_TRIALS = 200_000
# Sums of expected values computed two ways in floating point.
VALUE_RTOL = 1e-9
VALUE_ATOL = 1e-12


def _opp(
    t: int,
    earliest_launch_s: object,
    earliest_intercept_s: object,
    second_launch_s: object = np.nan,
    second_intercept_s: object = np.nan,
    blocked: object = 0,
    shape: tuple[int, int] = (1, 1),
) -> Opportunities:
    """Opportunities of ``t`` identical trials from (n, b) arrays or scalars."""

    def full(x: object, dtype: type) -> NDArray[Any]:
        return np.broadcast_to(np.asarray(x, dtype=dtype), (t, *shape)).copy()

    return Opportunities(
        full(earliest_launch_s, np.float64),
        full(earliest_intercept_s, np.float64),
        full(second_launch_s, np.float64),
        full(second_intercept_s, np.float64),
        full(blocked, np.int8),
    )


def _within(mean: float, expected: float, sd: float, n: int) -> bool:
    return abs(mean - expected) <= SIGMAS * sd / math.sqrt(n) + 1e-12


def _seeds(n: int, seed: int = 2012) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(n)


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("p", [0.3, 0.7, 0.9])
def test_salvo_of_two_kills_with_one_minus_miss_squared(p: float) -> None:
    """A salvo of two at one threat kills with probability 1 − (1 − p)² and always spends 2."""
    opp = _opp(N_TRIALS, 100.0, 160.0, 175.0, 230.0)
    out = engage(
        opp, [1.0], [p], [2], rng=np.random.default_rng(1), doctrine=Doctrine(mode="salvo")
    )
    expected = 1 - (1 - p) ** 2
    assert _within(out.killed.mean(), expected, math.sqrt(expected * (1 - expected)), N_TRIALS)
    assert np.all(out.shots == 2)
    assert np.all(out.rounds_left == 0)
    assert np.all(out.shot_launch_s == 100.0)


@pytest.mark.parametrize("p", [0.3, 0.7, 0.9])
def test_shoot_look_shoot_kills_as_a_salvo_but_spends_one_plus_miss(p: float) -> None:
    """Shoot-look-shoot kills with 1 − (1 − p)², spending 1 + (1 − p) rounds on average."""
    opp = _opp(N_TRIALS, 100.0, 160.0, 175.0, 230.0)
    out = engage(opp, [1.0], [p], [2], rng=np.random.default_rng(2))
    expected = 1 - (1 - p) ** 2
    assert _within(out.killed.mean(), expected, math.sqrt(expected * (1 - expected)), N_TRIALS)
    # Rounds spent = 1 + (first shot missed), a Bernoulli(1 − p) shifted by 1.
    assert _within(out.shots.mean(), 1 + (1 - p), math.sqrt(p * (1 - p)), N_TRIALS)
    assert np.array_equal(out.rounds_left[:, 0], 2 - out.shots[:, 0])
    assert np.all(out.plan.look)


def test_shoot_look_shoot_fires_the_second_shot_at_the_second_solution_after_a_miss() -> None:
    """The second shoot-look-shoot shot launches at the second solution, and only after a miss."""
    opp = _opp(2000, 100.0, 160.0, 175.0, 230.0)
    out = engage(opp, [1.0], [0.5], [2], rng=_seeds(2000))
    second = out.shots[:, 0] == 2
    assert second.any() and (~second).any()
    assert not out.shot_killed[second, 0, 0].any()
    assert np.all(out.shot_launch_s[second, 0] == [100.0, 175.0])
    assert np.all(out.shot_intercept_s[second, 0] == [160.0, 230.0])
    assert np.all(out.shot_killed[~second, 0, 0])
    assert np.all(np.isnan(out.shot_launch_s[~second, 0, 1]))
    assert np.array_equal(out.killed, out.shot_killed.any(axis=2))


@pytest.mark.parametrize("p", [0.4, 0.8])
def test_window_too_short_for_a_look_falls_back_to_a_salvo(p: float) -> None:
    """Without a second solution shoot-look-shoot becomes a salvo: 2 rounds always, 1 − (1 − p)²."""
    opp = _opp(N_TRIALS, 100.0, 160.0)
    out = engage(opp, [1.0], [p], [4], rng=np.random.default_rng(3))
    expected = 1 - (1 - p) ** 2
    assert _within(out.killed.mean(), expected, math.sqrt(expected * (1 - expected)), N_TRIALS)
    assert np.all(out.shots == 2)
    assert np.all(out.rounds_left == 2)
    assert not out.plan.look.any()
    assert np.all(out.shot_launch_s == 100.0)


def test_salvo_of_three_kills_with_one_minus_miss_cubed() -> None:
    """A salvo of three (three shots allowed) kills with probability 1 − (1 − p)³."""
    p = 0.5
    opp = _opp(N_TRIALS, 100.0, 160.0)
    doctrine = Doctrine(mode="salvo", salvo_size=3, max_shots_per_threat=3)
    out = engage(opp, [1.0], [p], [3], rng=np.random.default_rng(4), doctrine=doctrine)
    expected = 1 - (1 - p) ** 3
    assert _within(out.killed.mean(), expected, math.sqrt(expected * (1 - expected)), N_TRIALS)
    assert np.all(out.shots == 3)


def test_one_shot_per_threat_caps_the_doctrine() -> None:
    """With max_shots_per_threat = 1 every engagement is a single shot."""
    opp = _opp(100, 100.0, 160.0, 175.0, 230.0)
    one_shot = Doctrine(max_shots_per_threat=1)
    out = engage(opp, [1.0], [0.5], [5], rng=_seeds(100), doctrine=one_shot)
    assert np.all(out.shots == 1)
    assert out.shot_launch_s.shape == (100, 1, 1)


def test_no_window_fires_nothing_and_says_too_late() -> None:
    """A pair with no first solution is not engaged, reason too-late, rounds untouched."""
    opp = _opp(10, np.nan, np.nan)
    out = engage(opp, [1.0], [0.9], [3], rng=_seeds(10))
    assert not out.killed.any()
    assert np.all(out.reason == TOO_LATE)
    assert np.all(out.battery == -1)
    assert np.all(out.shots == 0)
    assert np.all(out.rounds_left == 3)
    assert np.all(np.isnan(out.shot_launch_s))


@pytest.mark.parametrize("method", ["optimal", "greedy"])
def test_one_round_two_threats_engages_exactly_one(method: AssignmentMethod) -> None:
    """With one round for two threats one is engaged with a single shot, the other is no-rounds."""
    opp = _opp(50, 100.0, 160.0, 175.0, 230.0, shape=(2, 1))
    out = engage(opp, [1.0, 3.0], [0.6], [1], rng=_seeds(50), assignment=method)
    assert np.all(out.battery == [-1, 0])
    assert np.all(out.shots[:, 1] == 1)
    assert np.all(out.reason[:, 0] == NO_ROUNDS)
    assert np.all(out.rounds_left == 0)
    assert not out.plan.look.any()


# --------------------------------------------------------------------------- assignment


def _plan_shots(has_second: NDArray[np.bool_], doctrine: Doctrine) -> NDArray[np.int64]:
    looks = doctrine.mode == "shoot-look-shoot" and doctrine.max_shots_per_threat >= 2
    salvo = min(doctrine.salvo_size, doctrine.max_shots_per_threat)
    return np.where(has_second & looks, 2, salvo).astype(np.int64)


def _brute_force_best(
    feasible: NDArray[np.bool_],
    plan: NDArray[np.int64],
    value: FloatArray,
    pk: FloatArray,
    rounds: NDArray[np.int64],
) -> float:
    """Best total expected value over every map of threats to batteries (or none)."""
    n, b = feasible.shape
    hold = [int(plan[feasible[:, j], j].max(initial=0)) for j in range(b)]
    best = 0.0
    for choice in itertools.product(range(-1, b), repeat=n):
        if any(c >= 0 and not feasible[i, c] for i, c in enumerate(choice)):
            continue
        total, ok = 0.0, True
        for j in range(b):
            mine = [i for i, c in enumerate(choice) if c == j]
            m, k, r = len(mine), hold[j], int(rounds[j])
            if m == 0:
                continue
            if m * k <= r:
                options = [[k] * m]
            elif (m - 1) * k < r:  # all full but one, which gets what is left
                options = [[k] * m for _ in range(m)]
                for x in range(m):
                    options[x][x] = r - (m - 1) * k
            else:
                ok = False
                break
            total += max(
                sum(
                    value[i] * (1 - (1 - pk[i, j]) ** min(int(plan[i, j]), h))
                    for i, h in zip(mine, held, strict=True)
                )
                for held in options
            )
        if ok:
            best = max(best, total)
    return best


Raid = tuple[Opportunities, FloatArray, FloatArray, NDArray[np.int64], Doctrine]


@st.composite
def _small_raids(draw: st.DrawFn) -> Raid:
    n = draw(st.integers(1, 4))
    b = draw(st.integers(1, 3))
    cells = n * b
    feasible = np.array(draw(st.lists(st.booleans(), min_size=cells, max_size=cells)))
    has_second = np.array(draw(st.lists(st.booleans(), min_size=cells, max_size=cells)))
    codes = np.array(draw(st.lists(st.integers(1, 8), min_size=cells, max_size=cells)))
    launch = np.array(draw(st.lists(st.floats(0, 300), min_size=cells, max_size=cells)))
    # Round values and probabilities make ties, the cases an assignment gets wrong.
    values = st.sampled_from([0.0, 1.0, 2.5, 7.0]) | st.floats(0, 10)
    value = np.array(draw(st.lists(values, min_size=n, max_size=n)))
    pks = st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0, 1)
    pk = np.array(draw(st.lists(pks, min_size=cells, max_size=cells))).reshape(n, b)
    rounds = np.array(draw(st.lists(st.integers(0, 4), min_size=b, max_size=b)), dtype=np.int64)
    doctrine = Doctrine(
        mode=draw(st.sampled_from(["shoot-look-shoot", "salvo"])),
        salvo_size=draw(st.integers(1, 3)),
        max_shots_per_threat=draw(st.integers(1, 3)),
    )
    # Infeasible pairs are either blocked by the caller or have no solution.
    blocked_by_code = np.array(draw(st.lists(st.booleans(), min_size=cells, max_size=cells)))
    blocked = np.where(~feasible & blocked_by_code, codes, 0).reshape(1, n, b)
    el = np.where(feasible | blocked_by_code, launch, np.nan).reshape(1, n, b)
    ei = el + 60.0
    second = ei.ravel() + doctrine.kill_assessment_s + 5.0
    sl = np.where(has_second, second, np.nan).reshape(1, n, b)
    opp = Opportunities(el, ei, sl, sl + 50.0, blocked.astype(np.int8))
    return opp, value, pk, rounds, doctrine


@settings(max_examples=300, deadline=None)
@given(_small_raids())
def test_optimal_assignment_matches_brute_force_and_greedy_never_beats_it(
    raid: Raid,
) -> None:
    """Optimal equals the brute-force maximum, greedy never exceeds it, and both respect rounds."""
    opp, value, pk, rounds, doctrine = raid
    feasible = (opp.blocked[0] == 0) & np.isfinite(opp.earliest_launch_s[0])
    plan_shots = _plan_shots(np.isfinite(opp.second_launch_s[0]), doctrine)
    best = _brute_force_best(feasible, plan_shots, value, pk, rounds)
    plans = {m: assign(opp, value, pk, rounds, doctrine, m) for m in ("optimal", "greedy")}
    assert plans["optimal"].expected_value[0] == pytest.approx(best, rel=VALUE_RTOL, abs=VALUE_ATOL)
    assert plans["greedy"].expected_value[0] <= best * (1 + VALUE_RTOL) + VALUE_ATOL
    for plan in plans.values():
        engaged = plan.battery[0] >= 0
        j = plan.battery[0][engaged]
        i = np.flatnonzero(engaged)
        assert np.all(feasible[i, j])
        assert np.all(plan.shots[0][engaged] >= 1)
        assert np.all(plan.shots[0][engaged] <= plan_shots[i, j])
        fired = np.bincount(j, weights=plan.shots[0][engaged], minlength=len(rounds))
        assert np.all(fired <= rounds)
        recomputed = float(np.sum(value[i] * (1 - (1 - pk[i, j]) ** plan.shots[0][engaged])))
        assert plan.expected_value[0] == pytest.approx(recomputed, rel=VALUE_RTOL, abs=VALUE_ATOL)
        assert np.all(plan.reason[0][engaged] == ENGAGED)
        assert np.all(plan.reason[0][~engaged] != ENGAGED)


@settings(max_examples=100, deadline=None)
@given(_small_raids(), st.integers(0, 2**32 - 1))
def test_outcome_is_consistent_with_its_plan(raid: Raid, seed: int) -> None:
    """Killed iff some shot killed; shots within the plan; rounds left = rounds − shots fired."""
    opp, value, pk, rounds, doctrine = raid
    t = 20
    opp = opp.trials(np.zeros(t, dtype=int))
    out = engage(opp, value, pk, rounds, rng=_seeds(t, seed), doctrine=doctrine)
    assert np.array_equal(out.killed, out.shot_killed.any(axis=2))
    assert np.all(out.shots <= out.plan.shots)
    assert np.all(out.shots == np.isfinite(out.shot_launch_s).sum(axis=2))
    spent = np.zeros_like(out.rounds_left)
    for b in range(len(rounds)):
        spent[:, b] = np.where(out.battery == b, out.shots, 0).sum(axis=1)
    assert np.array_equal(out.rounds_left, rounds[None, :] - spent)
    assert np.all(out.rounds_left >= 0)
    engaged = out.battery >= 0
    assert np.array_equal(out.reason[engaged], np.where(out.killed, ENGAGED, MISSED)[engaged])
    assert not out.killed[~engaged].any()
    assert np.array_equal(out.leakers(), (~out.killed).sum(axis=1))
    assert np.array_equal(out.interceptors_spent(), out.shots.sum(axis=1))


def test_greedy_takes_threats_by_decreasing_value() -> None:
    """Greedy serves the most valuable threat first; optimal finds the better pairing."""
    # Battery 0 is excellent against both threats, battery 1 only against the
    # valuable one: greedy lets the valuable threat take battery 0 first.
    opp = _opp(1, 100.0, 160.0, shape=(2, 2))
    pk = np.array([[0.9, 0.8], [0.9, 0.0]])
    greedy = assign(opp, [10.0, 9.0], pk, [2, 2], Doctrine(mode="salvo"), "greedy")
    optimal = assign(opp, [10.0, 9.0], pk, [2, 2], Doctrine(mode="salvo"), "optimal")
    assert greedy.battery.tolist() == [[0, -1]]
    assert optimal.battery.tolist() == [[1, 0]]
    assert greedy.reason[0, 1] == NO_ROUNDS


def test_greedy_breaks_value_ties_by_earliest_intercept() -> None:
    """Among threats of equal value, greedy serves the one intercepted first."""
    el = np.array([[200.0], [100.0]])
    opp = _opp(1, el, el + 60.0, shape=(2, 1))
    plan = assign(opp, [5.0, 5.0], [0.7], [2], Doctrine(mode="salvo"), "greedy")
    assert plan.battery.tolist() == [[-1, 0]]


def test_auto_is_optimal_for_small_raids_and_greedy_for_large() -> None:
    """``auto`` solves exactly while n·b is at most the threshold."""
    small = _opp(1, 100.0, 160.0, shape=(2, 2))
    n = AUTO_OPTIMAL_MAX_PAIRS // 2 + 1
    large = _opp(1, 100.0, 160.0, shape=(n, 2))
    assert assign(small, [1.0, 1.0], [0.5, 0.5], [1, 1]).method == "optimal"
    assert assign(large, np.ones(n), [0.5, 0.5], [1, 1]).method == "greedy"


def test_optimal_solves_each_trial_as_if_alone() -> None:
    """Optimal plans of a block with repeated and distinct trials equal each trial's plan alone."""
    opp, value, pk = _random_raid(6, 4, 3, 21)
    order = np.array([0, 1, 0, 2, 3, 1, 4, 5, 5])
    block = assign(opp.trials(order), value[order], pk, [3, 1, 2], assignment="optimal")
    for row, t in enumerate(order):
        alone = assign(opp.trials([t]), value[[t]], pk, [3, 1, 2], assignment="optimal")
        assert np.array_equal(block.battery[row], alone.battery[0])
        assert np.array_equal(block.shots[row], alone.shots[0])
        assert block.expected_value[row] == alone.expected_value[0]


def test_worthless_threat_is_not_targeted() -> None:
    """A threat of zero value is not engaged though a battery could: reason not-targeted."""
    opp = _opp(5, 100.0, 160.0, shape=(2, 1))
    out = engage(opp, [0.0, 1.0], [0.7], [4], rng=_seeds(5))
    assert np.all(out.battery[:, 0] == -1)
    assert np.all(out.reason[:, 0] == NOT_TARGETED)


# --------------------------------------------------------------------------- randomness


def _random_raid(t: int, n: int, b: int, seed: int) -> tuple[Opportunities, FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    el = rng.uniform(0, 300, (t, n, b))
    el[rng.random((t, n, b)) < 0.2] = np.nan
    ei = el + 60.0
    sl = np.where(rng.random((t, n, b)) < 0.5, ei + 15.0, np.nan)
    blocked = np.where(rng.random((t, n, b)) < 0.2, rng.integers(1, 9, (t, n, b)), 0)
    opp = Opportunities(el, ei, sl, sl + 40.0, blocked.astype(np.int8))
    return opp, rng.uniform(0, 5, (t, n)), rng.uniform(0.3, 0.95, (n, b))


def _same(a: Outcome, b: Outcome) -> bool:
    names = [f.name for f in fields(Outcome) if f.name != "plan"]
    return all(
        np.array_equal(getattr(a, k), getattr(b, k), equal_nan=k.endswith("_s")) for k in names
    )


@pytest.mark.parametrize("method", ["optimal", "greedy"])
def test_same_seeds_give_the_same_outcome(method: AssignmentMethod) -> None:
    """Two runs with the same seeds (or the same Generator seed) give identical outcomes."""
    opp, value, pk = _random_raid(100, 5, 3, 7)

    def run(rng: np.random.Generator | list[np.random.SeedSequence]) -> Outcome:
        return engage(opp, value, pk, [4, 2, 6], rng=rng, assignment=method)

    assert _same(run(_seeds(100, 11)), run(_seeds(100, 11)))
    assert _same(run(np.random.default_rng(5)), run(np.random.default_rng(5)))
    assert not _same(run(_seeds(100, 11)), run(_seeds(100, 12)))


@pytest.mark.parametrize("method", ["optimal", "greedy"])
def test_chunked_trials_equal_one_call(method: AssignmentMethod) -> None:
    """Trials 0-99 in one call equal two calls of 50 with the corresponding child seeds."""
    opp, value, pk = _random_raid(100, 5, 3, 8)
    rounds = [4, 2, 6]
    seeds = _seeds(100, 99)
    whole = engage(opp, value, pk, rounds, rng=seeds, assignment=method)
    parts = [
        engage(opp.trials(sl), value[sl], pk, rounds, rng=seeds[sl], assignment=method)
        for sl in (slice(0, 50), slice(50, 100))
    ]
    for f in fields(Outcome):
        if f.name == "plan":
            continue
        joined = np.concatenate([getattr(p, f.name) for p in parts])
        same = np.array_equal(getattr(whole, f.name), joined, equal_nan=f.name.endswith("_s"))
        assert same, f.name


# --------------------------------------------------------------------------- reasons


@pytest.mark.parametrize("code", range(1, 9))
def test_each_blocked_code_propagates(code: int) -> None:
    """A threat whose only battery is blocked gets the caller's code as its reason."""
    opp = _opp(3, 100.0, 160.0, blocked=code)
    out = engage(opp, [1.0], [0.9], [2], rng=_seeds(3))
    assert np.all(out.reason == code)
    assert np.all(out.battery == -1)
    assert np.all(out.rounds_left == 2)


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(range(1, 9), 2)))
def test_the_most_telling_reason_wins(a: int, b: int) -> None:
    """Among a threat's batteries the reason first in REASON_PRIORITY is reported."""
    opp = _opp(1, 100.0, 160.0, blocked=[[a, b]], shape=(1, 2))
    out = engage(opp, [1.0], [0.9, 0.9], [2, 2], rng=_seeds(1))
    expected = min((a, b), key=REASON_PRIORITY.index)
    assert out.reason[0, 0] == expected


def test_no_rounds_outranks_caller_codes_and_too_late_outranks_geometry() -> None:
    """no-rounds beats vetoed; too-late (no solution) beats out-of-envelope."""
    opp = _opp(1, [[100.0, 100.0]], [[160.0, 160.0]], blocked=[[0, 8]], shape=(1, 2))
    out = engage(opp, [1.0], [0.9, 0.9], [0, 2], rng=_seeds(1))
    assert REASONS[out.reason[0, 0]] == "no-rounds"
    opp = _opp(1, [[np.nan, 100.0]], [[np.nan, 160.0]], blocked=[[0, 3]], shape=(1, 2))
    out = engage(opp, [1.0], [0.9, 0.9], [2, 2], rng=_seeds(1))
    assert REASONS[out.reason[0, 0]] == "too-late"


def test_a_missed_engagement_says_missed() -> None:
    """An engaged threat that survives every shot gets reason missed, and its rounds are spent."""
    opp = _opp(500, 100.0, 160.0, 175.0, 230.0)
    out = engage(opp, [1.0], [0.5], [2], rng=_seeds(500))
    survived = ~out.killed[:, 0]
    assert survived.any()
    assert np.all(out.reason[survived, 0] == MISSED)
    assert np.all(out.shots[survived, 0] == 2)
    assert np.all(out.reason[~survived, 0] == ENGAGED)


def test_reason_names_are_indexed_by_code() -> None:
    """REASONS lists the names in code order."""
    assert REASONS[MISSED] == "missed" and REASONS[NOT_TARGETED] == "not-targeted"
    assert len(REASONS) == 11
    assert sorted(REASON_PRIORITY) == [c for c in range(1, 11) if c != MISSED]


# --------------------------------------------------------------------------- summaries


def test_summaries_count_leakers_kills_and_interceptors() -> None:
    """leakers (maybe weighted), p_kill_per_threat and interceptors_spent summarise the arrays."""
    opp = _opp(1000, 100.0, 160.0, 175.0, 230.0, shape=(2, 1))
    opp = Opportunities(
        opp.earliest_launch_s,
        opp.earliest_intercept_s,
        opp.second_launch_s,
        opp.second_intercept_s,
        np.broadcast_to(np.array([[0], [8]], dtype=np.int8), (1000, 2, 1)),
    )
    out = engage(opp, [1.0, 1.0], [0.5], [10], rng=_seeds(1000))
    assert np.array_equal(out.leakers(), 1 + (~out.killed[:, 0]))
    assert np.array_equal(out.leakers([3, 2]), 2 + 3 * (~out.killed[:, 0]))
    assert out.p_kill_per_threat()[1] == 0.0
    assert 0.6 < out.p_kill_per_threat()[0] < 0.9
    assert np.array_equal(out.interceptors_spent(), out.shots[:, 0])
    with pytest.raises(JointshieldError, match="count"):
        out.leakers([1, 2, 3])


# --------------------------------------------------------------------------- errors


def test_shape_mismatches_name_the_array() -> None:
    """A wrongly shaped input raises JointshieldError naming it."""
    a = np.zeros((2, 3, 4))
    with pytest.raises(JointshieldError, match="earliest_intercept_s"):
        Opportunities(a, np.zeros((2, 3, 5)), a, a, a.astype(np.int8))
    with pytest.raises(JointshieldError, match="second_launch_s"):
        Opportunities(a, a, np.zeros((3, 4)), a, a.astype(np.int8))
    opp = Opportunities(a, a + 60, a + np.nan, a + np.nan, a.astype(np.int8))
    with pytest.raises(JointshieldError, match="value"):
        assign(opp, np.ones(4), np.ones(4), np.ones(4, int))
    with pytest.raises(JointshieldError, match="pk"):
        assign(opp, np.ones(3), np.ones(3), np.ones(4, int))
    with pytest.raises(JointshieldError, match="rounds"):
        assign(opp, np.ones(3), np.ones(4), np.ones(3, int))
    with pytest.raises(JointshieldError, match="rng"):
        engage(opp, np.ones(3), np.ones(4), np.ones(4, int), rng=_seeds(3))


def test_bad_values_are_rejected() -> None:
    """Bad codes, probabilities, rounds, doctrines and early second shots raise JointshieldError."""
    a = np.zeros((1, 1, 1))
    with pytest.raises(JointshieldError, match="blocked"):
        Opportunities(a, a, a, a, np.full((1, 1, 1), MISSED, np.int8))
    opp = _opp(1, 100.0, 160.0)
    with pytest.raises(JointshieldError, match="pk"):
        assign(opp, [1.0], [1.5], [2])
    with pytest.raises(JointshieldError, match="value"):
        assign(opp, [-1.0], [0.5], [2])
    with pytest.raises(JointshieldError, match="rounds"):
        assign(opp, [1.0], [0.5], [-1])
    with pytest.raises(JointshieldError, match="rounds"):
        assign(opp, [1.0], [0.5], [1.5])
    with pytest.raises(JointshieldError, match="salvo_size"):
        Doctrine(salvo_size=0)
    with pytest.raises(JointshieldError, match="mode"):
        Doctrine(mode="barrage")  # type: ignore[arg-type]
    with pytest.raises(JointshieldError, match="assignment"):
        assign(opp, [1.0], [0.5], [2], assignment="hungarian")  # type: ignore[arg-type]
    early = _opp(1, 100.0, 160.0, 165.0, 200.0)  # launched 5 s after the first intercept
    with pytest.raises(JointshieldError, match="second_launch_s"):
        assign(early, [1.0], [0.5], [2])
    with pytest.raises(JointshieldError, match="rng"):
        engage(opp, [1.0], [0.5], [2], rng=np.random.SeedSequence(1))  # type: ignore[arg-type]


def test_empty_raids_and_no_batteries() -> None:
    """No threats, or no batteries, give empty or unengaged outcomes without error."""
    out = engage(_opp(3, 0.0, 0.0, shape=(0, 2)), np.zeros(0), [0.5, 0.5], [1, 1], rng=_seeds(3))
    assert out.killed.shape == (3, 0) and np.all(out.rounds_left == 1)
    no_battery = _opp(3, 0.0, 0.0, shape=(2, 0))
    out = engage(no_battery, [1.0, 1.0], np.zeros(0), np.zeros(0, int), rng=_seeds(3))
    assert np.all(out.battery == -1)
    assert np.all(out.reason == OUT_OF_ENVELOPE)
    assert out.rounds_left.shape == (3, 0)
