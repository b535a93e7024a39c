"""Monte Carlo machinery: reproducible blocks of trials, intervals, result files, sweeps.

Model
-----
This module knows nothing about missiles. A caller supplies a picklable
*context* (the deterministic geometry of a scenario, computed once) and a
module-level *block function*::

    fn(context, seed_sequence: numpy.random.SeedSequence, n_trials: int) -> dict[str, ndarray]

that simulates ``n_trials`` trials from its own random stream and returns
per-trial columns: arrays whose first axis has length ``n_trials`` (1-D, or
2-D for per-threat or per-asset values). :func:`run_blocks` runs the blocks in
process, on a local process pool or on a Dask cluster, and concatenates the
columns in block order.

**Reproducibility.** The trials are cut into blocks of :data:`BLOCK_TRIALS`
trials (the last block may be short). Block ``i`` always simulates trials
``i·BLOCK_TRIALS`` to ``min((i + 1)·BLOCK_TRIALS, trials) − 1`` from the
``i``-th child of ``SeedSequence(seed).spawn(...)``; a spawned child depends
only on the seed and its index (O'Neill 2015, PCG report; NumPy's
``SeedSequence`` documentation), never on how many blocks there are or which
worker runs it. Results are placed by block index, not by completion order, so
the same ``(fn, context, trials, seed)`` gives byte-identical arrays on one
worker, a process pool or a Dask cluster. The first ``k·BLOCK_TRIALS`` trials
of a longer run are the same as those of a shorter run with the same seed.

**Intervals.** Probabilities get the Wilson score interval (Wilson 1927,
*J. Amer. Statist. Assoc.* 22(158), 209–212; recommended by Brown, Cai &
DasGupta 2001, *Statist. Sci.* 16(2), 101–133, for its coverage near 0 and
1); means get a Student-*t* interval on the sample standard error.

**Files.** Per-trial tables go to Parquet, summaries to JSON, both written
atomically (a temporary file in the same folder, then :func:`os.replace`), so
an interrupted run leaves either the previous file or the new one, never a
truncated one. :func:`run_sweep` checkpoints a parameter sweep point by point
and resumes where it stopped.

Parquet layout
--------------
One row per trial. A 1-D column is stored as is. A column with more axes,
shape ``(trials, a, b, ...)``, is stored as one nested fixed-size list column
(``fixed_size_list<fixed_size_list<...>[b]>[a]``), so a per-threat column
stays one named column that Arrow, pandas and polars read as such, and its
shape is part of the schema. Each field carries its NumPy dtype in the field
metadata key ``numpy_dtype`` so that :func:`read_parquet` restores it exactly
(e.g. fixed-width strings). File-level key-value metadata holds what the
caller gives (scenario hash, seed, version, architecture, parameters as JSON).
Compression is zstd.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import importlib
import itertools
import json
import math
import os
import re
import secrets
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from jointshield.errors import JointshieldError

if TYPE_CHECKING:
    from rich.progress import Progress

__all__ = [
    "BLOCK_TRIALS",
    "BlockFunction",
    "Estimate",
    "SweepPoint",
    "block_plan",
    "grid_points",
    "mean_interval",
    "parse_grid",
    "read_parquet",
    "run_blocks",
    "run_sweep",
    "wilson_interval",
    "write_json_atomic",
    "write_parquet",
]

BLOCK_TRIALS = 500
#: How long to try to reach a Dask scheduler before giving up, s.
DASK_CONNECT_TIMEOUT_S = 5
"""Trials per block. Fixed, so that block ``i`` always holds the same trials."""

Columns = dict[str, NDArray[Any]]
"""Per-trial columns: name to array whose first axis runs over trials."""

BlockFunction = Callable[[Any, np.random.SeedSequence, int], Mapping[str, ArrayLike]]
"""``fn(context, seed_sequence, n_trials)`` returning per-trial columns."""

ProgressArg = bool | Callable[[int, int], object]
"""``True`` (a bar on a terminal), ``False`` (silent), or ``callback(done, total)``."""


# --------------------------------------------------------------------------- #
# Blocks
# --------------------------------------------------------------------------- #


def _count(value: object, name: str, minimum: int) -> int:
    """Return ``value`` as an int of at least ``minimum``, or say what was wrong."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise JointshieldError(f"{name}: expected an integer, got {value!r}")
    if value < minimum:
        raise JointshieldError(f"{name}: expected an integer of at least {minimum}, got {value}")
    return int(value)


