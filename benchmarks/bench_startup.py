"""Benchmark: start-up time of the command line (``--version``, ``--help``).

Run from the repository root::

    python benchmarks/bench_startup.py            # 10 runs of each
    python benchmarks/bench_startup.py --runs 30

Each run is a fresh interpreter (``python -m jointshield ARGS``), so the
figure is what a user waits for at the shell. It prints the best and the
median wall time of each command, and which heavy libraries a run of
``--help`` loads (none is the aim), with the slowest imports of one run as
``python -X importtime`` reports them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = (["--version"], ["--help"], ["compare", "--help"])
HEAVY = ("numpy", "scipy", "pydantic", "yaml")
SLOWEST = 8


def wall_times(args: list[str], runs: int) -> list[float]:
    """Seconds of ``runs`` fresh runs of ``python -m jointshield ARGS``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        command = [sys.executable, "-m", "jointshield", *args]
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def slowest_imports(args: list[str]) -> tuple[list[tuple[int, str]], set[str]]:
    """The top-level imports of one run with their cumulative time (µs), and every module."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "jointshield", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    rows, names = [], set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if not cumulative.strip().isdigit():
            continue  # the header line
        names.add(name.strip())
        if not name.startswith("  "):  # top level: imported by the program itself
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:SLOWEST], names


def main() -> None:
    """Print the start-up figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh runs of each command")
    opts = parser.parse_args()
    for args in COMMANDS:
        times = wall_times(args, opts.runs)
        print(
            f"jointshield {' '.join(args):<16} best {min(times):.3f} s, "
            f"median {statistics.median(times):.3f} s ({opts.runs} runs)"
        )
    slowest, names = slowest_imports(["--help"])
    heavy = sorted(h for h in HEAVY if h in names)
    print(f"heavy libraries loaded by --help: {', '.join(heavy) or 'none'}")
    print("slowest top-level imports of --help (cumulative):")
    for micros, name in slowest:
        print(f"  {micros / 1e3:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
