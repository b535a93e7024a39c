"""A content-addressed cache of deterministic geometry on disk.

What does not change from one run to the next (a raid aimed and flown, every
radar's view of it, an interceptor type's reach table) takes seconds to
compute and milliseconds to read back. :class:`GeometryCache` keeps such
results in files under the user's cache folder, each named by the SHA-256 of
exactly the inputs that determine it (:func:`fingerprint`) together with the
code that computed it, so that a changed input or a changed jointshield
computes afresh and an unchanged one is read back.

Keys
----
:func:`fingerprint` encodes its arguments canonically: numbers by their exact
bits (``float.hex``), strings, tuples and lists in order, mappings sorted by
key, NumPy arrays by dtype, shape and bytes, and dataclasses by class and by
every field that takes part in comparison (fields declared with
``compare=False`` are caches or bookkeeping, not inputs). Anything else is
refused with :class:`TypeError`, so a key can never silently leave an input
out. Every key also holds the package version and a digest of the package's
own source files (:func:`code_digest`): an entry written by other code is
never read.

Files
-----
An entry is one file ``<folder>/<kind>/<key>.bin``: a magic line, the
SHA-256 of the payload, then the payload (a pickle). It is written to a
temporary file in the same folder and moved into place with
:func:`os.replace`, which is atomic: concurrent writers of one key each write
a whole file and the last one wins (they hold the same bytes), and a reader
sees a whole entry or none. An entry whose magic, length, digest or pickle is
wrong (a truncated or corrupted file) is deleted and recomputed, never used.
The folder is the user's own (like Python's bytecode caches): entries are
trusted to be what this code wrote, and checked only against corruption.

Where
-----
``platformdirs.user_cache_dir("jointshield")`` (``~/.cache/jointshield`` on
Linux), or the folder named by the environment variable
:data:`CACHE_DIR_ENV`. The variable :data:`NO_CACHE_ENV` set to anything but
``""`` or ``0`` turns the cache off, as ``--no-cache`` does for one command.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import math
import os
import pickle
import struct
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from jointshield.errors import JointshieldError
from jointshield.record import VERSION

__all__ = [
    "CACHE_DIR_ENV",
    "NO_CACHE_ENV",
    "GeometryCache",
    "code_digest",
    "default_cache",
    "default_folder",
    "fingerprint",
]

CACHE_DIR_ENV = "JOINTSHIELD_CACHE_DIR"
"""Environment variable naming the cache folder (default: the user's cache folder)."""
NO_CACHE_ENV = "JOINTSHIELD_NO_CACHE"
"""Environment variable that turns the cache off when set to anything but ``""`` or ``0``."""

_MAGIC = b"jointshield-geometry-cache 1\n"
_DIGEST_BYTES = 32
_TEMP_PREFIX = ".tmp-"

T = TypeVar("T")

_CODE_DIGEST: str | None = None


def code_digest() -> str:
    """Return the SHA-256 of the package's source files (computed once per process).

    Every ``.py`` file under the package, in sorted order of its relative
    path, path and bytes both hashed: an edit to any module changes every
    key, so that a cache is never read by code other than the code that
    wrote it (the version alone does not change between development builds).
    """
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        package = Path(__file__).resolve().parent
        h = hashlib.sha256(VERSION.encode())
        for path in sorted(package.rglob("*.py")):
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
        _CODE_DIGEST = h.hexdigest()
    return _CODE_DIGEST


def _encode(obj: Any, out: list[bytes]) -> None:
    """Append a canonical, type-tagged encoding of ``obj`` to ``out``."""
    if obj is None:
        out.append(b"N")
    elif isinstance(obj, bool):
        out.append(b"T" if obj else b"F")
    elif isinstance(obj, enum.Enum):
        out.append(f"E{type(obj).__qualname__}:".encode())
        _encode(obj.value, out)
    elif isinstance(obj, int):
        out.append(f"i{int(obj)};".encode())
    elif isinstance(obj, float):
        # float.hex is exact and tells -0.0 from 0.0; every NaN is one NaN.
        out.append(b"f" + (b"nan" if math.isnan(obj) else float(obj).hex().encode()) + b";")
    elif isinstance(obj, str):
        data = obj.encode("utf-8", "surrogatepass")
        out.append(b"s" + struct.pack("<Q", len(data)) + data)
    elif isinstance(obj, bytes):
        out.append(b"b" + struct.pack("<Q", len(obj)) + obj)
    elif isinstance(obj, tuple | list):
        out.append(b"(" if isinstance(obj, tuple) else b"[")
        out.append(struct.pack("<Q", len(obj)))
        for item in obj:
            _encode(item, out)
    elif isinstance(obj, Mapping):
        items = []
        for key, value in obj.items():
            enc_key: list[bytes] = []
            _encode(key, enc_key)
            items.append((b"".join(enc_key), value))
        out.append(b"{" + struct.pack("<Q", len(items)))
        for enc, value in sorted(items, key=lambda kv: kv[0]):
            out.append(enc)
            _encode(value, out)
    elif isinstance(obj, frozenset | set):
        members = []
        for item in obj:
            member: list[bytes] = []
            _encode(item, member)
            members.append(b"".join(member))
        out.append(b"S" + struct.pack("<Q", len(members)) + b"".join(sorted(members)))
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        cls = type(obj)
        out.append(f"D{cls.__module__}.{cls.__qualname__}:".encode())
        for f in dataclasses.fields(obj):
            if f.compare:
                out.append(f.name.encode() + b"=")
                _encode(getattr(obj, f.name), out)
        out.append(b";")
    elif hasattr(obj, "dtype") and hasattr(obj, "shape") and hasattr(obj, "tobytes"):
        if obj.dtype.hasobject:
            out.append(b"O" + struct.pack("<Q", obj.ndim) + repr(obj.shape).encode())
            for item in obj.ravel().tolist():
                _encode(item, out)
        else:
            # NumPy arrays and scalars: dtype, shape, then the C-ordered bytes.
            out.append(f"A{obj.dtype.str}{tuple(obj.shape)}".encode())
            data = obj.tobytes(order="C")
            out.append(struct.pack("<Q", len(data)) + data)
    else:
        raise TypeError(
            f"fingerprint: cannot encode a {type(obj).__module__}.{type(obj).__qualname__}; "
            "a key must name every input exactly"
        )


def fingerprint(*parts: Any) -> str:
    """Return the SHA-256 (hex) of ``parts`` and of the code, for a cache key.

    Parameters
    ----------
    *parts : object
        The inputs that determine a result: numbers, strings, bytes,
        ``None``, enums, tuples, lists, mappings, sets, NumPy arrays and
        scalars, and dataclasses of these, nested in any way.

    Returns
    -------
    str
        64 hex digits; equal inputs (bit for bit) give equal keys, and any
        difference in a number's bits, a string, an order or a type gives
        another key.

    Raises
    ------
    TypeError
        For a value of any other type (a key must name every input).

    Examples
    --------
    >>> fingerprint(1.0, "a") == fingerprint(1.0, "a")
    True
    >>> fingerprint(0.0) == fingerprint(-0.0), fingerprint(1) == fingerprint(1.0)
    (False, False)
    """
    out: list[bytes] = [code_digest().encode()]
    _encode(parts, out)
    return hashlib.sha256(b"".join(out)).hexdigest()


def default_folder() -> Path:
    """Return the cache folder: :data:`CACHE_DIR_ENV` if set, else the user's cache folder."""
    named = os.environ.get(CACHE_DIR_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    return Path(platformdirs.user_cache_dir("jointshield", appauthor=False))


def default_cache() -> GeometryCache | None:
    """Return the cache in :func:`default_folder`, or None when :data:`NO_CACHE_ENV` is set."""
    if os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    return GeometryCache(default_folder())


class GeometryCache:
    """Results of deterministic computations kept in files, each named by its inputs.

    Parameters
    ----------
    folder : path-like
        Where the entries live; created when the first one is written.

    Examples
    --------
    >>> import tempfile
    >>> cache = GeometryCache(tempfile.mkdtemp())
    >>> calls = []
    >>> def square(): calls.append(1); return 3.0 ** 2
    >>> cache.get_or_compute("example", fingerprint(3.0), square)
    9.0
    >>> cache.get_or_compute("example", fingerprint(3.0), square), len(calls)
    (9.0, 1)
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"GeometryCache({str(self.folder)!r})"

    def _path(self, kind: str, key: str) -> Path:
        if not kind.isidentifier() or not all(c in "0123456789abcdef" for c in key) or not key:
            raise ValueError(f"cache entry: bad kind {kind!r} or key {key!r}")
        return self.folder / kind / f"{key}.bin"

    def load(self, kind: str, key: str) -> Any | None:
        """Return the entry ``kind``/``key``, or None if it is absent or damaged.

        A damaged entry (wrong magic, length or digest, or a pickle that does
        not load) is deleted, so that the next write replaces it.
        """
        path = self._path(kind, key)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        head = len(_MAGIC) + _DIGEST_BYTES
        payload = blob[head:]
        if (
            len(blob) <= head
            or not blob.startswith(_MAGIC)
            or hashlib.sha256(payload).digest() != blob[len(_MAGIC) : head]
        ):
            self._discard(path)
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # a valid digest of a pickle this code cannot load
            self._discard(path)
            return None

    def store(self, kind: str, key: str, value: Any) -> None:
        """Write ``value`` as the entry ``kind``/``key``, atomically.

        A folder that cannot be written (read-only, full disk) is not an
        error: the result is then simply not kept.
        """
        path = self._path(kind, key)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        blob = _MAGIC + hashlib.sha256(payload).digest() + payload
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(temp, path)
        except OSError:
            Path(temp).unlink(missing_ok=True)

    def get_or_compute(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        """Return the entry ``kind``/``key``, computing and storing it if absent or damaged."""
        found = self.load(kind, key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = compute()
        self.store(kind, key, value)
        return value

    @staticmethod
    def _discard(path: Path) -> None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)

    def _files(self) -> Iterator[Path]:
        if self.folder.is_dir():
            for kind in sorted(self.folder.iterdir()):
                if kind.is_dir() and kind.name.isidentifier():
                    yield from sorted(kind.glob("*.bin"))
                    yield from sorted(kind.glob(f"{_TEMP_PREFIX}*"))

    def info(self) -> dict[str, tuple[int, int]]:
        """Return ``{kind: (entries, bytes)}`` of what the folder holds."""
        out: dict[str, tuple[int, int]] = {}
        for path in self._files():
            if path.suffix == ".bin":
                n, size = out.get(path.parent.name, (0, 0))
                out[path.parent.name] = (n + 1, size + path.stat().st_size)
        return out

    def clear(self) -> tuple[int, int]:
        """Delete every entry (and stray temporary file); return ``(files, bytes)`` removed.

        Raises
        ------
        JointshieldError
            If an entry cannot be deleted.
        """
        files = size = 0
        for path in list(self._files()):
            try:
                size += path.stat().st_size
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise JointshieldError(f"{path}: cannot delete this cache entry ({exc})") from exc
            files += 1
        for kind in self.folder.iterdir() if self.folder.is_dir() else ():
            if kind.is_dir() and kind.name.isidentifier():
                with contextlib.suppress(OSError):  # not empty: something else lives there
                    kind.rmdir()
        return files, size
