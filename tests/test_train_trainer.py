"""The torch + PEFT trainer: a real short run, killed-run resume, background cancel, bad checkpoints, the lock."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import JFLEG
from draftwheel.errors import DraftwheelError
from draftwheel.train.args import TrainingArgs
from draftwheel.train.dataset import Pair, build_dataset, jfleg_pairs, save_pairs

STEP_TIMEOUT_S = 900  # generous: CI machines are slow and shared; tests never assert on timings


@pytest.fixture(scope="module")
def tokenizer(trainable_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(trainable_dir))


def _link_weights(paths, trainable_dir: Path) -> None:
    """Give a fresh data folder the session's converted weights (hard links, no 70 s conversion)."""
    target = paths.weights_cache / trainable_dir.name
    if not target.exists():
        shutil.copytree(trainable_dir, target, copy_function=os.link)


def _pairs_file(tmp_path: Path, n: int) -> Path:
    f = tmp_path / "pairs.jsonl"
    save_pairs(f, jfleg_pairs(JFLEG, limit=n))
    return f


@pytest.mark.slow
def test_short_real_run_lowers_heldout_loss(trainable_dir, tokenizer, tmp_path):
    from draftwheel.train.progress import TrainCallback
    from draftwheel.train.trainer import ADAPTER, CHECKPOINT, train

    ds = build_dataset(jfleg_pairs(JFLEG, limit=48), tokenizer, 96, heldout_fraction=0.15)
    args = TrainingArgs(steps=5, batch_size=4, max_seq_len=96, lr=1e-3, checkpoint_every=0, eval_batch_size=8)
    seen = []

    class Recorder(TrainCallback):
        def on_step(self, p):
            seen.append(p)

    result = train(trainable_dir, ds, args, Recorder(), tmp_path / "run")
    assert result.steps == 5 and [p.step for p in seen] == [1, 2, 3, 4, 5]
    assert all(p.total == 5 and p.tokens_per_s > 0 and p.peak_memory_bytes > 0 and p.eta_s >= 0 for p in seen)
    assert result.heldout_loss_after < result.heldout_loss_before
    adapter = tmp_path / "run" / ADAPTER
    assert result.adapter_dir == adapter
    assert {"adapter_config.json", "adapter_model.safetensors", "training.json"} <= {p.name for p in adapter.iterdir()}
    cfg = json.loads((adapter / "adapter_config.json").read_text())
    assert cfg["r"] == 8 and cfg["lora_alpha"] == 16
    assert sorted(cfg["target_modules"]) == sorted(args.target_modules)  # never lm_head or embeddings
    info = json.loads((adapter / "training.json").read_text())
    assert info["base_model_sha256"] == result.base_sha256 and len(result.base_sha256) == 64
    assert not (tmp_path / "run" / CHECKPOINT).exists()  # removed once the adapter is safe
    assert not [p for p in (tmp_path / "run").iterdir() if p.name.startswith(".")]  # no temporaries


