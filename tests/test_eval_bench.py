"""``draftwheel bench`` with several benchmarks: a missing optional package skips one, a
failure in one is reported, and the JSON and Markdown reports are always written."""

from __future__ import annotations

import json

import pytest

from draftwheel.bench import BENCHES
from draftwheel.cli.main import main


def test_bench_reports_skipped_and_failed_benchmarks(tmp_path, monkeypatch, capsys):
    # A benchmark module whose optional dependency is not installed, and one that returns metrics.
    (tmp_path / "bench_needs_extra.py").write_text(
        "import draftwheel_no_such_extra_pkg\n\ndef run(quick=False):\n    return {}\n", encoding="utf-8"
    )
    (tmp_path / "bench_counts.py").write_text(
        "def run(quick=False):\n"
        "    return {'name': 'counts', 'metrics': {'items_per_s': 12.5, 'quick': int(quick)},\n"
        "            'targets': {'items_per_s': '>= 10'}, 'notes': 'counted'}\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(BENCHES, "needs_extra", "bench_needs_extra")
    monkeypatch.setitem(BENCHES, "counts", "bench_counts")
    monkeypatch.setitem(BENCHES, "broken", "json")  # a module without run(): a bug, reported as failed

    out, md = tmp_path / "bench.json", tmp_path / "bench.md"
    rc = main(["bench", "needs_extra", "counts", "broken", "--quick", "--out", str(out), "--md", str(md)])
    assert rc == 1  # one benchmark failed
    report = json.loads(out.read_text(encoding="utf-8"))
    status = {r["name"]: r["status"] for r in report["results"]}
    assert status == {"needs_extra": "skipped", "counts": "ok", "broken": "failed"}
    skipped = report["results"][0]
    assert "draftwheel_no_such_extra_pkg" in skipped["notes"] and "not installed" in skipped["notes"]
    assert report["results"][1]["metrics"] == {"items_per_s": 12.5, "quick": 1}
    assert report["command"] == f"draftwheel bench needs_extra counts broken --quick --out {out} --md {md}"
    assert "CPUs" in report["machine"]

    text = md.read_text(encoding="utf-8")
    assert "| counts | items_per_s | 12.5 | >= 10 |" in text
    assert "| needs_extra | (skipped) |" in text and "| broken | (failed) |" in text
    assert f"Command: `{report['command']}`" in text
    assert "[2/3] counts" in capsys.readouterr().err


def test_bench_rejects_unknown_names_and_bad_paths(tmp_path, capsys):
    assert main(["bench", "nonesuch"]) == 2
    assert "Unknown benchmark 'nonesuch'" in capsys.readouterr().err
    assert main(["bench", "engine", "--out", str(tmp_path / "no" / "x.json")]) == 2
    assert "its folder does not exist" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("side", ["plain", "ours"])
def test_train_bench_side_runs_real_steps(trainable_dir, side):
    """One side of `draftwheel bench train`, in this process, on the bundled model: a warm-up and
    one timed step of real training, with figures the report can use."""
    import math

    from draftwheel.bench.train import SIDE_CONFIG, worker
    from draftwheel.train.trainer import pick_dtype

    got = worker(side, str(trainable_dir), steps=1, batch_size=2, max_seq_len=64)
    assert got["side"] == side and got["timed_steps"] == 1
    assert got["timed_tokens"] > 0 and got["tokens_per_s"] > 0
    assert got["peak_rss_bytes"] >= got["rss_after_load_bytes"] > 0
    assert math.isfinite(got["first_loss"]) and math.isfinite(got["last_loss"])
    assert got["dtype"] == pick_dtype(SIDE_CONFIG[side][0], "cpu")


def test_the_benchmarks_ours_side_is_the_trainers_defaults():
    from draftwheel.bench.train import SIDE_CONFIG
    from draftwheel.train.args import TrainingArgs

    defaults = TrainingArgs()
    assert SIDE_CONFIG["ours"] == (defaults.dtype, True, defaults.gradient_checkpointing)
    assert defaults.share_prefix


def test_pick_dtype_follows_the_preference_and_the_cpu():
    from draftwheel.train.trainer import cpu_has_fast_bf16, pick_dtype

    assert pick_dtype("float32", "cpu") == "float32"
    assert pick_dtype("bfloat16", "cpu") == "bfloat16"
    assert pick_dtype("auto", "cpu") == ("bfloat16" if cpu_has_fast_bf16() else "float32")
    assert pick_dtype("auto", "mps") == "float32"


@pytest.mark.slow
def test_jfleg_experiment_quick_version_end_to_end(home, bundled_gguf, trainable_dir, tmp_path):
    """The documented JFLEG recipe, CI-sized: zero, few and one LoRA point through the real
    commands (eval, train), then the table and the plot."""
    import os
    import shutil
    import subprocess
    import sys

    from conftest import JFLEG, REPO

    work, out = tmp_path / "work", tmp_path / "results"
    scratch = work / "home"  # the recipe's training data folder: give it the model and its weights
    (scratch / "models").mkdir(parents=True)
    os.link(bundled_gguf, scratch / "models" / bundled_gguf.name)
    shutil.copytree(trainable_dir, scratch / "weights" / trainable_dir.name, copy_function=os.link)
    cmd = [
        sys.executable,
        str(REPO / "benchmarks" / "jfleg_flywheel.py"),
        "--data",
        str(JFLEG),
        "--limit",
        "3",
        "--k",
        "2",
        "--sizes",
        "12",
        "--steps",
        "2",
        "--threads",
        "2",
        "--train-args=--batch-size 2 --max-seq-len 96",
        "--out-dir",
        str(out),
        "--work-dir",
        str(work),
        "--plot",
        str(out / "curve.png"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "DRAFTWHEEL_HOME": str(home)})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    stages = {(r["stage"], r["n_train"]) for r in summary["rows"]}
    assert stages == {("zero", None), ("few", None), ("lora", 12)}
    for r in summary["rows"]:
        assert r["n_test"] == 3 and 0 <= r["gleu"] <= 100 and 0 <= r["chrf"] <= 100
    table = (out / "table.md").read_text()
    assert "| zero-shot |" in table and "few-shot, k=2" in table and "LoRA (2 steps)" in table
    assert (out / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    train = json.loads((out / "lora-12.train.json").read_text())
    assert train["steps"] == 2 and train["n_pairs"] == 12
