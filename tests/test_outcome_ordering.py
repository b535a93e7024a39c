"""The ordering of the architectures' outcomes that docs/architectures.md explains holds."""

from __future__ import annotations

import numpy as np
import pytest

from jointshield.battle.context import deploy
from jointshield.battle.fight import fight
from theatres import theatre

TRIALS = 400
TOL = 0.05


@pytest.fixture(scope="module", params=["europe-2011", "europe-2018"])
def battles(request: pytest.FixtureRequest) -> dict[str, object]:
    dep = deploy(theatre(request.param))
    return {
        a: fight(dep, arch=a, trials=TRIALS, seed=4).trials.columns()
        for a in ("national", "early-warning", "data-exchange", "sectoral", "joint")
    }


def test_early_warning_alone_changes_no_outcome(battles: dict) -> None:
    """Cues without fire-control data give the national outcome, trial for trial."""
    for key in ("killed", "reason", "interceptors"):
        np.testing.assert_array_equal(battles["early-warning"][key], battles["national"][key])


def test_cooperation_protects_at_least_as_well(battles: dict) -> None:
    """Data exchange and sectors are never worse than national defence, and joint is best."""
    hit = {a: c["asset_hit"].mean(axis=0) for a, c in battles.items()}
    for a in ("data-exchange", "sectoral", "joint"):
        assert np.all(hit[a] <= hit["national"] + TOL), a
    for a in ("national", "data-exchange", "sectoral"):
        assert np.all(hit["joint"] <= hit[a] + TOL), a


def test_joint_launches_no_later_and_spends_no_more(battles: dict) -> None:
    """The fused picture launches earlier (or equal) and spends no more interceptors per kill."""
    joint, dx = battles["joint"], battles["data-exchange"]
    both = np.isfinite(joint["first_launch_s"]) & np.isfinite(dx["first_launch_s"])
    if both.any():
        assert joint["first_launch_s"][both].mean() <= dx["first_launch_s"][both].mean() + 1.0
    kills_j, kills_d = joint["killed"].sum(), dx["killed"].sum()
    if kills_j and kills_d:
        assert joint["interceptors"].sum() / kills_j <= dx["interceptors"].sum() / kills_d + TOL
