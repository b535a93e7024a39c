"""Battle management through the whole chain: scenario → geometry → picture → engagements."""

from __future__ import annotations

import numpy as np
import pytest

from jointshield.architectures.presets import architecture
from jointshield.battle.context import Rules, prepare
from jointshield.battle.fight import fight
from jointshield.battle.trial import run_block
from jointshield.engagement.fire import Doctrine
from jointshield.engagement.reasons import NOT_AUTHORISED, REASONS
from jointshield.flight.raid import fly_raid
from jointshield.montecarlo.blocks import run_blocks
from jointshield.scenario import load_scenario
from jointshield.sensing.picture import sensor_picture
from theatres import theatre

N_SIGMA = 5.0


def _one_on_one(pk: float | None = None):
    """europe-2018 cut down to one Sejjil-2 on Bucharest and the Deveselu battery."""
    sc = load_scenario("europe-2018")
    raid = sc.raid()
    threat = raid.threat("sj-bucharest").model_copy(update={"count": 1, "launch_time_s": 0.0})
    one = raid.model_copy(update={"threats": (threat,)})
    batteries = tuple(b for b in sc.batteries if b.name == "aegis-ashore-deveselu")
    interceptors = sc.interceptors
    if pk is not None:
        interceptors = tuple(i.model_copy(update={"pk": pk}) for i in interceptors)
    return sc.model_copy(
        update={"raids": (one,), "batteries": batteries, "interceptors": interceptors}
    )


def _binomial_ok(successes: int, trials: int, p: float) -> bool:
    return abs(successes - trials * p) <= N_SIGMA * np.sqrt(trials * p * (1 - p))


@pytest.mark.parametrize("mode", ["shoot-look-shoot", "salvo"])
def test_one_threat_one_battery_kills_with_two_shot_probability(mode: str) -> None:
    """One threat, one battery with time to spare: P(kill) = 1 - (1 - pk)² either way."""
    pk, trials = 0.6, 4000
    battle = fight(
        theatre(_one_on_one(pk)), trials=trials, seed=3, rules=Rules(doctrine=Doctrine(mode=mode))
    )
    assert _binomial_ok(int(battle.trials.killed.sum()), trials, 1 - (1 - pk) ** 2)
    spent = battle.trials.interceptors
    if mode == "salvo" or not (spent == 1).any():
        # A salvo, or shoot-look-shoot falling back to one when no second window exists.
        assert np.all(spent == 2)
    else:
        # Shoot-look-shoot spends the second round only after a miss.
        assert _binomial_ok(int((spent == 2).sum()), trials, 1 - pk)


def test_veto_scales_the_kill_probability() -> None:
    """Under the dual key a veto probability v turns 1 - (1 - p)² into (1 - v)(1 - (1 - p)²)."""
    pk, v, trials = 0.6, 0.3, 4000
    arch = architecture("joint", veto_probability=v)
    battle = fight(theatre(_one_on_one(pk)), arch=arch, trials=trials, seed=5)
    assert _binomial_ok(int(battle.trials.killed.sum()), trials, (1 - v) * (1 - (1 - pk) ** 2))
    vetoed = battle.trials.reason == REASONS.index("vetoed")
    assert _binomial_ok(int(vetoed.sum()), trials, v)


def test_authorisation_longer_than_the_window_gives_no_shot() -> None:
    """An authorisation delay longer than the engagement window leaves no shot: not authorised."""
    battle = fight(
        theatre(_one_on_one(0.9)),
        arch=architecture(
            "joint", authorisation_delay_s=5000.0, authorisation_sigma=0.01, veto_probability=0
        ),
        trials=200,
        seed=1,
    )
    assert not battle.trials.killed.any()
    assert np.all(battle.trials.interceptors == 0)
    assert np.all(battle.trials.reason == NOT_AUTHORISED)


def test_out_of_reach_raid_leaks_with_its_reasons() -> None:
    """In europe-2011 national defence cannot reach the Turkish threats, and says why."""
    battle = fight(theatre("europe-2011"), arch="national", trials=50, seed=1)
    reasons = set(battle.leak_reasons())
    physics = {"out-of-envelope", "too-late", "not-fire-control-quality", "no-track"}
    assert reasons <= physics | {"missed"}
    assert "out-of-envelope" in reasons


def test_same_battle_on_one_worker_two_workers_and_dask() -> None:
    """Per-trial results are byte-identical in process, on two processes and on Dask."""
    from distributed import Client, LocalCluster

    ctx = prepare(theatre(_one_on_one(0.5)), arch="joint")
    trials = 700  # more than one block, not a multiple of the block size
    one = run_blocks(run_block, ctx, trials, 9, workers=1, progress=False)
    two = run_blocks(run_block, ctx, trials, 9, workers=2, progress=False)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster,
        Client(cluster) as client,
    ):
        dask = run_blocks(
            run_block, ctx, trials, 9, dask_address=client.scheduler.address, progress=False
        )
    for key in one:
        assert one[key].tobytes() == two[key].tobytes() == dask[key].tobytes(), key
    other = run_blocks(run_block, ctx, trials, 10, workers=1, progress=False)
    assert not np.array_equal(one["killed"], other["killed"])


