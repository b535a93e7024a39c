"""The structure of the package: floors, imports going down, one home per word."""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "jointshield"

# The floors of the house, lowest first. A module may import from its own floor and the
# floors below it, never from a floor above. The ground floor holds the words every
# layer speaks; the scenario file format sits beside the domain and is read only by the
# compile step (theatre.compile) and the layers above it. The report floor renders
# records (tables, trajectory files) without computing anything: the analysis verbs
# return its records, the command line prints them.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("errors", "arrays", "vocabulary", "record", "jsonio", "cache", "compiled", "data"),
    ("physics",),
    ("flight", "montecarlo"),
    ("scenario",),
    ("sensing",),
    ("engagement",),
    ("architectures",),
    ("theatre",),
    ("battle",),
    ("report",),
    ("analysis",),
    ("cli",),
)
# Below the analysis layer, nothing reads the scenario file format except the compile step
# (theatre.compile, and theatre.check, which locates what the compiled objects refuse).
READS_SCENARIO = (
    "theatre.compile",
    "theatre.check",
    "analysis",
    "report",
    "cli",
    "__init__",
    "__main__",
)


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"] or ["__init__"]
        out.append((".".join(parts), path))
    return out


def _floor(dotted: str) -> int:
    top = dotted.split(".")[0]
    for level, names in enumerate(FLOORS):
        if top in names:
            return level
    if top in ("__init__", "__main__"):
        return len(FLOORS)
    raise AssertionError(f"module {dotted!r} is on no floor: add its package to FLOORS")


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported jointshield module, line, inside a function) for every import of the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                if child.module.startswith("jointshield"):
                    found.append((child.module, child.lineno, in_function))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("jointshield"):
                        found.append((alias.name, child.lineno, in_function))
            visit(child, inner)

    visit(tree, False)
    return found


MODULES = _modules()


def test_every_module_is_on_a_floor() -> None:
    """Each module of the package belongs to a floor of the house."""
    for dotted, _ in MODULES:
        _floor(dotted)


def test_imports_go_down_only() -> None:
    """No module imports from a floor above its own."""
    wrong = []
    for dotted, path in MODULES:
        mine = _floor(dotted)
        for target, line, _ in _imports(path):
            name = target.removeprefix("jointshield").lstrip(".")
            if name and _floor(name) > mine:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} {dotted} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_nothing_below_the_analysis_layer_reads_the_scenario() -> None:
    """Only the compile step and the layers above it import the scenario package."""
    wrong = []
    for dotted, path in MODULES:
        if dotted.startswith(READS_SCENARIO) or dotted.split(".")[0] == "scenario":
            continue
        for target, line, _ in _imports(path):
            if target.startswith("jointshield.scenario"):
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_import_of_the_package_inside_a_function() -> None:
    """Imports sit at the top of a module (a circle is a room in the wrong place).

    The command line is the one exception: it imports each command's machinery
    when the command runs, so that ``--help`` and ``--version`` start at once.
    """
    wrong = []
    for dotted, path in MODULES:
        if dotted.split(".")[0] == "cli":
            continue
        for target, line, inside in _imports(path):
            if inside:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {target} in a function")
    assert not wrong, "\n".join(wrong)


def _import_alone(dotted: str) -> tuple[str, int, str]:
    name = "jointshield" if dotted == "__init__" else f"jointshield.{dotted}"
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=120
    )
    return name, done.returncode, done.stderr[-2000:]


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    """Each module imports by itself in a new interpreter: no circle hides behind an order."""
    names = [d for d, _ in MODULES if d != "__main__"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_import_alone, names))
    failed = [f"{name}:\n{err}" for name, code, err in results if code != 0]
    assert not failed, "\n".join(failed)


# Words with one home: the module that defines each, and the pattern of a definition.
ONE_HOME = {
    "FloatArray": "arrays",
    "BoolArray": "arrays",
    "IntArray": "arrays",
    "Int64Array": "arrays",
    "Int8Array": "arrays",
    "ObjectArray": "arrays",
    "as_f64": "arrays",
    "G0_MPS2": "physics.constants",
    "FUSION_CENTRE": "vocabulary",
    "MEAN_OUTAGE_S": "vocabulary",
    "Sharing": "vocabulary",
    "Aim": "vocabulary",
    "AimMode": "vocabulary",
    "Refraction": "vocabulary",
    "VERSION": "record",
    "Origin": "record",
    "RandomSource": "montecarlo.streams",
    "per_trial": "montecarlo.streams",
}


def test_each_word_is_defined_once() -> None:
    """Shared names (array types, constants, literals, the version) are defined in one module."""
    homes: dict[str, list[str]] = {}
    for dotted, path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top: list[ast.stmt] = []
        for node in tree.body:
            top.append(node)
            if isinstance(node, ast.Try):  # e.g. a version read with a fallback
                top.extend([*node.body, *(s for h in node.handlers for s in h.body)])
        for node in top:
            names: list[str] = []
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                names = [node.name]
            for name in names:
                if (name in ONE_HOME or name == "_f64") and dotted not in homes.get(name, []):
                    homes.setdefault(name, []).append(dotted)
    assert "_f64" not in homes
    for name, home in ONE_HOME.items():
        assert homes.get(name) == [home], (name, homes.get(name))
    # Scenario records keep their own names: the scenario's outage window is not the link's.
    scenario_model = (PACKAGE / "scenario" / "model.py").read_text(encoding="utf-8")
    assert "class Outage(" not in scenario_model


def test_no_type_ignore_where_the_literals_meet() -> None:
    """The sharing and aim literals are one type everywhere: no cast or ignore between them."""
    offenders = []
    for _, path in MODULES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "type: ignore[arg-type]" in line and ("mode" in line or "sharing" in line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}")
    assert not offenders, offenders
