"""Gantt charts of engagement timelines: horizontal bars in seconds after each threat's launch.

:func:`gantt_bars` turns the JSON form of an engagement timeline
(:meth:`jointshield.analysis.engagements.EngagementTimeline.to_json`) into
bars, one row per warhead and party, for one trial (the timeline's
``trial``): the party's sensing (first detection to track, track to
fire-control track, with the architecture's sharing, from the nominal
picture), then on the row of the party whose battery engages, the decision
(requested to authorised: with a dual key, the consent's seconds in their own
bar), the wait for the intercept window, the interceptor's flight, the kill
assessment and a second layer's shot. :func:`gantt_figure` draws them with
matplotlib, each architecture in its own panel, with the median launch and
intercept over the trials and their 5–95 % range as whiskers, and a mark
where the warhead is killed or leaks. Matplotlib is imported inside the
functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from jointshield.report.maps import save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Timeline = Mapping[str, Any]
"""The JSON form of an engagement timeline."""
Warhead = Mapping[str, Any]
"""The JSON form of one warhead's engagement."""

__all__ = ["BAR_KINDS", "Bar", "gantt_bars", "gantt_figure", "write_gantt"]

BAR_KINDS: Final = {
    "tracking": ("first detection to first track", "#c6dbef"),
    "fire-control": ("track to fire-control quality", "#6baed6"),
    "decision": ("decision: requested to authorised", "#fdae6b"),
    "dual-key": ("dual key: requested to both parties' consent", "#e6550d"),
    "waiting": ("waiting for the intercept window", "#d9d9d9"),
    "flight": ("interceptor flight", "#31a354"),
    "kill-assessment": ("kill assessment", "#a1d99b"),
    "reengagement": ("second layer's interceptor flight", "#756bb1"),
}
"""Each kind of bar: its legend and colour."""


@dataclass(frozen=True)
class Bar:
    """One bar of a Gantt chart.

    Attributes
    ----------
    architecture : str
        The panel.
    row : str
        ``<warhead label> · <party>``.
    kind : str
        One of :data:`BAR_KINDS`.
    start_s, end_s : float
        Its span, s after the warhead's threat's launch.
    """

    architecture: str
    row: str
    kind: str
    start_s: float
    end_s: float


def _row(w: Warhead, party: str) -> str:
    return f"{w['label']} · {party}"


