"""Benchmark: a comparison re-run after a change of governance parameters, in process.

What an interactive explorer does: the raid is deployed once, then every
change of an architecture's governance parameters re-runs the comparison
(five architectures, 2,000 trials each, one worker) on that deployment. Run
from the repository root::

    python benchmarks/bench_rerun.py                  # europe-2011 and europe-2013
    python benchmarks/bench_rerun.py --scenario europe-2011 --repeats 9

For each scenario it prints the deployment time, then, best of the repeats,
the time of ``compare`` on the reused deployment and its two parts measured
apart: ``prepare`` (every architecture's context) and the trials
(``run_blocks`` of ``run_block``), for three changes: an authorisation
delay and a veto probability (no new cued views), and a link latency (new
cue times: new cued views and fused tracks, once per latency). Last, the
peak of the memory allocated during one re-run (``tracemalloc``) and the
process's peak resident memory. No assertions.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from collections.abc import Callable, Iterator
from itertools import count

from jointshield.analysis.runs import _deploy, compare
from jointshield.architectures.presets import ARCHITECTURES, architecture
from jointshield.battle.context import Deployment, prepare
from jointshield.battle.trial import run_block
from jointshield.montecarlo.blocks import run_blocks

TRIALS = 2_000


def _changes() -> dict[str, Callable[[int], dict[str, float]]]:
    """Governance changes, a new value at each call (so nothing is reused by accident)."""
    return {
        "authorisation_delay_s": lambda i: {"authorisation_delay_s": 10.0 + i},
        "veto_probability": lambda i: {"veto_probability": 0.05 + 0.01 * i},
        "latency_s": lambda i: {"latency_s": 3.0 + 0.25 * i},
    }


def _best(repeats: int, run: Callable[[int], float], values: Iterator[int]) -> float:
    return min(run(next(values)) for _ in range(repeats))


def _split(dep: Deployment, params: dict[str, float], trials: int) -> tuple[float, float]:
    """Time ``prepare`` and the trials of every architecture apart, s."""
    t_prepare = t_trials = 0.0
    for name in ARCHITECTURES:
        arch = architecture(name, **params)
        t0 = time.perf_counter()
        ctx = prepare(dep, arch=arch)
        t1 = time.perf_counter()
        run_blocks(run_block, ctx, trials, 0, progress=False)
        t_prepare += t1 - t0
        t_trials += time.perf_counter() - t1
    return t_prepare, t_trials


def bench(scenario: str, repeats: int, trials: int) -> None:
    """Print the re-run times of one scenario."""
    t0 = time.perf_counter()
    deps = _deploy(scenario, None, 0, 1)
    print(f"{scenario}: deployed in {time.perf_counter() - t0:.2f} s")
    compare(deployment=deps, trials=trials, progress=False)  # first run: fills the memo
    values = count(1)
    for label, change in _changes().items():

        def whole(i: int, change: Callable[[int], dict[str, float]] = change) -> float:
            t = time.perf_counter()
            compare(deployment=deps, trials=trials, params=change(i), progress=False)
            return time.perf_counter() - t

        total = _best(repeats, whole, values)
        parts = [_split(deps[0], change(next(values)), trials) for _ in range(repeats)]
        t_prepare = min(p for p, _ in parts)
        t_trials = min(t for _, t in parts)
        print(
            f"  {label:<22} compare {total:.3f} s   prepare {t_prepare:.3f} s   "
            f"trials {t_trials:.3f} s   ({len(ARCHITECTURES)} architectures × {trials:,} trials, "
            f"best of {repeats})"
        )
    tracemalloc.start()
    compare(deployment=deps, trials=trials, params={"veto_probability": 0.5}, progress=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak allocated during one re-run: {peak / 2**20:,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", action="append")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trials", type=int, default=TRIALS)
    args = parser.parse_args()
    for scenario in args.scenario or ["europe-2011", "europe-2013"]:
        bench(scenario, args.repeats, args.trials)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {own:,.0f} MiB")


if __name__ == "__main__":
    main()
