"""The ``jointshield scenarios`` commands."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest

from jointshield.cli import main
from jointshield.scenario import (
    ScenarioExistsError,
    builtin_path,
    export_scenario,
    load_scenario,
    scenario_hash,
)


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # Wide output, so that long lines and tables are not wrapped in the captured text.
    monkeypatch.setenv("COLUMNS", "250")
    # The main command line registers sibling sub-commands; stand in for any not yet present.
    for name in ("flyout",):
        module = f"jointshield.cli.{name}"
        if module not in sys.modules and importlib.util.find_spec(module) is None:
            monkeypatch.setitem(sys.modules, module, types.ModuleType(module))


def test_list_shows_builtins_and_default(capsys: pytest.CaptureFixture[str]) -> None:
    """`scenarios list` shows every built-in and marks the default."""
    assert main(["scenarios", "list"]) == 0
    out = capsys.readouterr().out
    assert "europe-2011" in out and "europe-2018" in out
    row = next(line for line in out.splitlines() if "europe-2011" in line)
    assert "*" in row


def test_show_summarizes(capsys: pytest.CaptureFixture[str]) -> None:
    """`scenarios show` prints counts, hash and tables of the scenario's items."""
    assert main(["scenarios", "show", "europe-2018"]) == 0
    out = capsys.readouterr().out
    digest = scenario_hash(load_scenario("europe-2018"))[:12]
    assert digest in out
    for text in ("8 sites", "deveselu", "sm-3-iia", "voronezh-armavir", "Bucharest", "iran-2018"):
        assert text in out, text


def test_show_sources_lists_every_number(capsys: pytest.CaptureFixture[str]) -> None:
    """`scenarios show --sources` lists each number with unit, tag and source."""
    assert main(["scenarios", "show", "europe-2011", "--sources"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "sensors[1].range_max_km" in line)
    for text in ("1500", "km", "estimate", "nrc-2012"):
        assert text in row, (text, row)
    assert "National Research Council" in out  # the references table


def test_validate_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`scenarios validate` on a good file says valid, with counts and hash."""
    path = tmp_path / "good.yaml"
    path.write_bytes(builtin_path("europe-2011").read_bytes())
    assert main(["scenarios", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    digest = scenario_hash(load_scenario(path))[:12]
    assert f"{path}: valid (2 parties, 7 sites" in out
    assert f"hash {digest})" in out


def test_validate_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`scenarios validate` on a bad file exits 2 with file:line key messages, no traceback."""
    text = builtin_path("europe-2011").read_text(encoding="utf-8")
    old = "    revisit_s: 1\n    sigma_range_m: 10\n"
    assert text.count(old) == 1
    bad = text.replace(old, "    revisit_s: -1\n    sigma_range_m: 10\n")
    line = bad[: bad.index("revisit_s: -1")].count("\n") + 1
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    assert main(["scenarios", "validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert f"{path}:{line} sensors[1].revisit_s: expected a positive number, got -1" in (
        captured.err
    )
    assert "Traceback" not in captured.err + captured.out


def test_export_writes_and_refuses_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scenarios export` writes NAME.yaml here, refuses to overwrite it, and --force does."""
    monkeypatch.chdir(tmp_path)
    assert main(["scenarios", "export", "europe-2011"]) == 0
    written = tmp_path / "europe-2011.yaml"
    assert written.read_bytes() == builtin_path("europe-2011").read_bytes()
    written.write_text("my edits\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["scenarios", "export", "europe-2011"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert written.read_text(encoding="utf-8") == "my edits\n"
    assert main(["scenarios", "export", "europe-2011", "--force"]) == 0
    assert written.read_bytes() == builtin_path("europe-2011").read_bytes()


@pytest.mark.parametrize("into_folder", [False, True], ids=["file", "folder"])
def test_export_refusal_names_the_flag_not_the_api_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], into_folder: bool
) -> None:
    """Refusing to overwrite, `scenarios export` names the file and --force, not overwrite=True."""
    out = tmp_path if into_folder else tmp_path / "mine.yaml"
    written = tmp_path / "europe-2018.yaml" if into_folder else out
    argv = ["scenarios", "export", "europe-2018", "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(written) in err
    assert "use --force" in err
    assert "overwrite" not in err


def test_export_api_refusal_speaks_only_the_api(tmp_path: Path) -> None:
    """Refusing to overwrite, export_scenario() names overwrite=True, not the command's --force."""
    dest = tmp_path / "mine.yaml"
    export_scenario("europe-2018", dest)
    with pytest.raises(ScenarioExistsError) as info:
        export_scenario("europe-2018", dest)
    assert "overwrite=True" in str(info.value)
    assert "--force" not in str(info.value)


def test_export_to_named_file(tmp_path: Path) -> None:
    """`scenarios export --out FILE` writes that file."""
    dest = tmp_path / "mine.yaml"
    assert main(["scenarios", "export", "europe-2018", "--out", str(dest)]) == 0
    assert scenario_hash(load_scenario(dest)) == scenario_hash(load_scenario("europe-2018"))


def test_unknown_scenario_name_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    """`scenarios show` with a misspelt built-in name exits 2 and suggests the right one."""
    assert main(["scenarios", "show", "europe2011"]) == 2
    assert "did you mean 'europe-2011'?" in capsys.readouterr().err
