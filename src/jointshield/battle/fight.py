"""A raid fought many times under one architecture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from jointshield.architectures.presets import Architecture
from jointshield.battle.context import BattleContext, Rules, prepare
from jointshield.battle.trial import run_block
from jointshield.engagement.reasons import REASONS
from jointshield.errors import JointshieldError
from jointshield.flight.raid import RaidGeometry
from jointshield.scenario import Scenario


@dataclass(frozen=True)
class Battle:
    """A raid fought many times under one architecture: per-trial columns and context."""

    context: BattleContext
    columns: dict[str, NDArray[Any]]
    seed: int

    @property
    def n_trials(self) -> int:
        """Number of trials."""
        return int(self.columns["leakers"].shape[0])

    def leak_reasons(self) -> dict[str, int]:
        """How many leaks, over all trials, each reason explains."""
        leaked = ~self.columns["killed"]
        codes, counts = np.unique(self.columns["reason"][leaked], return_counts=True)
        return {REASONS[int(c)]: int(k) for c, k in zip(codes, counts, strict=True)}


def fight(
    scenario: Scenario | str | None = None,
    raid: str | None = None,
    *,
    arch: Architecture | str = "data-exchange",
    rules: Rules | None = None,
    trials: int = 1000,
    seed: int = 0,
    geometry: RaidGeometry | None = None,
    workers: int = 1,
) -> Battle:
    """Fight a raid ``trials`` times under an architecture (see :mod:`jointshield.montecarlo`).

    Parameters
    ----------
    scenario, raid, arch, rules, geometry
        As for :func:`prepare`.
    trials : int
        Number of Monte Carlo trials.
    seed : int
        Seed of the run; the same seed gives the same battle on any number of workers.
    workers : int
        Local worker processes.

    Returns
    -------
    Battle
        Per-trial columns with the context that produced them.
    """
    from jointshield.montecarlo.blocks import run_blocks

    if trials < 1:
        raise JointshieldError(f"trials must be at least 1, got {trials}")
    ctx = prepare(scenario, raid, arch=arch, rules=rules, geometry=geometry)
    columns = run_blocks(run_block, ctx, trials, seed, workers=workers, progress=False)
    return Battle(ctx, columns, seed)
