"""Benchmark: a sweep on 1 worker, a pool of 2, a Dask cluster of 2; Amdahl to 10⁷ trials.

Run from the repository root::

    python benchmarks/bench_scale.py                      # 4 points × 20,000 trials, best of 3
    python benchmarks/bench_scale.py --points 6 --trials 2000 --repeats 5

Sweeps the joint architecture's veto probability on the default scenario and
times the whole sweep (deployment included, the scenario compiled and its
reach tables built beforehand) in one process, on a local pool of 2
processes and on a ``distributed.LocalCluster`` of 2 single-threaded worker
processes (started beforehand, its start-up reported apart). The one-process
run is split into what only this process does (deploy, prepare each point,
summarise and write each point's tables: the serial part) and the blocks of
trials (the part that workers share), by timing the functions
:mod:`jointshield.analysis.runs` calls. Each figure is the best of
``--repeats`` runs, since others may share the CPU.

The extrapolation to a sweep of 10⁷ trials (``--big-points`` points of
10⁷ / points trials) scales each part by what it grows with: deploy is paid
once, prepare once per point, writing and the blocks per trial. Amdahl's law
(Amdahl 1967, *AFIPS Conf. Proc.* 30, 483–485) with that serial fraction
``s`` gives the time on ``N`` workers, ``T(N) = T(1) · (s + (1 − s) / N)``.
It is pessimistic where this process writes one point while the workers run
the next ones, which a pool or a cluster does, and optimistic in that it
counts no transfer. Prints the figures (no assertions) and checks that every
mode wrote the same bytes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import distributed

import jointshield.analysis.runs as runs
from jointshield.analysis.runs import sweep
from jointshield.flight.reach import ReachTables
from jointshield.theatre.compile import theatre_of

BIG_TRIALS = 10_000_000
WORKERS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class Stopwatch:
    """Time spent in some of :mod:`jointshield.analysis.runs`'s functions, s, by name."""

    NAMES = ("deploy_samples", "prepare_samples", "write_trials", "run_blocks")

    def __init__(self) -> None:
        self.spent = dict.fromkeys(self.NAMES, 0.0)
        self._real = {name: getattr(runs, name) for name in self.NAMES}

    def _timed(self, name: str) -> Callable[..., Any]:
        real = self._real[name]

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.spent[name] += time.perf_counter() - t0

        return timed

    def __enter__(self) -> Stopwatch:
        for name in self.NAMES:
            setattr(runs, name, self._timed(name))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, real in self._real.items():
            setattr(runs, name, real)


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by its path relative to it."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def best_sweep(
    theatre: Any, args: argparse.Namespace, **where: Any
) -> tuple[float, dict[str, float], dict[str, bytes]]:
    """Best wall time of the sweep over the repeats, its stopwatch, and its files."""
    best = float("inf")
    spent: dict[str, float] = {}
    written: dict[str, bytes] = {}
    grid = f"veto_probability=0:0.5:{args.points}"
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp, Stopwatch() as watch:
            t0 = time.perf_counter()
            sweep(theatre, "joint", [grid], Path(tmp), trials=args.trials, progress=False, **where)
            dt = time.perf_counter() - t0
            if dt < best:
                best, spent, written = dt, dict(watch.spent), files(Path(tmp))
    return best, spent, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="europe-2011")
    parser.add_argument("--points", type=int, default=4)
    parser.add_argument("--trials", type=int, default=20_000, help="trials per point")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-points", type=int, default=20)
    args = parser.parse_args()

    t0 = time.perf_counter()
    theatre = theatre_of(args.scenario, reach=ReachTables())
    runs.deploy_samples(theatre)  # builds the reach tables once, outside the timings
    cold = time.perf_counter() - t0
    print(f"compile, build the reach tables, deploy once: {cold:.2f} s")
    label = f"{args.points} points × {args.trials:,} trials of {args.scenario}, joint"

    one, spent, reference = best_sweep(theatre, args)
    print(f"sweep of {label}, 1 worker: {one:.2f} s")
    pool, _, pooled = best_sweep(theatre, args, workers=2)
    print(f"  pool of 2 processes: {pool:.2f} s (speed-up {one / pool:.2f})")
    t0 = time.perf_counter()
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        print(f"  (LocalCluster of 2 workers started in {time.perf_counter() - t0:.2f} s)")
        dask, _, clustered = best_sweep(theatre, args, dask_address=cluster.scheduler_address)
    print(f"  Dask LocalCluster of 2 workers: {dask:.2f} s (speed-up {one / dask:.2f})")
    same = pooled == reference and clustered == reference
    print(f"  same bytes in every mode ({len(reference)} files): {same}")

    blocks = spent["run_blocks"]
    deploy, prepare, write = (
        spent[k] for k in ("deploy_samples", "prepare_samples", "write_trials")
    )
    other = one - blocks - deploy - prepare - write  # summaries, checks, manifest
    serial = one - blocks
    print(
        f"1 worker: blocks {blocks:.2f} s; serial {serial:.2f} s = deploy {deploy:.2f} + "
        f"prepare {prepare:.2f} + writing {write:.2f} + summaries and the rest {other:.2f}; "
        f"serial fraction {serial / one:.3f}"
    )

    trials = args.points * args.trials
    big_per_point = BIG_TRIALS // args.big_points
    scale = BIG_TRIALS / trials
    # A new study compiles the scenario and builds its reach tables too: count the cold deploy.
    big_prepare = prepare / args.points * args.big_points
    big_write = (write + other) * scale
    big_serial = cold + big_prepare + big_write
    big_parallel = blocks * scale
    big_one = big_serial + big_parallel
    s = big_serial / big_one
    print(
        f"\n10⁷ trials ({args.big_points} points × {big_per_point:,}): 1 worker "
        f"{big_one / 60:.1f} min; serial {big_serial:.0f} s (deploy {cold:.1f}, prepare "
        f"{big_prepare:.1f}, writing and summaries {big_write:.0f}), s = {s:.4f}"
    )
    # Overlapped: this process prepares and writes points while the workers run
    # others, so only the deploy, the first prepare and the last write wait.
    edge = cold + (big_prepare + big_write) / args.big_points
    client = (big_prepare + big_write) * (1 - 1 / args.big_points)
    print("| workers | Amdahl | speed-up | overlapped | speed-up |")
    print("|---|---|---|---|---|")
    for n in (*WORKERS, None):
        amdahl = big_serial if n is None else big_one * (s + (1 - s) / n)
        lap = edge + (client if n is None else max(client, big_parallel / n))
        # One worker runs in this process: nothing overlaps.
        overlapped = "— | —" if n == 1 else f"{lap / 60:.1f} min | {big_one / lap:.1f}×"
        print(
            f"| {'∞' if n is None else n} | {amdahl / 60:.1f} min | {big_one / amdahl:.1f}× "
            f"| {overlapped} |"
        )


if __name__ == "__main__":
    main()
