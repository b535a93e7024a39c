"""Progress bars for long runs, on a terminal only."""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress

ProgressArg = bool | Callable[[int, int], object]


# The bar of an enclosing sweep, so that the blocks of each point show as a
# second line of it: rich allows one live display at a time.
_ACTIVE_PROGRESS: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "jointshield_active_progress", default=None
)


def _stderr_is_terminal() -> bool:
    stream = sys.stderr
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


@contextlib.contextmanager
def _progress(progress: ProgressArg, total: int, description: str) -> Iterator[Callable[[], None]]:
    """Yield a function to call once per finished item, reporting as ``progress`` asks."""
    if callable(progress):
        callback = progress
        done = 0

        def step() -> None:
            nonlocal done
            done += 1
            callback(done, total)

        callback(0, total)
        yield step
        return
    if not progress or not _stderr_is_terminal():
        yield lambda: None
        return
    # rich is imported here so that importing this module stays cheap.
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    outer = _ACTIVE_PROGRESS.get()
    if outer is not None:
        task = outer.add_task(description, total=total)
        try:
            yield lambda: outer.advance(task)
        finally:
            outer.remove_task(task)
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        token = _ACTIVE_PROGRESS.set(bar)
        task = bar.add_task(description, total=total)
        try:
            yield lambda: bar.advance(task)
        finally:
            _ACTIVE_PROGRESS.reset(token)
