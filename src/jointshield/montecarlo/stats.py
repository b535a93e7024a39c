"""Confidence intervals and estimates of Monte Carlo results."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from jointshield.errors import JointshieldError

# --------------------------------------------------------------------------- #
# Intervals
# --------------------------------------------------------------------------- #


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise JointshieldError(f"confidence: expected a number between 0 and 1, got {confidence}")
    # The normal quantile: the function behind scipy.stats.norm.ppf, without loading scipy.stats.
    return float(special.ndtri(0.5 + confidence / 2.0))


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Wilson score interval for a binomial proportion.

    With :math:`\hat p = x/n` and :math:`z` the :math:`(1 + c)/2` normal
    quantile, the interval is (Wilson 1927, *J. Amer. Statist. Assoc.*
    22(158), 209–212, eq. on p. 210; Brown, Cai & DasGupta 2001, eq. 4)

    .. math::

        \frac{x + z^2/2}{n + z^2} \pm \frac{z}{n + z^2}
        \sqrt{\frac{x (n - x)}{n} + \frac{z^2}{4}}.

    Parameters
    ----------
    successes : array_like
        Successes :math:`x`, with :math:`0 \le x \le n`.
    n : array_like
        Trials; broadcast against ``successes``. ``n = 0`` gives ``(0, 1)``:
        no trial, no information.
    confidence : float, optional
        Two-sided confidence level, default 0.95.

    Returns
    -------
    lo, hi : numpy.ndarray
        Bounds of the interval, within [0, 1]; exactly 0 when ``x = 0`` and
        exactly 1 when ``x = n``.

    Examples
    --------
    >>> lo, hi = wilson_interval(5, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2366, 0.7634)
    """
    z = _z(confidence)
    x, m = np.broadcast_arrays(
        np.asarray(successes, dtype=np.float64), np.asarray(n, dtype=np.float64)
    )
    if np.any(m < 0) or np.any(x < 0) or np.any(x > m):
        raise JointshieldError(
            "wilson_interval: expected 0 <= successes <= n, "
            f"got successes={np.asarray(successes).tolist()}, n={np.asarray(n).tolist()}"
        )
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (x + z2 / 2.0) / (m + z2)
        half = z / (m + z2) * np.sqrt(x * (m - x) / m + z2 / 4.0)
        lo = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        hi = np.where(x == m, 1.0, np.clip(centre + half, 0.0, 1.0))
    empty = m == 0
    lo = np.where(empty, 0.0, lo)
    hi = np.where(empty, 1.0, hi)
    return lo.astype(np.float64), hi.astype(np.float64)


