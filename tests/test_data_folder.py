"""A data folder that cannot be written (a read-only disk, a folder not yours) is one line up
front, exit 2, no traceback, for the CLI and for the app (before any window), and nothing is
written anywhere else instead."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

HINT = "Make it writable, or choose another folder with --home DIR or DRAFTWHEEL_HOME."


@pytest.fixture
def read_only(tmp_path):
    """A real read-only folder: a read-only tmpfs when we are root (root ignores mode bits),
    else a folder with mode 0500."""
    where = tmp_path / "ro"
    where.mkdir()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m,mode=0755", "tmpfs", str(where)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            pytest.skip(f"root cannot mount a read-only tmpfs here: {proc.stderr.strip() or proc.returncode}")
        yield where
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)
    else:
        where.chmod(stat.S_IRUSR | stat.S_IXUSR)
        yield where
        where.chmod(stat.S_IRWXU)


def _draftwheel(args: list[str], home: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DRAFTWHEEL_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "draftwheel", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def _one_line(proc: subprocess.CompletedProcess, home: Path) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"draftwheel: error: The data folder {home} cannot be written (")
    assert lines[0].endswith(HINT)
    return lines[0]


@pytest.mark.parametrize("inside", [False, True], ids=["the-folder", "a-folder-inside"])
def test_cli_with_a_read_only_data_folder(read_only, inside):
    home = read_only / "home" if inside else read_only
    _one_line(_draftwheel(["revise", "--task", "grammar"], home, "Me and him goes to the store."), home)
    assert sorted(read_only.iterdir()) == []  # nothing half-written


def test_app_with_a_read_only_data_folder_stops_before_the_window(read_only):
    home = read_only / "home"
    line = _one_line(_draftwheel([], home), home)
    assert "command-line tools still work" not in line  # they would not: same folder
    assert sorted(read_only.iterdir()) == []


def test_a_writable_folder_is_created_private(tmp_path):
    from draftwheel.config import app_paths

    paths = app_paths(tmp_path / "fresh")
    for folder in (paths.home, paths.models_dir, paths.adapters_dir, paths.runs_dir, paths.autosave_dir):
        assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700
