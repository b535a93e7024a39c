"""A battle over geometry samples: each trial on one sample, the same numbers on any workers."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from jointshield.battle.context import deploy, prepare
from jointshield.battle.fight import fight
from jointshield.battle.samples import (
    SampledContext,
    deploy_samples,
    prepare_samples,
    run_sampled_block,
    sample_of_trials,
    trial_samples,
)
from jointshield.battle.trial import run_block
from jointshield.errors import JointshieldError
from jointshield.montecarlo.blocks import BLOCK_TRIALS, run_blocks
from theatres import theatre

SCENARIO = "europe-2018"
K = 3
TRIALS = BLOCK_TRIALS + 100  # two blocks
SEED = 5


@pytest.fixture(scope="module")
def samples():
    """europe-2018's raid deployed on K geometry samples (seed SEED)."""
    return deploy_samples(theatre(SCENARIO), None, K, SEED)


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_one_sample_is_the_nominal_battle_bit_for_bit() -> None:
    """K = 1 deploys the nominal raid and runs ``run_block`` itself: the same bits."""
    th = theatre(SCENARIO)
    (dep,) = deploy_samples(th, None, 1, SEED)
    nominal = deploy(th)
    for got, want in zip(dep.geometry.launch_time_s, nominal.geometry.launch_time_s, strict=True):
        assert got == want
    ctx = prepare(nominal, arch="joint")
    sampled = run_blocks(run_sampled_block, SampledContext((ctx,)), TRIALS, SEED, progress=False)
    _same(sampled, run_blocks(run_block, ctx, TRIALS, SEED, progress=False))
    battle = fight(th, arch="joint", trials=TRIALS, seed=SEED, geometry_samples=1)
    _same(battle.trials.columns(), sampled)
    assert battle.geometry_samples == 1


def test_samples_are_deployed_on_their_own_launch_points_and_times(samples) -> None:
    """Each sample is the raid flown from its own draws: other launch times and flights."""
    assert len(samples) == K
    th = theatre(SCENARIO)
    nominal = th.raid()
    for dep in samples:
        geo = dep.geometry
        assert geo.threat_id == tuple(t.id for t in nominal.threats)
        # The built-in gives no launch time jitter: the times stay nominal.
        np.testing.assert_array_equal(geo.launch_time_s, [t.launch_time_s for t in nominal.threats])
        assert len(dep.picture.views) == len(th.radars)
    impacts = [dep.geometry.flyouts.t_impact_s for dep in samples]
    assert not np.array_equal(impacts[0], impacts[1])


def test_trials_are_balanced_over_the_samples_and_deterministic() -> None:
    """Every sample gets n // K or one more trials of a block; the same seed, the same labels."""
    seq = np.random.SeedSequence(9)
    labels = sample_of_trials(4, seq, 10)
    assert sorted(np.bincount(labels, minlength=4)) == [2, 2, 3, 3]
    np.testing.assert_array_equal(labels, sample_of_trials(4, np.random.SeedSequence(9), 10))
    run = trial_samples(4, 1234, 7)
    assert run.shape == (1234,)
    counts = np.bincount(run, minlength=4)
    assert counts.max() - counts.min() <= 3  # at most one more per block, three blocks
    assert np.all(trial_samples(1, 20, 7) == 0)


def test_results_over_samples_are_the_same_on_one_and_two_workers(samples) -> None:
    """The same seed gives the same columns on one worker or two, with K > 1."""
    sctx = prepare_samples(samples, arch="data-exchange")
    pickle.loads(pickle.dumps(sctx))  # what a worker receives
    one = run_blocks(run_sampled_block, sctx, TRIALS, SEED, workers=1, progress=False)
    two = run_blocks(run_sampled_block, sctx, TRIALS, SEED, workers=2, progress=False)
    _same(one, two)
    assert one["leakers"].shape == (TRIALS,)


