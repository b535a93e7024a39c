"""The U.S. Standard Atmosphere 1976, vectorised over NumPy arrays.

Model
-----
Source: *U.S. Standard Atmosphere, 1976*, NOAA/NASA/USAF, NOAA-S/T 76-1562
(U.S. Government Printing Office, Washington D.C., 1976), "the report" below.

* **0 to 86 km** (geometric): the report's seven layers exactly. The
  geometric altitude ``Z`` is turned into geopotential altitude
  ``H = r0 Z / (r0 + Z)`` (report eq. 18, ``r0`` = 6,356,766 m); inside
  each layer the molecular-scale temperature is linear in ``H`` with the
  lapse rates and base heights of the report's table 4; the pressure follows
  from the hydrostatic equation (report eqs. 33a and 33b) and the density
  from the ideal-gas law written with the molecular-scale temperature
  (report eq. 42). Constants: g0 = 9.80665 m/s², R* = 8.31432 J/(mol·K),
  M0 = 0.0289644 kg/mol, γ = 1.4.
* The kinetic temperature equals the molecular-scale temperature below
  80 km; from 80 to 86 km it is smaller by the molecular-weight ratio
  ``M/M0`` of the report's table 8 (1 at 80 km, 0.999579 at 86 km),
  interpolated linearly in geometric altitude. Hence 186.946 K
  (molecular-scale) but 186.87 K (kinetic) at 86 km.
* The speed of sound is ``sqrt(γ R* T_M / M0)`` (report eq. 50), with the
  molecular-scale temperature ``T_M``: since ``T/M = T_M/M0`` this is the
  ideal-gas speed of sound of air with its actual molecular weight.
* **86 to 120 km**: pressure and density are interpolated log-linearly in
  geometric altitude through the report's tabulated values (table I) at
  90, 95, 100, 110, 115 and 120 km, anchored at 86 km to the value of the
  seven-layer model so that both are continuous there. The 105-km row is
  not used, its printed value not having been verified; log-linear
  interpolation between 100 and 110 km gives 2.33e-7 kg/m³ there.
  Interpolated independently, pressure and density satisfy the hydrostatic
  equation there only to about 15 %; both are exact at the nodes.
  Temperature and speed of sound are held at their 86-km values (186.87 K,
  274.10 m/s) above 86 km: the report's kinetic temperature rises to 360 K
  at 120 km, but as pressure and density are taken from the table directly,
  only aerodynamic quantities that need the temperature (Mach number,
  heating) carry that simplification, and above 86 km they are negligible
  for point-mass flight.
* **Above** :data:`ATMOSPHERE_TOP_M` (120 km) density and pressure are
  exactly 0. At 120 km the density is 2.22e-8 kg/m³, so the drag
  deceleration ``ρ v² / (2 β)`` of a body of ballistic coefficient
  ``β = m / (C_D A)`` at 7.5 km/s is about 0.62 Pa / β: 6e-5 m/s² for a
  re-entry vehicle of β = 10⁴ kg/m² (a velocity loss of order 1e-3 m/s
  over the flight above 120 km), and below 1e-5 m/s² for β above
  6·10⁴ kg/m². Light objects (balloons, light decoys, β of order
  10-100 kg/m²) feel drag above 120 km that this cut-off ignores.
* **Below 0 m**: the first layer is extrapolated down to -1 km; lower
  altitudes are clipped to -1 km. Altitudes are clipped, never turned into
  NaN: any finite or infinite input gives a finite result (NaN stays NaN).

:class:`AtmosphereTable` is the same model precomputed on a 10-m grid for
the hot path of trajectory integration (relative error of density below
3e-5).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointshield.arrays import FloatArray
from jointshield.physics.constants import G0_MPS2

ATMOSPHERE_TOP_M: Final = 120_000.0
"""Geometric altitude above which density and pressure are exactly 0, m."""
ATMOSPHERE_BOTTOM_M: Final = -1_000.0
"""Lowest geometric altitude of the model; lower altitudes are clipped to it, m."""

R0_M: Final = 6_356_766.0
"""Effective Earth radius for the geopotential conversion, m (report eq. 18)."""
"""Sea-level standard acceleration of gravity, m/s² (report table 2)."""
R_STAR_J_MOL_K: Final = 8.31432
"""Universal gas constant as adopted by the report, J/(mol·K) (report table 2)."""
M0_KG_MOL: Final = 0.0289644
"""Sea-level mean molecular weight of air, kg/mol (report table 2)."""
GAMMA_AIR: Final = 1.4
"""Ratio of specific heats of air (report eq. 50)."""
SEA_LEVEL_PRESSURE_PA: Final = 101_325.0
"""Sea-level pressure, Pa (report table 2)."""
SEA_LEVEL_TEMPERATURE_K: Final = 288.15
"""Sea-level temperature, K (report table 2)."""

# Report table 4: base geopotential altitudes (m') and lapse rates (K/m') of
# the seven layers. The base temperatures and pressures follow from these
# and the sea-level values, exactly as the report derives them.
_LAYER_BASE_H_M: Final = np.array([0.0, 11_000.0, 20_000.0, 32_000.0, 47_000.0, 51_000.0, 71_000.0])
_LAYER_LAPSE_K_M: Final = np.array([-6.5e-3, 0.0, 1.0e-3, 2.8e-3, 0.0, -2.8e-3, -2.0e-3])
_H_TOP_M: Final = 84_852.0
"""Geopotential altitude of the top of the seventh layer, m' (86 km geometric)."""
_Z_LOWER_TOP_M: Final = 86_000.0
"""Geometric altitude where the seven-layer model ends, m."""

