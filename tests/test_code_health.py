"""The code stays lint-clean, formatted and type-checked with the settings in pyproject.toml ([tool.ruff], [tool.mypy]).

CI runs these with the rest of the suite (its last line must stay the README's test command)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(tool: str, *args: str, stdin: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    assert importlib.util.find_spec(tool), f"{tool} is missing: pip install -e '.[dev]' (it is in the dev extra)"
    return subprocess.run(
        [sys.executable, "-m", tool, *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _report(res: subprocess.CompletedProcess) -> str:
    return (res.stdout[-8000:] + res.stderr[-2000:]).strip()


def test_ruff_finds_nothing():
    res = _run("ruff", "check", "--no-cache", "src", "tests", "benchmarks")
    assert res.returncode == 0, _report(res)


def test_ruff_format_leaves_everything_as_it_is():
    res = _run("ruff", "format", "--check", "--no-cache", "src", "tests", "benchmarks")
    assert res.returncode == 0, _report(res)


def test_mypy_finds_nothing():
    # Checks the files named in [tool.mypy]; a cold run (no .mypy_cache) takes about 2 minutes on 2 cores.
    res = _run("mypy", timeout=900)
    assert res.returncode == 0, _report(res)
    assert "Success: no issues found" in res.stdout, _report(res)


# The checks above pass only if the tools read the project's settings; these show that the same
# invocations do report a planted problem, so a clean result means something.
@pytest.mark.parametrize(
    "source, code",
    [
        ("import os\n", "F401"),  # unused import
        ("import sys\nimport os\n\nprint(os, sys)\n", "I001"),  # unsorted imports
        ("from typing import List\n\nx: List[int] = []\n", "UP006"),  # py311 target: list[int]
    ],
)
def test_ruff_reports_a_planted_problem(source, code):
    res = _run(
        "ruff",
        "check",
        "--no-cache",
        "--output-format",
        "concise",
        "--stdin-filename",
        "src/draftwheel/planted.py",
        "-",
        stdin=source,
    )
    assert res.returncode == 1 and code in res.stdout, _report(res)


def test_ruff_format_reports_unformatted_code():
    res = _run(
        "ruff",
        "format",
        "--check",
        "--no-cache",
        "--stdin-filename",
        "src/draftwheel/planted.py",
        "-",
        stdin="x = {  'a':1 }\n",
    )
    assert res.returncode == 1, _report(res)


def test_mypy_reports_a_planted_type_error(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("def half(n: int) -> int:\n    return n // 2\n\n\nhalf('ten')\n", encoding="utf-8")
    res = _run("mypy", "--config-file", str(REPO / "pyproject.toml"), "--no-incremental", str(planted))
    assert res.returncode == 1 and "arg-type" in res.stdout, _report(res)
