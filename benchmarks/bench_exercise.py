"""Benchmark: engagement timelines and exercises with faults on europe-2011.

Run from the repository root::

    python benchmarks/bench_exercise.py

It times, in this process, (1) the engagement timeline of the five
architectures with 2,000 trials (what ``jointshield timeline`` adds to the
sensing table), and (2) the exercise of ``docs/exercise-europe-2011.yaml``
(five cases) on the five architectures with 2,000 trials, each twice (the
first run also compiles the kernels and fills the geometry cache with the
faulted theatres' radar views), and prints the process's peak resident
memory. No assertions.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path

from jointshield.analysis.engagements import engagement_timeline
from jointshield.analysis.exercise import exercise
from jointshield.report.gantt import gantt_figure
from jointshield.scenario import load_scenario
from jointshield.scenario.faults import load_exercise
from jointshield.theatre.compile import theatre_of

EXERCISE = Path(__file__).resolve().parents[1] / "docs" / "exercise-europe-2011.yaml"


def _timed(label: str, work: Callable[[], object]) -> None:
    for attempt in ("first", "second"):
        start = time.perf_counter()
        work()
        print(f"{label}, {attempt} run: {time.perf_counter() - start:6.2f} s")


def main() -> None:
    scenario = load_scenario("europe-2011")
    theatre = theatre_of(scenario)
    _timed(
        "engagement timeline, 5 architectures x 2,000 trials",
        lambda: engagement_timeline(theatre, trials=2000, progress=False),
    )
    tl = engagement_timeline(theatre, trials=2000, progress=False).to_json()
    _timed("Gantt chart of the whole raid", lambda: gantt_figure(tl))
    cases = load_exercise(EXERCISE, scenario)
    _timed(
        f"exercise, {len(cases)} cases x 5 architectures x 2,000 trials (and the fault-free run)",
        lambda: exercise(scenario, cases, trials=2000, progress=False),
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