def block_plan(trials: int, seed: int) -> list[tuple[int, np.random.SeedSequence, int]]:
    """Cut ``trials`` trials into blocks, each with its own random stream.

    Parameters
    ----------
    trials : int
        Number of trials, at least 1.
    seed : int
        Non-negative seed of the run.

    Returns
    -------
    list of (int, numpy.random.SeedSequence, int)
        ``(block index, seed sequence, trials in the block)`` in block order.
        The seed sequences are ``SeedSequence(seed).spawn(n_blocks)``; every
        block has :data:`BLOCK_TRIALS` trials except perhaps the last.

    Examples
    --------
    >>> [(i, n) for i, _, n in block_plan(1234, seed=7)]
    [(0, 500), (1, 500), (2, 234)]
    """
    trials = _count(trials, "trials", 1)
    seed = _count(seed, "seed", 0)
    n_blocks = -(-trials // BLOCK_TRIALS)
    children = np.random.SeedSequence(seed).spawn(n_blocks)
    return [
        (i, child, min(BLOCK_TRIALS, trials - i * BLOCK_TRIALS)) for i, child in enumerate(children)
    ]


def _check_block(result: object, index: int, n_trials: int) -> Columns:
    """Return a block's columns as arrays, or say how the block function erred."""
    if not isinstance(result, Mapping):
        raise JointshieldError(
            f"block {index}: the block function must return a dict of per-trial arrays, "
            f"got {type(result).__name__}"
        )
    columns: Columns = {}
    for name, column in result.items():
        array = np.asarray(column)
        if array.ndim == 0 or array.shape[0] != n_trials:
            raise JointshieldError(
                f"block {index} column {name!r}: expected an array whose first axis is the "
                f"block's {n_trials} trials, got shape {array.shape}"
            )
        columns[str(name)] = array
    return columns


def _concatenate(blocks: Sequence[Columns]) -> Columns:
    """Concatenate the blocks' columns in block order."""
    names = list(blocks[0])
    for index, block in enumerate(blocks):
        if list(block) != names:
            missing = sorted(set(names) - set(block))
            extra = sorted(set(block) - set(names))
            raise JointshieldError(
                f"block {index}: expected the columns of block 0 {names}, "
                f"got {list(block)} (missing {missing}, extra {extra})"
            )
    out: Columns = {}
    for name in names:
        try:
            out[name] = np.concatenate([block[name] for block in blocks], axis=0)
        except ValueError as exc:
            shapes = sorted({block[name].shape[1:] for block in blocks})
            raise JointshieldError(
                f"column {name!r}: expected the same per-trial shape in every block, got {shapes}"
            ) from exc
    return out


# The bar of an enclosing sweep, so that the blocks of each point show as a
# second line of it: rich allows one live display at a time.
_ACTIVE_PROGRESS: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "jointshield_active_progress", default=None
)


def _stderr_is_terminal() -> bool:
    stream = sys.stderr
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


@contextlib.contextmanager
def _progress(progress: ProgressArg, total: int, description: str) -> Iterator[Callable[[], None]]:
    """Yield a function to call once per finished item, reporting as ``progress`` asks."""
    if callable(progress):
        callback = progress
        done = 0

        def step() -> None:
            nonlocal done
            done += 1
            callback(done, total)

        callback(0, total)
        yield step
        return
    if not progress or not _stderr_is_terminal():
        yield lambda: None
        return
    # rich is imported here so that importing this module stays cheap.
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    outer = _ACTIVE_PROGRESS.get()
    if outer is not None:
        task = outer.add_task(description, total=total)
        try:
            yield lambda: outer.advance(task)
        finally:
            outer.remove_task(task)
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        token = _ACTIVE_PROGRESS.set(bar)
        task = bar.add_task(description, total=total)
        try:
            yield lambda: bar.advance(task)
        finally:
            _ACTIVE_PROGRESS.reset(token)


# State of a pool worker process, set once by the initializer so that the
# context is pickled once per worker rather than once per block.
_WORKER_STATE: tuple[BlockFunction, Any] | None = None


def _init_worker(fn: BlockFunction, context: Any) -> None:
    global _WORKER_STATE
    _WORKER_STATE = (fn, context)
    # Ctrl-C reaches the whole process group; the parent decides what stops,
    # so a worker finishes its current block quietly instead of printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_worker_block(seed_sequence: np.random.SeedSequence, n_trials: int) -> object:
    if _WORKER_STATE is None:  # pragma: no cover - only if the initializer did not run
        raise RuntimeError("pool worker started without its context")
    fn, context = _WORKER_STATE
    return fn(context, seed_sequence, n_trials)


def _run_in_process(
    fn: BlockFunction,
    context: Any,
    plan: list[tuple[int, np.random.SeedSequence, int]],
    progress: ProgressArg,
) -> list[Columns]:
    blocks: list[Columns] = []
    with _progress(progress, len(plan), f"blocks of {BLOCK_TRIALS} trials") as step:
        for index, seed_sequence, n_trials in plan:
            blocks.append(_check_block(fn(context, seed_sequence, n_trials), index, n_trials))
            step()
    return blocks