# g0 M0 / R*, K/m': appears in every hydrostatic exponent.
_GMR: Final = G0_MPS2 * M0_KG_MOL / R_STAR_J_MOL_K

# Report table 8: molecular-weight ratio M/M0 from 80 to 86 km geometric,
# every 0.5 km; it turns molecular-scale temperature into kinetic temperature.
_MW_RATIO_Z_M: Final = np.linspace(80_000.0, 86_000.0, 13)
_MW_RATIO: Final = np.array(
    [
        1.000000,
        0.999996,
        0.999989,
        0.999971,
        0.999941,
        0.999909,
        0.999870,
        0.999829,
        0.999786,
        0.999741,
        0.999694,
        0.999641,
        0.999579,
    ]
)

# Report table I (geometric altitude), 90 to 120 km: pressure (Pa) and
# density (kg/m³). As a guard against misplaced digits, every neighbouring
# pair was checked against the hydrostatic equation integrated over the
# report's temperature profile with the molecular weight p/(ρ R* T) varying
# linearly between the rows: the pressure ratios agree to 1.5 % in ln p.
_UPPER_Z_M: Final = np.array([90_000.0, 95_000.0, 100_000.0, 110_000.0, 115_000.0, 120_000.0])
_UPPER_P_PA: Final = np.array([1.8359e-1, 7.5966e-2, 3.2011e-2, 7.1042e-3, 4.0099e-3, 2.5382e-3])
_UPPER_RHO_KGM3: Final = np.array([3.416e-6, 1.393e-6, 5.604e-7, 9.708e-8, 4.289e-8, 2.222e-8])


def _layer_bases() -> tuple[FloatArray, FloatArray]:
    """Return the base molecular-scale temperature (K) and pressure (Pa) of each layer."""
    n = _LAYER_BASE_H_M.size
    t_base = np.empty(n)
    p_base = np.empty(n)
    t_base[0] = SEA_LEVEL_TEMPERATURE_K
    p_base[0] = SEA_LEVEL_PRESSURE_PA
    for i in range(1, n):
        dh = _LAYER_BASE_H_M[i] - _LAYER_BASE_H_M[i - 1]
        lapse = _LAYER_LAPSE_K_M[i - 1]
        t_base[i] = t_base[i - 1] + lapse * dh
        if lapse == 0.0:
            p_base[i] = p_base[i - 1] * np.exp(-_GMR * dh / t_base[i - 1])
        else:
            p_base[i] = p_base[i - 1] * (t_base[i - 1] / t_base[i]) ** (_GMR / lapse)
    return t_base, p_base


_LAYER_BASE_T_K, _LAYER_BASE_P_PA = _layer_bases()


def geopotential_altitude_m(alt_m: ArrayLike) -> FloatArray:
    """Geopotential altitude from geometric altitude.

    Parameters
    ----------
    alt_m : array_like
        Geometric altitude, m.

    Returns
    -------
    ndarray
        Geopotential altitude ``H = r0 Z / (r0 + Z)``, m' (report eq. 18,
        ``r0`` = 6,356,766 m).

    """
    z = np.asarray(alt_m, dtype=np.float64)
    return R0_M * z / (R0_M + z)


