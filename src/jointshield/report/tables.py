"""Tables of results, laid out to be read whole at any terminal width.

A table is built once as a :class:`Grid` (plain strings: what each cell
says) from the JSON form of the results, then laid out for a width by
:func:`render`. The command line prints the renderables; a report in
another medium can lay out the same grid its own way.

The layout never cuts a name or an interval. It takes the first of these
that fits the width:

1. one table, each estimate on one line, ``0.912 (0.905–0.919)``, with the
   notes column (e.g. the meaning of each parameter) beside the values;
2. the same with each estimate on two lines, the value above its interval;
3. the notes in a table of their own below the values;
4. the value columns split into blocks of as equal a size as fits, each
   block a table that repeats the row labels.

In each, headers of value columns break at spaces where that leaves the row
labels more room. Row labels wrap at spaces, never inside a word; value
columns never wrap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

__all__ = [
    "Cell",
    "Grid",
    "Row",
    "architectures_grid",
    "comparison_grid",
    "raid_flyouts_grid",
    "render",
    "sweep_grid",
]

_INTERVAL_DASH = "–"
_PROBABILITY_DIGITS = 3


@dataclass(frozen=True)
class Cell:
    """What one cell says: a value, and the bounds of its interval where there is one.

    Parameters
    ----------
    value : str
        The value as printed, e.g. ``"0.912"``.
    interval : str, optional
        The interval as printed, e.g. ``"0.905–0.919"``; empty for none.
    """

    value: str
    interval: str = ""

    def line(self) -> str:
        """Return the cell on one line: ``value (interval)``, or the value alone."""
        return f"{self.value} ({self.interval})" if self.interval else self.value

    def lines(self) -> tuple[str, ...]:
        """Return the cell on two lines, the value above its interval (one without one)."""
        return (self.value, self.interval) if self.interval else (self.value,)


@dataclass(frozen=True)
class Row:
    """One row: its labels (one per label column), its cells, and a note.

    Parameters
    ----------
    labels : tuple of str
        The row's labels, one per label column; leading spaces indent.
    cells : tuple of Cell
        One cell per value column; a heading row has none.
    note : str, optional
        Text for the notes column, e.g. what a parameter means.
    """

    labels: tuple[str, ...]
    cells: tuple[Cell, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Grid:
    """A table as data: headers, rows and the text around it.

    Parameters
    ----------
    title : str
        Printed above the table.
    label_headers : tuple of str
        Headers of the label columns, which every block repeats.
    headers : tuple of str
        Headers of the value columns (e.g. the architectures).
    rows : tuple of Row
        The rows, in order.
    note_header : str, optional
        Header of the notes column; empty for a table without notes.
    footer : str, optional
        Printed below the table.
    """

    title: str
    label_headers: tuple[str, ...]
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    note_header: str = ""
    footer: str = ""


# --------------------------------------------------------------------------- #
# Grids of results
# --------------------------------------------------------------------------- #


def _estimate(est: Mapping[str, Any] | None, scale: float = 1.0, digits: int = 2) -> Cell:
    """Cell of an estimate in its JSON form (``value``, ``lo``, ``hi``; ``None`` for NaN)."""
    if est is None or est.get("value") is None:
        return Cell("-")
    v = est["value"] / scale
    text = f"{v:.{digits}f}"
    lo, hi = est.get("lo"), est.get("hi")
    if lo is None or hi is None:
        return Cell(text)
    lo_text, hi_text = f"{lo / scale:.{digits}f}", f"{hi / scale:.{digits}f}"
    if lo_text == hi_text == text:
        return Cell(text)
    return Cell(text, f"{lo_text}{_INTERVAL_DASH}{hi_text}")


def _fixed(value: Any, pattern: str) -> Cell:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return Cell("-")
    return Cell(pattern.format(value))


def _share(value: float | None) -> Cell:
    if value is None:
        return Cell("-")
    if -0.005 < value < 0:  # noise around nothing
        return Cell("0%")
    return Cell("<1%" if 0 < value < 0.005 else f"{value:.0%}")


def comparison_grid(
    summaries: Sequence[Mapping[str, Any]], meta: Mapping[str, Any], *, footer: bool = True
) -> Grid:
    """Tabulate the outcome of architectures side by side, with 95 % intervals.

    Parameters
    ----------
    summaries : sequence of mapping
        The JSON form of each architecture's summary
        (``jointshield.analysis.runs.Summary.to_json``), in column order.
    meta : mapping
        The study's provenance: ``scenario``, ``raid``, ``trials``, ``seed``,
        ``scenario_hash`` and ``jointshield_version``.
    footer : bool, optional
        Whether to end with the scenario hash and version, default true.

    Returns
    -------
    Grid
        A row per outcome, a column per architecture. Leaks are broken down
        by reason, as shares of the leaking warheads, for every reason that
        occurs in some column.
    """
    rows: list[Row] = []

    def add(label: str, cells: Sequence[Cell]) -> None:
        rows.append(Row((label,), tuple(cells)))

    add("P(no warhead leaks)", [_estimate(s["p_no_leak"], digits=3) for s in summaries])
    add("expected leakers", [_estimate(s["leakers"]) for s in summaries])
    add(
        "population defended, M",
        [_estimate(s["population_defended"], 1e6, 1) for s in summaries],
    )
    add("interceptors fired", [_estimate(s["interceptors"], digits=1) for s in summaries])
    add(
        "interceptors per kill",
        [_fixed(s.get("interceptors_per_kill"), "{:.2f}") for s in summaries],
    )
    assets: dict[str, None] = {}
    for s in summaries:
        assets.update(dict.fromkeys(s["p_asset_protected"]))
    for asset in assets:
        add(
            f"P({asset} protected)",
            [
                _estimate(s["p_asset_protected"].get(asset), digits=_PROBABILITY_DIGITS)
                for s in summaries
            ],
        )
    add(
        "first interceptor launch, s", [_estimate(s["first_launch_s"], digits=0) for s in summaries]
    )
    shares: dict[str, float] = {}
    for s in summaries:
        for reason, share in s["leak_reasons"].items():
            if share:
                shares[reason] = max(shares.get(reason, 0.0), share)
    if shares:
        rows.append(Row(("share of leaks by reason",)))
        for reason in sorted(shares, key=lambda r: -shares[r]):
            add(
                f"  {reason}",
                [
                    _share(s["leak_reasons"].get(reason, 0.0) if s["leak_reasons"] else None)
                    for s in summaries
                ],
            )
    title = (
        f"{meta['scenario']}: raid {meta['raid']}, {meta['trials']:,} trials, "
        f"seed {meta['seed']}; 95 % confidence intervals"
    )
    return Grid(
        title=title,
        label_headers=("outcome",),
        headers=tuple(str(s["architecture"]) for s in summaries),
        rows=tuple(rows),
        footer=(
            f"scenario hash {meta['scenario_hash'][:12]}, jointshield {meta['jointshield_version']}"
            if footer
            else ""
        ),
    )


def _setting(value: Any) -> str:
    """Write a parameter's value as ``--set`` takes it: true/false, none, a number."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def architectures_grid(
    presets: Mapping[str, Mapping[str, Any]], parameters: Mapping[str, str]
) -> Grid:
    """Tabulate every parameter of the architectures, its value in each, and its meaning.

    Parameters
    ----------
    presets : mapping of str to mapping
        Architecture name to its parameters (name to value), in column order.
    parameters : mapping of str to str
        Parameter name (as ``--set`` takes it) to its meaning, in row order.

    Returns
    -------
    Grid
        A row per parameter, a column per architecture, the meaning as note.
    """
    return Grid(
        title="Architectures and their settings (change one with --set NAME=VALUE)",
        label_headers=("parameter",),
        headers=tuple(presets),
        rows=tuple(
            Row((key,), tuple(Cell(_setting(p[key])) for p in presets.values()), meaning)
            for key, meaning in parameters.items()
        ),
        note_header="meaning",
    )


