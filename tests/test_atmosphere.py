"""Tests of the U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562)."""

from __future__ import annotations

import numpy as np
import pytest

from jointshield.physics.atmosphere import (
    ATMOSPHERE_BOTTOM_M,
    ATMOSPHERE_TOP_M,
    AtmosphereTable,
    density_kg_m3,
    geometric_altitude_m,
    geopotential_altitude_m,
    pressure_pa,
    speed_of_sound_mps,
    temperature_k,
)

G0_MPS2 = 9.80665
R0_M = 6_356_766.0
R_STAR_J_MOL_K = 8.31432
M0_KG_MOL = 0.0289644
GAMMA_AIR = 1.4

# The report prints table 4's base pressures to 7 significant figures and
# computes them from the same constants: agreement within the rounding of
# the last printed digit (at most 2.2e-7 relative for 22632.06) is expected.
TABLE4_PRESSURE_RTOL = 5e-7
# Temperatures of table 4 are exact sums of lapse rate times thickness.
TABLE4_TEMPERATURE_ATOL_K = 1e-9
# Table I prints densities to 5 significant figures: half a unit in the
# last place is at most 5e-5 relative (for a leading digit 1).
FIVE_FIGURE_RTOL = 5e-5
# 86-km density is printed to 4 significant figures (6.958e-6).
FOUR_FIGURE_RTOL = 5e-4 / 6.958
# Kinetic temperature at 86 km is printed as 186.87 K.
KINETIC_T_86_ATOL_K = 0.005
# Central differences with a 1-m step: truncation error ~ (1 m / 6 km)² / 6
# ~ 5e-9 and round-off ~ 1e-16 × 6 km / 1 m ~ 1e-12, far below 1e-6.
HYDROSTATIC_RTOL = 1e-6
# Above 86 km pressure and density are interpolated independently through
# the report's rows; the module docstring promises hydrostatic balance to
# about 15 % there.
UPPER_HYDROSTATIC_RTOL = 0.2
# Identities evaluated in floating point.
IDENTITY_RTOL = 1e-12
# A layer boundary evaluated 1 mm either side: relative change in T, p, ρ
# over 1 mm is < 1e-6 (scale heights are > 5 km), and anything more is a jump.
CONTINUITY_RTOL = 1e-6
# The table promises 1e-3 relative error in density; its docstring states
# 3e-5 on the standard 10-m grid.
TABLE_PROMISED_RTOL = 1e-3
TABLE_STANDARD_RTOL = 3e-5
TABLE_SOUND_RTOL = 3e-5

# Report table 4: geopotential base heights (m'), molecular-scale base
# temperatures (K) and base pressures (Pa) of the layers above sea level.
TABLE4_H_M = np.array([11_000.0, 20_000.0, 32_000.0, 47_000.0, 51_000.0, 71_000.0, 84_852.0])
TABLE4_T_M_K = np.array([216.65, 216.65, 228.65, 270.65, 270.65, 214.65, 186.946])
TABLE4_P_PA = np.array([22632.06, 5474.889, 868.0187, 110.9063, 66.93887, 3.956420, 0.3733836])
# Report table I densities (kg/m³) at those heights.
TABLE1_RHO_KG_M3 = np.array([0.36392, 0.088035, 0.013225, 1.4275e-3, 8.6160e-4, 6.4211e-5])


def test_sea_level_values() -> None:
    """Sea level is 288.15 K, 101325 Pa, 1.2250 kg/m³ and 340.29 m/s (report table I)."""
    assert temperature_k(0.0) == pytest.approx(288.15, rel=IDENTITY_RTOL)
    assert pressure_pa(0.0) == pytest.approx(101_325.0, rel=IDENTITY_RTOL)
    assert density_kg_m3(0.0) == pytest.approx(1.2250, rel=FIVE_FIGURE_RTOL)
    assert speed_of_sound_mps(0.0) == pytest.approx(340.29, rel=FIVE_FIGURE_RTOL)


def test_layer_bases_match_table_4() -> None:
    """At the layer bases temperature and pressure equal the report's table 4."""
    z = geometric_altitude_m(TABLE4_H_M[:-1])
    np.testing.assert_allclose(temperature_k(z), TABLE4_T_M_K[:-1], atol=TABLE4_TEMPERATURE_ATOL_K)
    np.testing.assert_allclose(pressure_pa(z), TABLE4_P_PA[:-1], rtol=TABLE4_PRESSURE_RTOL)