def _t(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _party(w: Warhead) -> str:
    return str(w["trial"]["party"] or "")


def _bar(arch: str, row: str, kind: str, start: float, end: float) -> list[Bar]:
    if math.isfinite(start) and math.isfinite(end) and end >= start:
        return [Bar(arch, row, kind, start, end)]
    return []


def _warhead_bars(arch: str, w: Warhead, dual_key: bool) -> list[Bar]:
    bars: list[Bar] = []
    for party, sensed in w["sensing"].items():
        row = _row(w, party)
        detect, track, fc = (_t(sensed[k]["t_s"]) for k in ("detection", "track", "fire_control"))
        bars += _bar(arch, row, "tracking", detect, track)
        bars += _bar(arch, row, "fire-control", track, fc)
    if _party(w):
        row = _row(w, _party(w))
        m = {k: _t(v["trial"]) for k, v in w["milestones"].items()}
        bars += _bar(
            arch, row, "dual-key" if dual_key else "decision", m["requested"], m["authorised"]
        )
        ready = max(m["authorised"], m["fire_control"])
        bars += _bar(arch, row, "waiting", ready, m["launch"])
        bars += _bar(arch, row, "flight", m["launch"], m["intercept"])
        bars += _bar(arch, row, "kill-assessment", m["intercept"], m["kill_assessed"])
        bars += _bar(arch, row, "reengagement", m["reengage_launch"], m["reengage_intercept"])
    return bars


def gantt_bars(tl: Timeline) -> list[Bar]:
    """Return every bar of the chart of a timeline's trial, architecture by architecture.

    Rows are warhead by warhead, party by party in the scenario's order; a
    bar of zero length (an instant decision) is kept, so that the table and
    the chart list the same milestones.
    """
    return [
        bar
        for arch, panel in tl["architectures"].items()
        for w in panel["warheads"]
        for bar in _warhead_bars(arch, w, panel["dual_key"])
    ]


def _rows(warheads: list[Warhead], bars: list[Bar]) -> list[str]:
    used = {b.row for b in bars}
    rows = []
    for w in warheads:
        for party in w["sensing"]:
            row = _row(w, party)
            if row in used or party == _party(w):
                rows.append(row)
    return rows


def gantt_figure(tl: Timeline) -> Figure:
    """Draw the Gantt chart of an engagement timeline, one panel per architecture.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with an Agg canvas attached.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    bars = gantt_bars(tl)
    panels = [
        (a, p["warheads"], [b for b in bars if b.architecture == a])
        for a, p in tl["architectures"].items()
    ]
    heights = [max(len(_rows(ws, bs)), 1) for _, ws, bs in panels]
    height_in = 1.8 + 0.22 * sum(heights) + 0.5 * len(panels)
    fig = Figure(figsize=(10.0, height_in), dpi=150)
    FigureCanvasAgg(fig)
    axes = fig.subplots(
        len(panels), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": heights}
    )[:, 0]
    for ax, (arch, warheads, arch_bars) in zip(axes, panels, strict=True):
        rows = _rows(warheads, arch_bars)
        y = {row: k for k, row in enumerate(rows)}
        for bar in arch_bars:
            if bar.row not in y:
                continue
            width = max(bar.end_s - bar.start_s, 0.8)  # an instant still shows
            ax.barh(
                y[bar.row],
                width,
                left=bar.start_s,
                height=0.6,
                color=BAR_KINDS[bar.kind][1],
                edgecolor="none",
            )
        for w in warheads:
            row = _row(w, _party(w)) if _party(w) else None
            if row is None:
                row = next((_row(w, p) for p in w["sensing"] if _row(w, p) in y), None)
            if row is None or row not in y:
                continue
            for name in ("launch", "intercept"):
                s = w["milestones"][name]
                if s["median"] is not None:
                    ax.plot([_t(s["p5"]), _t(s["p95"])], [y[row] + 0.38] * 2, color="0.25", lw=0.8)
                    ax.plot([s["median"]], [y[row] + 0.38], "|", color="0.1", ms=6)
            impact = _t(w["impact_s"])
            if w["trial"]["killed"]:
                hit = _t(w["milestones"]["intercept"]["trial"])
                ax.plot([hit], [y[row]], "*", color="black", ms=7)
            else:
                ax.plot([impact], [y[row]], "x", color="#de2d26", ms=6, mew=1.5)
                ax.annotate(
                    w["trial"]["reason"],
                    (impact, y[row]),
                    xytext=(4, -3),
                    textcoords="offset points",
                    fontsize=6,
                    color="#de2d26",
                )
        ax.set_yticks(range(len(rows)), rows, fontsize=6)
        ax.set_ylim(len(rows) - 0.4, -0.6)
        dual = tl["architectures"][arch]["dual_key"]
        ax.set_title(f"{arch}{'  (dual key)' if dual else ''}", loc="left", fontsize=9)
        ax.set_xlim(left=0.0)
        ax.grid(axis="x", color="0.9", lw=0.5)
        ax.set_axisbelow(True)
    axes[-1].set_xlabel("seconds after the threat's launch")
    handles = [Patch(color=c, label=label) for label, c in BAR_KINDS.values()]
    handles += [
        Patch(color="black", label="★ killed (this trial)"),
        Patch(color="#de2d26", label="✕ leaks at impact (this trial), with why"),
        Patch(color="0.25", label="| median launch and intercept, whiskers 5–95 %"),
    ]
    meta = tl.get("meta", {})
    fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=6, frameon=False)
    fig.suptitle(
        f"Engagement timeline, trial {tl['trial']} of {meta.get('trials', '?')}: "
        f"{meta.get('scenario', '')} raid {meta.get('raid', '')} "
        f"(seed {meta.get('seed', '')}, jointshield {meta.get('jointshield_version', '')})",
        fontsize=8,
    )
    legend_in, title_in = 0.75, 0.3  # room for the legend below and the title above, inches
    fig.set_layout_engine(
        "constrained",
        rect=(0.0, legend_in / height_in, 1.0, 1.0 - (legend_in + title_in) / height_in),
    )
    return fig


def write_gantt(tl: Timeline, path: str | Path) -> Path:
    """Draw :func:`gantt_figure` and write it (PNG, SVG or PDF as the suffix says)."""
    return save_figure(gantt_figure(tl), path)