def test_each_trial_flies_its_own_sample(samples) -> None:
    """A trial's columns are those of its sample's battle: run alone on its rows, same numbers."""
    sctx = prepare_samples(samples, arch="joint")
    seq = np.random.SeedSequence(SEED)
    out = run_sampled_block(sctx, seq, 200)
    assign, *streams = np.random.SeedSequence(SEED).spawn(K + 1)
    labels = sample_of_trials(K, assign, 200)
    for s in range(K):
        rows = np.flatnonzero(labels == s)
        alone = run_block(sctx.contexts[s], streams[s], rows.size)
        for name, column in alone.items():
            np.testing.assert_array_equal(out[name][rows], column, err_msg=name)


def test_more_samples_widen_the_spread_of_the_intercept_time(samples) -> None:
    """With K > 1 the first intercept time of a warhead differs between samples."""
    th = theatre(SCENARIO)
    nominal = fight(th, arch="national", trials=TRIALS, seed=SEED)
    sampled = fight(samples, arch="national", trials=TRIALS, seed=SEED, geometry_samples=K)
    assert sampled.geometry_samples == K
    labels = trial_samples(K, TRIALS, SEED)
    t_nominal = nominal.trials.first_intercept_s
    t_sampled = sampled.trials.first_intercept_s
    # Warheads engaged in most trials of both battles.
    engaged = (np.isfinite(t_sampled).mean(axis=0) > 0.5) & (
        np.isfinite(t_nominal).mean(axis=0) > 0.5
    )
    assert engaged.any()
    per_sample = np.array(
        [np.nanmean(t_sampled[labels == s][:, engaged], axis=0) for s in range(K)]
    )
    assert np.ptp(per_sample, axis=0).max() > 1.0  # seconds
    spread = np.nanstd(t_sampled[:, engaged], axis=0)
    assert spread.max() > np.nanstd(t_nominal[:, engaged], axis=0).max()


def test_samples_of_different_raids_or_architectures_are_refused(samples) -> None:
    """A sampled battle holds one raid and one architecture; and at least one sample."""
    with pytest.raises(JointshieldError, match="at least one"):
        SampledContext(())
    mixed = (prepare(samples[0], arch="joint"), prepare(samples[1], arch="national"))
    with pytest.raises(JointshieldError, match="architecture"):
        SampledContext(mixed)


@pytest.mark.parametrize("k", [0, -1])
def test_fight_refuses_fewer_than_one_sample(k: int) -> None:
    """``fight(geometry_samples=0)`` is an error before any work."""
    with pytest.raises(JointshieldError, match="geometry_samples"):
        fight(theatre(SCENARIO), trials=10, geometry_samples=k)


def test_fight_refuses_samples_that_do_not_match_its_deployments(samples) -> None:
    """Asking for K samples with another number of deployments is an error."""
    with pytest.raises(JointshieldError, match="geometry_samples"):
        fight(samples, trials=10, geometry_samples=K + 1)


def test_grouped_interval_is_the_cluster_sampling_formula() -> None:
    """Mean ± t(K−1)·sd(group means)/√K, against a hand computation with scipy."""
    from scipy import stats

    from jointshield.montecarlo.stats import grouped_mean_interval

    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(5), 40)
    x = rng.normal(size=200) + np.repeat(rng.normal(scale=3.0, size=5), 40)
    mean, lo, hi = grouped_mean_interval(x, groups)
    means = x.reshape(5, 40).mean(axis=1)
    half = stats.t.ppf(0.975, 4) * means.std(ddof=1) / np.sqrt(5)
    assert mean == pytest.approx(x.mean()) and hi - mean == pytest.approx(half)
    assert mean - lo == pytest.approx(half)


def test_intervals_with_several_geometries_count_their_spread() -> None:
    """With K > 1 the first-intercept interval widens to the spread between geometries."""
    from jointshield.analysis.runs import run
    from jointshield.montecarlo.stats import Estimate

    one = run("europe-2018", "national", trials=400, seed=0, progress=False).summary
    many = run(
        "europe-2018", "national", trials=400, seed=0, geometry_samples=4, progress=False
    ).summary

    def width(e: Estimate) -> float:
        return e.hi - e.lo

    assert width(many.first_intercept_s) > 3 * width(one.first_intercept_s)
