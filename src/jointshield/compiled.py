"""Compiled kernels: the one way the package compiles a function, and where the code is kept.

The hot loops whose time NumPy's per-operation overhead would dominate (the
universal-variable Kepler solver, the flight integrator, the confirmation and
delivery draws of a trial) are scalar functions compiled by numba
(:func:`njit`): one code path, no NumPy copy beside it.

- IEEE arithmetic throughout (no ``fastmath``: no reassociation or fused
  operations the compiler may choose, so the results are the same bits on
  every run and every worker) and NumPy's error model (a division by zero
  gives inf or NaN, not an exception), as the array code they replaced.
- ``cache=True``: the machine code is written to disk the first time and a new
  process loads it (tenths of a second) instead of compiling again (seconds).

numba decides whether a cached kernel is stale from the source file of the
kernel alone, not from the functions it calls in other files. So that an edit
anywhere in the package can never leave stale machine code in use, the
compiled code lives in a folder named by :func:`jointshield.cache.code_digest`
(the digest of every source file of the package): ``__pycache__/numba-<digest>``
beside this module when it can be written (like Python's bytecode), else
``numba/<digest>`` in the user's cache folder. Folders of other digests
there are removed when a new one is made. A user who sets ``NUMBA_CACHE_DIR``
chooses the folder instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba

from jointshield.cache import code_digest, default_folder

__all__ = ["KERNEL_CACHE_DIR", "njit"]

_F = TypeVar("_F", bound=Callable[..., Any])
_DIGEST_CHARS = 16


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _kernel_folder() -> str:
    """Return the folder of the compiled kernels of this exact code (made; others pruned)."""
    named = os.environ.get("NUMBA_CACHE_DIR", "").strip()
    if named:
        return named
    name = f"numba-{code_digest()[:_DIGEST_CHARS]}"
    for parent in (Path(__file__).resolve().parent / "__pycache__", default_folder() / "numba"):
        folder = parent / name
        if folder.is_dir() or _writable(folder):
            for other in parent.glob("numba-*"):
                if other != folder and other.is_dir():
                    with contextlib.suppress(OSError):
                        shutil.rmtree(other)
            return str(folder)
    return ""  # nowhere to write: numba's own default (it compiles in memory if it must)


KERNEL_CACHE_DIR: str = _kernel_folder()
"""Where the compiled kernels of this code are kept (empty: numba's default)."""
if KERNEL_CACHE_DIR:
    # Read by numba when a cached function is decorated, so set before any kernel is.
    _config: Any = numba.config
    _config.CACHE_DIR = KERNEL_CACHE_DIR


def njit(func: _F) -> _F:
    """Compile a scalar kernel with numba: IEEE arithmetic, NumPy's error model, cached.

    Parameters
    ----------
    func : callable
        A function numba's nopython mode compiles (scalars, NumPy arrays,
        loops).

    Returns
    -------
    callable
        The compiled function, typed as ``func`` (it is compiled for each
        new combination of argument types on first call, or loaded from
        :data:`KERNEL_CACHE_DIR`).
    """
    compiled: Any = numba.njit(cache=True, error_model="numpy")(func)
    return cast(_F, compiled)
