"""Temp folders of the adapter registry belong to their writer until that process is gone."""

import os
import subprocess
import sys


def test_only_temps_of_dead_writers_are_swept(tmp_path):
    from draftwheel.config import app_paths
    from draftwheel.models.adapter_registry import remove_stale_temps

    paths = app_paths(tmp_path / "home")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = os.getpid()
    names = {
        f".work.{dead.pid}.tmp": False,
        f".work.{live}.tmp": True,  # an adapter being built
        f".v.2.{dead.pid}.tmp": False,
        f".v.2.{live}.tmp": True,  # a name with dots and digits
        f".fiction.{dead.pid}.deleting.tmp": False,
        f".fiction.{live}.deleting.tmp": True,  # being deleted
        f".import.{dead.pid}.tmp": False,
        f".import.{live}.tmp": True,  # an import being staged
    }
    for name in names:
        (paths.adapters_dir / name).mkdir(parents=True)
        (paths.adapters_dir / name / "adapter.gguf").write_bytes(b"partial")
    (paths.adapters_dir / "kept").mkdir()
    remove_stale_temps(paths)
    assert {n for n in names if (paths.adapters_dir / n).exists()} == {n for n, alive in names.items() if alive}
    assert (paths.adapters_dir / "kept").is_dir()
