"""The compiled pieces of a Runge–Kutta integrator, one trajectory at a time.

Dormand–Prince 5(4) (Dormand and Prince, J. Comput. Appl. Math. 6(1), 1980,
pp. 19–26) with its free 4th-order continuous extension (Hairer, Nørsett and
Wanner, *Solving Ordinary Differential Equations I*, 2nd ed., 1993, §II.6),
the same scheme as ``scipy.integrate.solve_ivp(method="RK45")``, with a PI
step-size controller and an Illinois regula falsi to locate events on the
continuous extension, so that an event costs no extra evaluations of the
right-hand side.

Every function here is a scalar numba kernel (:func:`~jointshield.physics.ballistics.njit`)
working on one six-component state (position and velocity); the flight engine
(:mod:`jointshield.flight.flyout`) drives them with its own right-hand sides,
one trajectory after the other. Each trajectory has its own time, step size
and stop time, so its result never depends on the batch it is flown in.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from jointshield.arrays import FloatArray
from jointshield.compiled import njit

# Dormand–Prince 5(4) tableau (Dormand and Prince 1980, table 2). Row s < 6 of W
# holds the weights of the stages before stage s (the matrix A), row 6 those of the
# 5th-order solution (B) and row 7 the difference between the 5th- and 4th-order
# weights (E, 7 stages, FSAL).
C: Final = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0])
W: Final = np.array(
    [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [1 / 5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [3 / 40, 9 / 40, 0.0, 0.0, 0.0, 0.0, 0.0],
        [44 / 45, -56 / 15, 32 / 9, 0.0, 0.0, 0.0, 0.0],
        [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0.0, 0.0, 0.0],
        [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0.0, 0.0],
        [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0],
        [-71 / 57600, 0.0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40],
    ]
)
SOLUTION: Final = 6
"""Row of :data:`W` with the weights of the 5th-order solution."""
_ERROR = 7
# Continuous extension: y(t + θh) = y + h Σ_k K_k (P_k · [θ, θ², θ³, θ⁴]).
P: Final = np.array(
    [
        [1.0, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799],
        [0.0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
        [0.0, 127303824393 / 49829197408, -318862633887 / 49829197408, 701980252875 / 199316789632],
        [0.0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0.0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423],
    ]
)

_SAFETY: Final = 0.8
_BETA1: Final = 0.7 / 5.0
_BETA2: Final = 0.4 / 5.0
LOG_RATIO_FLOOR: Final = float(np.log(1e-4))
"""Floor of the logarithm of the error ratio remembered by the PI controller."""
_MIN_FACTOR: Final = 0.2
_MAX_FACTOR: Final = 2.5
ROOT_ITERATIONS: Final = 40
"""Most rounds of the regula falsi that locates an event."""
ROOT_TOL_S: Final = 1e-7
"""Tolerance on the time of a terminal event, s."""
MAX_STEPS: Final = 100_000
"""Safety limit on the steps of one trajectory: beyond it the problem is too stiff."""


@njit
def stage_state(y: FloatArray, h: float, k: FloatArray, row: int, out: FloatArray) -> None:
    """Write ``y + h Σ_j W[row, j] k[j]`` into ``out`` (6,), skipping the zero weights.

    ``k`` is (7, 6), the stage derivatives. The sum runs in stage order,
    then is scaled by ``h`` and added to ``y``.
    """
    for c in range(6):
        acc = k[0, c] * W[row, 0]
        for j in range(1, 7):
            if W[row, j] != 0.0:
                acc += k[j, c] * W[row, j]
        out[c] = acc * h + y[c]


@njit
def error_ratio(h: float, k: FloatArray, inv_atol: FloatArray) -> float:
    """Largest ratio of the embedded error estimate to its tolerance; NaN if any is NaN."""
    ratio = 0.0
    for c in range(6):
        acc = k[0, c] * W[_ERROR, 0]
        for j in range(1, 7):
            if W[_ERROR, j] != 0.0:
                acc += k[j, c] * W[_ERROR, j]
        err = abs((acc * h + 0.0) * inv_atol[c])
        if math.isnan(err):
            return math.nan
        ratio = max(ratio, err)
    return ratio


@njit
def _clip(x: float, lo: float, hi: float) -> float:
    """``numpy.clip`` of a scalar: NaN stays NaN."""
    if math.isnan(x):
        return x
    return min(max(x, lo), hi)


@njit
def step_control(ratio: float, log_prev: float) -> tuple[bool, float, float]:
    """PI step-size control (Gustafsson 1991; Hairer and Wanner, *Solving ODEs II*, §IV.2).

    Fewer rejected steps than the plain controller where the step size must
    shrink steadily, as in re-entry.

    Parameters
    ----------
    ratio : float
        :func:`error_ratio` of the step.
    log_prev : float
        Logarithm of the ratio of the last accepted step.

    Returns
    -------
    accept, factor, log_prev : bool, float, float
        Whether the step is accepted (ratio at most 1), the factor on the
        step size, and the memory for the next step. A NaN ratio rejects the
        step with a NaN factor.
    """
    log_ratio = math.log(ratio if math.isnan(ratio) else max(ratio, 1e-10))
    accept = ratio <= 1.0
    log_factor = _BETA1 * log_ratio - _BETA2 * log_prev if accept else 0.2 * log_ratio
    factor = _clip(_SAFETY * math.exp(-log_factor), _MIN_FACTOR, _MAX_FACTOR)
    if accept:
        log_prev = max(log_ratio, LOG_RATIO_FLOOR)
    return accept, factor, log_prev


@njit
def dense_coefficients(k: FloatArray, q: FloatArray) -> None:
    """Write the continuous extension's coefficients into ``q`` (4, 6): q[j] multiplies θ^(j+1)."""
    for j in range(4):
        for c in range(6):
            acc = k[0, c] * P[0, j]
            for s in range(1, 7):
                acc = acc + k[s, c] * P[s, j]
            q[j, c] = acc