def _run_on_pool(
    fn: BlockFunction,
    context: Any,
    plan: list[tuple[int, np.random.SeedSequence, int]],
    workers: int,
    progress: ProgressArg,
) -> list[Columns]:
    results: dict[int, Columns] = {}
    executor = ProcessPoolExecutor(
        max_workers=min(workers, len(plan)), initializer=_init_worker, initargs=(fn, context)
    )
    try:
        # Submit everything before the progress bar starts its refresh thread:
        # with the "fork" start method the workers are forked during submit.
        futures = {
            executor.submit(_run_worker_block, seed_sequence, n_trials): (index, n_trials)
            for index, seed_sequence, n_trials in plan
        }
        with _progress(progress, len(plan), f"blocks of {BLOCK_TRIALS} trials") as step:
            for future in as_completed(futures):
                index, n_trials = futures[future]
                results[index] = _check_block(future.result(), index, n_trials)
                step()
    except BrokenProcessPool as exc:
        executor.shutdown(wait=True, cancel_futures=True)
        raise JointshieldError(
            f"a worker process died before finishing its block ({exc}); "
            "out of memory, or a context or block function that cannot be pickled?"
        ) from exc
    except BaseException:
        # KeyboardInterrupt or a failing block: drop the blocks not started,
        # let the running ones finish, and leave no process behind.
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    return [results[index] for index, _, _ in plan]


def _scheduler_address(dask_address: str) -> str:
    if dask_address != "env":
        return dask_address
    address = os.environ.get("DASK_SCHEDULER_ADDRESS", "").strip()
    if not address:
        raise JointshieldError(
            "expected the Dask scheduler address in the environment variable "
            "DASK_SCHEDULER_ADDRESS (e.g. tcp://10.0.0.5:8786), but it is not set"
        )
    return address


def _connect(address: str) -> Any:
    """Open a client of the Dask scheduler at ``address``, or say clearly why not."""
    try:
        # Typed as Any: distributed's API is only partly annotated.
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:
        raise JointshieldError(
            "running on a Dask cluster needs the 'distributed' package "
            "(pip install 'dask[distributed]')"
        ) from exc
    try:
        # Give up quickly on an unreachable scheduler (Dask's own default waits 30 s),
        # or sooner if the user's Dask configuration says so.
        dask: Any = importlib.import_module("dask")
        configured = dask.utils.parse_timedelta(
            dask.config.get("distributed.comm.timeouts.connect", DASK_CONNECT_TIMEOUT_S)
        )
        timeout = min(float(configured), float(DASK_CONNECT_TIMEOUT_S))
        # set_as_default=False: a library must not replace the user's default client.
        return distributed.Client(address, set_as_default=False, timeout=timeout)
    except Exception as exc:  # OSError (timeout), ValueError (bad address), and others
        raise JointshieldError(
            f"cannot reach the Dask scheduler at {address!r}: {exc or type(exc).__name__}"
        ) from exc


def check_dask(dask_address: str) -> None:
    """Make sure a Dask scheduler answers before any work starts (see :func:`run_blocks`)."""
    _connect(_scheduler_address(dask_address)).close()


def _run_on_dask(
    fn: BlockFunction,
    context: Any,
    plan: list[tuple[int, np.random.SeedSequence, int]],
    dask_address: str,
    progress: ProgressArg,
) -> list[Columns]:
    address = _scheduler_address(dask_address)
    client = _connect(address)
    futures: list[Any] = []
    results: dict[int, Columns] = {}
    try:
        # Wrapped in a list: scatter would spread a dict or list context
        # element by element instead of sending it as one object.
        # hash=False: no need to tokenize a large context to name it.
        [context_future] = client.scatter([context], broadcast=True, hash=False)
        futures = [
            client.submit(fn, context_future, seed_sequence, n_trials, pure=False)
            for _, seed_sequence, n_trials in plan
        ]
        where = {
            future.key: (index, n_trials)
            for future, (index, _, n_trials) in zip(futures, plan, strict=True)
        }
        with _progress(progress, len(plan), f"blocks of {BLOCK_TRIALS} trials") as step:
            distributed: Any = importlib.import_module("distributed")
            for future in distributed.as_completed(futures, loop=client.loop):
                index, n_trials = where[future.key]
                results[index] = _check_block(future.result(), index, n_trials)
                step()
    except BaseException:
        if futures:
            client.cancel(futures)
        raise
    finally:
        client.close()
    return [results[index] for index, _, _ in plan]


