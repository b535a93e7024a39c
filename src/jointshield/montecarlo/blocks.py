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
A Dask cluster whose workers run another version of jointshield or NumPy
than this process is refused before any work.

**Studies.** :func:`run_jobs` runs several such runs (the architectures of a
comparison, the points of a sweep) on one pool or one Dask client at once,
so that a study fills the cluster rather than one run's blocks at a time.
What the runs share (the deployment) is pickled once and sent once to each
worker; each run's context travels as references into it plus what it adds.

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

import concurrent.futures
import importlib
import io
import os
import pickle
import signal
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.errors import JointshieldError
from jointshield.montecarlo.progress import ProgressArg, _progress
from jointshield.record import VERSION

BLOCK_TRIALS = 500
"""Trials per block. Fixed, so that block ``i`` always holds the same trials."""

DASK_CONNECT_TIMEOUT_S = 5
"""How long to try to reach a Dask scheduler before giving up, s."""

Columns = dict[str, NDArray[Any]]
"""Per-trial columns: name to array whose first axis runs over trials."""

BlockFunction = Callable[[Any, np.random.SeedSequence, int], Mapping[str, ArrayLike]]
"""``fn(context, seed_sequence, n_trials)`` returning per-trial columns."""


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


# --------------------------------------------------------------------------- #
# What travels to the workers
# --------------------------------------------------------------------------- #


def _dump(pickler: pickle.Pickler, obj: object, what: str) -> None:
    """Pickle ``obj`` with ``pickler``, or say that ``what`` cannot be sent to the workers."""
    try:
        pickler.dump(obj)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise JointshieldError(
            f"{what} cannot be pickled to be sent to the workers: {exc}"
        ) from exc


