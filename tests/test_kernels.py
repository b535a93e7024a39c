"""The compiled flight kernels: results independent of the batch, and of the process.

Each flyout and each Kepler arc is computed by a scalar kernel looped over the
batch, so its bytes must not depend on which batch (or chunk, or worker) it
was in; the kernels are cached on disk, and a new process that loads them
must give the same bytes as the process that compiled them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from jointshield.flight import fly_powered
from jointshield.physics.ballistics import kepler_propagate, time_to_radius_s
from jointshield.physics.geo import MU_EARTH_M3_S2
from missiles import TWO_STAGE

_N = 1000
_PICK = (0, 17, 999)


def _controls(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    lat = np.radians(35.0 + rng.uniform(-0.5, 0.5, n))
    lon = np.radians(53.0 + rng.uniform(-0.5, 0.5, n))
    az = np.radians(rng.uniform(270.0, 330.0, n))
    pitch = np.radians(rng.uniform(18.0, 40.0, n))
    return lat, lon, az, pitch


def _fingerprint(n: int, picks: tuple[int, ...], sample_dt_s: float | None) -> bytes:
    """The bytes of every per-flyout result of the flyouts ``picks`` of the first ``n``."""
    lat, lon, az, pitch = _controls(n)
    fl = fly_powered(TWO_STAGE, lat, lon, az, pitch, sample_dt_s=sample_dt_s)
    part = fl.take(np.array(picks))
    arrays = [getattr(part, name) for name in part._PER_FLYOUT]
    if part.samples is not None:
        arrays.append(part.samples)
    return b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)


def test_a_flyout_is_the_same_alone_and_in_a_batch() -> None:
    """Flown alone, in a batch of 1,000 or in small chunks: the same bytes."""
    lat, lon, az, pitch = _controls(_N)
    batch = fly_powered(TWO_STAGE, lat, lon, az, pitch)
    chunked = fly_powered(TWO_STAGE, lat, lon, az, pitch, chunk_size=97)
    for i in _PICK:
        alone = fly_powered(TWO_STAGE, lat[i], lon[i], az[i], pitch[i])
        for name in batch._PER_FLYOUT:
            got = getattr(alone, name)[0]
            assert np.asarray(getattr(batch, name)[i]).tobytes() == np.asarray(got).tobytes()
            assert np.asarray(getattr(chunked, name)[i]).tobytes() == np.asarray(got).tobytes()


def test_samples_are_the_same_alone_and_in_a_batch() -> None:
    """The sampled trajectory of a flyout does not depend on its batch either."""
    batch = _fingerprint(40, (3,), sample_dt_s=2.0)
    lat, lon, az, pitch = _controls(40)
    alone = fly_powered(TWO_STAGE, lat[3], lon[3], az[3], pitch[3], sample_dt_s=2.0)
    arrays = [getattr(alone, name) for name in alone._PER_FLYOUT]
    assert alone.samples is not None
    assert batch == b"".join(np.ascontiguousarray(a).tobytes() for a in [*arrays, alone.samples])


@pytest.mark.slow
def test_a_new_process_loading_the_cached_kernels_gives_the_same_bytes() -> None:
    """The kernels loaded from the on-disk cache compute what the compiled ones did."""
    here = _fingerprint(50, (0, 25, 49), sample_dt_s=5.0)
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, "tests")
        from test_kernels import _fingerprint
        sys.stdout.buffer.write(_fingerprint(50, (0, 25, 49), sample_dt_s=5.0))
        """
    )
    there = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, timeout=600
    ).stdout
    assert there == here


def test_kepler_arc_is_the_same_alone_and_in_a_batch() -> None:
    """Each state is solved on its own: a batch changes no bit."""
    rng = np.random.default_rng(3)
    r = rng.normal(size=(500, 3))
    r *= rng.uniform(6.4e6, 8e6, (500, 1)) / np.linalg.norm(r, axis=1, keepdims=True)
    v = rng.normal(size=(500, 3)) * rng.uniform(1e3, 1.2e4, (500, 1))
    dt = rng.uniform(-3000.0, 3000.0, 500)
    r1, v1 = kepler_propagate(r, v, dt)
    for i in (0, 123, 499):
        ri, vi = kepler_propagate(r[i], v[i], dt[i])
        assert ri.tobytes() == r1[i].tobytes()
        assert vi.tobytes() == v1[i].tobytes()


def test_kepler_kernel_gives_nan_for_non_finite_input_and_stops_on_extreme_arcs() -> None:
    """A non-finite state or time gives NaN; the bounded loops end on any input."""
    r = np.array([[7e6, 0.0, 0.0]] * 4)
    v = np.array([[0.0, 7.5e3, 0.0], [0.0, np.nan, 0.0], [0.0, 3e4, 0.0], [0.0, 7.5e3, 0.0]])
    dt = np.array([np.inf, 100.0, 1e12, -1e9])
    r1, v1 = kepler_propagate(r, v, dt)
    assert np.isnan(r1[:2]).all() and np.isnan(v1[:2]).all()
    # Far out on a hyperbola and many revolutions back on an ellipse: an answer, not a hang.
    assert r1.shape == (4, 3)
    back, _ = kepler_propagate(r1[3], v1[3], 1e9)
    assert np.linalg.norm(back - r[3]) < 1e-3 * np.linalg.norm(r[3])


def test_time_to_radius_agrees_with_the_kepler_kernel() -> None:
    """The closed-form crossing time, propagated by the kernel, lands on the radius."""
    r = np.array([6.5e6, 0.0, 0.0])
    v = np.array([2.0e3, 6.0e3, 0.0])
    radius = 6.6e6
    t = float(time_to_radius_s(r, v, radius))
    r1, _ = kepler_propagate(r, v, t, MU_EARTH_M3_S2)
    assert abs(np.linalg.norm(r1) - radius) < 1e-6
