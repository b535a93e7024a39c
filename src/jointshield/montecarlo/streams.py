"""Random streams: one generator for a block, or one seed sequence per trial.

Every random draw of the tool goes through :func:`per_trial`, which takes
either a :class:`numpy.random.Generator` (one stream for a whole block) or a
sequence of one :class:`numpy.random.SeedSequence` per trial. With seeds,
trial ``t`` draws from its own stream whatever the block it falls in, so the
results do not depend on how trials are cut into blocks or spread over
workers (house style: streams from ``SeedSequence(seed).spawn(n)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from jointshield.arrays import FloatArray
from jointshield.errors import JointshieldError

__all__ = ["RandomSource", "per_trial"]

RandomSource = np.random.Generator | Sequence[np.random.SeedSequence]
"""One generator for a block, or one seed sequence per trial."""


def per_trial(
    rng: RandomSource,
    shape: tuple[int, ...],
    draw: Callable[[np.random.Generator, tuple[int, ...]], ArrayLike],
) -> FloatArray:
    """Draw an array of ``shape`` from one generator, or trial by trial from one seed each.

    Parameters
    ----------
    rng : numpy.random.Generator or sequence of numpy.random.SeedSequence
        With seeds, one per trial: ``len(rng) == shape[0]``.
    shape : tuple of int
        Shape of the result; its first axis is the trial with seeds.
    draw : callable
        ``draw(generator, shape)`` returns an array of ``shape``.

    Returns
    -------
    ndarray of float

    Raises
    ------
    JointshieldError
        If ``rng`` is neither, or the number of seeds is not the number of trials.

    Examples
    --------
    >>> seeds = np.random.SeedSequence(7).spawn(3)
    >>> whole = per_trial(seeds, (3, 2), lambda g, s: g.random(s))
    >>> np.array_equal(whole[1:], per_trial(seeds[1:], (2, 2), lambda g, s: g.random(s)))
    True
    """
    if isinstance(rng, np.random.Generator):
        return np.asarray(draw(rng, shape), dtype=float)
    if isinstance(rng, np.random.SeedSequence) or not isinstance(rng, Sequence):
        raise JointshieldError(
            "rng: expected a numpy Generator or a sequence of one SeedSequence per trial, "
            f"got {type(rng).__name__}"
        )
    if not shape or len(rng) != shape[0]:
        lead = shape[0] if shape else "a leading trial axis"
        raise JointshieldError(f"rng: expected one SeedSequence per trial ({lead}), got {len(rng)}")
    out = np.empty(shape)
    for t, seed in enumerate(rng):
        if not isinstance(seed, np.random.SeedSequence):
            raise JointshieldError(
                f"rng[{t}]: expected a numpy SeedSequence, got {type(seed).__name__}"
            )
        out[t] = draw(np.random.Generator(np.random.PCG64(seed)), shape[1:])
    return out