class _ReferencePickler(pickle.Pickler):
    """Pickle an object, writing what it shares with a parcel as references into the parcel."""

    def __init__(self, file: io.BytesIO, index: Mapping[int, int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._index = index

    def persistent_id(self, obj: Any) -> int | None:
        return self._index.get(id(obj))


class _ReferenceUnpickler(pickle.Unpickler):
    """Unpickle what :class:`_ReferencePickler` wrote, resolving its references."""

    def __init__(self, file: io.BytesIO, objects: Mapping[int, Any]) -> None:
        super().__init__(file)
        self._objects = objects

    def persistent_load(self, pid: Any) -> Any:
        return self._objects[pid]


class _Parcel:
    """Data pickled once for every worker, and job contexts pickled as references into it.

    Every object of ``shared`` has a number in the memo of the pickle
    (:data:`data`); a job context pickled by :meth:`pack` writes any object
    it has in common with ``shared`` as that number, and a worker that has
    unpickled :data:`data` once (:func:`_unpack_shared`, keeping the memo)
    puts its own copy in its place. A context that holds the deployment of
    the parcel thus travels as what it adds to it (tens of KiB instead of
    MiB). Objects of ``shared`` changed after the parcel is made travel as
    they were then; only caches that no block reads may change.
    """

    def __init__(self, shared: object) -> None:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        _dump(pickler, shared, "the data shared by the jobs")
        self.data = buffer.getvalue()
        # The memo holds every object it numbers, so no id is reused while it lives.
        self._memo = pickler.memo.copy()
        self._index = {key: number for key, (number, _) in self._memo.items()}

    def pack(self, obj: object, what: str) -> bytes:
        """Pickle ``obj``, with references to the objects it shares with the parcel."""
        buffer = io.BytesIO()
        _dump(_ReferencePickler(buffer, self._index), obj, what)
        return buffer.getvalue()


def _unpack_shared(data: bytes) -> dict[int, Any]:
    """Unpickle a parcel's data; return its objects by their number in its memo."""
    unpickler = pickle.Unpickler(io.BytesIO(data))
    unpickler.load()
    return dict(unpickler.memo.copy())


# What a worker process has unpickled, most recent last: each study's parcel,
# and the block function and context of each job. Dask runs several tasks of
# a process at once on threads, hence the lock.
_CACHE_LOCK = threading.Lock()
_PARCELS: OrderedDict[str, Mapping[int, Any]] = OrderedDict()
_JOBS: OrderedDict[str, tuple[BlockFunction, Any]] = OrderedDict()
_PARCELS_KEPT = 2
_JOBS_KEPT = 16

_T = TypeVar("_T")


def _cached(cache: OrderedDict[str, _T], key: str, make: Callable[[], _T], kept: int) -> _T:
    """Return ``cache[key]``, making it first if needed and dropping the oldest beyond ``kept``."""
    with _CACHE_LOCK:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        value = make()
        cache[key] = value
        while len(cache) > kept:
            cache.popitem(last=False)
        return value


def _init_pool_worker(study: str, data: bytes) -> None:
    """Unpickle the study's parcel once in a new pool process."""
    _cached(_PARCELS, study, lambda: _unpack_shared(data), _PARCELS_KEPT)
    # Ctrl-C reaches the whole process group; the parent decides what stops,
    # so a worker finishes its current block quietly instead of printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_packed_block(
    study: str,
    data: bytes | None,
    job: str,
    packed: bytes,
    seed_sequence: np.random.SeedSequence,
    n_trials: int,
) -> object:
    """Run one block on a worker: unpickle the parcel and the job once, then call the job's ``fn``.

    ``data`` is the parcel (on Dask), or None where the pool's initializer
    has unpickled it already.
    """

    def parcel() -> Mapping[int, Any]:
        if data is None:  # pragma: no cover - only if the initializer did not run
            raise RuntimeError("pool worker started without its study's data")
        return _unpack_shared(data)

    objects = _cached(_PARCELS, study, parcel, _PARCELS_KEPT)

    def unpack() -> tuple[BlockFunction, Any]:
        fn, context = _ReferenceUnpickler(io.BytesIO(packed), objects).load()
        return fn, context

    fn, context = _cached(_JOBS, job, unpack, _JOBS_KEPT)
    return fn(context, seed_sequence, n_trials)


# --------------------------------------------------------------------------- #
# Jobs: several runs of blocks at once
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class BlockJob:
    """One run of blocks among those of a study (an architecture, a point of a sweep).

    Parameters
    ----------
    fn : callable
        The block function, as for :func:`run_blocks`.
    make_context : callable
        ``make_context()`` returns the job's context; called once, in this
        process, when the job's blocks are about to be sent, so that later
        jobs are prepared while earlier ones run.
    trials : int
        Number of trials, at least 1.
    seed : int
        Non-negative seed; see :func:`block_plan`.
    """

    fn: BlockFunction
    make_context: Callable[[], Any]
    trials: int
    seed: int


JobResult = tuple[int, Any, Columns]
"""``(job index, its context, its columns)``, as :func:`run_jobs` yields them."""

_Plan = list[tuple[int, np.random.SeedSequence, int]]


class _Backend(Protocol):
    """Where the blocks of :func:`_windowed` run: a process pool or a Dask cluster."""

    def submit(self, job: int, packed: bytes, plan: _Plan) -> list[tuple[Any, int, int]]:
        """Send a job's blocks; return ``(future, block index, trials)`` for each."""

    def wait(self, futures: Collection[Any]) -> Collection[Any]:
        """Wait until at least one of ``futures`` is done; return those done."""

    def cancel(self, futures: Collection[Any]) -> None:
        """Cancel ``futures``."""


def _windowed(
    jobs: Sequence[BlockJob],
    plans: Sequence[_Plan],
    first: Any,
    parcel: _Parcel,
    limit: int,
    backend: _Backend,
    progress: ProgressArg,
) -> Iterator[JobResult]:
    """Run the jobs' blocks on ``backend``, admitting jobs while fewer than ``limit`` blocks wait.

    A job is admitted whole (its context made, packed and all its blocks
    sent) whenever fewer than ``limit`` blocks are in flight, so the workers
    always have blocks of the next jobs queued while this process prepares
    more; a job is yielded as soon as its last block is back, its columns
    placed by block index.
    """
    pending: dict[Any, tuple[int, int, int]] = {}
    blocks: dict[int, dict[int, Columns]] = {}
    contexts: dict[int, Any] = {}
    admitted = 0

    def admit() -> None:
        nonlocal admitted
        while admitted < len(jobs) and (not pending or len(pending) < limit):
            j = admitted
            admitted += 1
            contexts[j] = first if j == 0 else jobs[j].make_context()
            blocks[j] = {}
            packed = parcel.pack((jobs[j].fn, contexts[j]), f"job {j}'s block function and context")
            for future, index, n_trials in backend.submit(j, packed, plans[j]):
                pending[future] = (j, index, n_trials)

    total = sum(len(plan) for plan in plans)
    try:
        # The first jobs are sent before the progress bar starts its refresh
        # thread: with the "fork" start method the pool's processes are forked then.
        admit()
        with _progress(progress, total, f"blocks of {BLOCK_TRIALS} trials") as step:
            while pending:
                finished = []
                for future in sorted(backend.wait(list(pending)), key=pending.__getitem__):
                    j, index, n_trials = pending.pop(future)
                    blocks[j][index] = _check_block(future.result(), index, n_trials)
                    step()
                    if len(blocks[j]) == len(plans[j]):
                        finished.append(j)
                admit()
                for j in finished:
                    done = blocks.pop(j)
                    yield j, contexts.pop(j), _concatenate([done[i] for i, _, _ in plans[j]])
    except BaseException:
        # Ctrl-C, a failing block, or the caller stopping: drop what is not done.
        backend.cancel(list(pending))
        raise


class _PoolBackend:
    """Blocks on a local process pool whose processes hold the study's parcel."""

    def __init__(self, executor: ProcessPoolExecutor, study: str) -> None:
        self._executor = executor
        self._study = study

    def submit(self, job: int, packed: bytes, plan: _Plan) -> list[tuple[Any, int, int]]:
        key = f"{self._study}/{job}"
        return [
            (
                self._executor.submit(
                    _run_packed_block, self._study, None, key, packed, seed_sequence, n_trials
                ),
                index,
                n_trials,
            )
            for index, seed_sequence, n_trials in plan
        ]

    def wait(self, futures: Collection[Any]) -> Collection[Any]:
        return concurrent.futures.wait(futures, return_when=FIRST_COMPLETED).done

    def cancel(self, futures: Collection[Any]) -> None:
        for future in futures:
            future.cancel()


class _DaskBackend:
    """Blocks on a Dask cluster to which the study's parcel has been scattered."""

    def __init__(self, client: Any, study: str, parcel: Any) -> None:
        self._client = client
        self._study = study
        self._parcel = parcel
        distributed: Any = importlib.import_module("distributed")
        # Every block sent is added to it; it hands them back as they finish.
        self._finished = distributed.as_completed(loop=client.loop)

    def submit(self, job: int, packed: bytes, plan: _Plan) -> list[tuple[Any, int, int]]:
        # Scattered once per job, to one worker: the others fetch it when they need it.
        [packed_future] = self._client.scatter([packed], hash=False)
        key = f"{self._study}/{job}"
        futures = [
            (
                self._client.submit(
                    _run_packed_block,
                    self._study,
                    self._parcel,
                    key,
                    packed_future,
                    seed_sequence,
                    n_trials,
                    key=f"jointshield-block-{self._study}-{job}-{index}",
                ),
                index,
                n_trials,
            )
            for index, seed_sequence, n_trials in plan
        ]
        self._finished.update(future for future, _, _ in futures)
        return futures

    def wait(self, futures: Collection[Any]) -> Collection[Any]:
        done: list[Any] = self._finished.next_batch(block=True)
        return done

    def cancel(self, futures: Collection[Any]) -> None:
        if futures:
            self._client.cancel(list(futures))


def _jobs_in_process(
    jobs: Sequence[BlockJob], plans: Sequence[_Plan], progress: ProgressArg
) -> Iterator[JobResult]:
    total = sum(len(plan) for plan in plans)
    with _progress(progress, total, f"blocks of {BLOCK_TRIALS} trials") as step:
        for j, (job, plan) in enumerate(zip(jobs, plans, strict=True)):
            context = job.make_context()
            blocks: list[Columns] = []
            for index, seed_sequence, n_trials in plan:
                result = job.fn(context, seed_sequence, n_trials)
                blocks.append(_check_block(result, index, n_trials))
                step()
            yield j, context, _concatenate(blocks)


def _jobs_on_pool(
    jobs: Sequence[BlockJob],
    plans: Sequence[_Plan],
    shared: object,
    processes: int,
    progress: ProgressArg,
) -> Iterator[JobResult]:
    first = jobs[0].make_context()
    parcel = _Parcel((shared, first))
    study = uuid.uuid4().hex
    executor = ProcessPoolExecutor(
        max_workers=processes, initializer=_init_pool_worker, initargs=(study, parcel.data)
    )
    try:
        yield from _windowed(
            jobs, plans, first, parcel, 2 * processes, _PoolBackend(executor, study), progress
        )
    except BrokenProcessPool as exc:
        executor.shutdown(wait=True, cancel_futures=True)
        raise JointshieldError(
            f"a worker process died before finishing its block ({exc}); out of memory?"
        ) from exc
    finally:
        # Let the running blocks finish, drop the others, and leave no process behind.
        executor.shutdown(wait=True, cancel_futures=True)


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


def _versions() -> dict[str, str]:
    """Return the versions a worker must share with the client: jointshield's and NumPy's."""
    return {"jointshield": VERSION, "numpy": np.__version__}


def _check_workers(client: Any) -> None:
    """Refuse a cluster whose workers run another jointshield or NumPy than this process.

    Another version may draw other numbers or fly other trajectories, so the
    results would not be those of one process. Workers that join later are
    not checked.
    """
    mine = _versions()
    theirs = client.run(_versions, on_error="return")
    wrong = []
    for address, found in sorted(theirs.items()):
        if isinstance(found, BaseException):
            wrong.append(f"{address}: cannot run jointshield ({type(found).__name__}: {found})")
            continue
        differ = [f"{name} {found.get(name)}" for name in mine if found.get(name) != mine[name]]
        if differ:
            wrong.append(f"{address}: {', '.join(differ)}")
    if wrong:
        raise JointshieldError(
            f"every Dask worker must run this jointshield {mine['jointshield']} with NumPy "
            f"{mine['numpy']}, so that the results are those of one process; "
            f"{len(wrong)} of {len(theirs)} do{'es' if len(wrong) == 1 else ''} not:\n  "
            + "\n  ".join(wrong)
        )


def check_dask(dask_address: str) -> None:
    """Make sure a Dask scheduler answers and its workers run this version, before any work.

    Raises
    ------
    JointshieldError
        If the address is not set, the scheduler cannot be reached, or a
        worker runs another version of jointshield or NumPy (naming the
        workers and their versions).
    """
    client = _connect(_scheduler_address(dask_address))
    try:
        _check_workers(client)
    finally:
        client.close()


def _jobs_on_dask(
    jobs: Sequence[BlockJob],
    plans: Sequence[_Plan],
    shared: object,
    address: str,
    progress: ProgressArg,
) -> Iterator[JobResult]:
    client = _connect(address)
    try:
        _check_workers(client)
        threads = max(sum(client.nthreads().values()), 1)
        first = jobs[0].make_context()
        parcel = _Parcel((shared, first))
        study = uuid.uuid4().hex
        # Wrapped in a list: scatter would spread a list element by element.
        # hash=False: no need to tokenize the bytes to name them.
        [parcel_future] = client.scatter([parcel.data], broadcast=True, hash=False)
        backend = _DaskBackend(client, study, parcel_future)
        yield from _windowed(jobs, plans, first, parcel, 2 * threads, backend, progress)
    finally:
        client.close()


def run_jobs(
    jobs: Sequence[BlockJob],
    *,
    shared: object = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: ProgressArg = True,
) -> Iterator[JobResult]:
    """Run the blocks of several jobs at once, yielding each job as soon as it is done.

    In this process the jobs run one after the other. On a process pool or
    a Dask cluster, one pool (one client) serves them all: the jobs are
    admitted in order, each with all its blocks, whenever fewer than twice
    as many blocks as the workers' processes (threads) are in flight, so
    the workers are kept busy across jobs while this process makes the
    next contexts, and memory holds the results of a few jobs only.

    Parameters
    ----------
    jobs : sequence of BlockJob
        The runs, each with its block function, context maker, trials and seed.
    shared : object, optional
        Picklable data that the jobs' contexts have in common (a deployment):
        pickled once, together with the first job's context, after that
        context is made, and sent once to every worker process (scattered to
        every Dask worker). Every other context is pickled with references to
        the objects it shares with it, so it travels as what it adds.
        It must not change afterwards, caches that no block reads aside.
    workers : int, optional
        As for :func:`run_blocks`: more than 1 runs the blocks on one pool of
        that many processes (at most one per block of all the jobs).
    dask_address : str, optional
        As for :func:`run_blocks`. The workers must run the same versions of
        jointshield and NumPy as this process.
    progress : bool or callable, optional
        As for :func:`run_blocks`, counting the blocks of all the jobs.

    Yields
    ------
    tuple of (int, object, dict of str to numpy.ndarray)
        ``(job index, its context, its columns)``, in the order the jobs
        finish; each job's columns are placed by block index, so they are
        byte-identical to :func:`run_blocks` on that job alone, whatever
        ``workers`` or ``dask_address``.

    Raises
    ------
    JointshieldError
        As for :func:`run_blocks`, and for workers that run other versions.
    KeyboardInterrupt
        Re-raised after the blocks not yet done are cancelled and the pool or
        cluster connection is shut down; the same happens when the caller
        stops iterating.
    """
    plans = [block_plan(job.trials, job.seed) for job in jobs]
    workers = _count(workers, "workers", 1)
    if not jobs:
        return iter(())
    if dask_address is not None:
        return _jobs_on_dask(jobs, plans, shared, _scheduler_address(dask_address), progress)
    total = sum(len(plan) for plan in plans)
    if workers > 1 and total > 1:
        return _jobs_on_pool(jobs, plans, shared, min(workers, total), progress)
    return _jobs_in_process(jobs, plans, progress)


# --------------------------------------------------------------------------- #
# One run
# --------------------------------------------------------------------------- #


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
    [(_, _, columns)] = run_jobs(
        [BlockJob(fn, lambda: context, trials, seed)],
        workers=workers,
        dask_address=dask_address,
        progress=progress,
    )
    return columns


def _example_block(
    context: float, seed_sequence: np.random.SeedSequence, n_trials: int
) -> dict[str, NDArray[np.bool_]]:
    """Draw ``n_trials`` Bernoulli trials of probability ``context`` (for the example)."""
    return {"hit": np.random.default_rng(seed_sequence).random(n_trials) < context}