def test_layer_base_densities_match_table_1() -> None:
    """At the layer bases the density equals the report's table I to its five figures."""
    z = geometric_altitude_m(TABLE4_H_M[:-1])
    np.testing.assert_allclose(density_kg_m3(z), TABLE1_RHO_KG_M3, rtol=FIVE_FIGURE_RTOL)


def test_tropopause_values() -> None:
    """At 11 km geopotential the temperature is 216.65 K and the speed of sound 295.07 m/s."""
    z = geometric_altitude_m(11_000.0)
    assert z == pytest.approx(11_019.07, abs=0.01)
    assert temperature_k(z) == pytest.approx(216.65, abs=TABLE4_TEMPERATURE_ATOL_K)
    assert pressure_pa(z) == pytest.approx(22_632.06, rel=TABLE4_PRESSURE_RTOL)
    assert speed_of_sound_mps(z) == pytest.approx(295.07, rel=FIVE_FIGURE_RTOL)


def test_86_km_values() -> None:
    """At 86 km geometric (84.852 km geopotential) T = 186.87 K, p = 0.37338 Pa, ρ = 6.958e-6."""
    assert geopotential_altitude_m(86_000.0) == pytest.approx(84_852.0, abs=0.1)
    assert temperature_k(86_000.0) == pytest.approx(186.87, abs=KINETIC_T_86_ATOL_K)
    assert pressure_pa(86_000.0) == pytest.approx(0.37338, rel=FIVE_FIGURE_RTOL)
    top_of_layers = geometric_altitude_m(TABLE4_H_M[-1])
    assert pressure_pa(top_of_layers) == pytest.approx(TABLE4_P_PA[-1], rel=TABLE4_PRESSURE_RTOL)
    # The speed of sound uses the molecular-scale temperature, 186.946 K.
    c_86 = np.sqrt(GAMMA_AIR * R_STAR_J_MOL_K * TABLE4_T_M_K[-1] / M0_KG_MOL)
    assert speed_of_sound_mps(top_of_layers) == pytest.approx(c_86, rel=IDENTITY_RTOL)
    assert density_kg_m3(86_000.0) == pytest.approx(6.958e-6, rel=FOUR_FIGURE_RTOL)


@pytest.mark.parametrize(
    ("alt_m", "rho_kg_m3", "p_pa"),
    [
        (90_000.0, 3.416e-6, 0.18359),
        (95_000.0, 1.393e-6, 0.075966),
        (100_000.0, 5.604e-7, 0.032011),
        (110_000.0, 9.708e-8, 7.1042e-3),
        (115_000.0, 4.289e-8, 4.0099e-3),
        (120_000.0, 2.222e-8, 2.5382e-3),
    ],
)
def test_upper_rows_match_table_1(alt_m: float, rho_kg_m3: float, p_pa: float) -> None:
    """From 90 to 120 km the model passes through the report's table I rows."""
    assert density_kg_m3(alt_m) == pytest.approx(rho_kg_m3, rel=IDENTITY_RTOL)
    assert pressure_pa(alt_m) == pytest.approx(p_pa, rel=IDENTITY_RTOL)


def test_geopotential_round_trip() -> None:
    """Geometric and geopotential altitude are inverse to each other (report eq. 18)."""
    z = np.linspace(-1_000.0, 120_000.0, 1001)
    np.testing.assert_allclose(geometric_altitude_m(geopotential_altitude_m(z)), z, atol=1e-8)


def test_hydrostatic_equilibrium_up_to_86_km() -> None:
    """Up to 86 km dp/dz = -ρ g(z) with g = g0 (r0 / (r0 + z))²."""
    z = np.linspace(-999.0, 85_999.0, 2000)
    h = 1.0
    dp_dz = (pressure_pa(z + h) - pressure_pa(z - h)) / (2.0 * h)
    g = G0_MPS2 * (R0_M / (R0_M + z)) ** 2
    np.testing.assert_allclose(-dp_dz, density_kg_m3(z) * g, rtol=HYDROSTATIC_RTOL)


