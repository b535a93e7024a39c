"""Benchmark: the README's main job from the shell, cold and with the geometry cache warm.

Run from the repository root::

    python benchmarks/bench_mainjob.py             # 3 runs of each
    python benchmarks/bench_mainjob.py --runs 5 --scenario europe-2013

Each run is a fresh interpreter (``python -m jointshield compare [SCENARIO]``,
2,000 trials, five architectures), so the figure is what a user waits for:

- *cold*: a new process with an empty geometry cache (a temporary folder
  named by ``JOINTSHIELD_CACHE_DIR``): the raid is aimed and flown, every
  radar's view computed and every reach table built, then kept;
- *warm*: a new process with that cache filled by the cold run;
- *no cache*: ``--no-cache``, for reference.

The compiled kernels' own cache (numba's, beside the package's modules, like
Python's bytecode) is filled once when the package first runs; a run with it
empty (a temporary ``NUMBA_CACHE_DIR``) is reported once as *first ever*.
Each figure is the best of ``--runs`` wall times, with the peak resident
memory of that process (``os.wait4``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def one_run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one fresh ``python -m jointshield ARGS``."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jointshield", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def best(args: list[str], env: dict[str, str], runs: int, fresh: bool) -> tuple[float, float]:
    """Best wall time of ``runs`` runs (and its peak memory); ``fresh`` empties the cache first."""
    results = []
    for _ in range(runs):
        if fresh:
            env = {**env, "JOINTSHIELD_CACHE_DIR": tempfile.mkdtemp(prefix="bench-cold-")}
        results.append(one_run(args, env))
    return min(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenario", default=None)
    opts = parser.parse_args()
    args = ["compare", *([opts.scenario] if opts.scenario else [])]
    base = {k: v for k, v in os.environ.items() if not k.startswith("JOINTSHIELD_")}
    with tempfile.TemporaryDirectory(prefix="bench-numba-") as numba_dir:
        first = one_run(args, {**base, "NUMBA_CACHE_DIR": numba_dir, "JOINTSHIELD_NO_CACHE": "1"})
    cold = best(args, base, opts.runs, fresh=True)
    warm_env = {**base, "JOINTSHIELD_CACHE_DIR": tempfile.mkdtemp(prefix="bench-warm-")}
    one_run(args, warm_env)  # fills it
    warm = best(args, warm_env, opts.runs, fresh=False)
    uncached = best([*args, "--no-cache"], base, opts.runs, fresh=False)
    print(f"jointshield {' '.join(args)} (best of {opts.runs}; peak resident memory)")
    for label, (wall, mib) in (
        ("first ever (kernels compiled)", first),
        ("cold (empty geometry cache)", cold),
        ("warm (geometry cache filled)", warm),
        ("--no-cache", uncached),
    ):
        print(f"  {label:<32} {wall:6.2f} s  {mib:6.0f} MiB")


if __name__ == "__main__":
    main()
