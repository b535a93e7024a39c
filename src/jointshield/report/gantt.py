"""Gantt charts of engagement timelines: horizontal bars in seconds after each threat's launch.

:func:`gantt_bars` turns an :class:`~jointshield.analysis.engagements.EngagementTimeline`
into bars, one row per warhead and party, for one trial (the timeline's
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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from jointshield.analysis.engagements import EngagementTimeline, WarheadTimeline
from jointshield.report.maps import save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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


def _row(w: WarheadTimeline, party: str) -> str:
    return f"{w.label} · {party}"


def _bar(arch: str, row: str, kind: str, start: float, end: float) -> list[Bar]:
    if math.isfinite(start) and math.isfinite(end) and end >= start:
        return [Bar(arch, row, kind, start, end)]
    return []


def _warhead_bars(arch: str, w: WarheadTimeline, dual_key: bool) -> list[Bar]:
    bars: list[Bar] = []
    for party, sensed in w.sensing.items():
        row = _row(w, party)
        detect, track, fc = (sensed[k].t_s for k in ("detection", "track", "fire_control"))
        bars += _bar(arch, row, "tracking", detect, track)
        bars += _bar(arch, row, "fire-control", track, fc)
    if w.trial_party:
        row = _row(w, w.trial_party)
        m = {k: v.trial for k, v in w.milestones.items()}
        bars += _bar(
            arch, row, "dual-key" if dual_key else "decision", m["requested"], m["authorised"]
        )
        ready = max(m["authorised"], m["fire_control"])
        bars += _bar(arch, row, "waiting", ready, m["launch"])
        bars += _bar(arch, row, "flight", m["launch"], m["intercept"])
        bars += _bar(arch, row, "kill-assessment", m["intercept"], m["kill_assessed"])
        bars += _bar(arch, row, "reengagement", m["reengage_launch"], m["reengage_intercept"])
    return bars


def gantt_bars(tl: EngagementTimeline) -> list[Bar]:
    """Return every bar of the chart of ``tl``'s trial, architecture by architecture.

    Rows are warhead by warhead, party by party in the scenario's order; a
    bar of zero length (an instant decision) is kept, so that the table and
    the chart list the same milestones.
    """
    return [
        bar
        for arch, warheads in tl.architectures.items()
        for w in warheads
        for bar in _warhead_bars(arch, w, tl.dual_key[arch])
    ]


def _rows(warheads: tuple[WarheadTimeline, ...], bars: list[Bar]) -> list[str]:
    used = {b.row for b in bars}
    rows = []
    for w in warheads:
        for party in w.sensing:
            row = _row(w, party)
            if row in used or party == w.trial_party:
                rows.append(row)
    return rows


def gantt_figure(tl: EngagementTimeline) -> Figure:
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
        (a, ws, [b for b in bars if b.architecture == a]) for a, ws in tl.architectures.items()
    ]
    heights = [max(len(_rows(ws, bs)), 1) for _, ws, bs in panels]
    fig = Figure(figsize=(10.0, 1.4 + 0.22 * sum(heights) + 0.5 * len(panels)), dpi=150)
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
            row = _row(w, w.trial_party) if w.trial_party else None
            if row is None:
                row = next((_row(w, p) for p in w.sensing if _row(w, p) in y), None)
            if row is None or row not in y:
                continue
            for name in ("launch", "intercept"):
                s = w.milestones[name]
                if math.isfinite(s.median):
                    ax.plot([s.p5, s.p95], [y[row] + 0.38] * 2, color="0.25", lw=0.8)
                    ax.plot([s.median], [y[row] + 0.38], "|", color="0.1", ms=6)
            if w.trial_killed:
                ax.plot([w.milestones["intercept"].trial], [y[row]], "*", color="black", ms=7)
            else:
                ax.plot([w.impact_s], [y[row]], "x", color="#de2d26", ms=6, mew=1.5)
                ax.annotate(
                    w.trial_reason,
                    (w.impact_s, y[row]),
                    xytext=(4, -3),
                    textcoords="offset points",
                    fontsize=6,
                    color="#de2d26",
                )
        ax.set_yticks(range(len(rows)), rows, fontsize=6)
        ax.set_ylim(len(rows) - 0.4, -0.6)
        ax.set_title(f"{arch}{'  (dual key)' if tl.dual_key[arch] else ''}", loc="left", fontsize=9)
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
    meta = tl.meta
    fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=6, frameon=False)
    fig.suptitle(
        f"Engagement timeline, trial {tl.trial} of {meta.get('trials', '?')}: "
        f"{meta.get('scenario', '')} raid {meta.get('raid', '')} "
        f"(seed {meta.get('seed', '')}, jointshield {meta.get('jointshield_version', '')})",
        fontsize=8,
    )
    fig.set_layout_engine("constrained", rect=(0.0, 0.06, 1.0, 0.94))
    return fig


def write_gantt(tl: EngagementTimeline, path: str | Path) -> Path:
    """Draw :func:`gantt_figure` and write it (PNG, SVG or PDF as the suffix says)."""
    return save_figure(gantt_figure(tl), path)