@njit
def dense_state(y0: FloatArray, h: float, q: FloatArray, theta: float, out: FloatArray) -> None:
    """Write the state at fraction ``theta`` of a step of length ``h`` from ``y0`` into ``out``."""
    for c in range(6):
        poly = q[3, c] * theta
        for j in (2, 1, 0):
            poly = (poly + q[j, c]) * theta
        out[c] = y0[c] + h * poly


@njit
def root_start(g0: float, g1: float, bracket: FloatArray) -> None:
    """Start a root search on θ in [0, 1] with ``g(0) = g0 > 0 >= g1 = g(1)``.

    ``bracket`` (5,) holds ``lo, hi, g(lo), g(hi)`` and the side kept last.
    """
    bracket[0] = 0.0
    bracket[1] = 1.0
    bracket[2] = g0
    bracket[3] = g1
    bracket[4] = 0.0


@njit
def root_trial(bracket: FloatArray, tol: float) -> float:
    """Next θ to try (regula falsi kept strictly inside the bracket); NaN once within ``tol``."""
    lo, hi, glo, ghi = bracket[0], bracket[1], bracket[2], bracket[3]
    if not hi - lo > tol:
        return math.nan
    denom = glo - ghi
    theta = lo + glo * (hi - lo) / denom if denom > 0.0 else 0.5 * (lo + hi)
    width = hi - lo
    # Keep strictly inside the bracket so it always shrinks.
    return _clip(theta, lo + 0.01 * width, hi - 0.01 * width)


@njit
def root_update(bracket: FloatArray, theta: float, g: float) -> None:
    """Narrow the bracket with ``g(theta)``, Illinois-modified.

    The end kept twice in a row has its value halved. After the search,
    ``bracket[1]`` is the θ at which ``g <= 0`` first holds to within the
    tolerance: on or just past the crossing.
    """
    if g <= 0.0:
        bracket[1] = theta
        bracket[3] = g
        if bracket[4] == 1.0:
            bracket[2] = 0.5 * bracket[2]
        bracket[4] = 1.0
    else:
        bracket[0] = theta
        bracket[2] = g
        if bracket[4] == -1.0:
            bracket[3] = 0.5 * bracket[3]
        bracket[4] = -1.0
