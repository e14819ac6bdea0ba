"""The automatic trigger in the window fires again once a run has ended (issue 13: it fired at most
once per task per app session, because the set recording it was never cleared). Real store,
real widgets, real `draftwheel train` processes, cancelled by the training view's Cancel."""

from __future__ import annotations

import os
import shutil

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]  # starts real training processes

MIN = 8  # flywheel.policy.MIN_EXAMPLES
PROCESS_TIMEOUT_MS = 600_000  # 2 shared CPU cores: a limit, never a timing assertion


def _record(i: int) -> dict:
    return {
        "task": "grammar",
        "instruction": "Fix",
        "input_text": f"sentence number {i} have a error",
        "output_text": f"Sentence number {i} has an error.",
        "final_text": f"Sentence number {i} has an error.",
        "outcome": "accepted",
        "model": "gemma3-270m",
        "adapter": None,
        "stage": "zero",
        "latency_ms": 5.0,
        "prompt_tokens": 10,
        "output_tokens": 4,
        "origin": "app",
    }


def _keep(services, n: int, start: int) -> None:
    """``n`` kept edits, each followed by what the window does after a logged edit."""
    for i in range(n):
        assert services.store.ops.log_outcome(_record(start + i)) is not None
    services.store.refresh_progress("grammar", MIN)


def _cancel_when_running(qtbot, window, services, paths) -> int:
    """Wait for the started process to name its run, cancel it from the training view; its exit status."""
    from draftwheel.train import background

    launch = services.training.ops.launches[-1]
    qtbot.waitUntil(
        lambda: (background.running(paths) or {}).get("run_dir") is not None or launch.poll() is not None,
        timeout=PROCESS_TIMEOUT_MS,
    )
    assert launch.poll() is None, launch.output()
    window.training_dock.show()
    qtbot.waitUntil(lambda: window.training_view.cancel_btn.isEnabled(), timeout=30_000)
    window.training_view.cancel_btn.click()
    qtbot.waitUntil(lambda: launch.proc.poll() is not None, timeout=PROCESS_TIMEOUT_MS)
    return launch.proc.returncode


def test_trigger_fires_again_after_the_run_it_started_has_ended(qtbot, qapp, paths, trainable_dir):
    from draftwheel.config import Settings
    from draftwheel.store import list_runs
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    shutil.copytree(trainable_dir, paths.weights_cache / trainable_dir.name, copy_function=os.link)
    services = Services(paths, Settings(auto_train=True, train_threshold=MIN))
    w = MainWindow(services, offer_restore=False)
    w.show()
    decisions = []
    services.training.decided.connect(decisions.append)
    try:
        _keep(services, MIN, 0)
        qtbot.waitUntil(lambda: any(d["action"] == "start" for d in decisions), timeout=60_000)
        assert _cancel_when_running(qtbot, w, services, paths) == 130  # cancelled, not failed
        with services.store.ops.store.session() as s:
            assert [r.status for r in list_runs(s)] == ["cancelled"]
        # The next threshold's worth of kept edits starts training again, in the same session.
        decisions.clear()
        _keep(services, MIN, 100)
        qtbot.waitUntil(lambda: any(d["action"] == "start" for d in decisions), timeout=60_000)
        assert len(services.training.ops.launches) == 1
        assert _cancel_when_running(qtbot, w, services, paths) == 130
        with services.store.ops.store.session() as s:
            assert [r.status for r in list_runs(s)] == ["cancelled", "cancelled"]
    finally:
        for launch in services.training.ops.launches:
            if launch.poll() is None:
                launch.proc.kill()
                launch.proc.wait()
        w.editor.document().setModified(False)
        w.close()
        services.shutdown()
