"""Random streams: one generator for a block, or one seed sequence per trial.

Every random draw of the tool goes through :func:`per_trial` or
:func:`uniform`, which take either a :class:`numpy.random.Generator` (one
stream for a whole block) or a sequence of one
:class:`numpy.random.SeedSequence` per trial. With seeds, trial ``t`` draws
from its own stream whatever the block it falls in, so the results do not
depend on how trials are cut into blocks or spread over workers (house
style: streams from ``SeedSequence(seed).spawn(n)``).

Compiled streams
----------------
Some draws are too many, or too small, for NumPy's per-call overhead: one
short stream per trial, or millions of looks of which a trial reads only the
first few. For these the module runs NumPy's own algorithms in compiled
kernels, bit for bit: the PCG64 generator (O'Neill 2014; the 128-bit LCG
with the XSL-RR output, NumPy's default bit generator), its jump ahead
(Brown 1994), the :class:`~numpy.random.SeedSequence` state generation
(NumPy's ``bit_generator.pyx``, after O'Neill's ``seed_seq_fe``) and NumPy's
53-bit conversion to a double in [0, 1). A kernel given a generator's state
draws the same numbers in the same order as the generator would, and leaves
the generator where it would have left it; the tests compare both with
NumPy on random states.

Sources
-------
* O'Neill 2014: M. E. O'Neill, "PCG: A family of simple fast space-efficient
  statistically good algorithms for random number generation", Harvey Mudd
  College, HMC-CS-2014-0905, 2014.
* Brown 1994: F. B. Brown, "Random number generation with arbitrary
  strides", *Trans. American Nuclear Society* 71, 1994, p. 202.
* NumPy: ``numpy/random/bit_generator.pyx`` (``SeedSequence``),
  ``numpy/random/src/pcg64/pcg64.h`` and ``distributions.c``
  (``next_double``), NumPy 1.17 and later (stream-compatible since).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.arrays import FloatArray
from jointshield.compiled import njit
from jointshield.errors import JointshieldError

__all__ = ["RandomSource", "TrialSeeds", "per_trial", "uniform"]

RandomSource = np.random.Generator | Sequence[np.random.SeedSequence]
"""One generator for a block, or one seed sequence per trial."""

_F = TypeVar("_F", bound=Callable[..., Any])

_MASK64: Final = (1 << 64) - 1
_MASK128: Final = (1 << 128) - 1
PCG64_MULTIPLIER: Final = (2549297995355413924 << 64) | 4865540595714422341
"""The multiplier of NumPy's PCG64 (``PCG_DEFAULT_MULTIPLIER_128``, O'Neill 2014)."""
_MULT_HI: Final = np.uint64(PCG64_MULTIPLIER >> 64)
_MULT_LO: Final = np.uint64(PCG64_MULTIPLIER & _MASK64)
# SeedSequence's hash constants (NumPy's bit_generator.pyx).
_INIT_A: Final = np.uint64(0x43B0D7E5)
_MULT_A: Final = np.uint64(0x931E8875)
_MIX_MULT_L: Final = np.uint64(0xCA01F9DD)
_MIX_MULT_R: Final = np.uint64(0x4973F715)
_INIT_B: Final = np.uint64(0x8B51F9DD)
_MULT_B: Final = np.uint64(0x58F38DED)
_XSHIFT: Final = np.uint64(16)
_WORD_SHIFT: Final = np.uint64(32)
_LOW32: Final = np.uint64(0xFFFFFFFF)
_DOUBLE_SHIFT: Final = np.uint64(11)
_ROT_SHIFT: Final = np.uint64(58)
_ROT_MASK: Final = np.uint64(63)
_SIXTY_FOUR: Final = np.uint64(64)
_ONE: Final = np.uint64(1)
_ZERO: Final = np.uint64(0)
_TO_UNIT: Final = 1.0 / 9007199254740992.0  # 2**-53


# --------------------------------------------------------------------------- PCG64 in kernels


@njit
def _mulhi64(a: np.uint64, b: np.uint64) -> np.uint64:
    """High 64 bits of the 128-bit product of two 64-bit words."""
    a0, a1 = a & _LOW32, a >> _WORD_SHIFT
    b0, b1 = b & _LOW32, b >> _WORD_SHIFT
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> _WORD_SHIFT) + (p01 & _LOW32) + (p10 & _LOW32)
    return p11 + (p01 >> _WORD_SHIFT) + (p10 >> _WORD_SHIFT) + (mid >> _WORD_SHIFT)


@njit
def lcg128(
    hi: np.uint64, lo: np.uint64, a_hi: np.uint64, a_lo: np.uint64, c_hi: np.uint64, c_lo: np.uint64
) -> tuple[np.uint64, np.uint64]:
    """``a·s + c`` modulo 2**128, each number as its (high, low) 64-bit words."""
    p_lo = lo * a_lo
    p_hi = _mulhi64(lo, a_lo) + lo * a_hi + hi * a_lo
    s_lo = p_lo + c_lo
    carry = _ONE if s_lo < p_lo else _ZERO
    return p_hi + c_hi + carry, s_lo


@njit
def pcg64_next(
    hi: np.uint64, lo: np.uint64, inc_hi: np.uint64, inc_lo: np.uint64
) -> tuple[np.uint64, np.uint64, np.uint64]:
    """Step a PCG64 state and return the new state and its 64-bit output (XSL-RR)."""
    hi, lo = lcg128(hi, lo, _MULT_HI, _MULT_LO, inc_hi, inc_lo)
    x = hi ^ lo
    rot = hi >> _ROT_SHIFT
    out = (x >> rot) | (x << ((_SIXTY_FOUR - rot) & _ROT_MASK))
    return hi, lo, out


@njit
def unit_double(x: np.uint64) -> float:
    """NumPy's double in [0, 1) from a 64-bit output: its top 53 bits times 2**-53."""
    return float(x >> _DOUBLE_SHIFT) * _TO_UNIT