def mean_interval(
    x: ArrayLike, confidence: float = 0.95, axis: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    r"""Mean of samples with a confidence interval from the sample standard error.

    The interval is :math:`\bar x \pm t_{n-1} s / \sqrt n`, with :math:`s` the
    sample standard deviation (``ddof = 1``) and :math:`t_{n-1}` the
    :math:`(1 + c)/2` quantile of Student's *t* with :math:`n - 1` degrees of
    freedom. It is exact for normal samples and, by the central limit theorem,
    approximate for others; for the thousands of trials of a Monte Carlo run
    :math:`t_{n-1}` is the normal quantile to three digits.

    Parameters
    ----------
    x : array_like
        Samples, ``n`` of them along ``axis``.
    confidence : float, optional
        Two-sided confidence level, default 0.95.
    axis : int, optional
        Axis of the samples, default 0 (trials).

    Returns
    -------
    mean, lo, hi : numpy.ndarray
        Arrays of the shape of ``x`` without ``axis``. With fewer than two
        samples the spread is unknown and ``lo`` and ``hi`` are NaN.

    Examples
    --------
    >>> m, lo, hi = mean_interval([1.0, 2.0, 3.0, 4.0])
    >>> float(m), round(float(lo), 3), round(float(hi), 3)
    (2.5, 0.446, 4.554)
    """
    _z(confidence)  # validates
    a = np.asarray(x, dtype=np.float64)
    n = a.shape[axis]
    mean = np.asarray(np.mean(a, axis=axis)) if n else np.full(np.delete(a.shape, axis), np.nan)
    if n < 2:
        nan = np.full(mean.shape, np.nan)
        return mean, nan, nan.copy()
    se = np.std(a, axis=axis, ddof=1) / math.sqrt(n)
    t = float(special.stdtrit(n - 1, 0.5 + confidence / 2.0))  # as scipy.stats.t.ppf computes it
    return mean, np.asarray(mean - t * se), np.asarray(mean + t * se)


def grouped_mean_interval(
    x: ArrayLike, groups: ArrayLike, confidence: float = 0.95
) -> tuple[float, float, float]:
    r"""Mean of samples drawn in groups that share a random draw, with its confidence interval.

    When the trials of a run are spread evenly over ``K`` randomly drawn
    geometries (the groups), the trials of one group are not independent of
    each other: they share its launch points and times. With the groups'
    means :math:`\bar x_k` (equal sizes), the variance of the overall mean
    is estimated by :math:`s_b^2 / K`, :math:`s_b` the standard deviation of
    the group means (``ddof = 1``): it counts both the spread between the
    geometries and the trials' own (Cochran, *Sampling Techniques*, 3rd ed.,
    Wiley, 1977, §9.2, one-stage cluster sampling). The interval is
    :math:`\bar x \pm t_{K-1} s_b / \sqrt K`: wide when ``K`` is small,
    as it should be when few geometries were drawn.

    Parameters
    ----------
    x : array_like, shape (n,)
        Samples (values, or 0/1 indicators for a probability).
    groups : array_like of int, shape (n,)
        The group of each sample.
    confidence : float, optional
        Two-sided confidence level, default 0.95.

    Returns
    -------
    mean, lo, hi : float
        With fewer than two non-empty groups, :func:`mean_interval`'s.

    Examples
    --------
    >>> m, lo, hi = grouped_mean_interval([1.0, 1.0, 3.0, 3.0], [0, 0, 1, 1])
    >>> float(m), round(lo, 2), round(hi, 2)
    (2.0, -10.71, 14.71)
    """
    _z(confidence)
    a = np.asarray(x, dtype=np.float64)
    g = np.asarray(groups)
    if a.shape != g.shape or a.ndim != 1:
        raise JointshieldError(
            f"grouped_mean_interval: expected samples and groups of one shape (n,), "
            f"got {a.shape} and {g.shape}"
        )
    labels = np.unique(g)
    if labels.size < 2:
        whole, low, high = mean_interval(a)
        return float(whole), float(low), float(high)
    means = np.array([a[g == label].mean() for label in labels])
    k = means.size
    mean = float(a.mean())
    se = float(np.std(means, ddof=1)) / math.sqrt(k)
    t = float(special.stdtrit(k - 1, 0.5 + confidence / 2.0))
    return mean, mean - t * se, mean + t * se


@dataclass(frozen=True)
class Estimate:
    """An estimate with its confidence interval, e.g. ``0.912 [0.905, 0.919]``.

    Parameters
    ----------
    value : float
        Point estimate.
    lo, hi : float
        Bounds of the interval.
    kind : {"probability", "mean"}
        A proportion with a Wilson interval, or a mean with a *t* interval.
    confidence : float, optional
        Confidence level of the interval, default 0.95.
    """

    value: float
    lo: float
    hi: float
    kind: Literal["probability", "mean"]
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.kind not in ("probability", "mean"):
            raise JointshieldError(
                f"Estimate.kind: expected 'probability' or 'mean', got {self.kind!r}"
            )

    @classmethod
    def from_counts(cls, successes: float, n: float, confidence: float = 0.95) -> Estimate:
        """Proportion ``successes / n`` with its Wilson interval (NaN value when ``n = 0``)."""
        lo, hi = wilson_interval(successes, n, confidence)
        value = float(successes) / float(n) if n else math.nan
        return cls(value, float(lo), float(hi), "probability", confidence)

    @classmethod
    def from_samples(cls, x: ArrayLike, confidence: float = 0.95) -> Estimate:
        """Mean of the 1-D samples ``x`` with its *t* interval."""
        mean, lo, hi = mean_interval(np.ravel(np.asarray(x, dtype=np.float64)), confidence)
        return cls(float(mean), float(lo), float(hi), "mean", confidence)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict; NaN and infinities become ``None`` (JSON has none)."""
        return {
            "value": _finite_or_none(self.value),
            "lo": _finite_or_none(self.lo),
            "hi": _finite_or_none(self.hi),
            "kind": self.kind,
            "confidence": self.confidence,
        }

    def columns(self, name: str) -> dict[str, float]:
        """Return the estimate as flat columns ``name``, ``name_lo``, ``name_hi`` (a table row)."""
        return {name: self.value, f"{name}_lo": self.lo, f"{name}_hi": self.hi}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Estimate:
        """Inverse of :meth:`to_json` (``None`` reads back as NaN)."""

        def number(key: str) -> float:
            v = data[key]
            return math.nan if v is None else float(v)

        return cls(
            number("value"),
            number("lo"),
            number("hi"),
            data["kind"],
            float(data.get("confidence", 0.95)),
        )

    def __str__(self) -> str:
        spec = ".3f" if self.kind == "probability" else ".4g"
        return f"{self.value:{spec}} [{self.lo:{spec}}, {self.hi:{spec}}]"


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
