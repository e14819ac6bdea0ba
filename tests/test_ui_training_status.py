"""Training as the window tells it: "Train now" names its task and says why it cannot run, the
automatic trigger reports instead of starting a process bound to fail, and a background training
that fails shows as failed with its last words and its log. Real store, real widgets, real
`draftwheel train` processes (no model is loaded in the window: these paths do not need it)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

MIN = 8  # flywheel.policy.MIN_EXAMPLES


def _record(i: int, task: str = "grammar", outcome: str = "accepted") -> dict:
    return {
        "task": task,
        "instruction": "Fix",
        "input_text": f"sentence number {i} have a error",
        "output_text": f"Sentence number {i} has an error.",
        "final_text": f"Sentence number {i} has an error.",
        "outcome": outcome,
        "model": "gemma3-270m",
        "adapter": None,
        "stage": "zero",
        "latency_ms": 5.0,
        "prompt_tokens": 10,
        "output_tokens": 4,
        "origin": "app",
    }


def hide(*names):
    import importlib.util

    def find_spec(name):
        return None if name in names else importlib.util.find_spec(name)

    return find_spec


def _services(paths, **settings):
    from draftwheel.config import Settings
    from draftwheel.ui.services import Services

    return Services(paths, Settings(**{"auto_train": False, **settings}))


def _window(qtbot, services):
    from draftwheel.ui.main_window import MainWindow

    w = MainWindow(services, offer_restore=False)
    w.show()
    return w


def _close(w, services) -> None:
    w.editor.document().setModified(False)
    w.close()
    w.deleteLater()
    services.shutdown()


def _log(services, n: int, start: int = 0, **kw) -> None:
    for i in range(n):
        assert services.store.ops.log_outcome(_record(start + i, **kw)) is not None


def test_train_now_names_its_task_and_says_why_it_cannot_run(qtbot, qapp, paths):
    from draftwheel.flywheel.availability import training_availability
    from draftwheel.train.background import TrainingLock

    services = _services(paths)
    w = _window(qtbot, services)
    try:
        _log(services, 3)
        _log(services, 2, start=10, outcome="rejected")
        services.store.refresh_progress("grammar", 100)
        view = w.training_view
        qtbot.waitUntil(lambda: view.train_btn.text() == "Train “Fix grammar” now", timeout=10_000)
        # Too few examples: how many more.
        with qtbot.waitSignal(services.training.decided, timeout=30_000) as sig:
            w.train_now()
        assert sig.args[0]["action"] == "refuse"
        said = "Cannot train “Fix grammar”: too few examples: 3 usable kept edits, at least 8 needed (5 more)."
        assert view.message.text().startswith(said)
        assert w.statusBar().currentMessage().startswith(said)
        assert services.training.ops.launches == []  # nothing was started
        # Another training in progress (the real training lock, held by this process).
        _log(services, MIN, start=20)
        lock = TrainingLock(paths).acquire({"task": "clearer"})
        try:
            with qtbot.waitSignal(services.training.decided, timeout=30_000):
                w.train_now()
            assert (
                view.message.text() == "Cannot train “Fix grammar” now: another training is running (“Make clearer”)."
            )
        finally:
            lock.release()
        # Training not installed here.
        services.training.ops.policy.availability = lambda p, model=None: training_availability(
            p, model, find_spec=hide("peft")
        )
        with qtbot.waitSignal(services.training.decided, timeout=30_000):
            w.train_now()
        assert "Cannot train “Fix grammar”: Training is not installed here (missing: peft)." in view.message.text()
        assert "pip install 'draftwheel[train]'" in view.message.text()
        assert services.training.ops.launches == []
    finally:
        _close(w, services)


def test_trigger_reports_instead_of_starting_when_training_is_unavailable(qtbot, qapp, paths):
    from draftwheel.flywheel.availability import training_availability
    from draftwheel.train import background

    services = _services(paths, auto_train=True, train_threshold=MIN)
    services.training.ops.policy.availability = lambda p, model=None: training_availability(
        p, model, find_spec=hide("transformers")
    )
    w = _window(qtbot, services)
    try:
        _log(services, MIN)
        with qtbot.waitSignal(services.training.decided, timeout=30_000) as sig:
            services.store.refresh_progress("grammar", MIN)  # as after a logged edit
        assert sig.args[0]["action"] == "refuse"
        message = w.statusBar().currentMessage()
        assert message.startswith(
            "Automatic training of “Fix grammar” did not start: Training is not installed here (missing: transformers)."
        )
        assert w.training_view.message.text() == message
        assert services.training.ops.launches == [] and background.running(paths) is None
        assert not (paths.runs_dir / background.LOG_NAME).exists()  # no process was started to fail
        # Said once: the next kept edit does not say it (or start anything) again.
        decisions = []
        services.training.decided.connect(decisions.append)
        _log(services, 1, start=99)
        services.store.refresh_progress("grammar", MIN)
        qtbot.waitUntil(lambda: bool(decisions), timeout=30_000)
        assert [(d["action"], d["message"]) for d in decisions] == [("none", "")]
        assert services.training.ops.launches == []
    finally:
        _close(w, services)


def _hidden_package_env(tmp_path: Path, monkeypatch, package: str) -> None:
    """Processes started from now on cannot import ``package``: an install without the training extra."""
    folder = tmp_path / "site-hide"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(
        textwrap.dedent(f"""
        import sys

        class _Hide:
            def find_spec(self, name, path=None, target=None):
                if name == {package!r} or name.startswith({package!r} + "."):
                    raise ModuleNotFoundError("No module named " + repr(name), name=name)
                return None

        sys.meta_path.insert(0, _Hide())
    """)
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p))


def test_a_failing_background_training_shows_as_failed(qtbot, qapp, paths, tmp_path, monkeypatch):
    """Issue 15's newcomer: the app's process has the training packages, the training process does not
    (here a real environment in which `peft` cannot be imported). Before, the window said nothing."""
    from draftwheel.store import list_runs
    from draftwheel.train import background

    services = _services(paths)
    w = _window(qtbot, services)
    try:
        _log(services, MIN)
        services.store.refresh_progress("grammar", 100)
        qtbot.waitUntil(lambda: w.train_task == "grammar", timeout=10_000)
        _hidden_package_env(tmp_path, monkeypatch, "peft")
        failures = []
        services.training.run_failed.connect(failures.append)
        with qtbot.waitSignal(services.training.decided, timeout=30_000) as sig:
            w.train_now()
        assert sig.args[0]["action"] == "start"
        assert w.training_view.message.text() == "Training “Fix grammar” in the background…"
        qtbot.waitUntil(lambda: bool(failures), timeout=300_000)
        failure = failures[0]
        assert failure["task"] == "grammar" and "missing: peft" in failure["message"]
        # The training view: failed, the error's last line, a button that opens its log.
        view = w.training_view
        assert view.failure.isVisible()
        assert view.failure.text().startswith(
            "Training “Fix grammar” failed: Training is not installed here (missing: peft)."
        )
        assert view.open_log_btn.isVisible() and view.log_path == str(paths.runs_dir / background.LOG_NAME)
        assert "missing: peft" in Path(view.log_path).read_text()
        # The status bar: the same words, and a way to the log.
        assert w.statusBar().currentMessage() == view.failure.text()
        btn = w.training_failed_btn
        assert btn.isVisible() and btn.property("log") == view.log_path and btn.toolTip() == view.failure.text()
        # The store records it, so the runs table shows it and the counter does not start it again at once.
        with services.store.ops.store.session() as s:
            runs = [(r.task, r.status, r.message) for r in list_runs(s)]
        assert runs[0][:2] == ("grammar", "failed") and "missing: peft" in runs[0][2]
        w.training_dock.show()
        qtbot.waitUntil(
            lambda: view.runs_table.rowCount() == 1 and view.runs_table.item(0, 2).text() == "failed", timeout=30_000
        )
    finally:
        _close(w, services)


def test_training_view_words_and_empty_chart(qtbot, qapp, paths):
    from draftwheel.store import finish_run, start_run

    services = _services(paths)
    w = _window(qtbot, services)
    try:
        view = w.training_view
        assert view.chart.title() == "Loss — no training yet"
        assert view.current.format() == "No training running"
        _log(services, 5)
        _log(services, 2, task="clearer", start=40)
        with services.store.ops.store.session() as s, s.begin():
            run = start_run(s, "formal", steps_total=40, n_train=90, n_heldout=10, adapter_name="formal-1")
            finish_run(
                s,
                run.id,
                "done",
                final_loss=1.234,
                scores={"adapter": {"chrf": 91.0, "gleu": 54.31}, "baseline": {"chrf": 88.2, "gleu": 42.4}},
            )
        w.training_dock.show()
        qtbot.waitUntil(lambda: view.runs_table.rowCount() == 1, timeout=10_000)
        assert view.runs_table.item(0, 6).text() == "held-out chrF 91.0, before 88.2; GLEU 54.3, before 42.4"
        qtbot.waitUntil(lambda: "Fix grammar" in view.counters.text(), timeout=10_000)
        lines = view.counters.text().splitlines()
        assert "Fix grammar: 5 / 100 kept edits, 95 more until training" in lines
        assert "Make clearer: 2 / 100 kept edits, 98 more until training" in lines
        assert view.chart.title() == "Loss — no training yet"  # finished runs leave no live curve
    finally:
        _close(w, services)


def test_a_task_that_came_due_during_another_training_starts_when_it_ends(qapp, paths, tmp_path, monkeypatch):
    """The trigger said "busy" while another training ran; when that one ends, the due task starts
    (before, it waited for yet another kept edit). The worker's plain-Python side, real lock, real process."""
    from draftwheel.config import Settings, save_settings
    from draftwheel.flywheel.availability import training_availability
    from draftwheel.store import add_edits
    from draftwheel.train.background import TrainingLock
    from draftwheel.workers.training_worker import TrainingOps

    save_settings(Settings(auto_train=True, train_threshold=MIN), paths)
    ops = TrainingOps(paths)
    ops.policy.availability = lambda p, model=None: training_availability(p, None)
    with ops.store.store.session() as s, s.begin():
        add_edits(
            s,
            [{k: v for k, v in _record(i).items() if k not in ("latency_ms",)} for i in range(MIN)],
            settings=Settings(),
        )
    lock = TrainingLock(paths).acquire({"task": "clearer"})  # another training runs
    try:
        assert ops.auto_train("grammar", MIN)["action"] == "busy"
        assert ops.snapshot()["live"] is not None
    finally:
        lock.release()
    _hidden_package_env(tmp_path, monkeypatch, "peft")  # the started process fails fast, on purpose
    try:
        snap = ops.snapshot()
        assert [(d["action"], d["task"]) for d in snap["decisions"]] == [("start", "grammar")]
        assert [launch.task for launch in ops.launches] == ["grammar"]
    finally:
        for launch in ops.launches:
            launch.proc.wait(timeout=300)
        ops.close()
