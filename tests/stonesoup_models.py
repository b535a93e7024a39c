"""Stone Soup models that call jointshield's dynamics and measurement functions.

Shared by the reference test of the tracking filter and its benchmark: Stone
Soup's extended Kalman predictor and updater run on exactly our f(x), Φ, Q,
h(x), H and R, one state at a time, so that any difference is in the filter's
algebra.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from stonesoup.base import Property
from stonesoup.models.base import GaussianModel
from stonesoup.models.measurement.base import MeasurementModel
from stonesoup.models.transition.base import TransitionModel
from stonesoup.types.angle import Bearing, Elevation
from stonesoup.types.array import CovarianceMatrix, StateVector

from jointshield.sensing.tracking import measure_h, measure_jacobian, process_noise, transition


def _seconds(kwargs: dict[str, Any]) -> float:
    return float(kwargs["time_interval"].total_seconds())


class BallisticTransition(TransitionModel, GaussianModel):  # type: ignore[misc]
    """Stone Soup transition model that integrates jointshield's ballistic dynamics."""

    q_m2_s3: float = Property(doc="White-acceleration spectral density, m²/s³.")
    cached: bool = Property(default=False, doc="Integrate once for function and jacobian.")

    @property
    def ndim_state(self) -> int:
        return 6

    def _flow(self, state: Any, kwargs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        x0 = np.asarray(state.state_vector, float)[:, 0]
        dt_s = _seconds(kwargs)
        if not self.cached:
            return transition(x0, dt_s)
        # The predictor asks for f(x) and then for its Jacobian at the same x:
        # the stronger benchmark baseline integrates once for both.
        key = (x0.tobytes(), dt_s)
        if getattr(self, "_key", None) != key:
            self._key, self._value = key, transition(x0, dt_s)
        value: tuple[np.ndarray, np.ndarray] = self._value
        return value

    def function(self, state: Any, noise: Any = False, **kwargs: Any) -> StateVector:
        return StateVector(self._flow(state, kwargs)[0])

    def jacobian(self, state: Any, **kwargs: Any) -> np.ndarray:
        return self._flow(state, kwargs)[1]

    def covar(self, **kwargs: Any) -> CovarianceMatrix:
        return CovarianceMatrix(process_noise(_seconds(kwargs), self.q_m2_s3))


class RadarMeasurement(MeasurementModel, GaussianModel):  # type: ignore[misc]
    """Stone Soup measurement model wrapping jointshield's h(x), H and R.

    The azimuth comes back as a Stone Soup ``Bearing`` and the elevation as an
    ``Elevation``: that is how Stone Soup's own radar models make the updater
    wrap the angle innovations (``Bearing`` subtraction wraps to [-π, π)).
    """

    frame: Any = Property(doc="jointshield RadarFrame.")

    @property
    def ndim_meas(self) -> int:
        return 3

    def function(self, state: Any, noise: Any = False, **kwargs: Any) -> StateVector:
        z = measure_h(np.asarray(state.state_vector, float)[:, 0], self.frame)
        return StateVector([z[0], Bearing(z[1]), Elevation(z[2])])

    def jacobian(self, state: Any, **kwargs: Any) -> np.ndarray:
        return measure_jacobian(np.asarray(state.state_vector, float)[:, 0], self.frame)

    def covar(self, **kwargs: Any) -> CovarianceMatrix:
        return CovarianceMatrix(np.diag(self.frame.sigma**2))
