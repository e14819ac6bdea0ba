"""A non-editable install works on its own: the wheel carries resources/ (icons, desktop entry,
AppStream metadata, prompt presets) and the migrations, and from a fresh virtual environment
``draftwheel --version`` and a real revision run on the bundled model, with nothing read from
the checkout. ``draftwheel bench train`` there, with no checkout around, says what to pass.

The wheel is built from a copy of the project (the checkout gets no build/ or egg-info). The
fresh environment has only the wheel installed; its dependencies (llama.cpp, PySide6, ...) come
from the test's own environment through a .pth line, which appends that site-packages folder
to sys.path without running the .pth files inside it: the checkout's editable install stays off.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow
RUN_TIMEOUT_S = 600  # 2 shared CPU cores: building and installing can be slow; never a timing assertion


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False, **kw
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel-build")
    project = work / "project"
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(REPO / "src", project / "src", ignore=junk)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, project / name)
    out = work / "dist"
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, project])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (built,) = out.glob("draftwheel-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fresh") / "venv"
    proc = _run([sys.executable, "-m", "venv", "--without-pip", root])
    assert proc.returncode == 0, proc.stderr
    python = root / "bin" / "python"
    proc = _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_draftwheel_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return root


def _env(home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    if home is not None:
        env["DRAFTWHEEL_HOME"] = str(home)
    return env


def test_wheel_carries_resources_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (
        "draftwheel/resources/icons/draftwheel.svg",
        "draftwheel/resources/icons/draftwheel.ico",
        "draftwheel/resources/icons/hicolor/256x256/apps/draftwheel.png",
        "draftwheel/resources/linux/org.draftwheel.Draftwheel.desktop",
        "draftwheel/resources/linux/org.draftwheel.Draftwheel.metainfo.xml",
        "draftwheel/store/migrations/script.py.mako",
    ):
        assert path in names, path
    # Everything the checkout's package folder holds as data reaches the wheel (prompt presets included).
    package = REPO / "src" / "draftwheel"
    for folder in ("resources", "store/migrations"):
        on_disk = {
            p.relative_to(package.parent).as_posix()
            for p in (package / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        }
        assert on_disk and on_disk <= names, sorted(on_disk - names)
    assert not any(n.startswith(("resources/", "benchmarks/", "tests/")) for n in names)  # no stray top level


def test_fresh_install_runs_version_and_reads_its_own_resources(venv, tmp_path):
    proc = _run([venv / "bin" / "draftwheel", "--version"], env=_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "draftwheel 0.1.0"
    probe = (
        "import json, draftwheel\nfrom draftwheel.config.paths import resources_dir\nr = resources_dir()\n"
        "print(json.dumps({'pkg': draftwheel.__file__, 'res': str(r), "
        "'files': sorted(p.relative_to(r).as_posix() for p in r.rglob('*') if p.is_file())}))"
    )
    proc = _run([venv / "bin" / "python", "-c", probe], env=_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert Path(got["pkg"]).is_relative_to(venv) and Path(got["res"]).is_relative_to(venv)
    assert "icons/draftwheel.svg" in got["files"] and "linux/org.draftwheel.Draftwheel.desktop" in got["files"]
    source = REPO / "src" / "draftwheel" / "resources"
    assert set(got["files"]) == {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}


def test_fresh_install_revises_on_the_bundled_model(venv, home, tmp_path):
    text = "Me and him goes to the store yesterday."
    proc = _run(
        [venv / "bin" / "draftwheel", "revise", "--task", "grammar", "--json"], input=text, env=_env(home), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads(proc.stdout.strip().splitlines()[-1])
    assert record["revision"].strip() and record["model"] == "gemma3-270m"
    assert record["output_tokens"] > 0


def test_a_benchmark_without_data_runs_from_a_plain_install(venv, tmp_path):
    proc = _run(
        [venv / "bin" / "draftwheel", "bench", "store", "--quick", "--out", tmp_path / "bench.json"],
        env=_env(tmp_path / "home"),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (result,) = json.loads((tmp_path / "bench.json").read_text())["results"]
    assert result["status"] == "ok" and result["metrics"]


def test_bench_train_from_a_plain_install_says_what_to_pass(venv, tmp_path):
    proc = _run([venv / "bin" / "draftwheel", "bench", "train"], env=_env(tmp_path / "home"), cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        (
            "draftwheel: error: The train benchmark needs JFLEG evaluation data, which a plain install does not "
            "include. Pass --data DIR, a folder holding JFLEG's dev.src and dev.ref0 (a Draftwheel checkout has one "
            "in benchmarks/data/jfleg)."
        )
    ]
    # In a run of every benchmark the train one is skipped with that note instead of failing them all.
    probe = (
        "from draftwheel.cli.bench_cmd import _data_for, run_one\n"
        "res = run_one('train', True, _data_for(['train'], None, explicit=False)['train'])\n"
        "print(res['status'], '|', res['notes'])"
    )
    proc = _run([venv / "bin" / "python", "-c", probe], env=_env(tmp_path / "home"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("skipped | The train benchmark needs JFLEG evaluation data")
