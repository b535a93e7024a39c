"""A batch Runge–Kutta integrator: many independent trajectories at once.

Dormand–Prince 5(4) (Dormand and Prince, J. Comput. Appl. Math. 6(1), 1980,
pp. 19–26) with its free 4th-order continuous extension (Hairer, Nørsett and
Wanner, *Solving Ordinary Differential Equations I*, 2nd ed., 1993, §II.6),
the same scheme as ``scipy.integrate.solve_ivp(method="RK45")``, written for
a batch: the state is a ``(6, n)`` array (position and velocity of ``n``
trajectories, component-major so that every arithmetic operation runs over a
contiguous row), each trajectory keeps its own time, step size and stop time,
and trajectories that are done drop out of the working set.

Events are located on the continuous extension with a safeguarded regula
falsi, so an event costs no extra evaluations of the right-hand side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from jointshield.arrays import FloatArray, IntArray

Params = Mapping[str, FloatArray]
Rhs = Callable[[FloatArray, FloatArray, Params], FloatArray]
EventFn = Callable[[FloatArray, FloatArray, Params], FloatArray]

# Dormand–Prince 5(4) tableau (Dormand and Prince 1980, table 2).
_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0])
_A = (
    np.array([]),
    np.array([1 / 5]),
    np.array([3 / 40, 9 / 40]),
    np.array([44 / 45, -56 / 15, 32 / 9]),
    np.array([19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]),
    np.array([9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]),
)
_B = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84])
# Difference between the 5th- and 4th-order weights (7 stages, FSAL).
_E = np.array([-71 / 57600, 0.0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40])
# Continuous extension: y(t + θh) = y + h Σ_k K_k (P_k · [θ, θ², θ³, θ⁴]).
_P = np.array(
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

_SAFETY = 0.8
_BETA1 = 0.7 / 5.0
_BETA2 = 0.4 / 5.0
_LOG_RATIO_FLOOR = np.log(1e-4)
_MIN_FACTOR = 0.2
_MAX_FACTOR = 2.5
_ROOT_ITERATIONS = 40
_ROOT_TOL_S = 1e-7


class Dense:
    """Continuous extension of one accepted step for a subset of trajectories.

    Parameters
    ----------
    t0 : ndarray, shape (m,)
        Step start times, s.
    h : ndarray, shape (m,)
        Step sizes, s.
    y0 : ndarray, shape (6, m)
        States at the step start.
    k : ndarray, shape (7, 6, m)
        The seven stage derivatives of the step.
    scale : ndarray, shape (m,), optional
        Fraction of the step actually flown (a step cut short by an event);
        θ = 1 is then the event.
    """

    def __init__(
        self,
        t0: FloatArray,
        h: FloatArray,
        y0: FloatArray,
        k: FloatArray,
        scale: FloatArray | None = None,
    ) -> None:
        self.t0 = t0
        self._h = h
        self.y0 = y0
        self.k = k
        self.scale = scale
        self._q: FloatArray | None = None

    @property
    def h(self) -> FloatArray:
        """Length of the step flown, s."""
        return self._h if self.scale is None else self._h * self.scale

    @property
    def q(self) -> FloatArray:
        """Polynomial coefficients, shape (4, 6, m): Q[j] multiplies θ^(j+1)."""
        if self._q is None:
            self._q = np.einsum("kcm,kj->jcm", self.k, _P)
        return self._q

    def take(self, sel: IntArray) -> Dense:
        """Return the continuous extension of the trajectories ``sel`` only."""
        scale = None if self.scale is None else self.scale[sel]
        out = Dense(self.t0[sel], self._h[sel], self.y0[:, sel], self.k[:, :, sel], scale)
        if self._q is not None:
            out._q = self._q[:, :, sel]
        return out

    def cut(self, sel: IntArray, theta: FloatArray) -> Dense:
        """Return this extension with the steps of rows ``sel`` ending at fraction ``theta``."""
        scale = np.ones_like(self._h) if self.scale is None else self.scale.copy()
        scale[sel] *= theta
        out = Dense(self.t0, self._h, self.y0, self.k, scale)
        out._q = self._q
        return out

    def __call__(self, theta: FloatArray, sel: IntArray | slice = slice(None)) -> FloatArray:
        """Return the state at fraction ``theta`` of the step, shape (6, len(theta))."""
        if self.scale is not None:
            theta = theta * self.scale[sel]
        q = self.q[:, :, sel]
        poly = q[3] * theta
        for j in (2, 1, 0):
            poly = (poly + q[j]) * theta
        out: FloatArray = self.y0[:, sel] + self._h[sel] * poly
        return out


class StepObserver(Protocol):
    """Something that looks at every accepted step (apogee finder, sampler)."""

    def on_step(self, ids: IntArray, dense: Dense, y1: FloatArray, params: Params) -> None:
        """Inspect the accepted step of trajectories ``ids`` (global indices)."""


@dataclass
class PropagateResult:
    """Final state of a call of :func:`propagate` (arrays over all trajectories)."""

    t: FloatArray
    y: FloatArray
    h: FloatArray
    event: NDArray[np.bool_]
    n_steps: int = 0
    n_rejected: int = 0
    stats: dict[str, int] = field(default_factory=dict)


def _stage_state(y: FloatArray, h: FloatArray, k: FloatArray, row: FloatArray) -> FloatArray:
    """``y + h Σ_j row[j] k[j]``, accumulated in place.

    Element-wise operations rather than a matrix product: a BLAS kernel may
    round differently with the length and alignment of the arrays, and the
    engine must give the same bits however a batch is divided among workers.
    """
    acc: FloatArray = k[0] * row[0]
    tmp = np.empty_like(acc)
    for j in range(1, row.shape[0]):
        if row[j] != 0.0:
            np.multiply(k[j], row[j], out=tmp)
            acc += tmp
    acc *= h
    acc += y
    return acc


def locate_root(
    g: Callable[[FloatArray], FloatArray], g0: FloatArray, g1: FloatArray, tol: FloatArray
) -> FloatArray:
    """Find θ in [0, 1] where ``g`` crosses zero, given ``g(0)=g0 > 0 >= g1=g(1)``.

    Illinois-modified regula falsi, vectorised; ``tol`` is the tolerance on θ.
    Returns the θ at which ``g <= 0`` first holds to within ``tol``, so the
    returned point is on or just past the crossing.
    """
    lo = np.zeros_like(g0)
    hi = np.ones_like(g0)
    glo = g0.copy()
    ghi = g1.copy()
    side = np.zeros(g0.shape, dtype=np.int8)
    for _ in range(_ROOT_ITERATIONS):
        # Each root stops refining when its own bracket is small enough, so that
        # its result never depends on the other trajectories of the batch.
        live = hi - lo > tol
        if not live.any():
            break
        denom = glo - ghi
        theta = np.where(
            denom > 0, lo + glo * (hi - lo) / np.where(denom > 0, denom, 1.0), 0.5 * (lo + hi)
        )
        # Keep strictly inside the bracket so it always shrinks.
        width = hi - lo
        theta = np.clip(theta, lo + 0.01 * width, hi - 0.01 * width)
        gt = g(theta)
        below = (gt <= 0.0) & live
        above = ~(gt <= 0.0) & live
        hi = np.where(below, theta, hi)
        ghi = np.where(below, gt, ghi)
        lo = np.where(above, theta, lo)
        glo = np.where(above, gt, glo)
        # Illinois: halve the retained end's value when the same side is kept twice.
        ghi = np.where(above & (side == -1), 0.5 * ghi, ghi)
        glo = np.where(below & (side == 1), 0.5 * glo, glo)
        side = np.where(below, 1, np.where(above, -1, side)).astype(np.int8)
    return hi


def propagate(
    rhs: Rhs,
    t: FloatArray,
    y: FloatArray,
    t_stop: FloatArray,
    h: FloatArray,
    params: Params,
    atol: FloatArray,
    *,
    event: EventFn | None = None,
    observers: tuple[StepObserver, ...] = (),
    max_steps: int = 100_000,
) -> PropagateResult:
    """Integrate a batch of trajectories until each reaches its stop time or event.

    Parameters
    ----------
    rhs : callable
        ``rhs(t, y, params) -> dy/dt`` on a working subset: ``t`` (m,),
        ``y`` (6, m), ``params`` the parameter arrays restricted to the subset.
    t, y, t_stop, h : ndarray
        Start times (n,), states (6, n), stop times (n,), initial step sizes (n,).
    params : mapping of str to ndarray
        Per-trajectory parameters, each with last axis of length n.
    atol : ndarray, shape (6, 1)
        Absolute error tolerance per state component (m and m/s). The step
        is accepted when every component's error estimate is within it.
    event : callable, optional
        ``event(t, y, params) -> g``; a trajectory stops where ``g`` goes
        from positive to zero or below within a step (a terminal event).
    observers : tuple of StepObserver
        Called after each accepted step with its continuous extension.
    max_steps : int
        Safety limit on the number of steps of the whole batch.

    Returns
    -------
    PropagateResult
        Times, states and next step sizes; ``event`` marks trajectories that
        stopped on the event rather than at ``t_stop``.
    """
    n = t.shape[0]
    t_out = t.astype(float, copy=True)
    y_out = y.astype(float, copy=True)
    h_out = h.astype(float, copy=True)
    hit = np.zeros(n, dtype=bool)

    ids = np.flatnonzero(t_out < t_stop)
    if ids.size == 0:
        return PropagateResult(t_out, y_out, h_out, hit)
    tw = t_out[ids]
    yw = y_out[:, ids]
    hw = h_out[ids]
    tsw = t_stop[ids]
    pw = {key: value[..., ids] for key, value in params.items()}
    fw = rhs(tw, yw, pw)
    gw = event(tw, yw, pw) if event is not None else None

    k = np.empty((7, *yw.shape))
    inv_atol = 1.0 / atol
    log_prev = np.full(ids.size, _LOG_RATIO_FLOOR)
    n_steps = 0
    n_rejected = 0
    while ids.size:
        n_steps += 1
        if n_steps > max_steps:
            raise RuntimeError(
                "flight integrator exceeded its step limit; the problem is too stiff"
            )
        m = ids.size
        if k.shape[2] != m:
            k = np.empty((7, 6, m))
        remaining = tsw - tw
        clipped = hw >= remaining
        hs = np.where(clipped, remaining, hw)
        k[0] = fw
        for s in range(1, 6):
            k[s] = rhs(tw + _C[s] * hs, _stage_state(yw, hs, k, _A[s]), pw)
        y1 = _stage_state(yw, hs, k, _B)
        k[6] = rhs(tw + hs, y1, pw)
        err = _stage_state(np.zeros_like(yw), hs, k, _E)
        err *= inv_atol
        ratio = np.max(np.abs(err), axis=0)
        # PI step-size control (Gustafsson 1991; Hairer and Wanner, Solving ODEs II,
        # §IV.2): fewer rejected steps than the plain controller where the step
        # size must shrink steadily, as in re-entry.
        log_ratio = np.log(np.maximum(ratio, 1e-10))
        accept = ratio <= 1.0
        log_factor = np.where(accept, _BETA1 * log_ratio - _BETA2 * log_prev, 0.2 * log_ratio)
        factor = np.clip(_SAFETY * np.exp(-log_factor), _MIN_FACTOR, _MAX_FACTOR)
        log_prev = np.where(accept, np.maximum(log_ratio, _LOG_RATIO_FLOOR), log_prev)
        n_rejected += int(m - np.count_nonzero(accept))

        done = np.zeros(m, dtype=bool)
        t1 = np.where(clipped, tsw, tw + hs)
        n_accept = int(np.count_nonzero(accept))
        if n_accept:
            a: IntArray | slice
            if n_accept == m:
                # Common case: no gathers.
                a = slice(None)
                dense = Dense(tw, hs, yw, k)
                pa = pw
            else:
                a = np.flatnonzero(accept)
                dense = Dense(tw[a], hs[a], yw[:, a], k[:, :, a])
                pa = {key: value[..., a] for key, value in pw.items()}
            if event is not None and gw is not None:
                g1 = event(t1[a], y1[:, a], pa)
                crossed = (gw[a] > 0.0) & (g1 <= 0.0)
                if crossed.any():
                    c = np.flatnonzero(crossed)
                    pc = {key: value[..., c] for key, value in pa.items()}
                    dc = dense.take(c)

                    def g_at(theta: FloatArray, dc: Dense = dc, pc: Params = pc) -> FloatArray:
                        return event(dc.t0 + theta * dc.h, dc(theta), pc)

                    theta = locate_root(g_at, gw[a][c], g1[c], _ROOT_TOL_S / dc.h)
                    ac = c if isinstance(a, slice) else a[c]
                    t1[ac] = dc.t0 + theta * dc.h
                    y1[:, ac] = dc(theta)
                    done[ac] = True
                    hit[ids[ac]] = True
                    # The step is cut at the event: observers see only the part flown.
                    dense = dense.cut(c, theta)
                gw[a] = np.where(crossed, -1.0, g1)
            for obs in observers:
                obs.on_step(ids[a], dense, y1[:, a], pa)
            if n_accept == m:
                tw, yw, fw = t1, y1, k[6].copy()
            else:
                tw = np.where(accept, t1, tw)
                yw = np.where(accept, y1, yw)
                fw = np.where(accept, k[6], fw)
            done |= accept & clipped
        # A step cut short by the stop time must not shrink the next one.
        hw = np.where(accept & clipped, np.maximum(hw, hs * factor), hs * factor)

        if done.any():
            d = np.flatnonzero(done)
            gid = ids[d]
            t_out[gid] = tw[d]
            y_out[:, gid] = yw[:, d]
            h_out[gid] = hw[d]
            keep = ~done
            ids = ids[keep]
            tw, yw, hw, tsw, fw = tw[keep], yw[:, keep], hw[keep], tsw[keep], fw[:, keep]
            log_prev = log_prev[keep]
            if gw is not None:
                gw = gw[keep]
            pw = {key: value[..., keep] for key, value in pw.items()}
    return PropagateResult(t_out, y_out, h_out, hit, n_steps, n_rejected)
