"""Worker processes under every start method give the numbers of one process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jointshield.analysis.runs import compare
from test_golden import _numbers
from theatres import theatre

ARGS = ["compare", "europe-2018", "--trials", "600", "--architectures", "national,joint"]

SCRIPT = """
import multiprocessing
import sys

from jointshield.cli import main

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1], force=True)
    sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_two_workers_under_a_start_method_match_one_process(method: str, tmp_path: Path) -> None:
    """``--workers 2`` runs under ``spawn`` and ``forkserver`` and gives one process's numbers."""
    script = tmp_path / "run.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), method, *ARGS, "--workers", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    two = json.loads(done.stdout)
    one = compare(theatre("europe-2018"), ("national", "joint"), trials=600, seed=0, progress=False)
    assert _numbers(two)["architectures"] == _numbers(one.to_json())["architectures"]