def sweep_grid(points: Sequence[Mapping[str, Any]], title: str) -> Grid:
    """Tabulate a sweep, a row per point: its parameters and its main outcomes.

    Parameters
    ----------
    points : sequence of mapping
        The sweep's records, each with ``point`` (parameter name to value)
        and the JSON form of the point's summary.
    title : str
        Printed above the table.

    Returns
    -------
    Grid
        A label column per swept parameter; P(no leak), leakers and
        interceptors fired with their 95 % intervals.
    """
    names = tuple(points[0]["point"]) if points else ()
    return Grid(
        title=title,
        label_headers=names,
        headers=("P(no leak)", "leakers", "interceptors"),
        rows=tuple(
            Row(
                tuple(f"{p['point'][k]:g}" for k in names),
                (
                    _estimate(p["p_no_leak"], digits=_PROBABILITY_DIGITS),
                    _estimate(p["leakers"]),
                    _estimate(p["interceptors"]),
                ),
            )
            for p in points
        ),
    )


def raid_flyouts_grid(data: Mapping[str, Any]) -> Grid:
    """Tabulate the flyouts of a raid, a row per threat: what flies where, and how.

    Parameters
    ----------
    data : mapping
        The JSON form of the raid's flyouts
        (``jointshield.analysis.flyouts.RaidFlyouts.to_json``): ``raid``,
        ``threats`` (each with ``id``, the summary's numbers and ``meta``)
        and ``meta`` (``scenario``, ``earth``, hash and version).

    Returns
    -------
    Grid
        The threat described in its label (id, count, missile, launch area,
        target, aim), and its range (km), flight time (s), apogee (km),
        burnout speed (km/s) and re-entry time (s).
    """
    meta = data["meta"]
    rows = []
    for threat in data["threats"]:
        m = threat["meta"]
        label = f"{threat['id']}: {m['count']} × {m['missile']}, {m['origin']} → {m['target']}"
        rows.append(
            Row(
                (f"{label} ({m['aim']})",),
                (
                    _fixed(threat.get("range_km"), "{:,.0f}"),
                    _fixed(threat.get("flight_time_s"), "{:,.0f}"),
                    _fixed(threat.get("apogee_km"), "{:,.0f}"),
                    _fixed(threat.get("burnout_speed_kms"), "{:.2f}"),
                    _fixed(threat.get("reentry_time_s"), "{:,.0f}"),
                ),
            )
        )
    return Grid(
        title=f"{meta['scenario']}: raid {data['raid']} ({meta['earth']} Earth)",
        label_headers=("threat",),
        headers=("range km", "time s", "apogee km", "burnout km/s", "re-entry s"),
        rows=tuple(rows),
        footer=(
            f"scenario {meta['scenario']} (hash {meta['scenario_hash'][:12]}), "
            f"jointshield {meta['jointshield_version']}"
        ),
    )


