"""Battle management through the whole chain: scenario → geometry → picture → engagements."""

from __future__ import annotations

import numpy as np
import pytest

from jointshield.battle import Rules, fight
from jointshield.engagement import REASONS, Doctrine
from jointshield.scenario import load_scenario

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
    pk = 0.6
    trials = 4000
    battle = fight(
        _one_on_one(pk), trials=trials, seed=3, rules=Rules(doctrine=Doctrine(mode=mode))
    )
    killed = int(battle.outcome.killed.sum())
    assert _binomial_ok(killed, trials, 1 - (1 - pk) ** 2)
    spent = battle.outcome.interceptors_spent()
    look = battle.outcome.plan.look
    if mode == "salvo" or not look.any():
        # A salvo, or shoot-look-shoot falling back to one when no second window exists.
        assert np.all(spent == 2)
    else:
        # Shoot-look-shoot spends the second round only after a miss.
        assert set(np.unique(spent)) <= {1, 2}
        assert _binomial_ok(int((spent == 2).sum()), trials, 1 - pk)


def test_out_of_reach_raid_leaks_with_its_reasons() -> None:
    """In europe-2011 the ship off Crete cannot reach the Turkish threats, and says so."""
    battle = fight("europe-2011", trials=50, seed=1)
    assert not battle.outcome.killed.any()
    reasons = set(battle.leak_reasons())
    assert reasons <= {"out-of-envelope", "too-late", "not-fire-control-quality", "no-track"}
    assert "out-of-envelope" in reasons


def test_same_seed_same_battle_and_other_seed_other_draws() -> None:
    """A battle is reproducible from its seed, and the seed matters."""
    sc = _one_on_one(0.5)
    a = fight(sc, trials=300, seed=11)
    b = fight(sc, trials=300, seed=11)
    c = fight(sc, trials=300, seed=12)
    np.testing.assert_array_equal(a.outcome.killed, b.outcome.killed)
    np.testing.assert_array_equal(a.outcome.shot_launch_s, b.outcome.shot_launch_s)
    assert not np.array_equal(a.outcome.killed, c.outcome.killed)


def test_defending_only_own_assets_blocks_the_other_party() -> None:
    """A battery given to the other party does not defend a city that is not its party's."""
    sc = _one_on_one(0.9)
    russian = tuple(b.model_copy(update={"owner": "Russia"}) for b in sc.batteries)
    sc = sc.model_copy(update={"batteries": russian})
    own = fight(sc, trials=20, seed=1, rules=Rules(defend="own", engage_on_remote=True))
    assert not own.outcome.killed.any()
    assert set(own.leak_reasons()) <= {"not-responsible", "no-track", "not-fire-control-quality"}
    anyone = fight(sc, trials=200, seed=1, rules=Rules(defend="all", engage_on_remote=True))
    assert anyone.outcome.killed.mean() > 0.9


def test_every_leak_has_a_reason() -> None:
    """Every leaked warhead in every trial carries a reason code other than engaged."""
    battle = fight("europe-2018", trials=100, seed=5)
    leaked = ~battle.outcome.killed
    codes = battle.outcome.reason[leaked]
    assert codes.size and np.all(codes > 0) and np.all(codes < len(REASONS))
    names, hit = battle.asset_hit()
    assert hit.shape == (100, len(names))
