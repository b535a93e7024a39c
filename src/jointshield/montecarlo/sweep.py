"""Parameter sweeps: grids, points, and checkpointed runs that resume."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.errors import JointshieldError
from jointshield.montecarlo.progress import ProgressArg, _progress
from jointshield.montecarlo.store import (
    _jsonable,
    _load_json,
    make_folder,
    remove_temporaries,
    write_json_atomic,
    write_parquet,
)

# --------------------------------------------------------------------------- #
# Sweeps
# --------------------------------------------------------------------------- #

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
MAX_SWEEP_POINTS = 10_000
"""Most points a sweep may have: each is a whole Monte Carlo run, so more is days of work."""

_GRID_FORMS = (
    "NAME=START:STOP:COUNT (e.g. latency_s=0:60:7) or NAME=V1,V2,... (e.g. veto_p=0,0.1,0.5)"
)


def _number(text: str, spec: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise JointshieldError(
            f"grid {spec!r}: expected {_GRID_FORMS}; {what} {text.strip()!r} is not a number"
        ) from None
    if not math.isfinite(value):
        raise JointshieldError(f"grid {spec!r}: expected finite numbers, got {what} {text!r}")
    return value


def parse_grid(spec: str) -> tuple[str, NDArray[np.float64]]:
    """Parse one parameter axis of a sweep.

    Parameters
    ----------
    spec : str
        ``NAME=START:STOP:COUNT`` for ``COUNT`` (at least 2) evenly spaced
        values from ``START`` to ``STOP`` inclusive (:func:`numpy.linspace`),
        or ``NAME=V1,V2,...`` for a list of distinct values (one value is
        allowed). ``NAME`` is a Python-like identifier, dots allowed.

    Returns
    -------
    name : str
    values : numpy.ndarray
        The values, as floats.

    Examples
    --------
    >>> parse_grid("latency_s=0:60:7")
    ('latency_s', array([ 0., 10., 20., 30., 40., 50., 60.]))
    >>> parse_grid("veto_p=0, 0.1, 0.5")
    ('veto_p', array([0. , 0.1, 0.5]))
    """
    if not isinstance(spec, str) or spec.count("=") != 1:
        raise JointshieldError(f"grid {spec!r}: expected {_GRID_FORMS}")
    name, _, body = (part.strip() for part in spec.partition("="))
    if not _NAME.match(name):
        raise JointshieldError(
            f"grid {spec!r}: expected {_GRID_FORMS}; the name {name!r} must start with a "
            "letter or '_' and hold only letters, digits, '_' and '.'"
        )
    if not body:
        raise JointshieldError(f"grid {spec!r}: expected {_GRID_FORMS}; no values after '='")
    if ":" in body:
        parts = body.split(":")
        if len(parts) != 3:
            raise JointshieldError(
                f"grid {spec!r}: expected {_GRID_FORMS}; a range has three parts "
                f"START:STOP:COUNT, got {len(parts)}"
            )
        start = _number(parts[0], spec, "START")
        stop = _number(parts[1], spec, "STOP")
        count_text = parts[2].strip()
        if not count_text.isdigit() or int(count_text) < 2:
            raise JointshieldError(
                f"grid {spec!r}: expected COUNT to be an integer of at least 2, got "
                f"{count_text!r} (write a single value as NAME=VALUE)"
            )
        if start == stop:
            raise JointshieldError(
                f"grid {spec!r}: expected START and STOP to differ, both are {start:g}"
            )
        count = int(count_text)
        if count > MAX_SWEEP_POINTS:
            raise JointshieldError(
                f"grid {spec!r}: expected COUNT of at most {MAX_SWEEP_POINTS:,} (each point "
                f"is a whole run), got {count:,}"
            )
        return name, np.linspace(start, stop, count)
    values = [_number(v, spec, "value") for v in body.split(",")]
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise JointshieldError(
            f"grid {spec!r}: expected distinct values, got {', '.join(f'{v:g}' for v in repeated)} "
            "more than once"
        )
    return name, np.asarray(values, dtype=np.float64)


def _format_value(value: float) -> str:
    # repr is the shortest text that reads back as the same float, so two
    # distinct values never share a key; + 0.0 turns -0.0 into 0.0.
    return repr(float(value) + 0.0).replace("+", "")


@dataclass(frozen=True)
class SweepPoint:
    """One point of a parameter sweep.

    Parameters
    ----------
    index : int
        Position in the grid order of :func:`grid_points`, from 0.
    params : dict of str to float
        Parameter values, in the order of the grids.
    key : str
        Stable, file-name-safe id made of the parameters only, e.g.
        ``latency_s=10.0_veto_p=0.1``; it names the point's result files.
    """

    index: int
    params: dict[str, float]
    key: str


def _point_key(params: Mapping[str, float]) -> str:
    if not params:
        return "default"
    key = "_".join(f"{name}={_format_value(v)}" for name, v in params.items())
    if len(key) > 150:  # file names are limited to 255 bytes; keep it readable and unique
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        key = f"{key[:120]}_{digest}"
    return key


def grid_points(grids: Sequence[tuple[str, ArrayLike]]) -> list[SweepPoint]:
    """Cartesian product of parameter axes, the last axis varying fastest.

    Parameters
    ----------
    grids : sequence of (str, array_like)
        Axes as returned by :func:`parse_grid`, with distinct names. No axes
        give one point with no parameters (key ``default``).

    Returns
    -------
    list of SweepPoint
        In the order of nested loops over the axes, first axis outermost.

    Examples
    --------
    >>> [p.key for p in grid_points([("a", [1, 2]), ("b", [0.5, 1])])]
    ['a=1.0_b=0.5', 'a=1.0_b=1.0', 'a=2.0_b=0.5', 'a=2.0_b=1.0']
    """
    names = [name for name, _ in grids]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise JointshieldError(f"grids: expected distinct parameter names, got {repeated} twice")
    axes = []
    total = 1
    for name, values in grids:
        flat = np.asarray(values, dtype=np.float64).ravel()
        if flat.size == 0:
            raise JointshieldError(f"grid {name!r}: expected at least one value, got none")
        axes.append([float(v) for v in flat])
        total *= flat.size
    if total > MAX_SWEEP_POINTS:
        sizes = " x ".join(f"{len(a):,}" for a in axes)
        raise JointshieldError(
            f"grids: expected at most {MAX_SWEEP_POINTS:,} points in all (each is a whole "
            f"run), got {sizes} = {total:,}"
        )
    points = []
    for index, combo in enumerate(itertools.product(*axes)):
        params = dict(zip(names, combo, strict=True))
        points.append(SweepPoint(index, params, _point_key(params)))
    return points


_RESERVED = ("index", "key", "params")


def _identity_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    lines = []
    for field in sorted(set(old) | set(new)):
        if field not in old:
            lines.append(f"{field}: absent there, {new[field]!r} now")
        elif field not in new:
            lines.append(f"{field}: {old[field]!r} there, absent now")
        elif old[field] != new[field]:
            lines.append(f"{field}: {old[field]!r} there, {new[field]!r} now")
    return lines


def claim_folder(
    out_dir: str | os.PathLike[str], identity: Mapping[str, Any], *, kind: str
) -> None:
    """Make ``out_dir`` the folder of one study, or refuse it if it holds another.

    The identity is kept in ``out_dir/manifest.json``. If that file exists
    and any field differs from ``identity``, the study is refused, naming the
    fields, since its files would mix with another's; otherwise the manifest
    is written. Hidden temporary files that a killed run left behind are
    removed.

    Parameters
    ----------
    out_dir : str or path-like
        The folder; created if needed.
    identity : mapping
        JSON-able identity of the study (scenario hash, seed, trials, ...).
    kind : str
        What the study is, for the message: ``sweep``, ``run``, ...

    Raises
    ------
    JointshieldError
        If the folder holds another study, or cannot be written.
    """
    out = make_folder(out_dir)
    wanted = json.loads(json.dumps(_jsonable(dict(identity))))
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        stored = _load_json(manifest_path)
        if not isinstance(stored, dict):
            raise JointshieldError(f"{manifest_path}: expected a JSON object")
        differences = _identity_differences(stored, wanted)
        if differences:
            fields = ", ".join(line.split(":", 1)[0] for line in differences)
            raise JointshieldError(
                f"{out}: the folder holds another {kind} ({fields} differ"
                f"{'s' if len(differences) == 1 else ''}); resume it with the same "
                "settings or use another folder:\n  " + "\n  ".join(differences)
            )
    else:
        write_json_atomic(manifest_path, wanted)
    remove_temporaries(out)


TableWriter = Callable[[Path, dict[str, str]], object]
"""Writes a point's table to a path with the sweep's file metadata (e.g. tidy tables)."""

PointResult = tuple[Mapping[str, ArrayLike] | TableWriter | None, Mapping[str, Any]]
"""What a point gives: its table (columns, a :data:`TableWriter` or None) and its summary."""


def run_sweep(
    out_dir: str | os.PathLike[str],
    points: Sequence[SweepPoint],
    run_point: Callable[[SweepPoint], PointResult] | None = None,
    *,
    manifest: Mapping[str, Any],
    progress: ProgressArg = True,
    run_points: Callable[[Sequence[SweepPoint]], Iterable[tuple[SweepPoint, PointResult]]]
    | None = None,
) -> list[dict[str, Any]]:
    """Run a parameter sweep with a checkpoint per point, resuming a stopped one.

    Layout of ``out_dir``::

        manifest.json          identity of the sweep, plus the list of point keys
        points/<key>.json      summary of a finished point (written last: its mark)
        points/<key>.parquet   per-trial table of the point, when run_point gives one

    If ``out_dir/manifest.json`` exists and any field of it differs from
    ``manifest`` (or the points differ), the sweep is refused: its results
    would mix two runs. Otherwise the points whose summary file exists are
    read back instead of run, and the others are run (one by one with
    ``run_point``, or together with ``run_points``); each one's files are
    written atomically as soon as it finishes, the summary after the table.
    An interruption (Ctrl-C, a crash) loses at most the points in progress
    and leaves no partial file.

    Parameters
    ----------
    out_dir : str or path-like
        Folder of the sweep; created if needed.
    points : sequence of SweepPoint
        From :func:`grid_points`.
    run_point : callable
        ``run_point(point) -> (table or None, summary)``: the point's table,
        either per-trial columns for :func:`write_parquet` or a
        :data:`TableWriter` that writes it (or ``None`` for none), and a JSON-able
        summary dict (see :func:`write_json_atomic`), without the keys
        ``index``, ``key`` and ``params``, which the sweep adds.
    manifest : mapping
        Identity of the run: scenario hash, seed, trials, architecture, grid,
        version. Put only identity here: anything that may change between a
        run and its resumption (a time stamp, the number of workers) would make
        the resumption refused.
    progress : bool or callable, optional
        As in :func:`run_blocks`, counting points.
    run_points : callable, optional
        Instead of ``run_point``: ``run_points(todo)`` runs the points not yet
        on disk, all at once (e.g. every point's blocks on one cluster), and
        yields ``(point, (table or None, summary))`` for each as soon as it
        finishes, in any order; each is written before the next is asked for.
        Exactly one of ``run_point`` and ``run_points`` is given.

    Returns
    -------
    list of dict
        Each point's summary, ``{"index", "key", "params", **summary}`` as
        stored in JSON (so NaN reads ``None``), in grid order; the same
        whether the points were loaded or run.

    Raises
    ------
    JointshieldError
        If ``out_dir`` holds another sweep (the message names the fields that
        differ), a summary file is unreadable, or the points repeat a key.
    TypeError
        Unless exactly one of ``run_point`` and ``run_points`` is given.
    """
    if (run_point is None) == (run_points is None):
        raise TypeError("run_sweep: give exactly one of run_point and run_points")
    out = Path(out_dir)
    keys = [point.key for point in points]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise JointshieldError(f"sweep points: expected distinct keys, got {repeated} twice")
    if "point_keys" in manifest:
        raise JointshieldError("manifest: 'point_keys' is reserved for the sweep's own use")
    # Compared in its JSON form, so that tuples, NumPy numbers and NaN compare
    # as they read back from the file.
    identity = json.loads(json.dumps(_jsonable({**manifest, "point_keys": keys})))
    claim_folder(out, identity, kind="sweep")
    folder = out / "points"
    # Temporary files left by a run that was killed outright (no chance to
    # clean up) are never read; remove them so the folder holds only results.
    remove_temporaries(folder)
    records: dict[str, dict[str, Any]] = {}
    todo: list[SweepPoint] = []
    for point in points:
        summary_path = folder / f"{point.key}.json"
        if not summary_path.exists():
            todo.append(point)
            continue
        record = _load_json(summary_path)
        if not isinstance(record, dict):
            raise JointshieldError(f"{summary_path}: expected a JSON object")
        records[point.key] = record
    with _progress(progress, len(points), "sweep") as step:
        for _ in records:
            step()
        results: Iterable[tuple[SweepPoint, PointResult]] = ()
        if run_points is not None:
            results = run_points(todo)
        elif run_point is not None:
            one = run_point
            results = ((point, one(point)) for point in todo)
        try:
            for point, (table, summary) in results:
                records[point.key] = _write_point(folder, identity, point, table, summary)
                step()
        finally:
            # Stop the points still running (a generator's clean-up) if a write failed.
            close = getattr(results, "close", None)
            if close is not None:
                close()
    return [records[key] for key in keys]


def _write_point(
    folder: Path,
    identity: Mapping[str, Any],
    point: SweepPoint,
    table: Mapping[str, ArrayLike] | TableWriter | None,
    summary: Mapping[str, Any],
) -> dict[str, Any]:
    """Write a finished point's table, then its summary (its mark), both atomically.

    Returns the point's record as it reads back from its summary file.
    """
    clash = [k for k in _RESERVED if k in summary]
    if clash:
        raise JointshieldError(
            f"point {point.key}: the summary must not hold the keys {clash}, which the sweep adds"
        )
    table_path = folder / f"{point.key}.parquet"
    if table is not None:
        meta = {
            k: v if isinstance(v, str) else json.dumps(_jsonable(v))
            for k, v in identity.items()
            if k != "point_keys"
        }
        meta["point_key"] = point.key
        meta["params"] = json.dumps(point.params)
        if callable(table):
            table(table_path, meta)
        else:
            write_parquet(table_path, table, meta)
    else:
        # A table left by an earlier attempt of this point is stale.
        table_path.unlink(missing_ok=True)
    record = {"index": point.index, "key": point.key, "params": point.params, **summary}
    write_json_atomic(folder / f"{point.key}.json", record)
    loaded: dict[str, Any] = json.loads(json.dumps(_jsonable(record)))
    return loaded
