"""A raid fought many times under one architecture."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jointshield.architectures.presets import Architecture
from jointshield.battle.context import BattleContext, Deployment, Rules
from jointshield.battle.samples import (
    SampledContext,
    deploy_samples,
    prepare_samples,
    run_sampled_block,
)
from jointshield.battle.trial import Trials
from jointshield.engagement.reasons import REASONS
from jointshield.errors import JointshieldError
from jointshield.montecarlo.blocks import run_blocks
from jointshield.theatre.model import Theatre

__all__ = ["Battle", "fight"]


@dataclass(frozen=True)
class Battle:
    """A raid fought many times under one architecture: per-trial outcomes and context.

    ``context`` is the first geometry sample's (the labels, assets and
    architecture of every sample); ``samples`` holds every sample's, and
    :func:`~jointshield.battle.samples.trial_samples` says which one each
    trial flew.
    """

    context: BattleContext
    trials: Trials
    seed: int
    samples: SampledContext | None = None

    @property
    def n_trials(self) -> int:
        """Number of trials."""
        return self.trials.n_trials

    @property
    def geometry_samples(self) -> int:
        """Number of geometry samples the trials were spread over."""
        return 1 if self.samples is None else len(self.samples)

    def leak_reasons(self) -> dict[str, int]:
        """How many leaks, over all trials, each reason explains."""
        leaked = ~self.trials.killed
        codes, counts = np.unique(self.trials.reason[leaked], return_counts=True)
        return {REASONS[int(c)]: int(k) for c, k in zip(codes, counts, strict=True)}


def fight(
    deployment: Deployment | Sequence[Deployment] | Theatre,
    raid: str | None = None,
    *,
    arch: Architecture | str = "data-exchange",
    rules: Rules | None = None,
    trials: int = 1000,
    seed: int = 0,
    workers: int = 1,
    geometry_samples: int = 1,
) -> Battle:
    """Fight a raid ``trials`` times under an architecture (see :mod:`jointshield.montecarlo`).

    Parameters
    ----------
    deployment : Deployment or sequence of Deployment or Theatre
        A deployment (:func:`~jointshield.battle.context.deploy`), one per
        geometry sample (:func:`~jointshield.battle.samples.deploy_samples`),
        or a theatre to deploy ``raid`` against.
    raid, arch, rules
        As for :func:`~jointshield.battle.context.prepare`.
    trials : int
        Number of Monte Carlo trials.
    seed : int
        Seed of the run (and of the geometry samples drawn from a theatre);
        the same seed gives the same battle on any number of workers.
    workers : int
        Local worker processes.
    geometry_samples : int
        With a theatre: how many geometry samples of the raid to draw and
        spread the trials over (:func:`~jointshield.flight.raid.sample_plans`);
        1, the default, flies the nominal geometry. With deployments it must
        be 1 or their number.

    Returns
    -------
    Battle
        Per-trial outcomes with the context that produced them.

    Raises
    ------
    JointshieldError
        If ``trials`` or ``geometry_samples`` is below 1, or
        ``geometry_samples`` does not match the deployments given.
    """
    if trials < 1:
        raise JointshieldError(f"trials must be at least 1, got {trials}")
    if isinstance(geometry_samples, bool) or geometry_samples < 1:
        raise JointshieldError(f"geometry_samples must be at least 1, got {geometry_samples}")
    if isinstance(deployment, Theatre):
        deps = deploy_samples(deployment, raid, geometry_samples, seed)
    else:
        deps = (deployment,) if isinstance(deployment, Deployment) else tuple(deployment)
        if geometry_samples not in (1, len(deps)):
            raise JointshieldError(
                f"geometry_samples: {geometry_samples} asked for, {len(deps)} deployments given"
            )
    sctx = prepare_samples(deps, arch=arch, rules=rules)
    columns = run_blocks(run_sampled_block, sctx, trials, seed, workers=workers, progress=False)
    return Battle(sctx.first, Trials.from_columns(columns), seed, sctx)