def test_hydrostatic_balance_above_86_km_is_approximate() -> None:
    """From 86 to 120 km the interpolated pressure and density balance to within 20 %."""
    z = np.linspace(86_001.0, 119_999.0, 500)
    h = 1.0
    dp_dz = (pressure_pa(z + h) - pressure_pa(z - h)) / (2.0 * h)
    g = G0_MPS2 * (R0_M / (R0_M + z)) ** 2
    np.testing.assert_allclose(-dp_dz, density_kg_m3(z) * g, rtol=UPPER_HYDROSTATIC_RTOL)


def test_ideal_gas_law() -> None:
    """Up to 86 km p = ρ R* T / M with M = M0 below 80 km (report eq. 42, table 8)."""
    z = np.linspace(-1_000.0, 79_999.0, 1000)
    np.testing.assert_allclose(
        pressure_pa(z),
        density_kg_m3(z) * R_STAR_J_MOL_K * temperature_k(z) / M0_KG_MOL,
        rtol=IDENTITY_RTOL,
    )
    m_86 = M0_KG_MOL * 0.999579  # table 8 at 86 km
    assert pressure_pa(86_000.0) == pytest.approx(
        density_kg_m3(86_000.0) * R_STAR_J_MOL_K * temperature_k(86_000.0) / m_86,
        rel=IDENTITY_RTOL,
    )


def test_speed_of_sound_is_ideal_gas() -> None:
    """Up to 86 km c² = γ p / ρ (report eq. 50 with the ideal-gas law)."""
    z = np.linspace(-1_000.0, 86_000.0, 1000)
    np.testing.assert_allclose(
        speed_of_sound_mps(z) ** 2,
        GAMMA_AIR * pressure_pa(z) / density_kg_m3(z),
        rtol=IDENTITY_RTOL,
    )


@pytest.mark.parametrize(
    "alt_m",
    [
        *geometric_altitude_m(TABLE4_H_M[:-1]).tolist(),
        80_000.0,
        86_000.0,
        90_000.0,
        100_000.0,
        110_000.0,
    ],
)
def test_continuity_at_boundaries(alt_m: float) -> None:
    """Temperature, pressure, density and speed of sound are continuous at every boundary."""
    either_side = np.array([alt_m - 1e-3, alt_m + 1e-3])
    for quantity in (temperature_k, pressure_pa, density_kg_m3, speed_of_sound_mps):
        below, above = quantity(either_side)
        assert above == pytest.approx(below, rel=CONTINUITY_RTOL), quantity.__name__


def test_density_and_pressure_decrease_monotonically() -> None:
    """Density and pressure decrease strictly from -1 km up to the top."""
    z = np.linspace(ATMOSPHERE_BOTTOM_M, ATMOSPHERE_TOP_M, 121_001)
    assert np.all(np.diff(density_kg_m3(z)) < 0.0)
    assert np.all(np.diff(pressure_pa(z)) < 0.0)


def test_above_the_top_is_vacuum() -> None:
    """Above 120 km density and pressure are exactly 0; temperature and sound speed stay finite."""
    z = np.array([ATMOSPHERE_TOP_M + 1e-6, 150_000.0, 1e7, 1e300, np.inf])
    assert np.all(density_kg_m3(z) == 0.0)
    assert np.all(pressure_pa(z) == 0.0)
    np.testing.assert_allclose(temperature_k(z), temperature_k(86_000.0), rtol=IDENTITY_RTOL)
    np.testing.assert_allclose(
        speed_of_sound_mps(z), speed_of_sound_mps(86_000.0), rtol=IDENTITY_RTOL
    )
    assert density_kg_m3(ATMOSPHERE_TOP_M) > 0.0


def test_below_minus_one_km_is_clipped() -> None:
    """Below -1 km every quantity equals its -1 km value, extrapolated from the first layer."""
    z = np.array([-1_000.0, -1_000.0001, -5_000.0, -1e300, -np.inf])
    for quantity in (temperature_k, pressure_pa, density_kg_m3, speed_of_sound_mps):
        values = quantity(z)
        assert np.all(np.isfinite(values))
        np.testing.assert_array_equal(values, values[0])
    h_m = R0_M * -1_000.0 / (R0_M - 1_000.0)
    assert temperature_k(-1_000.0) == pytest.approx(288.15 - 6.5e-3 * h_m, rel=IDENTITY_RTOL)


