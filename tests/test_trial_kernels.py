"""The compiled kernels of a trial against brute force and against NumPy's own generators.

Each kernel replaces array code with a loop that must give the same numbers:
the M-of-N confirmation and the first detections against a window scan of the
same draws, the PCG64 and SeedSequence kernels against NumPy, the intercept
search against a scan of the samples, and the link switch counts against a
count.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from jointshield.battle.trial import _Detections
from jointshield.engagement.windows import InterceptWindows
from jointshield.errors import JointshieldError
from jointshield.montecarlo.streams import TrialSeeds, pcg64_jump, pcg64_state, per_trial, uniform
from jointshield.sensing.network import _count_at_or_before


def _view(n: int, looks: int, p_detect: float, m: int, n_window: int) -> SimpleNamespace:
    """The parts of a radar view that the detection draws read."""
    return SimpleNamespace(
        history=SimpleNamespace(t_s=np.zeros((n, looks))),
        radar=SimpleNamespace(p_detect=p_detect, track_confirm_m=m, track_confirm_n=n_window),
    )


def _random(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.random(shape)


# --------------------------------------------------------------------------- M of N


def test_confirmation_counts_m_detections_within_n_looks_as_a_brute_force_scan() -> None:
    """A track is confirmed at the first look closing a window of N looks with M detections."""
    hits_rng = np.random.default_rng(11)
    for m, n in ((1, 1), (3, 5), (3, 3), (4, 10)):
        seed = int(hits_rng.integers(2**32))
        got = _Detections.draw(_view(3, 40, 0.4, m, n), np.random.default_rng(seed), 50, 40)
        hits = np.random.default_rng(seed).random((50, 3, 40)) < 0.4
        assert got is not None
        for t in range(hits.shape[0]):
            for i in range(hits.shape[1]):
                row = hits[t, i]
                first = next(
                    (j for j in range(row.size) if row[max(0, j - n + 1) : j + 1].sum() >= m), None
                )
                assert got.confirmed[t, i] == (first is not None)
                if first is not None:
                    assert got.confirm_look[t, i] == first
                looks = np.flatnonzero(row)
                expected = np.full(40, -1)
                expected[: looks.size] = looks
                assert np.array_equal(got.hit_look[t, i], expected)


@pytest.mark.parametrize("case", range(60))
def test_detection_draws_match_the_array_code_and_leave_the_generator_as_it_would(
    case: int,
) -> None:
    """On random shapes: confirmation, first K detections and the generator's final state."""
    pick = np.random.default_rng(1000 + case)
    trials, n, looks = (
        int(pick.integers(1, 30)),
        int(pick.integers(1, 5)),
        int(pick.integers(1, 60)),
    )
    m = int(pick.integers(1, 6))
    n_window = int(pick.integers(m, m + 8))
    p_detect = float(pick.random())
    keep = int(pick.integers(0, looks + 1))
    rng, reference = np.random.default_rng(case), np.random.default_rng(case)
    got = _Detections.draw(_view(n, looks, p_detect, m, n_window), rng, trials, keep)
    assert got is not None
    hits = reference.random((trials, n, looks)) < p_detect
    cumulative = np.cumsum(hits, axis=-1)
    earlier = np.zeros_like(cumulative)
    earlier[..., n_window:] = cumulative[..., :-n_window]
    window = (cumulative - earlier) >= m
    assert np.array_equal(got.confirmed, window.any(axis=-1))
    assert np.array_equal(got.confirm_look, np.where(window.any(-1), np.argmax(window, -1), 0))
    for k in range(keep):
        reached = cumulative >= k + 1
        expected = np.where(reached.any(-1), np.argmax(reached, -1), -1)
        assert np.array_equal(got.hit_look[..., k], expected)
    assert rng.bit_generator.state == reference.bit_generator.state
    assert rng.random() == reference.random()


def test_a_radar_without_post_burnout_looks_draws_nothing() -> None:
    """No history: no detections and no draw."""
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    view = SimpleNamespace(history=None, radar=None)
    assert _Detections.draw(view, rng, 10, 5) is None
    assert rng.bit_generator.state == before


# --------------------------------------------------------------------------- PCG64 and seeds


def test_pcg64_jump_is_numpy_advance() -> None:
    """Jumping the LCG ``delta`` steps lands where NumPy's advance (and as many draws) does."""
    rng = np.random.default_rng(5)
    state, inc = pcg64_state(rng)
    for delta in (0, 1, 7, 1000, 2**40 + 3):
        a, c = pcg64_jump(delta, inc)
        moved = np.random.default_rng(5)
        moved.bit_generator.advance(delta)
        assert pcg64_state(moved)[0] == (a * state + c) % 2**128
    drawn = np.random.default_rng(5)
    drawn.random(1000)
    a, c = pcg64_jump(1000, inc)
    assert pcg64_state(drawn)[0] == (a * state + c) % 2**128


def test_pcg64_state_refuses_another_bit_generator() -> None:
    with pytest.raises(JointshieldError, match="PCG64"):
        pcg64_state(np.random.Generator(np.random.MT19937(1)))


