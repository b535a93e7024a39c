"""``jointshield reach``: whether interceptors in Europe could reach ICBMs bound for America.

Parses, makes one call of :func:`jointshield.analysis.redline.reach`, writes its
files (:func:`~jointshield.analysis.redline.write_reach`: JSON, CSV and a map)
and prints tables that fit the terminal (or JSON with ``--json``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jointshield.cli._app import app
from jointshield.cli._output import console, print_grid, print_json
from jointshield.errors import JointshieldError
from jointshield.report.tables import Cell, Grid, Row

if TYPE_CHECKING:
    from jointshield.analysis.redline import ReachResult

DEFAULT_RED_LINE_DELAY_S = 120.0
"""Red-line launch delay, s: an early-warning cue (about 90 s after launch in
``icbm-reach``: the plume clears 10 km, then a 60 s report) and half a minute to
decide [assumption]."""

_DETAIL_ROWS = 40  # more (site, type, trajectory) rows than this go to reach.csv only


def parse_delays(text: str) -> list[float]:
    """Read launch delays: ``START:STOP:COUNT`` (evenly spaced, both ends in), or ``A,B,...``.

    >>> parse_delays("0:300:4")
    [0.0, 100.0, 200.0, 300.0]
    >>> parse_delays("30, 90")
    [30.0, 90.0]
    """
    try:
        if ":" in text:
            start, stop, count = text.split(":")
            n = int(count)
            a, b = float(start), float(stop)
            if n < 1 or (n == 1 and a != b):
                raise ValueError
            return [a + (b - a) * i / (n - 1) for i in range(n)] if n > 1 else [a]
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise JointshieldError(
            f"launch delays {text!r}: expected START:STOP:COUNT (e.g. 0:300:31) or a "
            "comma-separated list of seconds"
        ) from None
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise JointshieldError(f"launch delays {text!r}: expected times of at least 0 s")
    return values


def _s(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:,.0f}"


def _range(a: float, b: float, unit: str = "") -> str:
    if not (math.isfinite(a) and math.isfinite(b)):
        return "-"
    return f"{a:,.0f}–{b:,.0f}{unit}"


def _summary_grid(result: ReachResult, ref_delay_s: float) -> Grid:
    """Per site and type: trajectories reachable at the first, reference and last delays."""
    import numpy as np

    from jointshield.analysis.redline import delay_index

    n = len(result.flights)
    picked = (0, delay_index(result, ref_delay_s), len(result.delays_s) - 1)
    delays = [float(result.delays_s[k]) for k in sorted(set(picked))]
    rows = []
    for s, site in enumerate(result.sites):
        for j, kind in enumerate(result.interceptors):
            latest = result.latest_launch_s[s, j]
            finite = np.isfinite(latest)
            best = float(latest[finite].max()) if finite.any() else math.nan
            cells = [Cell(f"{int(result.feasible(d)[s, j].sum())}/{n}") for d in delays]
            cells.append(Cell(_s(best)))
            rows.append(Row((site.name if j == 0 else "", kind.name), tuple(cells)))
    return Grid(
        title=(
            f"Trajectories each site and type can intercept (of {n}), by the interceptor's "
            "launch delay after the ICBM's launch"
        ),
        label_headers=("site", "interceptor"),
        headers=(*(f"at {d:g} s" for d in delays), "latest launch, s"),
        rows=tuple(rows),
        footer=(
            "latest launch: the last delay that still intercepts some trajectory "
            "(negative: the interceptor would have to leave first)"
        ),
    )


def _detail_grid(result: ReachResult, ref_delay_s: float) -> Grid | None:
    """Per feasible (site, type, trajectory): latest launch and the intercept region."""
    from jointshield.analysis.redline import case_rows

    cases = case_rows(result, ref_delay_s)
    d = float(cases[0]["delay_s"]) if cases else float(ref_delay_s)
    rows = []
    for c in cases:
        latest = c["latest_launch_s"]
        if latest is None or latest < 0.0:
            continue

        def ends(key: str, c: dict[str, Any] = c) -> str:
            lo, hi = c[f"first_{key}"], c[f"last_{key}"]
            return _range(math.nan if lo is None else lo, math.nan if hi is None else hi)

        rows.append(
            Row(
                (f"{c['site']} {c['interceptor']}", f"{c['base']} → {c['aim']} ({c['shape']})"),
                (
                    Cell(_s(latest)),
                    Cell(_s(latest - d) if c["feasible"] else "no"),
                    Cell(ends("intercept_s")),
                    Cell(ends("alt_km")),
                ),
            )
        )
    if not rows or len(rows) > _DETAIL_ROWS:
        return None
    return Grid(
        title=f"Intercept regions of interceptors launched {d:g} s after the ICBM",
        label_headers=("site, interceptor", "trajectory"),
        headers=("latest launch, s", "margin, s", "intercept times, s", "altitudes, km"),
        rows=tuple(rows),
        footer="times after the ICBM's launch; altitudes of the ICBM at the region's ends",
    )


def _sensor_grid(result: ReachResult) -> Grid | None:
    """When each sensor first cues, sees and tracks the ICBMs (the earliest over trajectories)."""
    import numpy as np

    n = len(result.flights)

    def cells(times: np.ndarray) -> tuple[Cell, Cell]:
        seen = np.isfinite(times)
        earliest = float(np.min(times[seen])) if seen.any() else math.nan
        return Cell(_s(earliest)), Cell(f"{int(seen.sum())}/{n}")

    rows = [Row((name, "launch report"), cells(times)) for name, times in result.cue_s.items()]
    for name, times in result.first_look_s.items():
        rows.append(Row((name, "first look"), cells(times)))
        if np.isfinite(times).any():
            rows.append(Row(("", "fire-control track"), cells(result.fire_control_s[name])))
    if not rows:
        return None
    return Grid(
        title="What the sensors could cue an interceptor with",
        label_headers=("sensor", "event"),
        headers=("earliest, s", "trajectories"),
        rows=tuple(rows),
        footer="seconds after the ICBM's launch; the earliest over the trajectories it sees",
    )


def _red_line_grid(result: ReachResult, delay_s: float) -> Grid:
    """Red lines of one delay: a row per site, a column per base."""
    from jointshield.analysis.redline import REDLINE_MAX_MPS

    lines = [r for r in result.red_lines if r.delay_s == delay_s]
    bases = list(dict.fromkeys(r.base for r in lines))
    sites = list(dict.fromkeys(r.site for r in lines))
    by = {(r.site, r.base): r for r in lines}
    rows = []
    for site in sites:
        cells = []
        for base in bases:
            r = by[(site, base)]
            if r.status == "above":
                cells.append(Cell(f">{REDLINE_MAX_MPS / 1e3:g}"))
            elif r.status == "below":
                cells.append(Cell(f"≤{r.speed_mps / 1e3:.3f}"))
            else:
                cells.append(Cell(f"{r.speed_mps / 1e3:.3f}"))
        rows.append(Row((site,), tuple(cells)))
    first = lines[0] if lines else None
    step = f"{first.step_mps:g} m/s" if first else ""
    template = first.template if first else ""
    return Grid(
        title=(
            f"Red line: lowest burnout speed (km/s) that intercepts some ICBM of each base, "
            f"launched {delay_s:g} s after it"
        ),
        label_headers=("site",),
        headers=tuple(bases),
        rows=tuple(rows),
        footer=(
            f"an interceptor built like {template} (its burn time and altitude floor), range and "
            f"ceiling lifted; bisection to {step} (the threshold lies within one step below)"
        ),
    )


@app.command("reach")
def reach_command(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Built-in scenario name or YAML file (default: icbm-reach)."),
    ] = None,
    site: Annotated[
        list[str] | None,
        typer.Option("--site", help="Only this interceptor site (repeatable; default: all)."),
    ] = None,
    interceptor: Annotated[
        list[str] | None,
        typer.Option(
            "--interceptor", help="Only this interceptor type (repeatable; default: all)."
        ),
    ] = None,
    base: Annotated[
        list[str] | None,
        typer.Option("--base", help="Only ICBMs from this base (repeatable; default: all)."),
    ] = None,
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to",
            help="Aim point: a city of the scenario or LAT,LON (repeatable; default: the raid's).",
        ),
    ] = None,
    trajectory: Annotated[
        list[str] | None,
        typer.Option(
            "--trajectory",
            help="min-energy, lofted or depressed (repeatable; default: all three).",
        ),
    ] = None,
    launch_delay: Annotated[
        str,
        typer.Option(
            "--launch-delay-s",
            help="Interceptor launch delays after the ICBM's launch, s: START:STOP:COUNT or A,B.",
        ),
    ] = "0:300:31",
    red_line_delay: Annotated[
        str,
        typer.Option(
            "--red-line-delay-s",
            help="Launch delays of the red line, s (A,B,...); 'none' for no red line.",
        ),
    ] = f"{DEFAULT_RED_LINE_DELAY_S:g}",
    red_line_type: Annotated[
        str | None,
        typer.Option(
            "--red-line-type",
            help="Interceptor type the red line is built like (default: the fastest selected).",
        ),
    ] = None,
    out: Annotated[
        str, typer.Option("--out", help="Folder for reach.json, reach.csv and reach.png.")
    ] = "reach",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Build the reach tables and radar views afresh.")
    ] = False,
) -> None:
    """Ask whether each site and interceptor type can reach the ICBMs, where, and how fast."""
    from jointshield.analysis.redline import TRAJECTORIES, reach, write_reach
    from jointshield.montecarlo.store import check_folder

    check_folder(out)
    delays = parse_delays(launch_delay)
    red = [] if red_line_delay.strip().lower() == "none" else parse_delays(red_line_delay)
    result = reach(
        scenario or "icbm-reach",
        sites=site,
        interceptors=interceptor,
        bases=base,
        aims=to,
        shapes=tuple(trajectory) if trajectory else TRAJECTORIES,
        delays_s=delays,
        red_line_delays_s=red,
        red_line_template=red_line_type,
        cache=not no_cache,
        progress=not as_json,
    )
    ref = red[0] if red else DEFAULT_RED_LINE_DELAY_S
    files = write_reach(result, out, ref)
    if as_json:
        print_json({**result.to_json(), "files": {k: str(v) for k, v in files.items()}})
        return
    screen = console()
    print_grid(_summary_grid(result, ref), screen)
    detail = _detail_grid(result, ref)
    if detail is not None:
        print_grid(detail, screen)
    sensors = _sensor_grid(result)
    if sensors is not None:
        print_grid(sensors, screen)
    for d in red:
        print_grid(_red_line_grid(result, float(d)), screen)
    meta = result.meta
    screen.print(
        f"scenario {meta['scenario']} (hash {meta['scenario_hash'][:12]}), raid {meta['raid']}, "
        f"jointshield {meta['jointshield_version']}",
        markup=False,
        emoji=False,
    )
    for path in files.values():
        screen.print(f"wrote {path}", markup=False, highlight=False)
