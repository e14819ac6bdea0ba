"""The layer rules of docs/architecture.md hold: import-linter's contracts (.importlinter) and small classes."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
MAX_CLASS_LINES = 300
LARGE_CLASSES_LEFT: set[tuple[str, str]] = set()  # none left: MainWindow and GroundWizard were split (issue 16)


def _lint_imports(src: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        exe = shutil.which("lint-imports")
    assert exe, "lint-imports is missing: pip install import-linter (it is in the dev extra)"
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [str(exe), str(REPO / ".importlinter"), "--no-cache"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_contracts_are_kept():
    res = _lint_imports(SRC)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    assert "0 broken" in res.stdout


@pytest.mark.parametrize(
    "module, line",
    [
        ("models/catalogue.py", "    import draftwheel.engine.base  # an upward import hidden in a function\n"),
        ("train/dataset.py", "    from draftwheel.engine import llama  # train and engine are independent\n"),
        ("store/db.py", "    import PySide6.QtCore  # Qt outside ui and workers\n"),
    ],
)
def test_an_upward_import_inside_a_function_breaks_the_contracts(tmp_path, module, line):
    src = tmp_path / "src"
    shutil.copytree(SRC / "draftwheel", src / "draftwheel", ignore=shutil.ignore_patterns("__pycache__", "resources"))
    target = src / "draftwheel" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n\ndef _sneaky():\n" + line, encoding="utf-8")
    res = _lint_imports(src)
    assert res.returncode != 0 and "BROKEN" in res.stdout, res.stdout[-3000:]


def test_no_class_is_over_300_lines():
    large = set()
    for file in sorted((SRC / "draftwheel").rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                large.add((file.relative_to(SRC / "draftwheel").as_posix(), node.name))
    assert large <= LARGE_CLASSES_LEFT, f"classes over {MAX_CLASS_LINES} lines: {sorted(large - LARGE_CLASSES_LEFT)}"
    assert large == LARGE_CLASSES_LEFT, f"now small enough, drop from LARGE_CLASSES_LEFT: {LARGE_CLASSES_LEFT - large}"