@pytest.mark.slow
def test_killed_run_resumes_from_its_checkpoint(paths, trainable_dir, tmp_path, capsys):
    from draftwheel.cli.main import main
    from draftwheel.store import list_runs, open_store
    from draftwheel.train import background

    _link_weights(paths, trainable_dir)
    pairs = _pairs_file(tmp_path, 24)
    run_dir = paths.runs_dir / "r1"
    cmd = [
        sys.executable,
        "-m",
        "draftwheel",
        "--home",
        str(paths.home),
        "train",
        "--pairs",
        str(pairs),
        "--name",
        "r1",
        "--steps",
        "4",
        "--checkpoint-every",
        "1",
        "--batch-size",
        "2",
        "--max-seq-len",
        "64",
        "--no-export",
    ]
    log = open(tmp_path / "train.log", "wb")  # noqa: SIM115 - open for the process's life, closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not (run_dir / "checkpoint" / "state.json").exists():
            assert proc.poll() is None, (tmp_path / "train.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    killed_at = json.loads((run_dir / "checkpoint" / "state.json").read_text())["step"]
    assert 1 <= killed_at < 4
    assert not (run_dir / "result.json").exists()
    assert background.running(paths) is None  # the kernel released the dead process's lock

    assert main(["train", "--resume", "--name", "r1", "--no-export", "--json"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed[printed.index("{") :])["steps"] == 4
    result = json.loads((run_dir / "result.json").read_text())
    assert result["resumed_from"] >= killed_at and result["steps"] == 4
    assert len(result["losses"]) == 4  # the losses before the kill came back with the checkpoint
    assert (run_dir / "adapter" / "adapter_model.safetensors").exists()
    assert not (run_dir / "checkpoint").exists()
    store = open_store(paths)
    try:
        with store.session() as s:
            runs = list_runs(s)
            assert [(r.status, r.steps_done, r.steps_total) for r in runs] == [("done", 4, 4)]
    finally:
        store.close()


@pytest.mark.slow
def test_background_training_can_be_cancelled_and_keeps_a_checkpoint(paths, trainable_dir, tmp_path):
    from draftwheel.store import list_runs, open_store
    from draftwheel.train import background

    _link_weights(paths, trainable_dir)
    pairs = _pairs_file(tmp_path, 16)
    pid = background.start_background(
        paths,
        "grammar",
        name="bg",
        extra=[
            "--pairs",
            str(pairs),
            "--steps",
            "200",
            "--batch-size",
            "2",
            "--max-seq-len",
            "48",
            "--checkpoint-every",
            "0",
            "--no-export",
        ],
        niceness=1,
    )  # 1, not 10: shared CI machines are busy
    run_dir = paths.runs_dir / "bg"
    try:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while True:
            prog = background.progress(paths) or {}
            if prog.get("step", 0) >= 1:
                break
            assert time.monotonic() < deadline, (paths.runs_dir / background.LOG_NAME).read_text()[-2000:]
            time.sleep(0.3)
        assert background.running(paths)["pid"] == pid
        if hasattr(os, "getpriority"):
            assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0) + 1
        with pytest.raises(DraftwheelError, match="Another training is already running"):
            background.start_background(paths, "grammar")
        assert background.cancel_background(paths, timeout_s=STEP_TIMEOUT_S)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    state = json.loads((run_dir / "checkpoint" / "state.json").read_text())
    assert 1 <= state["step"] < 200
    assert "cancelled" in (paths.runs_dir / background.LOG_NAME).read_text()
    store = open_store(paths)
    try:
        with store.session() as s:
            assert [r.status for r in list_runs(s)] == ["cancelled"]
    finally:
        store.close()


def test_damaged_checkpoint_is_a_clear_error(trainable_dir, tokenizer, tmp_path):
    from draftwheel.train.trainer import CHECKPOINT, read_checkpoint, train

    ds = build_dataset(jfleg_pairs(JFLEG, limit=12), tokenizer, 64)
    ckpt = tmp_path / "run" / CHECKPOINT
    ckpt.mkdir(parents=True)
    (ckpt / "state.json").write_text("{not json")
    with pytest.raises(DraftwheelError) as err:
        train(trainable_dir, ds, TrainingArgs(steps=2), None, tmp_path / "run", resume=True)
    assert "is damaged" in str(err.value) and "without --resume to start over" in str(err.value)
    (ckpt / "state.json").write_text(json.dumps({"version": 1, "step": 1, "plan": [[0]], "total": 2}))
    (ckpt / "adapter_model.safetensors").write_bytes(b"\x00" * 40)
    with pytest.raises(DraftwheelError, match=r"adapter_model\.safetensors is unreadable"):
        read_checkpoint(tmp_path / "run")
    # A crash between the two renames of a checkpoint swap leaves the old one under a hidden name.
    shutil.rmtree(ckpt)
    old = tmp_path / "run" / f".{CHECKPOINT}.old"
    old.mkdir()
    (old / "state.json").write_text("{}")
    with pytest.raises(DraftwheelError, match="unknown checkpoint version"):
        read_checkpoint(tmp_path / "run")
    assert ckpt.exists() and not old.exists()


def test_too_few_examples_from_the_cli_is_one_clear_line(home, tmp_path, capsys):
    from draftwheel.cli.main import main

    f = tmp_path / "few.jsonl"
    save_pairs(f, [Pair(f"he go {i} .", f"He goes {i} .") for i in range(5)])
    assert main(["train", "--pairs", str(f), "--no-export"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Too few training examples for task 'grammar': 5 usable, at least 8 needed" in err[0]


def test_bad_settings_are_refused(home, tmp_path, capsys):
    from draftwheel.cli.main import main

    f = _pairs_file(tmp_path, 10)
    assert main(["train", "--pairs", str(f), "--rank", "0"]) == 2
    assert "--rank must be at least 1" in capsys.readouterr().err
    with pytest.raises(DraftwheelError, match="lm_head"):
        TrainingArgs(target_modules=["q_proj", "lm_head"]).validate()
    assert main(["train", "--resume", "--name", "nothing-here"]) == 2
    assert "No unfinished training run named 'nothing-here'" in capsys.readouterr().err


def test_one_training_at_a_time(paths, tmp_path, capsys):
    from draftwheel.cli.main import main
    from draftwheel.train import background

    assert background.running(paths) is None
    assert background.cancel_background(paths)  # nothing to cancel
    with background.TrainingLock(paths).acquire({"task": "formal"}):
        owner = background.running(paths)
        assert owner["pid"] == os.getpid() and owner["task"] == "formal"
        with pytest.raises(DraftwheelError, match=rf"Another training is already running \(process {os.getpid()}"):
            background.TrainingLock(paths).acquire()
        assert main(["train", "--pairs", str(_pairs_file(tmp_path, 10))]) == 2
        assert "Another training is already running" in capsys.readouterr().err
    assert background.running(paths) is None