def geometric_altitude_m(geopotential_m: ArrayLike) -> FloatArray:
    """Geometric altitude from geopotential altitude (inverse of :func:`geopotential_altitude_m`).

    Parameters
    ----------
    geopotential_m : array_like
        Geopotential altitude, m'.

    Returns
    -------
    ndarray
        Geometric altitude ``Z = r0 H / (r0 - H)``, m (report eq. 18 inverted).

    """
    h = np.asarray(geopotential_m, dtype=np.float64)
    return R0_M * h / (R0_M - h)


def _molecular_temperature_and_pressure(
    z: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Molecular-scale temperature (K) and pressure (Pa) of the seven layers.

    ``z`` must already be clipped to ``[ATMOSPHERE_BOTTOM_M, 86 km]``.
    """
    h = geopotential_altitude_m(z)
    # Below 0 m the first layer is extended (index 0); the seventh layer is
    # extended over the 0.05 m between 84,852 m' and 86 km geometric.
    i = np.clip(np.searchsorted(_LAYER_BASE_H_M, h, side="right") - 1, 0, _LAYER_BASE_H_M.size - 1)
    lapse = _LAYER_LAPSE_K_M[i]
    t_base = _LAYER_BASE_T_K[i]
    dh = h - _LAYER_BASE_H_M[i]
    t_m = t_base + lapse * dh
    isothermal = lapse == 0.0
    # Report eq. 33a (lapse ≠ 0) and eq. 33b (isothermal); the dummy lapse
    # keeps the unused branch free of division by zero.
    safe_lapse = np.where(isothermal, 1.0, lapse)
    ratio = np.where(isothermal, 1.0, t_base / t_m)
    p_gradient = ratio ** (_GMR / safe_lapse)
    p_isothermal = np.exp(-_GMR * dh / t_base)
    p = _LAYER_BASE_P_PA[i] * np.where(isothermal, p_isothermal, p_gradient)
    return t_m, p


def _lower_top_values() -> tuple[float, float, float, float]:
    """Molecular-scale and kinetic temperature (K), pressure (Pa), density (kg/m³) at 86 km."""
    t_m, p = _molecular_temperature_and_pressure(np.array([_Z_LOWER_TOP_M]))
    t_kinetic = float(t_m[0]) * float(_MW_RATIO[-1])
    rho = float(p[0]) * M0_KG_MOL / (R_STAR_J_MOL_K * float(t_m[0]))
    return float(t_m[0]), t_kinetic, float(p[0]), rho


_T_M_86_K, _T_86_K, _P_86_PA, _RHO_86_KGM3 = _lower_top_values()
_UPPER_NODES_Z_M: Final = np.concatenate(([_Z_LOWER_TOP_M], _UPPER_Z_M))
_UPPER_NODES_LN_P: Final = np.log(np.concatenate(([_P_86_PA], _UPPER_P_PA)))
_UPPER_NODES_LN_RHO: Final = np.log(np.concatenate(([_RHO_86_KGM3], _UPPER_RHO_KGM3)))


def _clip(alt_m: ArrayLike) -> FloatArray:
    """Geometric altitude as a float array, clipped below at -1 km (NaN passes through)."""
    return np.maximum(np.asarray(alt_m, dtype=np.float64), ATMOSPHERE_BOTTOM_M)


def _pressure_and_density(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Pressure (Pa) and density (kg/m³) at clipped geometric altitude ``z``."""
    lower = np.minimum(z, _Z_LOWER_TOP_M)
    t_m, p_lower = _molecular_temperature_and_pressure(lower)
    rho_lower = p_lower * M0_KG_MOL / (R_STAR_J_MOL_K * t_m)
    upper = np.clip(z, _Z_LOWER_TOP_M, ATMOSPHERE_TOP_M)
    p_upper = np.exp(np.interp(upper, _UPPER_NODES_Z_M, _UPPER_NODES_LN_P))
    rho_upper = np.exp(np.interp(upper, _UPPER_NODES_Z_M, _UPPER_NODES_LN_RHO))
    is_upper = z > _Z_LOWER_TOP_M
    above = z > ATMOSPHERE_TOP_M
    p = np.where(above, 0.0, np.where(is_upper, p_upper, p_lower))
    rho = np.where(above, 0.0, np.where(is_upper, rho_upper, rho_lower))
    return p, rho


def temperature_k(alt_m: ArrayLike) -> FloatArray:
    """Kinetic temperature of the U.S. Standard Atmosphere 1976.

    Parameters
    ----------
    alt_m : array_like
        Geometric altitude, m. Clipped below at -1 km.

    Returns
    -------
    ndarray
        Kinetic temperature, K: the molecular-scale temperature of the seven
        layers (report table 4) times the molecular-weight ratio of report
        table 8 between 80 and 86 km; held at its 86-km value, 186.87 K,
        above 86 km (a simplification: the report's value reaches 360 K at
        120 km).

    """
    z = _clip(alt_m)
    t_m, _ = _molecular_temperature_and_pressure(np.minimum(z, _Z_LOWER_TOP_M))
    ratio = np.interp(z, _MW_RATIO_Z_M, _MW_RATIO)  # 1 below 80 km, 0.999579 above 86 km
    return np.where(z > _Z_LOWER_TOP_M, _T_86_K, t_m * ratio)


def pressure_pa(alt_m: ArrayLike) -> FloatArray:
    """Pressure of the U.S. Standard Atmosphere 1976.

    Parameters
    ----------
    alt_m : array_like
        Geometric altitude, m. Clipped below at -1 km.

    Returns
    -------
    ndarray
        Pressure, Pa: hydrostatic in the seven layers up to 86 km (report
        eqs. 33a, 33b); log-linear through the report's table I from 86 to
        120 km; exactly 0 above :data:`ATMOSPHERE_TOP_M`.

    """
    p, _ = _pressure_and_density(_clip(alt_m))
    return p


def density_kg_m3(alt_m: ArrayLike) -> FloatArray:
    """Mass density of the U.S. Standard Atmosphere 1976.

    Parameters
    ----------
    alt_m : array_like
        Geometric altitude, m. Clipped below at -1 km.

    Returns
    -------
    ndarray
        Density, kg/m³: ``p M0 / (R* T_M)`` up to 86 km (report eq. 42);
        log-linear through the report's table I from 86 to 120 km (5.604e-7
        at 100 km, 2.222e-8 at 120 km); exactly 0 above
        :data:`ATMOSPHERE_TOP_M`, where drag is negligible except for very
        light bodies (see the module docstring).

    """
    _, rho = _pressure_and_density(_clip(alt_m))
    return rho


def speed_of_sound_mps(alt_m: ArrayLike) -> FloatArray:
    """Speed of sound of the U.S. Standard Atmosphere 1976.

    Parameters
    ----------
    alt_m : array_like
        Geometric altitude, m. Clipped below at -1 km.

    Returns
    -------
    ndarray
        Speed of sound ``sqrt(γ R* T_M / M0)``, m/s (report eq. 50, γ = 1.4):
        340.29 m/s at sea level; held at its 86-km value, 274.10 m/s, above
        86 km.

    """
    z = np.minimum(_clip(alt_m), _Z_LOWER_TOP_M)
    t_m, _ = _molecular_temperature_and_pressure(z)
    return np.sqrt(GAMMA_AIR * R_STAR_J_MOL_K * t_m / M0_KG_MOL)


@dataclass(frozen=True, eq=False)
class AtmosphereTable:
    """The standard atmosphere tabulated for fast lookup on large arrays.

    Log-density and speed of sound on a uniform grid of geometric altitudes,
    read by linear interpolation: the same numbers as ``numpy.interp`` on
    that grid, but the cell is found by arithmetic on the uniform spacing
    instead of a binary search, which is several times faster on unsorted
    arrays of 10⁵ altitudes. Linear interpolation of the logarithm is exact
    in an isothermal layer and in the log-linear part above 86 km; its
    largest error is at the layer boundaries, where the slope of
    log-density jumps (by 3e-5 per metre at 11 km), and is bounded by a
    quarter of that jump times the spacing: 2.5e-5 relative on the standard
    10-m grid, well inside the 1e-3 promised.

    Build instances with :meth:`build` or :meth:`standard`.

    Parameters
    ----------
    bottom_m : float
        Geometric altitude of the first node, m.
    step_m : float
        Spacing of the nodes, m.
    log_density : ndarray
        Natural logarithm of the density in kg/m³ at the nodes.
    log_density_slope : ndarray
        Slope of ``log_density`` over the cell above each node, 1/m (0 for
        the last node).
    speed_of_sound : ndarray
        Speed of sound at the nodes, m/s.
    speed_of_sound_slope : ndarray
        Slope of ``speed_of_sound`` over the cell above each node, 1/s.
    top_m : float
        Altitude above which the density is exactly 0, m.

    """

    bottom_m: float
    step_m: float
    log_density: FloatArray
    log_density_slope: FloatArray
    speed_of_sound: FloatArray
    speed_of_sound_slope: FloatArray
    top_m: float = ATMOSPHERE_TOP_M

    @classmethod
    def build(cls, step_m: float = 10.0) -> AtmosphereTable:
        """Tabulate the exact model every ``step_m`` metres from -1 km to the top.

        Parameters
        ----------
        step_m : float
            Grid spacing, m; it should divide 121 km. The relative error of
            the density is about ``2.5e-6 * step_m`` (see the class
            docstring).

        Returns
        -------
        AtmosphereTable
            A table whose arrays are read-only.

        """
        n = round((ATMOSPHERE_TOP_M - ATMOSPHERE_BOTTOM_M) / step_m)
        alt = np.linspace(ATMOSPHERE_BOTTOM_M, ATMOSPHERE_TOP_M, n + 1)
        step = float(alt[1] - alt[0])
        log_rho = np.log(density_kg_m3(alt))
        sound = speed_of_sound_mps(alt)
        log_rho_slope = np.append(np.diff(log_rho) / step, 0.0)
        sound_slope = np.append(np.diff(sound) / step, 0.0)
        for array in (log_rho, log_rho_slope, sound, sound_slope):
            array.setflags(write=False)
        return cls(
            bottom_m=ATMOSPHERE_BOTTOM_M,
            step_m=step,
            log_density=log_rho,
            log_density_slope=log_rho_slope,
            speed_of_sound=sound,
            speed_of_sound_slope=sound_slope,
        )

    @classmethod
    def standard(cls) -> AtmosphereTable:
        """Return the shared table on the standard 10-m grid (built once, then cached)."""
        return _standard_table()

    @property
    def altitude_m(self) -> FloatArray:
        """Geometric altitudes of the nodes, m."""
        return self.bottom_m + self.step_m * np.arange(self.log_density.size, dtype=np.float64)

    def _locate(self, alt_m: ArrayLike) -> tuple[FloatArray, NDArray[np.intp], FloatArray]:
        """Return the altitudes, the index of the node below each and the height above it (m)."""
        z = np.asarray(alt_m, dtype=np.float64)
        u = (z - self.bottom_m) * (1.0 / self.step_m)
        # fmax/fmin rather than clip: they turn NaN into a valid index
        # (the NaN is restored by the callers) instead of an undefined cast.
        u = np.fmin(np.fmax(u, 0.0), float(self.log_density.size - 1))
        i = u.astype(np.intp)
        dz = (u - i) * self.step_m
        return z, i, dz

    def _density(self, z: FloatArray, i: NDArray[np.intp], dz: FloatArray) -> FloatArray:
        rho = np.exp(self.log_density[i] + self.log_density_slope[i] * dz)
        return _restore_nan(z, np.where(z > self.top_m, 0.0, rho))

    def _sound(self, z: FloatArray, i: NDArray[np.intp], dz: FloatArray) -> FloatArray:
        sound: FloatArray = self.speed_of_sound[i] + self.speed_of_sound_slope[i] * dz
        return _restore_nan(z, sound)

    def density_kg_m3(self, alt_m: ArrayLike) -> FloatArray:
        """Density at geometric altitude ``alt_m`` (m), kg/m³; exactly 0 above the top.

        Altitudes below the bottom of the table read its lowest value, as
        :func:`density_kg_m3` clips them; NaN gives NaN.
        """
        return self._density(*self._locate(alt_m))

    def speed_of_sound_mps(self, alt_m: ArrayLike) -> FloatArray:
        """Speed of sound at geometric altitude ``alt_m`` (m), m/s; constant beyond the table."""
        return self._sound(*self._locate(alt_m))

    def density_and_speed_of_sound(self, alt_m: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Density (kg/m³) and speed of sound (m/s) together, locating each altitude once."""
        located = self._locate(alt_m)
        return self._density(*located), self._sound(*located)


def _restore_nan(z: FloatArray, values: FloatArray) -> FloatArray:
    """Put NaN back where the altitude was NaN."""
    nan = np.isnan(z)
    if nan.any():
        values = np.where(nan, np.nan, values)
    return values


@functools.cache
def _standard_table() -> AtmosphereTable:
    """Build the 10-m table once per process."""
    return AtmosphereTable.build()
