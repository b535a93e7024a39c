"""A raid fought many times under one architecture."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jointshield.architectures.presets import Architecture
from jointshield.battle.context import BattleContext, Deployment, Rules, prepare
from jointshield.battle.trial import Trials, run_block
from jointshield.engagement.reasons import REASONS
from jointshield.errors import JointshieldError
from jointshield.montecarlo.blocks import run_blocks
from jointshield.theatre.model import Theatre

__all__ = ["Battle", "fight"]


@dataclass(frozen=True)
class Battle:
    """A raid fought many times under one architecture: per-trial outcomes and context."""

    context: BattleContext
    trials: Trials
    seed: int

    @property
    def n_trials(self) -> int:
        """Number of trials."""
        return self.trials.n_trials

    def leak_reasons(self) -> dict[str, int]:
        """How many leaks, over all trials, each reason explains."""
        leaked = ~self.trials.killed
        codes, counts = np.unique(self.trials.reason[leaked], return_counts=True)
        return {REASONS[int(c)]: int(k) for c, k in zip(codes, counts, strict=True)}


def fight(
    deployment: Deployment | Theatre,
    raid: str | None = None,
    *,
    arch: Architecture | str = "data-exchange",
    rules: Rules | None = None,
    trials: int = 1000,
    seed: int = 0,
    workers: int = 1,
) -> Battle:
    """Fight a raid ``trials`` times under an architecture (see :mod:`jointshield.montecarlo`).

    Parameters
    ----------
    deployment, raid, arch, rules
        As for :func:`~jointshield.battle.context.prepare`.
    trials : int
        Number of Monte Carlo trials.
    seed : int
        Seed of the run; the same seed gives the same battle on any number of workers.
    workers : int
        Local worker processes.

    Returns
    -------
    Battle
        Per-trial outcomes with the context that produced them.
    """
    if trials < 1:
        raise JointshieldError(f"trials must be at least 1, got {trials}")
    ctx = prepare(deployment, raid, arch=arch, rules=rules)
    columns = run_blocks(run_block, ctx, trials, seed, workers=workers, progress=False)
    return Battle(ctx, Trials.from_columns(columns), seed)
