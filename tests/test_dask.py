"""Studies on a Dask cluster and a process pool: the bytes of one process, a full cluster.

A comparison and a sweep on a two-worker ``LocalCluster`` (separate
processes) and on a two-process pool write the same Parquet and JSON bytes
as in one process; a sweep keeps several points' blocks on the scheduler at
once; and a cluster whose workers run another jointshield is refused,
naming them, before any work.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import distributed
import numpy as np
import pytest
from distributed.diagnostics.plugin import SchedulerPlugin

import jointshield.analysis.runs
import jointshield.montecarlo.blocks
from jointshield.analysis.runs import compare, sweep
from jointshield.errors import JointshieldError
from jointshield.montecarlo.blocks import BLOCK_TRIALS, BlockJob, run_blocks, run_jobs
from jointshield.record import VERSION
from jointshield.theatre.model import Theatre
from test_montecarlo import CONTEXT, assert_identical, bernoulli_block
from theatres import theatre

SCENARIO = "europe-2011"
ARCHITECTURES = ("national", "joint")
TRIALS = BLOCK_TRIALS + 100  # two blocks per run
SEED = 5
GRID = "veto_probability=0,0.25,0.5"  # three points of two blocks: six tasks for two workers


@pytest.fixture(scope="module")
def cluster() -> Any:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def europe() -> Theatre:
    return theatre(SCENARIO)


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path, the folder's own name blanked out."""
    return {
        str(path.relative_to(folder)): path.read_bytes().replace(str(folder).encode(), b"<out>")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def one_process(europe: Theatre, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The comparison and the sweep in this process, to compare the others with."""
    root = tmp_path_factory.mktemp("one")
    compare(europe, ARCHITECTURES, trials=TRIALS, seed=SEED, out=root / "compare", progress=False)
    sweep(europe, "joint", [GRID], root / "sweep", trials=TRIALS, seed=SEED, progress=False)
    return {"compare": root / "compare", "sweep": root / "sweep"}


def _where(mode: str, cluster: Any) -> dict[str, Any]:
    return {"workers": 2} if mode == "pool" else {"dask_address": cluster.scheduler_address}


@pytest.mark.parametrize("mode", ["pool", "dask"])
def test_compare_writes_the_bytes_of_one_process(
    mode: str, europe: Theatre, one_process: dict[str, Path], cluster: Any, tmp_path: Path
) -> None:
    """Every architecture's blocks at once give the files of one process, byte for byte."""
    out = tmp_path / "compare"
    got = compare(
        europe,
        ARCHITECTURES,
        trials=TRIALS,
        seed=SEED,
        out=out,
        progress=False,
        **_where(mode, cluster),
    )
    assert [r.summary.architecture for r in got.results] == list(ARCHITECTURES)
    expected = _files(one_process["compare"])
    assert sorted(expected) == sorted(_files(out))
    assert _files(out) == expected


class _PointsInFlight(SchedulerPlugin):
    """Counts the sweep points whose blocks the scheduler holds unfinished at once."""

    name = "points-in-flight"

    def __init__(self) -> None:
        self.live: set[str] = set()
        self.most = 0

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        key = str(key)
        if not key.startswith("jointshield-block-"):
            return
        if finish in ("memory", "erred", "forgotten", "released"):
            self.live.discard(key)
        else:
            self.live.add(key)
        # Keys are jointshield-block-<study>-<job>-<block>.
        self.most = max(self.most, len({k.split("-")[3] for k in self.live}))


@pytest.mark.parametrize("mode", ["pool", "dask"])
def test_sweep_writes_the_bytes_of_one_process(
    mode: str, europe: Theatre, one_process: dict[str, Path], cluster: Any, tmp_path: Path
) -> None:
    """A sweep with all its points in flight writes each point's files as in one process."""
    seen = _PointsInFlight()
    if mode == "dask":
        cluster.scheduler.add_plugin(seen)
    out = tmp_path / "sweep"
    try:
        records = sweep(
            europe,
            "joint",
            [GRID],
            out,
            trials=TRIALS,
            seed=SEED,
            progress=False,
            **_where(mode, cluster),
        )
    finally:
        if mode == "dask":
            cluster.scheduler.remove_plugin(seen.name)
    assert [r["key"] for r in records] == [f"veto_probability={v}" for v in ("0.0", "0.25", "0.5")]
    assert _files(out) == _files(one_process["sweep"])
    if mode == "dask":
        # Six tasks for two single-threaded workers: the blocks of several points
        # wait on the scheduler together, not one point's after another's.
        assert seen.most >= 2


def test_sweep_resumes_on_dask_without_resubmitting_finished_points(
    europe: Theatre, one_process: dict[str, Path], cluster: Any, tmp_path: Path
) -> None:
    """Points already on disk are read back; only the missing one is sent to the cluster."""
    out = tmp_path / "sweep"
    (out / "points").mkdir(parents=True)
    for name, data in _files(one_process["sweep"]).items():
        if "veto_probability=0.25" not in name:
            (out / name).write_bytes(data)
    seen = _PointsInFlight()
    cluster.scheduler.add_plugin(seen)
    try:
        sweep(
            europe,
            "joint",
            [GRID],
            out,
            trials=TRIALS,
            seed=SEED,
            progress=False,
            dask_address=cluster.scheduler_address,
        )
    finally:
        cluster.scheduler.remove_plugin(seen.name)
    assert seen.most == 1
    assert _files(out) == _files(one_process["sweep"])


def test_jobs_are_placed_by_job_and_block(cluster: Any) -> None:
    """Jobs of different seeds and lengths come back whole, each as it would alone."""
    jobs = [
        BlockJob(bernoulli_block, lambda: CONTEXT, trials, seed)
        for trials, seed in ((3 * BLOCK_TRIALS + 7, 1), (10, 2), (2 * BLOCK_TRIALS, 3))
    ]
    alone = [run_blocks(bernoulli_block, CONTEXT, j.trials, j.seed, progress=False) for j in jobs]
    for where in ({"workers": 2}, {"dask_address": cluster.scheduler_address}):
        got = {j: columns for j, _, columns in run_jobs(jobs, progress=False, **where)}
        assert sorted(got) == [0, 1, 2]
        for j, columns in got.items():
            assert_identical(alone[j], columns)


def test_workers_of_another_version_are_refused_before_any_work(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker whose jointshield differs from the client's is named with its version."""
    monkeypatch.setattr(jointshield.montecarlo.blocks, "VERSION", "0.0.0+other")

    def no_deployment(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the raid was deployed before the cluster was checked")

    monkeypatch.setattr(jointshield.analysis.runs, "_deploy", no_deployment)
    with pytest.raises(JointshieldError, match=re.escape("0.0.0+other")) as info:
        compare(
            SCENARIO,
            ARCHITECTURES,
            trials=TRIALS,
            seed=SEED,
            progress=False,
            dask_address=cluster.scheduler_address,
        )
    message = str(info.value)
    workers = list(cluster.scheduler.workers)
    assert len(workers) == 2
    for address in workers:
        assert f"{address}: jointshield {VERSION}" in message
    assert "2 of 2" in message
    with pytest.raises(JointshieldError, match="jointshield"):
        run_blocks(
            bernoulli_block, CONTEXT, 10, 0, dask_address=cluster.scheduler_address, progress=False
        )


def test_numpy_of_another_version_is_refused(cluster: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """NumPy must match too: another one may draw other numbers."""
    installed = np.__version__
    monkeypatch.setattr(jointshield.montecarlo.blocks.np, "__version__", "1.0.0")
    with pytest.raises(JointshieldError, match=re.escape(f"numpy {installed}")):
        run_blocks(
            bernoulli_block, CONTEXT, 10, 0, dask_address=cluster.scheduler_address, progress=False
        )