# --------------------------------------------------------------------------- #
# Layout
# --------------------------------------------------------------------------- #

_NOTE_MIN_WIDTH = 24
"""Narrowest notes column worth having beside the values, characters."""

_WORD = re.compile(r"(?<=\S) +")


def _table_width(content: int, columns: int) -> int:
    """Width of a rich table with edges and one space of padding each side of a cell.

    ``content`` is the sum of the columns' widths, ``columns`` their number.
    """
    return content + 3 * columns + 1


def _min_width(texts: Sequence[str]) -> int:
    """Narrowest column that wraps ``texts`` at spaces without cutting a word."""
    return max((len(w) for t in texts for w in _WORD.split(t)), default=0)


def _blocks(n: int, size: int) -> list[range]:
    """Split ``n`` columns into blocks of at most ``size``, as equal as can be."""
    count = -(-n // size)
    base, extra = divmod(n, count)
    blocks, start = [], 0
    for i in range(count):
        stop = start + base + (1 if i < extra else 0)
        blocks.append(range(start, stop))
        start = stop
    return blocks


def _grow(mins: list[int], naturals: list[int], spare: int) -> list[int]:
    """Widen columns from their minimum towards their natural width, left first."""
    widths = list(mins)
    for i, natural in enumerate(naturals):
        step = min(max(natural - widths[i], 0), spare)
        widths[i] += step
        spare -= step
    return widths


@dataclass(frozen=True)
class _Layout:
    blocks: list[range]
    stacked: bool
    notes_beside: bool
    headers: list[str]
    label_widths: list[int]
    note_width: int


def _wrap_header(header: str, width: int) -> str:
    """Break a header at spaces onto lines of at most ``width`` (never inside a word)."""
    lines: list[str] = []
    for word in header.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _layout(grid: Grid, width: int) -> _Layout:
    """Choose the first layout of the module's list that fits ``width`` (else the last)."""
    n = len(grid.headers)
    value_rows = [r for r in grid.rows if r.cells]
    stackable = any(c.interval for r in value_rows for c in r.cells)
    label_texts = [
        [grid.label_headers[i], *(r.labels[i] for r in grid.rows if i < len(r.labels))]
        for i in range(len(grid.label_headers))
    ]
    label_min = [_min_width(t) for t in label_texts]
    label_natural = [max(len(x) for x in t) for t in label_texts]
    notes = [grid.note_header, *(r.note for r in grid.rows)] if grid.note_header else []
    note_natural = max((len(x) for x in notes), default=0)
    note_min = min(max(_min_width(notes), _NOTE_MIN_WIDTH), note_natural)

    def headers_and_widths(stacked: bool, wrap: bool) -> tuple[list[str], list[int]]:
        headers, widths = [], []
        for j, header in enumerate(grid.headers):
            cells = max(
                (
                    len(line)
                    for r in value_rows
                    for line in (r.cells[j].lines() if stacked else (r.cells[j].line(),))
                ),
                default=0,
            )
            text = _wrap_header(header, max(cells, _min_width([header]))) if wrap else header
            headers.append(text)
            widths.append(max(cells, *(len(line) for line in text.split("\n"))))
        return headers, widths

    def fit(size: int, beside: bool, stacked: bool, wrap: bool) -> tuple[bool, _Layout]:
        blocks = _blocks(n, size) if n else [range(0)]
        headers, values = headers_and_widths(stacked, wrap)
        widest = max(sum(values[j] for j in block) for block in blocks)
        columns = len(label_min) + max(len(b) for b in blocks) + (1 if beside else 0)
        content = widest + sum(label_min) + (note_min if beside else 0)
        spare = width - _table_width(content, columns)
        labels = _grow(label_min, label_natural, max(spare, 0))
        left = max(spare - (sum(labels) - sum(label_min)), 0)
        note = min(note_natural, note_min + left) if beside else note_min
        return spare >= 0, _Layout(blocks, stacked, beside, headers, labels, note)

    # Fewest blocks first; then notes beside the values; then estimates on one line.
    # Headers are broken at spaces where that leaves the labels more room.
    shapes = [
        (size, beside, stacked)
        for size in range(n, 0, -1)
        for beside in ((True, False) if notes and size == n else (False,))
        for stacked in ((False, True) if stackable else (False,))
    ] or [(0, bool(notes), False)]  # no value columns
    wraps = (False, True) if any(" " in h for h in grid.headers) else (False,)
    last: _Layout | None = None
    for shape in shapes:
        fitting = []
        for wrap in wraps:
            fits, last = fit(*shape, wrap)
            if fits:
                fitting.append(last)
        if fitting:
            return max(fitting, key=lambda lay: sum(lay.label_widths))  # first of equals
    assert last is not None
    return last


def render(grid: Grid, width: int) -> list[RenderableType]:
    """Lay ``grid`` out for a console ``width`` characters wide.

    Parameters
    ----------
    grid : Grid
        The table.
    width : int
        Width of the console, characters.

    Returns
    -------
    list of rich renderables
        The title, one table per block of value columns, the notes table
        if the notes do not fit beside the values, and the footer; print
        them in order. Below the narrowest width that holds one value
        column and the labels, rich cuts what does not fit.
    """
    lay = _layout(grid, width)
    out: list[RenderableType] = []
    if grid.title:
        out.append(Text(grid.title))
    for block in lay.blocks:
        table = Table()
        for header, w in zip(grid.label_headers, lay.label_widths, strict=True):
            table.add_column(Text(header), width=w)
        for j in block:
            table.add_column(Text(lay.headers[j]), justify="right", no_wrap=True)
        if lay.notes_beside:
            table.add_column(Text(grid.note_header), width=lay.note_width)
        for row in grid.rows:
            # Text, never markup: names come from scenario files ("[red]" prints as written).
            labels = [
                Text(label)
                for label in (*row.labels, *([""] * (len(grid.label_headers) - len(row.labels))))
            ]
            cells: list[RenderableType] = []
            for j in block:
                if j < len(row.cells):
                    cell = row.cells[j]
                    cells.append(Text("\n".join(cell.lines()) if lay.stacked else cell.line()))
                else:
                    cells.append("")
            table.add_row(*labels, *cells, *([Text(row.note)] if lay.notes_beside else []))
        out.append(table)
    if grid.note_header and not lay.notes_beside:
        notes = Table()
        label_width = max(len(r.labels[0]) for r in grid.rows) if grid.rows else 0
        notes.add_column(Text(grid.label_headers[0]), no_wrap=True, min_width=label_width)
        notes.add_column(Text(grid.note_header))
        for row in grid.rows:
            notes.add_row(Text(row.labels[0]), Text(row.note))
        out.append(notes)
    if grid.footer:
        out.append(Text(grid.footer))
    return out


def explain_grid(explanations: Sequence[Mapping[str, Any]]) -> Grid:
    """Tabulate each architecture's gain over ``national``, lever by lever.

    Parameters
    ----------
    explanations : sequence of mapping
        The JSON form of each architecture's explanation
        (:meth:`jointshield.analysis.explain.Explanation.to_json`).

    Returns
    -------
    Grid
        Per lever, the change in population defended (millions) and in
        expected leakers; a dash where the lever is the same as ``national``'s.
    """
    levers = [s["lever"] for s in explanations[0]["steps"]] if explanations else []
    rows: list[Row] = []
    for key, label, scale, fmt in (
        ("population_defended", "population defended, M", 1e-6, "{:+.2f}"),
        ("leakers", "expected leakers", 1.0, "{:+.2f}"),
    ):
        rows.append(Row((label,)))
        for k, lever in enumerate(levers):
            cells = []
            for e in explanations:
                step = e["steps"][k]
                text = fmt.format(step["gain"][key] * scale) if step["changed"] else "-"
                cells.append(Cell(text))
            rows.append(Row((f"  {lever}",), tuple(cells)))
        rows.append(
            Row(
                ("  total",),
                tuple(Cell(fmt.format(e["total"][key] * scale)) for e in explanations),
            )
        )
    return Grid(
        title="What each lever adds over national (switched one at a time, same seed)",
        label_headers=("lever",),
        headers=tuple(e["architecture"] for e in explanations),
        rows=tuple(rows),
        footer="order: sharing, other party's data, fused picture, responsibility, dual key",
    )


def _by_party(
    rows: Sequence[Mapping[str, Any]],
) -> tuple[list[str], list[str], dict[tuple[str, str], Mapping[str, Any]]]:
    """Return the architectures and parties of (architecture, party) records, and each record."""
    archs = list(dict.fromkeys(r["architecture"] for r in rows))
    parties = list(dict.fromkeys(r["party"] for r in rows))
    return archs, parties, {(r["architecture"], r["party"]): r for r in rows}


def dependency_grid(dependencies: Sequence[Mapping[str, Any]]) -> Grid:
    """Tabulate what each party's defence rests on the other parties' assets for.

    Parameters
    ----------
    dependencies : sequence of mapping
        The JSON form of each (architecture, party)
        (:meth:`jointshield.analysis.attribution.Dependency.to_json`).

    Returns
    -------
    Grid
        Per party: its attacked population defended with every party's assets
        and with its own only (millions), and the share that depends on the
        others; a column per architecture.
    """
    archs, parties, at = _by_party(dependencies)
    rows: list[Row] = []
    for party in parties:
        cells = [at.get((a, party)) for a in archs]
        attacked = next(d["attacked"] for d in cells if d is not None)
        rows.append(Row((f"{party}: {attacked / 1e6:.1f} M attacked",)))
        for key, label in (("defended", "  defended, M"), ("alone", "  own only, M")):
            rows.append(
                Row(
                    (label,), tuple(_estimate(None if d is None else d[key], 1e6, 2) for d in cells)
                )
            )
        rows.append(
            Row(
                ("  on others",),
                tuple(_share(None if d is None else d["share"]) for d in cells),
            )
        )
    return Grid(
        title="What each party's defended population rests on the others' assets for",
        label_headers=("party",),
        headers=tuple(archs),
        rows=tuple(rows),
        footer="own only: the other parties' radars, space sensors and batteries removed, "
        "same seeds; on others: the share of the defended population lost",
    )


def equality_grid(rows: Sequence[Mapping[str, Any]]) -> Grid:
    """Tabulate each party's launch decisions and flights over the other's territory.

    Parameters
    ----------
    rows : sequence of mapping
        The JSON form of each (architecture, party)
        (:meth:`jointshield.analysis.equality.Equality.to_json`).

    Returns
    -------
    Grid
        Per party: its shares of the launch decisions (alone, with consent,
        can veto) and its interceptors per trial (fired, over the other's
        territory, meeting their warhead there); a column per architecture.
    """
    archs, parties, at = _by_party(rows)
    out: list[Row] = []
    for party in parties:
        cells = [at.get((a, party)) for a in archs]
        out.append(Row((party,)))
        for key, label in (
            ("decides_alone", "  decides alone"),
            ("decides_with_consent", "  with consent"),
            ("can_veto", "  can veto"),
        ):
            out.append(Row((label,), tuple(_share(None if c is None else c[key]) for c in cells)))
        for key, label in (
            ("flights", "  interceptors"),
            ("flights_over_other", "  over other's"),
            ("intercepts_over_other", "  meet over other's"),
        ):
            out.append(
                Row(
                    (label,), tuple(_estimate(None if c is None else c[key], 1.0, 2) for c in cells)
                )
            )
    return Grid(
        title="Who decides the launches, and whose interceptors fly over whose territory",
        label_headers=("party",),
        headers=tuple(archs),
        rows=tuple(out),
        footer="decisions: shares of all launches; interceptors: per trial; over other's: "
        "the ground track crosses another party's sector",
    )


def exercise_grid(rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> Grid:
    """Tabulate how each architecture degrades under each case of an exercise.

    Parameters
    ----------
    rows : sequence of mapping
        The JSON form of each (case, architecture)
        (:meth:`jointshield.analysis.exercise.Degradation.to_json`).
    meta : mapping
        The exercise's provenance.

    Returns
    -------
    Grid
        Per case: P(no leak) without and with its faults and the change, and
        the change in the population hit (millions); a column per architecture.
    """
    archs = list(dict.fromkeys(r["architecture"] for r in rows))
    cases = list(dict.fromkeys(r["case"] for r in rows))
    at = {(r["case"], r["architecture"]): r for r in rows}
    out: list[Row] = []
    for case in cases:
        cells = [at.get((case, a)) for a in archs]
        first = next(c for c in cells if c is not None)
        out.append(Row((f"{case}: " + "; ".join(first["faults"]),)))
        for key, label, scale, digits in (
            ("p_no_leak", "  P(no leak), no fault", 1.0, 2),
            ("p_no_leak_faulted", "  P(no leak), fault", 1.0, 2),
            ("p_no_leak_change", "  change", 1.0, 2),
            ("population_hit", "  people hit, no fault, M", 1e6, 2),
            ("population_hit_change", "  people hit, change, M", 1e6, 2),
        ):
            out.append(
                Row(
                    (label,),
                    tuple(_estimate(None if c is None else c[key], scale, digits) for c in cells),
                )
            )
    return Grid(
        title="How each architecture degrades under each fault (same seeds)",
        label_headers=("case",),
        headers=tuple(archs),
        rows=tuple(out),
        footer=f"change: with the fault minus without, trial by trial, 95 % t interval; "
        f"{meta.get('trials', 0):,} trials, seed {meta.get('seed')}, scenario "
        f"{meta.get('scenario')} (hash {str(meta.get('scenario_hash', ''))[:12]})",
    )