def split128(x: int) -> tuple[np.uint64, np.uint64]:
    """Split a 128-bit number into its (high, low) 64-bit words."""
    return np.uint64(x >> 64), np.uint64(x & _MASK64)


def join128(hi: np.uint64, lo: np.uint64) -> int:
    """Join two 64-bit words (high, low) into a 128-bit number."""
    return (int(hi) << 64) | int(lo)


def pcg64_jump(delta: int, inc: int) -> tuple[int, int]:
    """Return the LCG of ``delta`` PCG64 steps at once: ``(a, c)``, ``s → a·s + c`` mod 2**128.

    Brown 1994's square-and-multiply, as NumPy's ``pcg_advance_lcg_128``.
    """
    acc_mult, acc_plus = 1, 0
    cur_mult, cur_plus = PCG64_MULTIPLIER, inc
    while delta > 0:
        if delta & 1:
            acc_mult = (acc_mult * cur_mult) & _MASK128
            acc_plus = (acc_plus * cur_mult + cur_plus) & _MASK128
        cur_plus = ((cur_mult + 1) * cur_plus) & _MASK128
        cur_mult = (cur_mult * cur_mult) & _MASK128
        delta >>= 1
    return acc_mult, acc_plus


def pcg64_state(rng: np.random.Generator) -> tuple[int, int]:
    """Return the ``(state, inc)`` of a generator's PCG64 bit generator.

    Raises
    ------
    JointshieldError
        If the generator runs another bit generator.
    """
    state = rng.bit_generator.state
    if state.get("bit_generator") != "PCG64":
        raise JointshieldError(
            f"rng: expected a generator on PCG64, got one on {state.get('bit_generator')}"
        )
    return int(state["state"]["state"]), int(state["state"]["inc"])


def set_pcg64_state(rng: np.random.Generator, value: int) -> None:
    """Move a generator's PCG64 bit generator to the LCG state ``value`` (same increment)."""
    state = rng.bit_generator.state
    state["state"]["state"] = value
    rng.bit_generator.state = state


# --------------------------------------------------------------------------- per-trial seeds


@njit
def _hashmix(value: np.uint64, hash_const: np.uint64) -> tuple[np.uint64, np.uint64]:
    """SeedSequence's ``hashmix`` of a 32-bit word; returns it and the advanced constant."""
    value = value ^ hash_const
    hash_const = (hash_const * _MULT_A) & _LOW32
    value = (value * hash_const) & _LOW32
    return value ^ (value >> _XSHIFT), hash_const


@njit
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:
    """SeedSequence's ``mix`` of two 32-bit words."""
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _LOW32
    return result ^ (result >> _XSHIFT)