@pytest.mark.parametrize(
    "entropy", [0, 7, 2**100 + 5, 2**200, [1, 2, 3], np.array([5, 6], dtype=np.uint32)]
)
@pytest.mark.parametrize("pool_size", [4, 8])
def test_trial_seeds_are_the_spawned_children(entropy: object, pool_size: int) -> None:
    """Same pools, keys and draws as ``spawn``; and later trial seeds follow spawned ones."""
    parent = np.random.SeedSequence(entropy, spawn_key=(3, 1), pool_size=pool_size)
    seeds = TrialSeeds(parent, 40)
    children = parent.spawn(40)
    assert np.array_equal(seeds.pools(), np.array([c.pool for c in children]))
    for i in (0, 17, -1):
        assert seeds[i].spawn_key == children[i].spawn_key
        assert np.array_equal(seeds[i].pool, children[i].pool)
    assert np.array_equal(seeds[10:20].pools(), seeds.pools()[10:20])
    assert [s.spawn_key for s in seeds[1:9:3]] == [c.spawn_key for c in children[1:9:3]]
    expected = per_trial(children, (40, 3, 2), _random)
    assert np.array_equal(uniform(seeds, (40, 3, 2)), expected)
    assert np.array_equal(uniform(children, (40, 3, 2)), expected)
    later = TrialSeeds(parent, 5)
    assert np.array_equal(later.pools(), np.array([c.pool for c in parent.spawn(5)]))


def test_uniform_from_seeds_of_several_pool_sizes_is_numpy_random() -> None:
    seeds = [np.random.SeedSequence(1, pool_size=4), np.random.SeedSequence(2, pool_size=8)]
    assert np.array_equal(uniform(seeds, (2, 5)), per_trial(seeds, (2, 5), _random))


def test_uniform_from_one_generator_is_its_random() -> None:
    assert np.array_equal(
        uniform(np.random.default_rng(9), (4, 3)), _random(np.random.default_rng(9), (4, 3))
    )


def test_trial_seeds_check_their_count_and_indices() -> None:
    parent = np.random.SeedSequence(0)
    with pytest.raises(JointshieldError, match="count"):
        TrialSeeds(parent, -1)
    with pytest.raises(IndexError):
        TrialSeeds(parent, 3)[3]
    with pytest.raises(JointshieldError, match="one SeedSequence per trial"):
        uniform(TrialSeeds(parent, 3), (4, 2))


# --------------------------------------------------------------------------- intercept search


def _windows(pick: np.random.Generator, n: int, b: int, k: int) -> InterceptWindows:
    t_intercept = np.broadcast_to(np.arange(k, dtype=float) * 10.0, (n, b, k)).copy()
    t_launch = t_intercept - pick.uniform(20.0, 200.0, (n, b, k))
    feasible = pick.random((n, b, k)) < 0.6
    t_launch[~feasible & (pick.random((n, b, k)) < 0.5)] = np.nan
    return InterceptWindows(
        t_intercept_s=t_intercept,
        t_launch_s=t_launch,
        feasible=feasible,
        point_ecef_m=np.zeros((n, b, k, 3)),
        reason=np.zeros((n, b), dtype=np.int8),
    )


def test_earliest_with_rows_is_a_scan_of_each_rows_threat() -> None:
    """Per warhead (rows): the first feasible sample launched at or after the ready time."""
    pick = np.random.default_rng(4)
    win = _windows(pick, 3, 2, 25)
    rows = np.array([0, 2, 2, 1, 0])
    ready = pick.uniform(-100.0, 250.0, (6, 5, 2))
    ready[pick.random(ready.shape) < 0.1] = np.nan
    ready[0, 0, 0] = -np.inf
    t_launch, t_intercept, k = win.earliest(ready, rows)
    for q in range(6):
        for i, row in enumerate(rows):
            for j in range(2):
                r = ready[q, i, j]
                ok = win.feasible[row, j] & (win.t_launch_s[row, j] >= r)
                first = int(np.argmax(ok)) if ok.any() and not np.isnan(r) else -1
                assert k[q, i, j] == first
                if first >= 0:
                    assert t_launch[q, i, j] == win.t_launch_s[row, j, first]
                    assert t_intercept[q, i, j] == win.t_intercept_s[row, j, first]
                else:
                    assert np.isnan(t_launch[q, i, j]) and np.isnan(t_intercept[q, i, j])
    second = win.after(t_intercept, 10.0, rows)
    again = win.earliest(t_intercept + 10.0, rows)
    for a, b in zip(second, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_earliest_with_rows_checks_the_shape() -> None:
    win = _windows(np.random.default_rng(1), 3, 2, 5)
    with pytest.raises(JointshieldError, match="broadcastable"):
        win.earliest(np.zeros((4, 3, 2)), np.array([0, 1, 2, 0]))


# --------------------------------------------------------------------------- link switches


@pytest.mark.parametrize("shared", [True, False])
def test_switch_counts_are_a_brute_force_count(shared: bool) -> None:
    """How many switches of each row are at or before each time, ties counted."""
    pick = np.random.default_rng(8 + shared)
    for _ in range(40):
        n, m, k = (int(x) for x in pick.integers(1, 12, 3))
        switches = np.round(np.cumsum(pick.exponential(1.0, (n, m)), axis=1) * 2) / 2
        times = np.round(pick.uniform(0.0, m, (k,) if shared else (n, k)))
        got = _count_at_or_before(switches, times)
        t = np.broadcast_to(times, (n, k))
        expected = (switches[:, None, :] <= t[:, :, None]).sum(axis=-1)
        assert np.array_equal(got, expected)
