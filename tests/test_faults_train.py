"""SIGKILL ``draftwheel train`` at random moments, again and again, then resume to the end.

Extends the trainer's own kill test (tests/test_train_trainer.py kills once,
right after the first checkpoint appears): here the kill lands at a random
moment after a checkpoint — often while the next checkpoint is being written
(temp folder, fsync, the two renames of the swap) — and the same run is
killed again after each resume. Every time, the checkpoint left behind must
load (``read_checkpoint``: never "damaged"), never go backwards, and the
last resume must finish the run with every step's loss, no temp folders, and
one "done" run in the store.

CI: 2 kills. Soak: ``DRAFTWHEEL_SOAK=1`` runs 10.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from faultlib import child_env, record_figures, scale, seed_rng

STEP_TIMEOUT_S = 900  # a loaded 2-core machine is slow; tests never assert on timings


@pytest.mark.slow
def test_training_killed_at_random_points_resumes_and_finishes(paths, trainable_dir, tmp_path):
    from draftwheel.store import list_runs, open_store
    from draftwheel.train.trainer import read_checkpoint
    from test_train_trainer import _link_weights, _pairs_file

    _link_weights(paths, trainable_dir)
    pairs = _pairs_file(tmp_path, 24)
    run_dir = paths.runs_dir / "chaos"
    kills = scale(2, 10)
    steps = kills + 3
    base = [sys.executable, "-m", "draftwheel", "--home", str(paths.home), "train"]
    first = [
        *base,
        "--pairs",
        str(pairs),
        "--name",
        "chaos",
        "--steps",
        str(steps),
        "--checkpoint-every",
        "1",
        "--batch-size",
        "2",
        "--max-seq-len",
        "64",
        "--no-export",
    ]
    resume = [*base, "--resume", "--name", "chaos", "--no-export", "--json"]
    rng = seed_rng("train kills")
    last_step, kill_steps = 0, []
    for k in range(kills):
        log = open(tmp_path / f"train{k}.log", "wb")  # noqa: SIM115 - open for the process's life, closed below
        proc = subprocess.Popen(
            first if k == 0 else resume, stdout=log, stderr=subprocess.STDOUT, env=child_env(paths.home)
        )
        try:
            deadline = time.monotonic() + STEP_TIMEOUT_S
            state = run_dir / "checkpoint" / "state.json"

            def step_now(state=state) -> int:
                try:
                    return json.loads(state.read_text())["step"]
                except (OSError, ValueError, KeyError):
                    return 0

            while step_now() <= last_step:  # this process has made progress past the last kill
                assert proc.poll() is None, (tmp_path / f"train{k}.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "no new checkpoint appeared"
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 2.0))  # into the next step and, often, its checkpoint write
            if proc.poll() is not None:
                break  # it finished on its own: nothing left to kill
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
        ckpt = read_checkpoint(run_dir)  # raises DraftwheelError if the kill left it damaged
        assert ckpt is not None and ckpt.step >= last_step
        last_step = ckpt.step
        kill_steps.append(last_step)
        assert not (run_dir / "result.json").exists()

    r = subprocess.run(resume, capture_output=True, text=True, env=child_env(paths.home), timeout=STEP_TIMEOUT_S * 2)
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads((run_dir / "result.json").read_text())
    assert result["steps"] == steps and len(result["losses"]) == steps
    assert not [p.name for p in run_dir.iterdir() if p.name.startswith(".")], "temp folders left in the run"
    with open_store(paths) as store, store.session() as s:
        assert [(x.status, x.steps_done) for x in list_runs(s)] == [("done", steps)]
    record_figures(
        "train-sigkill",
        kills=len(kill_steps),
        steps=steps,
        checkpoint_steps_at_kills=kill_steps,
        damaged_checkpoints=0,
        lost_steps=0,
    )