def test_nan_and_shapes() -> None:
    """NaN altitude gives NaN; scalars give 0-d arrays and arrays keep their shape."""
    for quantity in (temperature_k, pressure_pa, density_kg_m3, speed_of_sound_mps):
        assert np.isnan(quantity(np.nan))
        assert quantity(1_000.0).shape == ()
        assert quantity(np.zeros((3, 4))).shape == (3, 4)


def test_table_matches_exact_model() -> None:
    """The standard table gives density within 3e-5 (promised 1e-3) and sound speed within 3e-5."""
    table = AtmosphereTable.standard()
    rng = np.random.default_rng(1976)
    z = np.concatenate(
        (
            np.linspace(ATMOSPHERE_BOTTOM_M, ATMOSPHERE_TOP_M, 200_001),
            rng.uniform(ATMOSPHERE_BOTTOM_M, ATMOSPHERE_TOP_M, 100_000),
        )
    )
    rel = table.density_kg_m3(z) / density_kg_m3(z) - 1.0
    assert np.max(np.abs(rel)) < TABLE_STANDARD_RTOL <= TABLE_PROMISED_RTOL
    rel_c = table.speed_of_sound_mps(z) / speed_of_sound_mps(z) - 1.0
    assert np.max(np.abs(rel_c)) < TABLE_SOUND_RTOL


def test_coarse_table_keeps_the_promise() -> None:
    """A 100-m table still keeps the density within 1e-3 of the exact model."""
    table = AtmosphereTable.build(step_m=100.0)
    z = np.linspace(ATMOSPHERE_BOTTOM_M, ATMOSPHERE_TOP_M, 200_001)
    rel = table.density_kg_m3(z) / density_kg_m3(z) - 1.0
    assert np.max(np.abs(rel)) < TABLE_PROMISED_RTOL


def test_table_is_linear_interpolation_of_log_density() -> None:
    """The table's density is exp(np.interp) of its log-density nodes."""
    table = AtmosphereTable.standard()
    z = np.random.default_rng(7).uniform(ATMOSPHERE_BOTTOM_M, ATMOSPHERE_TOP_M, 10_000)
    expected = np.exp(np.interp(z, table.altitude_m, table.log_density))
    np.testing.assert_allclose(table.density_kg_m3(z), expected, rtol=IDENTITY_RTOL)
    expected_c = np.interp(z, table.altitude_m, table.speed_of_sound)
    np.testing.assert_allclose(table.speed_of_sound_mps(z), expected_c, rtol=IDENTITY_RTOL)


def test_table_edges() -> None:
    """The table is 0 above the top, clipped below the bottom, NaN for NaN, and shape-keeping."""
    table = AtmosphereTable.standard()
    z = np.array([ATMOSPHERE_TOP_M, ATMOSPHERE_TOP_M + 1e-6, np.inf, -5_000.0, -np.inf, np.nan])
    rho = table.density_kg_m3(z)
    assert rho[0] == pytest.approx(2.222e-8, rel=IDENTITY_RTOL)
    assert rho[1] == 0.0 and rho[2] == 0.0
    assert rho[3] == pytest.approx(float(density_kg_m3(ATMOSPHERE_BOTTOM_M)), rel=IDENTITY_RTOL)
    assert rho[4] == rho[3]
    assert np.isnan(rho[5])
    rho_both, sound_both = table.density_and_speed_of_sound(z)
    np.testing.assert_array_equal(rho_both, rho)
    np.testing.assert_array_equal(sound_both, table.speed_of_sound_mps(z))
    assert table.density_kg_m3(5_000.0).shape == ()
    assert table.density_kg_m3(np.zeros((2, 3))).shape == (2, 3)


def test_standard_table_is_cached_and_read_only() -> None:
    """The standard table is built once and its arrays cannot be written."""
    table = AtmosphereTable.standard()
    assert AtmosphereTable.standard() is table
    with pytest.raises(ValueError, match="read-only"):
        table.log_density[0] = 0.0
