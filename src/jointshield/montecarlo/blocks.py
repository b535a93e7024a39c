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

import importlib
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.errors import JointshieldError
from jointshield.montecarlo.progress import ProgressArg, _progress

if TYPE_CHECKING:
    pass

BLOCK_TRIALS = 500
#: How long to try to reach a Dask scheduler before giving up, s.
DASK_CONNECT_TIMEOUT_S = 5
"""Trials per block. Fixed, so that block ``i`` always holds the same trials."""

Columns = dict[str, NDArray[Any]]
"""Per-trial columns: name to array whose first axis runs over trials."""

BlockFunction = Callable[[Any, np.random.SeedSequence, int], Mapping[str, ArrayLike]]
"""``fn(context, seed_sequence, n_trials)`` returning per-trial columns."""
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


"""Name of the temporary files of :func:`_atomic_file`."""