def run_blocks(
    fn: BlockFunction,
    context: Any,
    trials: int,
    seed: int,
    *,
    workers: int = 1,
    dask_address: str | None = None,
    progress: ProgressArg = True,
) -> Columns:
    """Run ``trials`` trials of ``fn`` in blocks and concatenate their columns.

    Parameters
    ----------
    fn : callable
        Module-level (picklable) ``fn(context, seed_sequence, n_trials)``
        returning a dict of arrays whose first axis has length ``n_trials``;
        every block must return the same columns with the same per-trial
        shapes.
    context : object
        Picklable data shared by all blocks (deterministic geometry); sent once
        per worker process, or scattered once to a Dask cluster.
    trials : int
        Number of trials, at least 1.
    seed : int
        Non-negative seed; see :func:`block_plan`.
    workers : int, optional
        1 runs the blocks in this process; more runs them on a
        :class:`~concurrent.futures.ProcessPoolExecutor` of that many
        processes (at most one per block), using the platform's default start
        method. Ignored when ``dask_address`` is given.
    dask_address : str, optional
        Address of a Dask scheduler (``tcp://host:8786``), or ``"env"`` to take
        it from the environment variable ``DASK_SCHEDULER_ADDRESS``. Needs the
        ``distributed`` package. The connection gives up after the Dask setting
        ``distributed.comm.timeouts.connect`` (default 30 s).
    progress : bool or callable, optional
        ``True``: a progress bar over blocks on standard error when it is a
        terminal, nothing otherwise. ``False``: nothing. A callable is called
        as ``progress(done, total)`` (in blocks) once with ``done = 0`` and
        after every block.

    Returns
    -------
    dict of str to numpy.ndarray
        Each column of all ``trials`` trials, in trial order. The arrays are
        byte-identical whatever ``workers`` or ``dask_address``.

    Raises
    ------
    JointshieldError
        On bad arguments, a block function that returns the wrong shapes, a
        worker process that died, a missing ``distributed`` package or an
        unreachable scheduler.
    KeyboardInterrupt
        Re-raised after the blocks not yet started are cancelled and the pool
        or cluster connection is shut down.

    Examples
    --------
    >>> out = run_blocks(_example_block, 0.3, trials=1200, seed=1, progress=False)
    >>> out["hit"].shape, out["hit"].dtype
    ((1200,), dtype('bool'))
    """
    plan = block_plan(trials, seed)
    workers = _count(workers, "workers", 1)
    if dask_address is not None:
        blocks = _run_on_dask(fn, context, plan, dask_address, progress)
    elif workers > 1 and len(plan) > 1:
        blocks = _run_on_pool(fn, context, plan, workers, progress)
    else:
        blocks = _run_in_process(fn, context, plan, progress)
    return _concatenate(blocks)


def _example_block(
    context: float, seed_sequence: np.random.SeedSequence, n_trials: int
) -> dict[str, NDArray[np.bool_]]:
    """Draw ``n_trials`` Bernoulli trials of probability ``context`` (for the example)."""
    return {"hit": np.random.default_rng(seed_sequence).random(n_trials) < context}


