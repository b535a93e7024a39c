"""Compute the numbers of docs/architectures.md (the tables between its markers).

Run ``python benchmarks/architectures_doc.py`` and paste its output into the
document; every number there comes from this script, at the trials and seed
it states. Not a benchmark: it lives here with the other scripts that run
studies on the built-ins.
"""

from __future__ import annotations

import argparse
import time

from jointshield.analysis.explain import explain
from jointshield.analysis.runs import compare
from jointshield.architectures.presets import ARCHITECTURES
from jointshield.battle.samples import deploy_samples
from jointshield.scenario import Scenario, load_scenario
from jointshield.theatre.compile import compile_scenario

BUILT_INS = ("europe-2011", "europe-2013", "europe-2018", "europe-north")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _outcomes(sc: Scenario | str, trials: int, seed: int, archs=ARCHITECTURES) -> dict:
    result = compare(sc, archs, trials=trials, seed=seed, progress=False)
    return {r.summary.architecture: r.summary for r in result.results}


def outcomes_table(trials: int, seed: int) -> str:
    lines = [
        _row(["scenario", *ARCHITECTURES]),
        _row(["---"] * (len(ARCHITECTURES) + 1)),
    ]
    for name in BUILT_INS:
        got = _outcomes(name, trials, seed)
        cells = []
        for a in ARCHITECTURES:
            s = got[a]
            pop = s.population_defended
            cells.append(
                f"{pop.value / 1e6:.2f} M ({pop.lo / 1e6:.2f}–{pop.hi / 1e6:.2f}); "
                f"{s.leakers.value:.2f} leak; {s.interceptors.value:.1f} fired"
            )
        lines.append(_row([name, *cells]))
    return "\n".join(lines)


def levers_table(trials: int, seed: int) -> str:
    lines = [
        _row(
            [
                "scenario",
                "architecture",
                "sharing",
                "other party's data",
                "fused picture",
                "responsibility",
                "dual key",
                "total",
            ]
        ),
        _row(["---"] * 8),
    ]
    for name in BUILT_INS:
        deps = deploy_samples(compile_scenario(load_scenario(name)), None, 1, seed)
        for e in explain(deps, ARCHITECTURES[1:], trials=trials, seed=seed):
            gains = [
                f"{s.gain['population_defended'] / 1e6:+.2f}" if s.changed else "–" for s in e.steps
            ]
            total = f"{e.total['population_defended'] / 1e6:+.2f}"
            lines.append(_row([name, e.architecture, *gains, total]))
    return "\n".join(lines)


def _variant(name: str, change) -> Scenario:
    sc = load_scenario(name)
    return change(sc)


def sensitivity_table(trials: int, seed: int) -> str:
    name = "europe-2013"

    def spy(scale: float):
        def f(sc: Scenario) -> Scenario:
            sensors = tuple(
                s.model_copy(update={"range_max_km": s.range_max_km * scale})
                if s.name.startswith("spy-1") and s.range_max_km
                else s
                for s in sc.sensors
            )
            return sc.model_copy(update={"sensors": sensors})

        return f

    def station(site: str):
        def f(sc: Scenario) -> Scenario:
            sensors = tuple(
                s.model_copy(update={"site": site}) if s.name == "spy-1-aegis" else s
                for s in sc.sensors
            )
            batteries = tuple(
                b.model_copy(update={"site": site}) if b.name == "aegis-ship" else b
                for b in sc.batteries
            )
            return sc.model_copy(update={"sensors": sensors, "batteries": batteries})

        return f

    def interceptors(**update: float):
        def f(sc: Scenario) -> Scenario:
            kinds = tuple(i.model_copy(update=update) for i in sc.interceptors)
            return sc.model_copy(update={"interceptors": kinds})

        return f

    cases = [
        ("as in the file", lambda sc: sc, {}),
        ("SPY-1 range × 0.5", spy(0.5), {}),
        ("SPY-1 range × 1.5", spy(1.5), {}),
        ("hand-over 10 s", lambda sc: sc, {"handover_s": 10}),
        ("hand-over 90 s", lambda sc: sc, {"handover_s": 90}),
        ("ship off Cyprus", station("off-cyprus"), {}),
        ("ship in the Black Sea", station("black-sea"), {}),
        ("pk 0.5 (all types)", interceptors(pk=0.5), {}),
        ("pk 0.9 (all types)", interceptors(pk=0.9), {}),
        (
            "fire control 100 m, 10 m/s",
            interceptors(fire_control_sigma_m=100.0, fire_control_sigma_mps=10.0),
            {},
        ),
        (
            "fire control 400 m, 40 m/s",
            interceptors(fire_control_sigma_m=400.0, fire_control_sigma_mps=40.0),
            {},
        ),
    ]
    archs = ("national", "data-exchange", "joint")
    lines = [_row(["europe-2013, assumption", *archs]), _row(["---"] * 4)]
    for label, change, params in cases:
        sc = _variant(name, change)
        result = compare(sc, archs, trials=trials, seed=seed, params=params, progress=False)
        cells = [
            f"{r.summary.population_defended.value / 1e6:.2f} M; {r.summary.leakers.value:.2f}"
            for r in result.results
        ]
        lines.append(_row([label, *cells]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    print("## Outcomes\n")
    print(outcomes_table(args.trials, args.seed))
    print("\n## Levers\n")
    print(levers_table(args.trials, args.seed))
    print("\n## Sensitivity\n")
    print(sensitivity_table(args.trials, args.seed))
    print(f"\n({args.trials} trials, seed {args.seed}, {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
