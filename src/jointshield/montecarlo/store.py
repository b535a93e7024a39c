"""Results on disk: atomic JSON and Parquet files with their provenance."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import ArrayLike

from jointshield.errors import JointshieldError
from jointshield.jsonio import dumps, jsonable
from jointshield.montecarlo.blocks import Columns

# --------------------------------------------------------------------------- #
# Files
# --------------------------------------------------------------------------- #


_TEMPORARY = re.compile(r"\..+\.\d+\.[0-9a-f]{8}\.tmp\Z")


@contextlib.contextmanager
def _atomic_file(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Yield a binary file that replaces ``path`` only once it is complete.

    The data go to a hidden temporary file in the same folder (so that
    :func:`os.replace` is an atomic rename on the same file system), which is
    flushed to disk and then renamed over ``path``. On any exception, Ctrl-C
    included, the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")  # _TEMPORARY
    # os.open with mode 0o666 honours the umask, unlike tempfile's 0o600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_folder(target.parent)


def check_folder(path: str | os.PathLike[str], what: str = "--out") -> Path:
    """Refuse a folder that cannot hold results, before any work is done; create nothing.

    ``path`` must be a folder, or not exist yet below a folder that may be
    written to (missing folders between are created when the first file is
    written).

    Parameters
    ----------
    path : str or path-like
        The folder results are to go to.
    what : str
        What the folder is, for the message (e.g. the option's name).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    JointshieldError
        If ``path`` is a file, lies under a file, or under a folder that may
        not be written to.
    """
    folder = Path(path)
    if "\0" in str(folder):
        raise JointshieldError(f"{what} {str(folder)!r}: expected a folder name, got a NUL byte")
    if folder.exists():
        if not folder.is_dir():
            raise JointshieldError(f"{what} {folder}: expected a folder, got an existing file")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise JointshieldError(f"{what} {folder}: the folder may not be written to")
        return folder
    parent = folder.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise JointshieldError(
            f"{what} {folder}: cannot create the folder, {parent} is a file, not a folder"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise JointshieldError(
            f"{what} {folder}: cannot create the folder, {parent} may not be written to"
        )
    return folder


def make_folder(path: str | os.PathLike[str], what: str = "--out") -> Path:
    """Create the folder ``path`` (and its parents) if needed, or say in one line why not."""
    folder = check_folder(path, what)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise JointshieldError(
            f"{what} {folder}: cannot create the folder ({exc.strerror or exc})"
        ) from None
    return folder


def remove_temporaries(folder: str | os.PathLike[str]) -> None:
    """Remove the hidden temporary files that a run killed outright left in ``folder``.

    They are never read (a file is complete only once renamed), so a folder
    is tidied of them on the next run into it.
    """
    where = Path(folder)
    if where.is_dir():
        for leftover in where.iterdir():
            if _TEMPORARY.match(leftover.name):
                leftover.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable where the platform allows (POSIX); skip it elsewhere."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _jsonable(obj: Any) -> Any:
    """Convert ``obj`` to plain JSON types (:func:`jointshield.jsonio.jsonable`)."""
    try:
        return jsonable(obj)
    except TypeError as exc:
        raise JointshieldError(str(exc)) from None


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as JSON to ``path``, atomically.

    Strict JSON by :func:`jointshield.jsonio.dumps`: NumPy scalars and
    arrays, paths and objects with a ``to_json()`` method (such as
    :class:`~jointshield.montecarlo.stats.Estimate`) are converted, and NaN
    and infinities are written as ``null``, since JSON has none of them.
    UTF-8, indented, with a final newline.

    Parameters
    ----------
    path : str or path-like
        File to write; its folder is created if needed.
    obj : object
        Dicts, lists, numbers, strings, ``None``, and the types above.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    text = dumps(_jsonable(obj), indent=2, ensure_ascii=False) + "\n"
    with _atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))
    return Path(path)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise JointshieldError(f"{path}: expected a readable JSON file ({exc})") from exc


def _import_pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:
        raise JointshieldError(
            "per-trial Parquet files need the 'pyarrow' package (pip install pyarrow)"
        ) from exc
    return pa, pq


def write_parquet(
    path: str | os.PathLike[str],
    columns: Mapping[str, ArrayLike],
    metadata: Mapping[str, str],
) -> Path:
    """Write per-trial columns and file metadata to a Parquet file, atomically.

    See the module's *Parquet layout*: one row per trial; a column of shape
    ``(trials, a, ...)`` becomes one nested fixed-size list column; each
    field records its NumPy dtype so that :func:`read_parquet` restores it.

    Parameters
    ----------
    path : str or path-like
        File to write; its folder is created if needed.
    columns : mapping of str to array_like
        Columns of equal first-axis length. Numbers, booleans, fixed-width
        strings and datetimes; no object arrays, no zero-length inner axes.
    metadata : mapping of str to str
        File-level key-value metadata (e.g. scenario hash, seed, version,
        architecture, parameters as JSON).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    pa, pq = _import_pyarrow()
    arrays: dict[str, Any] = {}
    fields = []
    rows: int | None = None
    for name, column in columns.items():
        a = np.ascontiguousarray(column)
        if a.ndim == 0:
            raise JointshieldError(f"column {name!r}: expected an array over trials, got a scalar")
        if rows is None:
            rows = a.shape[0]
        elif a.shape[0] != rows:
            raise JointshieldError(
                f"column {name!r}: expected {rows} rows like the columns before it, "
                f"got {a.shape[0]}"
            )
        if a.dtype.hasobject or a.dtype.kind in "cV":
            raise JointshieldError(
                f"column {name!r}: expected numbers, booleans, strings or datetimes, "
                f"got dtype {a.dtype}"
            )
        if 0 in a.shape[1:]:
            raise JointshieldError(
                f"column {name!r}: inner axes must not be empty, got shape {a.shape}"
            )
        values = pa.array(a.reshape(-1))
        for size in reversed(a.shape[1:]):
            values = pa.FixedSizeListArray.from_arrays(values, size)
        arrays[name] = values
        fields.append(
            pa.field(name, values.type, nullable=False, metadata={"numpy_dtype": a.dtype.str})
        )
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise JointshieldError(
                f"Parquet metadata {key!r}: expected a string key and value, "
                f"got {type(value).__name__} (write numbers and dicts as JSON)"
            )
    schema = pa.schema(fields, metadata=dict(metadata))
    table = pa.Table.from_arrays(list(arrays.values()), schema=schema)
    with _atomic_file(path) as handle:
        pq.write_table(table, handle, compression="zstd")
    return Path(path)


def write_table(path: str | os.PathLike[str], table: Any) -> Path:
    """Write a :class:`pyarrow.Table` to a Parquet file, atomically (zstd compression).

    For tables that carry their own schema and metadata (e.g. the labelled
    per-warhead tables of a run); :func:`write_parquet` builds one from arrays.
    """
    _, pq = _import_pyarrow()
    with _atomic_file(path) as handle:
        pq.write_table(table, handle, compression="zstd")
    return Path(path)


def read_parquet(path: str | os.PathLike[str]) -> tuple[Columns, dict[str, str]]:
    """Read a file written by :func:`write_parquet`.

    Parameters
    ----------
    path : str or path-like
        Parquet file.

    Returns
    -------
    columns : dict of str to numpy.ndarray
        The columns, with their shapes and NumPy dtypes restored; writable.
    metadata : dict of str to str
        The file-level metadata given to :func:`write_parquet`.
    """
    pa, pq = _import_pyarrow()
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise JointshieldError(f"{path}: expected a readable Parquet file ({exc})") from exc
    columns: Columns = {}
    for field in table.schema:
        values = table.column(field.name).combine_chunks()
        inner: list[int] = []
        while pa.types.is_fixed_size_list(values.type):
            inner.append(values.type.list_size)
            values = values.flatten()
        array = values.to_numpy(zero_copy_only=False, writable=True)
        dtype = (field.metadata or {}).get(b"numpy_dtype")
        if dtype is not None and array.dtype != np.dtype(dtype.decode()):
            array = array.astype(np.dtype(dtype.decode()))
        columns[field.name] = array.reshape(table.num_rows, *inner)
    metadata = {
        k.decode(): v.decode()
        for k, v in (table.schema.metadata or {}).items()
        if not k.startswith(b"ARROW:")
    }
    return columns, metadata


def write_rows(
    path: str | os.PathLike[str],
    rows: Sequence[Mapping[str, Any]],
    categories: Sequence[str],
    meta: Mapping[str, Any],
) -> Path:
    """Write flat records (one dict per row, the same keys) to Parquet, typed and labelled.

    The ``categories`` columns are strings stored as categories (pandas reads
    them as ``category``, in their order of first appearance); every other
    column is float64 (NaN for a missing value). The provenance ``meta`` is in
    the schema's metadata under ``jointshield``.
    """
    pa, _ = _import_pyarrow()
    keys = list(rows[0]) if rows else list(categories)
    columns: dict[str, Any] = {}
    for key in keys:
        values = [row[key] for row in rows]
        if key in categories:
            names = list(dict.fromkeys(str(v) for v in values))
            codes = np.array([names.index(str(v)) for v in values], dtype=np.int32)
            columns[key] = pa.DictionaryArray.from_arrays(
                pa.array(codes, type=pa.int32()), pa.array(names, type=pa.string())
            )
        else:
            floats = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
            columns[key] = pa.array(floats, type=pa.float64(), from_pandas=True)
    table = pa.table(columns).replace_schema_metadata(
        {"jointshield": json.dumps(dict(meta), sort_keys=True, default=str)}
    )
    return write_table(path, table)