@njit
def _child_pools(prefix: NDArray[np.uint32], first: int, pools: NDArray[np.uint32]) -> None:
    """Fill ``pools[t]`` with the entropy pool of child ``first + t`` of a SeedSequence.

    ``prefix`` is the parent's assembled entropy (its run entropy padded
    with zeros to the pool size, then its spawn key, as 32-bit words); a
    child appends its index. SeedSequence's ``mix_entropy``: hash the first
    words into the pool, mix every pool word into every other, then mix in
    the words beyond the pool. 32-bit arithmetic, in 64-bit words masked to
    their low half.
    """
    count, pool_size = pools.shape
    n_words = prefix.shape[0] + 1
    entropy = np.zeros(max(n_words, pool_size), dtype=np.uint64)
    for i in range(n_words - 1):
        entropy[i] = prefix[i]
    pool = np.empty(pool_size, dtype=np.uint64)
    for t in range(count):
        entropy[n_words - 1] = first + t
        hash_const = _INIT_A
        for i in range(pool_size):
            pool[i], hash_const = _hashmix(entropy[i], hash_const)
        for i_src in range(pool_size):
            for i_dst in range(pool_size):
                if i_src != i_dst:
                    value, hash_const = _hashmix(pool[i_src], hash_const)
                    pool[i_dst] = _mix(pool[i_dst], value)
        for i_src in range(pool_size, n_words):
            for i_dst in range(pool_size):
                value, hash_const = _hashmix(entropy[i_src], hash_const)
                pool[i_dst] = _mix(pool[i_dst], value)
        for i in range(pool_size):
            pools[t, i] = pool[i]


def _words(x: object) -> list[int]:
    """Return an integer, or a sequence of them, as 32-bit words, lowest first.

    SeedSequence's coercion of its entropy and spawn key.
    """
    if isinstance(x, int | np.integer):
        n = int(x)
        if n < 0:
            raise JointshieldError(f"seed entropy: expected integers >= 0, got {n}")
        words = [n & 0xFFFFFFFF]
        n >>= 32
        while n:
            words.append(n & 0xFFFFFFFF)
            n >>= 32
        return words
    if not isinstance(x, Sequence | np.ndarray):
        raise JointshieldError(f"seed entropy: expected integers, got {type(x).__name__}")
    return [w for v in x for w in _words(v)]


class TrialSeeds(Sequence[np.random.SeedSequence]):
    """One seed per trial: the ``count`` children that ``parent.spawn(count)`` would make next.

    The same seed sequences as the spawned ones (each item is built on
    demand, equal in entropy, spawn key and pool), without building them:
    :func:`uniform` mixes their pools in one compiled pass. Unlike
    :meth:`~numpy.random.SeedSequence.spawn`, it leaves the parent's count
    of children as it is, so a parent is to give one set of trial seeds.

    Parameters
    ----------
    parent : numpy.random.SeedSequence
    count : int
        Number of trials (>= 0).
    """

    def __init__(self, parent: np.random.SeedSequence, count: int, *, offset: int = 0) -> None:
        if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
            raise JointshieldError(f"count: expected an integer >= 0, got {count!r}")
        self.parent = parent
        self._first = int(parent.n_children_spawned) + offset
        self._count = int(count)
        if self._first + self._count > 2**32:
            raise JointshieldError("TrialSeeds: a SeedSequence has at most 2**32 children")

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            offset = self._first - int(self.parent.n_children_spawned) + start
            return TrialSeeds(self.parent, max(stop - start, 0), offset=offset)
        i = int(index)
        if not -self._count <= i < self._count:
            raise IndexError(f"trial seed {index} of {self._count}")
        i %= max(self._count, 1)
        parent = self.parent
        return np.random.SeedSequence(
            parent.entropy,
            spawn_key=(*parent.spawn_key, self._first + i),
            pool_size=parent.pool_size,
        )

    def pools(self) -> NDArray[np.uint32]:
        """Return the entropy pool of every trial's seed, (count, pool size) 32-bit words."""
        parent = self.parent
        run = _words(parent.entropy)
        run += [0] * max(parent.pool_size - len(run), 0)
        prefix = np.array(run + _words(parent.spawn_key), dtype=np.uint32)
        out = np.empty((self._count, parent.pool_size), dtype=np.uint32)
        _child_pools(prefix, self._first, out)
        return out