# --------------------------------------------------------------------------- #
# Intervals
# --------------------------------------------------------------------------- #


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise JointshieldError(f"confidence: expected a number between 0 and 1, got {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Wilson score interval for a binomial proportion.

    With :math:`\hat p = x/n` and :math:`z` the :math:`(1 + c)/2` normal
    quantile, the interval is (Wilson 1927, *J. Amer. Statist. Assoc.*
    22(158), 209–212, eq. on p. 210; Brown, Cai & DasGupta 2001, eq. 4)

    .. math::

        \frac{x + z^2/2}{n + z^2} \pm \frac{z}{n + z^2}
        \sqrt{\frac{x (n - x)}{n} + \frac{z^2}{4}}.

    Parameters
    ----------
    successes : array_like
        Successes :math:`x`, with :math:`0 \le x \le n`.
    n : array_like
        Trials; broadcast against ``successes``. ``n = 0`` gives ``(0, 1)``:
        no trial, no information.
    confidence : float, optional
        Two-sided confidence level, default 0.95.

    Returns
    -------
    lo, hi : numpy.ndarray
        Bounds of the interval, within [0, 1]; exactly 0 when ``x = 0`` and
        exactly 1 when ``x = n``.

    Examples
    --------
    >>> lo, hi = wilson_interval(5, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2366, 0.7634)
    """
    z = _z(confidence)
    x, m = np.broadcast_arrays(
        np.asarray(successes, dtype=np.float64), np.asarray(n, dtype=np.float64)
    )
    if np.any(m < 0) or np.any(x < 0) or np.any(x > m):
        raise JointshieldError(
            "wilson_interval: expected 0 <= successes <= n, "
            f"got successes={np.asarray(successes).tolist()}, n={np.asarray(n).tolist()}"
        )
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (x + z2 / 2.0) / (m + z2)
        half = z / (m + z2) * np.sqrt(x * (m - x) / m + z2 / 4.0)
        lo = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        hi = np.where(x == m, 1.0, np.clip(centre + half, 0.0, 1.0))
    empty = m == 0
    lo = np.where(empty, 0.0, lo)
    hi = np.where(empty, 1.0, hi)
    return lo.astype(np.float64), hi.astype(np.float64)


def mean_interval(
    x: ArrayLike, confidence: float = 0.95, axis: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    r"""Mean of samples with a confidence interval from the sample standard error.

    The interval is :math:`\bar x \pm t_{n-1} s / \sqrt n`, with :math:`s` the
    sample standard deviation (``ddof = 1``) and :math:`t_{n-1}` the
    :math:`(1 + c)/2` quantile of Student's *t* with :math:`n - 1` degrees of
    freedom. It is exact for normal samples and, by the central limit theorem,
    approximate for others; for the thousands of trials of a Monte Carlo run
    :math:`t_{n-1}` is the normal quantile to three digits.

    Parameters
    ----------
    x : array_like
        Samples, ``n`` of them along ``axis``.
    confidence : float, optional
        Two-sided confidence level, default 0.95.
    axis : int, optional
        Axis of the samples, default 0 (trials).

    Returns
    -------
    mean, lo, hi : numpy.ndarray
        Arrays of the shape of ``x`` without ``axis``. With fewer than two
        samples the spread is unknown and ``lo`` and ``hi`` are NaN.

    Examples
    --------
    >>> m, lo, hi = mean_interval([1.0, 2.0, 3.0, 4.0])
    >>> float(m), round(float(lo), 3), round(float(hi), 3)
    (2.5, 0.446, 4.554)
    """
    _z(confidence)  # validates
    a = np.asarray(x, dtype=np.float64)
    n = a.shape[axis]
    mean = np.asarray(np.mean(a, axis=axis)) if n else np.full(np.delete(a.shape, axis), np.nan)
    if n < 2:
        nan = np.full(mean.shape, np.nan)
        return mean, nan, nan.copy()
    se = np.std(a, axis=axis, ddof=1) / math.sqrt(n)
    t = float(stats.t.ppf(0.5 + confidence / 2.0, df=n - 1))
    return mean, np.asarray(mean - t * se), np.asarray(mean + t * se)


@dataclass(frozen=True)
class Estimate:
    """An estimate with its confidence interval, e.g. ``0.912 [0.905, 0.919]``.

    Parameters
    ----------
    value : float
        Point estimate.
    lo, hi : float
        Bounds of the interval.
    kind : {"probability", "mean"}
        A proportion with a Wilson interval, or a mean with a *t* interval.
    confidence : float, optional
        Confidence level of the interval, default 0.95.
    """

    value: float
    lo: float
    hi: float
    kind: Literal["probability", "mean"]
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.kind not in ("probability", "mean"):
            raise JointshieldError(
                f"Estimate.kind: expected 'probability' or 'mean', got {self.kind!r}"
            )

    @classmethod
    def from_counts(cls, successes: float, n: float, confidence: float = 0.95) -> Estimate:
        """Proportion ``successes / n`` with its Wilson interval (NaN value when ``n = 0``)."""
        lo, hi = wilson_interval(successes, n, confidence)
        value = float(successes) / float(n) if n else math.nan
        return cls(value, float(lo), float(hi), "probability", confidence)

    @classmethod
    def from_samples(cls, x: ArrayLike, confidence: float = 0.95) -> Estimate:
        """Mean of the 1-D samples ``x`` with its *t* interval."""
        mean, lo, hi = mean_interval(np.ravel(np.asarray(x, dtype=np.float64)), confidence)
        return cls(float(mean), float(lo), float(hi), "mean", confidence)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict; NaN and infinities become ``None`` (JSON has none)."""
        return {
            "value": _finite_or_none(self.value),
            "lo": _finite_or_none(self.lo),
            "hi": _finite_or_none(self.hi),
            "kind": self.kind,
            "confidence": self.confidence,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Estimate:
        """Inverse of :meth:`to_json` (``None`` reads back as NaN)."""

        def number(key: str) -> float:
            v = data[key]
            return math.nan if v is None else float(v)

        return cls(
            number("value"),
            number("lo"),
            number("hi"),
            data["kind"],
            float(data.get("confidence", 0.95)),
        )

    def __str__(self) -> str:
        spec = ".3f" if self.kind == "probability" else ".4g"
        return f"{self.value:{spec}} [{self.lo:{spec}}, {self.hi:{spec}}]"


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# --------------------------------------------------------------------------- #
# Files
# --------------------------------------------------------------------------- #


_TEMPORARY = re.compile(r"\..+\.\d+\.[0-9a-f]{8}\.tmp\Z")
"""Name of the temporary files of :func:`_atomic_file`."""


@contextlib.contextmanager
def _atomic_file(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Yield a binary file that replaces ``path`` only once it is complete.

    The data go to a hidden temporary file in the same folder (so that
    :func:`os.replace` is an atomic rename on the same file system), which is
    flushed to disk and then renamed over ``path``. On any exception, Ctrl-C
    included, the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")  # _TEMPORARY
    # os.open with mode 0o666 honours the umask, unlike tempfile's 0o600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable where the platform allows (POSIX); skip it elsewhere."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _jsonable(obj: Any) -> Any:
    """Convert ``obj`` to plain JSON types; non-finite floats become ``None``."""
    if isinstance(obj, Estimate):
        return obj.to_json()
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float):
        return _finite_or_none(obj)
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise JointshieldError(f"cannot write a {type(obj).__name__} to JSON: {obj!r}")


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as JSON to ``path``, atomically.

    NumPy scalars and arrays, paths and :class:`Estimate` are converted;
    NaN and infinities are written as ``null``, since JSON has none of them.
    UTF-8, indented, with a final newline.

    Parameters
    ----------
    path : str or path-like
        File to write; its folder is created if needed.
    obj : object
        Dicts, lists, numbers, strings, ``None``, and the types above.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    text = json.dumps(_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with _atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))
    return Path(path)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise JointshieldError(f"{path}: expected a readable JSON file ({exc})") from exc


def _import_pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:
        raise JointshieldError(
            "per-trial Parquet files need the 'pyarrow' package (pip install pyarrow)"
        ) from exc
    return pa, pq


def write_parquet(
    path: str | os.PathLike[str],
    columns: Mapping[str, ArrayLike],
    metadata: Mapping[str, str],
) -> Path:
    """Write per-trial columns and file metadata to a Parquet file, atomically.

    See the module's *Parquet layout*: one row per trial; a column of shape
    ``(trials, a, ...)`` becomes one nested fixed-size list column; each
    field records its NumPy dtype so that :func:`read_parquet` restores it.

    Parameters
    ----------
    path : str or path-like
        File to write; its folder is created if needed.
    columns : mapping of str to array_like
        Columns of equal first-axis length. Numbers, booleans, fixed-width
        strings and datetimes; no object arrays, no zero-length inner axes.
    metadata : mapping of str to str
        File-level key-value metadata (e.g. scenario hash, seed, version,
        architecture, parameters as JSON).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    pa, pq = _import_pyarrow()
    arrays: dict[str, Any] = {}
    fields = []
    rows: int | None = None
    for name, column in columns.items():
        a = np.ascontiguousarray(column)
        if a.ndim == 0:
            raise JointshieldError(f"column {name!r}: expected an array over trials, got a scalar")
        if rows is None:
            rows = a.shape[0]
        elif a.shape[0] != rows:
            raise JointshieldError(
                f"column {name!r}: expected {rows} rows like the columns before it, "
                f"got {a.shape[0]}"
            )
        if a.dtype.hasobject or a.dtype.kind in "cV":
            raise JointshieldError(
                f"column {name!r}: expected numbers, booleans, strings or datetimes, "
                f"got dtype {a.dtype}"
            )
        if 0 in a.shape[1:]:
            raise JointshieldError(
                f"column {name!r}: inner axes must not be empty, got shape {a.shape}"
            )
        values = pa.array(a.reshape(-1))
        for size in reversed(a.shape[1:]):
            values = pa.FixedSizeListArray.from_arrays(values, size)
        arrays[name] = values
        fields.append(
            pa.field(name, values.type, nullable=False, metadata={"numpy_dtype": a.dtype.str})
        )
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise JointshieldError(
                f"Parquet metadata {key!r}: expected a string key and value, "
                f"got {type(value).__name__} (write numbers and dicts as JSON)"
            )
    schema = pa.schema(fields, metadata=dict(metadata))
    table = pa.Table.from_arrays(list(arrays.values()), schema=schema)
    with _atomic_file(path) as handle:
        pq.write_table(table, handle, compression="zstd")
    return Path(path)


def read_parquet(path: str | os.PathLike[str]) -> tuple[Columns, dict[str, str]]:
    """Read a file written by :func:`write_parquet`.

    Parameters
    ----------
    path : str or path-like
        Parquet file.

    Returns
    -------
    columns : dict of str to numpy.ndarray
        The columns, with their shapes and NumPy dtypes restored; writable.
    metadata : dict of str to str
        The file-level metadata given to :func:`write_parquet`.
    """
    pa, pq = _import_pyarrow()
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise JointshieldError(f"{path}: expected a readable Parquet file ({exc})") from exc
    columns: Columns = {}
    for field in table.schema:
        values = table.column(field.name).combine_chunks()
        inner: list[int] = []
        while pa.types.is_fixed_size_list(values.type):
            inner.append(values.type.list_size)
            values = values.flatten()
        array = values.to_numpy(zero_copy_only=False, writable=True)
        dtype = (field.metadata or {}).get(b"numpy_dtype")
        if dtype is not None and array.dtype != np.dtype(dtype.decode()):
            array = array.astype(np.dtype(dtype.decode()))
        columns[field.name] = array.reshape(table.num_rows, *inner)
    metadata = {
        k.decode(): v.decode()
        for k, v in (table.schema.metadata or {}).items()
        if not k.startswith(b"ARROW:")
    }
    return columns, metadata


# --------------------------------------------------------------------------- #
# Sweeps
# --------------------------------------------------------------------------- #

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_GRID_FORMS = (
    "NAME=START:STOP:COUNT (e.g. latency_s=0:60:7) or NAME=V1,V2,... (e.g. veto_p=0,0.1,0.5)"
)


def _number(text: str, spec: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise JointshieldError(
            f"grid {spec!r}: expected {_GRID_FORMS}; {what} {text.strip()!r} is not a number"
        ) from None
    if not math.isfinite(value):
        raise JointshieldError(f"grid {spec!r}: expected finite numbers, got {what} {text!r}")
    return value


def parse_grid(spec: str) -> tuple[str, NDArray[np.float64]]:
    """Parse one parameter axis of a sweep.

    Parameters
    ----------
    spec : str
        ``NAME=START:STOP:COUNT`` for ``COUNT`` (at least 2) evenly spaced
        values from ``START`` to ``STOP`` inclusive (:func:`numpy.linspace`),
        or ``NAME=V1,V2,...`` for a list of distinct values (one value is
        allowed). ``NAME`` is a Python-like identifier, dots allowed.

    Returns
    -------
    name : str
    values : numpy.ndarray
        The values, as floats.

    Examples
    --------
    >>> parse_grid("latency_s=0:60:7")
    ('latency_s', array([ 0., 10., 20., 30., 40., 50., 60.]))
    >>> parse_grid("veto_p=0, 0.1, 0.5")
    ('veto_p', array([0. , 0.1, 0.5]))
    """
    if not isinstance(spec, str) or spec.count("=") != 1:
        raise JointshieldError(f"grid {spec!r}: expected {_GRID_FORMS}")
    name, _, body = (part.strip() for part in spec.partition("="))
    if not _NAME.match(name):
        raise JointshieldError(
            f"grid {spec!r}: expected {_GRID_FORMS}; the name {name!r} must start with a "
            "letter or '_' and hold only letters, digits, '_' and '.'"
        )
    if not body:
        raise JointshieldError(f"grid {spec!r}: expected {_GRID_FORMS}; no values after '='")
    if ":" in body:
        parts = body.split(":")
        if len(parts) != 3:
            raise JointshieldError(
                f"grid {spec!r}: expected {_GRID_FORMS}; a range has three parts "
                f"START:STOP:COUNT, got {len(parts)}"
            )
        start = _number(parts[0], spec, "START")
        stop = _number(parts[1], spec, "STOP")
        count_text = parts[2].strip()
        if not count_text.isdigit() or int(count_text) < 2:
            raise JointshieldError(
                f"grid {spec!r}: expected COUNT to be an integer of at least 2, got "
                f"{count_text!r} (write a single value as NAME=VALUE)"
            )
        if start == stop:
            raise JointshieldError(
                f"grid {spec!r}: expected START and STOP to differ, both are {start:g}"
            )
        return name, np.linspace(start, stop, int(count_text))
    values = [_number(v, spec, "value") for v in body.split(",")]
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise JointshieldError(
            f"grid {spec!r}: expected distinct values, got {', '.join(f'{v:g}' for v in repeated)} "
            "more than once"
        )
    return name, np.asarray(values, dtype=np.float64)


def _format_value(value: float) -> str:
    # repr is the shortest text that reads back as the same float, so two
    # distinct values never share a key; + 0.0 turns -0.0 into 0.0.
    return repr(float(value) + 0.0).replace("+", "")


@dataclass(frozen=True)
class SweepPoint:
    """One point of a parameter sweep.

    Parameters
    ----------
    index : int
        Position in the grid order of :func:`grid_points`, from 0.
    params : dict of str to float
        Parameter values, in the order of the grids.
    key : str
        Stable, file-name-safe id made of the parameters only, e.g.
        ``latency_s=10.0_veto_p=0.1``; it names the point's result files.
    """

    index: int
    params: dict[str, float]
    key: str


def _point_key(params: Mapping[str, float]) -> str:
    if not params:
        return "default"
    key = "_".join(f"{name}={_format_value(v)}" for name, v in params.items())
    if len(key) > 150:  # file names are limited to 255 bytes; keep it readable and unique
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        key = f"{key[:120]}_{digest}"
    return key


def grid_points(grids: Sequence[tuple[str, ArrayLike]]) -> list[SweepPoint]:
    """Cartesian product of parameter axes, the last axis varying fastest.

    Parameters
    ----------
    grids : sequence of (str, array_like)
        Axes as returned by :func:`parse_grid`, with distinct names. No axes
        give one point with no parameters (key ``default``).

    Returns
    -------
    list of SweepPoint
        In the order of nested loops over the axes, first axis outermost.

    Examples
    --------
    >>> [p.key for p in grid_points([("a", [1, 2]), ("b", [0.5, 1])])]
    ['a=1.0_b=0.5', 'a=1.0_b=1.0', 'a=2.0_b=0.5', 'a=2.0_b=1.0']
    """
    names = [name for name, _ in grids]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise JointshieldError(f"grids: expected distinct parameter names, got {repeated} twice")
    axes = []
    for name, values in grids:
        flat = np.asarray(values, dtype=np.float64).ravel()
        if flat.size == 0:
            raise JointshieldError(f"grid {name!r}: expected at least one value, got none")
        axes.append([float(v) for v in flat])
    points = []
    for index, combo in enumerate(itertools.product(*axes)):
        params = dict(zip(names, combo, strict=True))
        points.append(SweepPoint(index, params, _point_key(params)))
    return points


_RESERVED = ("index", "key", "params")


def _identity_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    lines = []
    for field in sorted(set(old) | set(new)):
        if field not in old:
            lines.append(f"{field}: absent there, {new[field]!r} now")
        elif field not in new:
            lines.append(f"{field}: {old[field]!r} there, absent now")
        elif old[field] != new[field]:
            lines.append(f"{field}: {old[field]!r} there, {new[field]!r} now")
    return lines


def run_sweep(
    out_dir: str | os.PathLike[str],
    points: Sequence[SweepPoint],
    run_point: Callable[[SweepPoint], tuple[Mapping[str, ArrayLike] | None, Mapping[str, Any]]],
    *,
    manifest: Mapping[str, Any],
    progress: ProgressArg = True,
) -> list[dict[str, Any]]:
    """Run a parameter sweep point by point, with checkpoints, resuming a stopped one.

    Layout of ``out_dir``::

        manifest.json          identity of the sweep, plus the list of point keys
        points/<key>.json      summary of a finished point (written last: its mark)
        points/<key>.parquet   per-trial table of the point, when run_point gives one

    If ``out_dir/manifest.json`` exists and any field of it differs from
    ``manifest`` (or the points differ), the sweep is refused: its results
    would mix two runs. Otherwise the points whose summary file exists are
    read back instead of run, and the others are run in order; each one's
    files are written atomically as soon as it finishes, the summary after the
    table. An interruption (Ctrl-C, a crash) loses at most the point in
    progress and leaves no partial file.

    Parameters
    ----------
    out_dir : str or path-like
        Folder of the sweep; created if needed.
    points : sequence of SweepPoint
        From :func:`grid_points`.
    run_point : callable
        ``run_point(point) -> (columns or None, summary)``: per-trial columns
        for :func:`write_parquet` (or ``None`` for none) and a JSON-able
        summary dict (see :func:`write_json_atomic`), without the keys
        ``index``, ``key`` and ``params``, which the sweep adds.
    manifest : mapping
        Identity of the run: scenario hash, seed, trials, architecture, grid,
        version. Put only identity here: anything that may change between a
        run and its resumption (a time stamp, the number of workers) would make
        the resumption refused.
    progress : bool or callable, optional
        As in :func:`run_blocks`, counting points.

    Returns
    -------
    list of dict
        Each point's summary, ``{"index", "key", "params", **summary}`` as
        stored in JSON (so NaN reads ``None``), in grid order; the same
        whether the points were loaded or run.

    Raises
    ------
    JointshieldError
        If ``out_dir`` holds another sweep (the message names the fields that
        differ), a summary file is unreadable, or the points repeat a key.
    """
    out = Path(out_dir)
    keys = [point.key for point in points]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise JointshieldError(f"sweep points: expected distinct keys, got {repeated} twice")
    if "point_keys" in manifest:
        raise JointshieldError("manifest: 'point_keys' is reserved for the sweep's own use")
    # Compared in its JSON form, so that tuples, NumPy numbers and NaN compare
    # as they read back from the file.
    identity = json.loads(json.dumps(_jsonable({**manifest, "point_keys": keys})))
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        stored = _load_json(manifest_path)
        if not isinstance(stored, dict):
            raise JointshieldError(f"{manifest_path}: expected a JSON object")
        differences = _identity_differences(stored, identity)
        if differences:
            fields = ", ".join(line.split(":", 1)[0] for line in differences)
            raise JointshieldError(
                f"{out}: the folder holds another sweep ({fields} differ"
                f"{'s' if len(differences) == 1 else ''}); resume it with the same "
                "settings or use another folder:\n  " + "\n  ".join(differences)
            )
    else:
        write_json_atomic(manifest_path, identity)

    folder = out / "points"
    # Temporary files left by a run that was killed outright (no chance to
    # clean up) are never read; remove them so the folder holds only results.
    if folder.is_dir():
        for leftover in folder.iterdir():
            if _TEMPORARY.match(leftover.name):
                leftover.unlink(missing_ok=True)
    records: list[dict[str, Any]] = []
    with _progress(progress, len(points), "sweep") as step:
        for point in points:
            summary_path = folder / f"{point.key}.json"
            if summary_path.exists():
                record = _load_json(summary_path)
                if not isinstance(record, dict):
                    raise JointshieldError(f"{summary_path}: expected a JSON object")
                records.append(record)
                step()
                continue
            columns, summary = run_point(point)
            clash = [k for k in _RESERVED if k in summary]
            if clash:
                raise JointshieldError(
                    f"point {point.key}: the summary must not hold the keys {clash}, "
                    "which the sweep adds"
                )
            table_path = folder / f"{point.key}.parquet"
            if columns is not None:
                meta = {
                    k: v if isinstance(v, str) else json.dumps(_jsonable(v))
                    for k, v in identity.items()
                    if k != "point_keys"
                }
                meta["point_key"] = point.key
                meta["params"] = json.dumps(point.params)
                write_parquet(table_path, columns, meta)
            else:
                # A table left by an earlier attempt of this point is stale.
                table_path.unlink(missing_ok=True)
            record = {"index": point.index, "key": point.key, "params": point.params, **summary}
            write_json_atomic(summary_path, record)
            records.append(json.loads(json.dumps(_jsonable(record))))
            step()
    return records
