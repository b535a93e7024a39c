"""A battle over several geometry samples of its raid: the trials spread over them.

A raid's threats launch somewhere in their launch areas and near their
nominal times (:func:`~jointshield.flight.raid.sample_plans`). Each geometry
sample is deployed once (:func:`deploy_samples`) and prepared once per
architecture; a :class:`SampledContext` holds one
prepared context per sample, and :func:`run_sampled_block` simulates a block
of trials over them, each trial on one sample. With one sample it is
:func:`~jointshield.battle.trial.run_block` itself, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from jointshield.architectures.presets import Architecture
from jointshield.battle.context import BattleContext, Deployment, Rules, deploy, prepare
from jointshield.battle.trial import run_block
from jointshield.errors import JointshieldError
from jointshield.flight.raid import RaidPlan, sample_plans
from jointshield.montecarlo.blocks import block_plan
from jointshield.theatre.model import Theatre

__all__ = [
    "SampledContext",
    "deploy_samples",
    "prepare_samples",
    "run_sampled_block",
    "sample_of_trials",
    "trial_samples",
]


def deploy_samples(
    theatre: Theatre, raid: str | None = None, k: int = 1, seed: int = 0
) -> tuple[Deployment, ...]:
    """Deploy ``k`` geometry samples of a raid, each once for every architecture and trial.

    Parameters
    ----------
    theatre : Theatre
        The compiled scenario.
    raid : str, optional
        The raid; by default the theatre's default raid.
    k : int
        Number of geometry samples (:func:`~jointshield.flight.raid.sample_plans`),
        at least 1.
    seed : int
        Non-negative seed of the samples (a study passes its own seed).

    Returns
    -------
    tuple of Deployment
        With ``k = 1`` the nominal deployment, ``(deploy(theatre, raid),)``:
        every threat from its launch area's centre at its nominal time. With
        more, one deployment per sampled plan, in the samples' order.

    Notes
    -----
    The ``k`` sampled plans are aimed and flown together as one batch
    (:func:`~jointshield.flight.raid.fly_raid` aims a batch of threats in
    little more time than one threat), then cut back into one geometry per
    sample (:meth:`~jointshield.flight.raid.RaidGeometry.split`) and
    deployed on it (:func:`~jointshield.battle.context.deploy` with
    ``geometry=``): every radar's view, the intercept windows and the
    sectors are computed once per sample.
    """
    theatre.require_batteries()  # before any flying
    plans = sample_plans(theatre.raid(raid), k, seed)
    if len(plans) == 1:
        return (deploy(theatre, raid),)
    joined = RaidPlan(plans[0].name, tuple(th for plan in plans for th in plan.threats))
    flown = theatre.fly(joined).split(len(plans))
    return tuple(deploy(theatre, raid, geometry=geo) for geo in flown)


@dataclass(frozen=True)
class SampledContext:
    """One prepared battle per geometry sample of its raid (picklable).

    Parameters
    ----------
    contexts : tuple of BattleContext
        One per sample, in the samples' order: the same raid (threats and
        warheads), batteries, assets and architecture, flown from different
        launch points and times.

    Raises
    ------
    JointshieldError
        If there is no context, or the contexts' per-trial shapes or
        architectures differ.
    """

    contexts: tuple[BattleContext, ...]

    def __post_init__(self) -> None:
        if not self.contexts:
            raise JointshieldError("a sampled battle needs at least one geometry sample")
        first = self.contexts[0]

        def shape(ctx: BattleContext) -> tuple[object, ...]:
            dep = ctx.deployment
            return (
                dep.geometry.threat_id,
                tuple(dep.warhead_threat.tolist()),
                tuple(b.name for b in dep.batteries),
                dep.assets,
                ctx.architecture,
            )

        if any(shape(ctx) != shape(first) for ctx in self.contexts[1:]):
            raise JointshieldError(
                "geometry samples must share the raid's threats, the batteries, the assets "
                "and the architecture"
            )

    def __len__(self) -> int:
        return len(self.contexts)

    @property
    def first(self) -> BattleContext:
        """The first sample's context: the labels, assets and architecture of all."""
        return self.contexts[0]

    @property
    def architecture(self) -> Architecture:
        """The architecture in force."""
        return self.first.architecture