@njit
def _seeded_uniforms(
    pools: NDArray[np.uint32], pool_sizes: NDArray[np.intp], out: NDArray[np.float64]
) -> None:
    """Fill ``out[t]`` from ``Generator(PCG64(seed_t))`` given each seed's entropy pool.

    SeedSequence's ``generate_state(4, uint64)`` from the pool (its first
    ``pool_sizes[t]`` words), PCG64's seeding from the four words
    (``pcg64_set_seed``: state from the first two, stream from the last two),
    then one double per element.
    """
    n_trials, size = out.shape
    words = np.empty(8, dtype=np.uint64)
    for t in range(n_trials):
        # 32-bit arithmetic, in 64-bit words masked to their low half.
        hash_const = _INIT_B
        for i in range(8):
            value = np.uint64(pools[t, i % pool_sizes[t]]) ^ hash_const
            hash_const = (hash_const * _MULT_B) & _LOW32
            value = (value * hash_const) & _LOW32
            words[i] = value ^ (value >> _XSHIFT)
        seed_hi, seed_lo = (
            words[0] | (words[1] << _WORD_SHIFT),
            words[2] | (words[3] << _WORD_SHIFT),
        )
        init_hi, init_lo = (
            words[4] | (words[5] << _WORD_SHIFT),
            words[6] | (words[7] << _WORD_SHIFT),
        )
        inc_hi = (init_hi << _ONE) | (init_lo >> np.uint64(63))
        inc_lo = (init_lo << _ONE) | _ONE
        hi, lo, _ = pcg64_next(_ZERO, _ZERO, inc_hi, inc_lo)
        hi, lo = lcg128(hi, lo, _ZERO, _ONE, seed_hi, seed_lo)
        hi, lo, _ = pcg64_next(hi, lo, inc_hi, inc_lo)
        for k in range(size):
            hi, lo, x = pcg64_next(hi, lo, inc_hi, inc_lo)
            out[t, k] = unit_double(x)


def _check_seeds(rng: object, shape: tuple[int, ...]) -> Sequence[np.random.SeedSequence]:
    """Return ``rng`` as one SeedSequence per trial of ``shape``, or say what is wrong."""
    if isinstance(rng, np.random.SeedSequence) or not isinstance(rng, Sequence):
        raise JointshieldError(
            "rng: expected a numpy Generator or a sequence of one SeedSequence per trial, "
            f"got {type(rng).__name__}"
        )
    if not shape or len(rng) != shape[0]:
        lead = shape[0] if shape else "a leading trial axis"
        raise JointshieldError(f"rng: expected one SeedSequence per trial ({lead}), got {len(rng)}")
    if isinstance(rng, TrialSeeds):
        return rng
    for t, seed in enumerate(rng):
        if not isinstance(seed, np.random.SeedSequence):
            raise JointshieldError(
                f"rng[{t}]: expected a numpy SeedSequence, got {type(seed).__name__}"
            )
    return rng


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
    >>> whole = per_trial(seeds, (3, 2), lambda g, s: g.standard_normal(s))
    >>> np.array_equal(whole[1:], per_trial(seeds[1:], (2, 2), lambda g, s: g.standard_normal(s)))
    True
    """
    if isinstance(rng, np.random.Generator):
        return np.asarray(draw(rng, shape), dtype=float)
    seeds = _check_seeds(rng, shape)
    out = np.empty(shape)
    for t, seed in enumerate(seeds):
        out[t] = draw(np.random.Generator(np.random.PCG64(seed)), shape[1:])
    return out


def uniform(rng: RandomSource, shape: tuple[int, ...]) -> FloatArray:
    """Uniform draws in [0, 1), exactly ``per_trial(rng, shape, lambda g, s: g.random(s))``.

    With seeds, each trial's stream is drawn in a compiled kernel
    (:func:`_seeded_uniforms`) from the seed's entropy pool: the same
    numbers as ``Generator(PCG64(seed)).random``, without building a
    generator per trial.

    Parameters
    ----------
    rng : numpy.random.Generator or sequence of numpy.random.SeedSequence
        With seeds, one per trial: ``len(rng) == shape[0]``.
    shape : tuple of int
        Shape of the result; its first axis is the trial with seeds.

    Returns
    -------
    ndarray of float

    Raises
    ------
    JointshieldError
        As :func:`per_trial`.

    Examples
    --------
    >>> seeds = np.random.SeedSequence(7).spawn(3)
    >>> u = uniform(seeds, (3, 2))
    >>> bool(u[2, 1] == np.random.Generator(np.random.PCG64(seeds[2])).random(2)[1])
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng.random(shape)
    seeds = _check_seeds(rng, shape)
    if isinstance(seeds, TrialSeeds):
        pools = seeds.pools()
        sizes = np.full(len(seeds), pools.shape[1], dtype=np.intp)
    else:
        sizes = np.array([seed.pool_size for seed in seeds], dtype=np.intp)
        pools = np.zeros((len(seeds), int(sizes.max(initial=0))), dtype=np.uint32)
        for t, seed in enumerate(seeds):
            pools[t, : sizes[t]] = seed.pool
    out = np.empty((shape[0], int(np.prod(shape[1:], dtype=np.int64))))
    _seeded_uniforms(pools, sizes, out)
    return out.reshape(shape)
