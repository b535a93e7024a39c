"""Test-suite settings.

Property tests explore new examples on every local run; under continuous
integration (``CI`` set) they replay a fixed, derandomised set, so that a
submission is judged on the same cases every time.

The geometry cache of the whole session (and of the command lines it starts)
is a temporary folder of its own, removed at the end: the tests never read
nor fill the user's cache.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

_CACHE = tempfile.mkdtemp(prefix="jointshield-test-cache-")
os.environ["JOINTSHIELD_CACHE_DIR"] = _CACHE
os.environ.pop("JOINTSHIELD_NO_CACHE", None)
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