def prepare_samples(
    deployments: Sequence[Deployment],
    *,
    arch: Architecture | str = "data-exchange",
    rules: Rules | None = None,
) -> SampledContext:
    """Prepare every geometry sample's deployment under one architecture.

    Parameters
    ----------
    deployments : sequence of Deployment
        One per sample (:func:`deploy_samples`).
    arch, rules
        As for :func:`~jointshield.battle.context.prepare`.

    Returns
    -------
    SampledContext
        The picklable context of :func:`run_sampled_block`.
    """
    return SampledContext(tuple(prepare(dep, arch=arch, rules=rules) for dep in deployments))


def sample_of_trials(k: int, seed: np.random.SeedSequence, n_trials: int) -> NDArray[np.intp]:
    """Which geometry sample each trial of a block flies, shape ``(n_trials,)``.

    Balanced: every sample gets ``n_trials // k`` or one more trials of the
    block. The extra trials go to ``k`` consecutive samples from a random
    start, and the labels are then shuffled, both drawn from the stream of
    the first of ``k + 1`` children that :func:`run_sampled_block` spawns
    from the block's seed sequence (``seed.spawn(k + 1)[0]``); call it on a
    fresh seed sequence to get the same labels.
    """
    rng = np.random.default_rng(seed)
    start = int(rng.integers(k))
    labels: NDArray[np.intp] = rng.permutation((np.arange(n_trials) + start) % k).astype(np.intp)
    return labels


def trial_samples(k: int, trials: int, seed: int) -> NDArray[np.intp]:
    """Which geometry sample each trial of a run of ``k`` samples flew, shape ``(trials,)``.

    The assignment :func:`run_sampled_block` makes, block by block
    (:func:`~jointshield.montecarlo.blocks.block_plan`); all zeros for one
    sample.
    """
    if k == 1:
        return np.zeros(trials, dtype=np.intp)
    plan = block_plan(trials, seed)
    return np.concatenate([sample_of_trials(k, block.spawn(k + 1)[0], n) for _, block, n in plan])


def run_sampled_block(
    sctx: SampledContext, seed: np.random.SeedSequence, n_trials: int
) -> dict[str, NDArray[Any]]:
    """Simulate ``n_trials`` trials of a battle spread over its geometry samples.

    A block function of :func:`~jointshield.montecarlo.blocks.run_blocks`.

    Parameters
    ----------
    sctx : SampledContext
        One prepared context per geometry sample.
    seed : numpy.random.SeedSequence
        The block's seed sequence.
    n_trials : int
        Trials in the block.

    Returns
    -------
    dict of str to ndarray
        The per-trial columns of :class:`~jointshield.battle.trial.Trials`,
        in trial order.

    Notes
    -----
    With one sample this is ``run_block(sctx.contexts[0], seed, n_trials)``:
    the same numbers as a battle of the nominal geometry. With ``k``
    samples, ``seed.spawn(k + 1)`` gives one stream to assign the trials to
    samples (:func:`sample_of_trials`) and one per sample; each sample's
    trials are simulated by :func:`~jointshield.battle.trial.run_block` on
    its own stream, and every column is put back in trial order. The
    result depends only on the block's seed sequence, so it is the same on
    any number of workers.
    """
    k = len(sctx)
    if k == 1:
        return run_block(sctx.contexts[0], seed, n_trials)
    assign_seed, *sample_seeds = seed.spawn(k + 1)
    sample = sample_of_trials(k, assign_seed, n_trials)
    out: dict[str, NDArray[Any]] = {}
    for s, (ctx, sample_seed) in enumerate(zip(sctx.contexts, sample_seeds, strict=True)):
        rows = np.flatnonzero(sample == s)
        if rows.size == 0:
            continue
        for name, column in run_block(ctx, sample_seed, int(rows.size)).items():
            if name not in out:
                out[name] = np.empty((n_trials, *column.shape[1:]), dtype=column.dtype)
            out[name][rows] = column
    return out
