"""The command line starts light: --help and --version load no numerical or model library."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from scipy import special, stats

from jointshield.analysis.runs import DEFAULT_GEOMETRY_SAMPLES, DEFAULT_TRIALS
from jointshield.cli import run as cli_run
from jointshield.montecarlo.stats import _z, mean_interval
from jointshield.scenario import DEFAULT_SCENARIO

HEAVY = ("numpy", "scipy", "pydantic", "yaml", "jointshield.analysis", "jointshield.scenario")

_PROBE = """
import sys
from jointshield.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("MODULES", *sorted(sys.modules))
"""


def _modules_after(argv: list[str]) -> set[str]:
    """Modules loaded by a fresh interpreter that runs the command line with ``argv``."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "100"},
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


def _heavy(loaded: set[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in heavy))


@pytest.mark.parametrize("argv", [["--version"], ["--help"], []], ids=["version", "help", "none"])
def test_help_and_version_load_no_heavy_library(argv: list[str]) -> None:
    """`--version` and `--help` import neither NumPy, SciPy, pydantic nor the API's layers."""
    loaded = _modules_after(argv)
    assert "jointshield.cli.run" in loaded  # the commands are registered
    assert _heavy(loaded) == []


@pytest.mark.parametrize("argv", [["compare", "--help"], ["scenarios", "show", "--help"]])
def test_command_help_loads_no_numerical_library(argv: list[str]) -> None:
    """A command's `--help` imports neither NumPy, SciPy nor the API (typer may use pydantic)."""
    heavy = tuple(h for h in HEAVY if h != "pydantic")  # typer builds its option parsers with it
    assert _heavy(_modules_after(argv), heavy) == []


def test_cli_defaults_are_the_apis() -> None:
    """The defaults that --help shows without importing the API are the API's own."""
    assert cli_run.DEFAULT_TRIALS == DEFAULT_TRIALS
    assert cli_run.DEFAULT_GEOMETRY_SAMPLES == DEFAULT_GEOMETRY_SAMPLES
    assert f"default: {DEFAULT_SCENARIO}" in str(cli_run.ScenarioArg.__metadata__[0].help)


@pytest.mark.parametrize("confidence", [0.5, 0.68, 0.9, 0.95, 0.99, 0.999])
def test_normal_quantile_is_scipy_stats(confidence: float) -> None:
    """The normal quantile of an interval is exactly scipy.stats.norm.ppf's."""
    assert _z(confidence) == float(stats.norm.ppf(0.5 + confidence / 2.0))


@pytest.mark.parametrize("n", [2, 3, 10, 200, 2000])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_mean_interval_uses_student_t_of_scipy_stats(n: int, confidence: float) -> None:
    """The mean's interval is exactly the one from scipy.stats.t.ppf with n - 1 dof."""
    x = [float((7 * i) % 11) for i in range(n)]
    mean, lo, hi = mean_interval(x, confidence)
    t = float(stats.t.ppf(0.5 + confidence / 2.0, df=n - 1))
    se = float(stats.sem(x))
    assert float(hi - mean) == pytest.approx(t * se, rel=1e-12)
    assert float(mean - lo) == pytest.approx(t * se, rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 10, 200, 2000, 10**6])
def test_student_t_quantile_is_scipy_stats(n: int) -> None:
    """The t quantile of SciPy's special functions equals scipy.stats.t.ppf bit for bit."""
    for p in (0.75, 0.95, 0.975, 0.995):
        assert float(special.stdtrit(n - 1, p)) == float(stats.t.ppf(p, df=n - 1))