def test_defending_only_own_assets_blocks_the_other_party() -> None:
    """A battery given to the other party does not defend a city that is not its party's."""
    sc = _one_on_one(0.9)
    russian = tuple(b.model_copy(update={"owner": "Russia"}) for b in sc.batteries)
    sc = sc.model_copy(update={"batteries": russian})
    own = fight(theatre(sc), arch=architecture("data-exchange"), trials=20, seed=1)
    assert not own.trials.killed.any()
    # Without a radar of its own there, it could not launch on remote in time anyway.
    allowed = {"not-responsible", "no-track", "not-fire-control-quality", "too-late"}
    assert set(own.leak_reasons()) <= allowed
    # Responsible for everyone under the joint system, it still has no radar of its own to
    # hand over to; a weapon system that can engage on remote needs none.
    joint = architecture("joint", veto_probability=0)
    handover = fight(theatre(sc), arch=joint, trials=20, seed=1)
    assert not handover.trials.killed.any()
    remote = tuple(i.model_copy(update={"engage_on_remote": True}) for i in sc.interceptors)
    sc = sc.model_copy(update={"interceptors": remote})
    anyone = fight(theatre(sc), arch=joint, trials=200, seed=1)
    assert anyone.trials.killed.mean() > 0.9


def test_every_leak_has_a_reason() -> None:
    """Every leaked warhead in every trial carries a reason code other than engaged."""
    battle = fight(theatre("europe-2018"), trials=100, seed=5)
    leaked = ~battle.trials.killed
    codes = battle.trials.reason[leaked]
    assert codes.size and np.all(codes > 0) and np.all(codes < len(REASONS))


def test_first_intercepts_lie_inside_the_firing_batterys_altitude_limits() -> None:
    """Each recorded first intercept point is at an altitude the firing interceptor can reach."""
    battle = fight(theatre("europe-2018"), arch="joint", trials=60, seed=2)
    out = battle.trials
    engaged = np.isfinite(out.first_intercept_s)
    assert engaged.any()
    for t, m in zip(*np.nonzero(engaged), strict=True):
        kind = battle.context.batteries[out.battery[t, m]].kinematics.interceptor
        alt_m = out.intercept_alt_km[t, m] * 1e3
        assert kind.min_intercept_alt_m - 1e3 <= alt_m <= kind.max_intercept_alt_m + 1e3
    assert np.all(np.isnan(out.intercept_alt_km[~engaged]))


def test_handover_basket_degrades_the_kill_probability_by_the_rayleigh_law() -> None:
    """With a hand-over basket d and track error σ at launch, pk becomes pk·(1 - exp(-d²/2σ²))."""
    pk, trials = 0.8, 4000
    base = _one_on_one(pk)
    plain = fight(
        theatre(base),
        arch="national",
        trials=50,
        seed=1,
        rules=Rules(doctrine=Doctrine(mode="salvo")),
    )
    t_launch = float(plain.trials.first_launch_s[0, 0])
    assert np.isfinite(t_launch)
    # The best NATO track's per-axis error at that launch time, from the track histories directly.
    sigmas = []
    for view in sensor_picture(fly_raid(theatre(base).raid()), theatre(base).radars).views:
        if view.radar.owner != "NATO" or view.history is None:
            continue
        looks = view.history.t_s[0]
        done = np.flatnonzero(looks <= t_launch)
        if done.size:
            cov = view.history.P[0, done[-1], :3, :3]
            sigmas.append(np.sqrt(np.trace(cov) / 3.0))
    sigma = min(sigmas)
    basket = sigma * np.sqrt(2.0 * np.log(2.0))  # a 50 % chance of acquisition
    degraded = base.model_copy(
        update={
            "interceptors": tuple(
                i.model_copy(update={"handover_basket_m": basket}) for i in base.interceptors
            )
        }
    )
    battle = fight(
        theatre(degraded),
        arch="national",
        trials=trials,
        seed=6,
        rules=Rules(doctrine=Doctrine(mode="salvo")),
    )
    assert np.all(battle.trials.first_launch_s == t_launch)
    p_shot = pk * 0.5
    assert _binomial_ok(int(battle.trials.killed.sum()), trials, 1 - (1 - p_shot) ** 2)


def _with_p_detect(sc, p: float):
    return sc.model_copy(
        update={"sensors": tuple(s.model_copy(update={"p_detect": p}) for s in sc.sensors)}
    )


def test_missed_detections_delay_fire_control_per_trial() -> None:
    """Sure detection gives the nominal launch every trial; rare detection delays or denies it."""
    base = _one_on_one(0.7)
    sure = fight(theatre(_with_p_detect(base, 1.0)), arch="national", trials=200, seed=3)
    launches = sure.trials.first_launch_s
    assert np.all(launches == launches[0, 0])
    rare = fight(theatre(_with_p_detect(base, 0.02)), arch="national", trials=200, seed=3)
    late = rare.trials.first_launch_s
    assert np.all(np.isnan(late) | (late >= launches[0, 0]))
    assert rare.trials.killed.mean() < sure.trials.killed.mean()
    reasons = set(rare.leak_reasons())
    assert reasons & {"not-fire-control-quality", "too-late"}
