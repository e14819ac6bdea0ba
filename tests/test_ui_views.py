"""Data view, training view, settings dialog and logging pause, on a real store (no model needed)."""

from __future__ import annotations

import json

import pytest

from draftwheel.ui.qt import Qt

pytestmark = pytest.mark.gui


def _record(text: str, final: str, outcome: str = "accepted") -> dict:
    return {
        "task": "grammar",
        "instruction": "Fix",
        "input_text": text,
        "output_text": final,
        "final_text": final,
        "outcome": outcome,
        "model": "gemma3-270m",
        "adapter": None,
        "stage": "zero",
        "latency_ms": 5.0,
        "prompt_tokens": 10,
        "output_tokens": 4,
        "origin": "app",
    }


@pytest.fixture
def services(qapp, paths):
    from draftwheel.config import Settings
    from draftwheel.ui.services import Services

    svc = Services(paths, Settings(auto_train=False))  # the model is not loaded: these views do not need it
    yield svc
    svc.shutdown()


@pytest.fixture
def window(qtbot, services):
    from draftwheel.ui.main_window import MainWindow

    w = MainWindow(services, offer_restore=False)
    w.show()
    yield w
    w.editor.document().setModified(False)
    w.close()
    w.deleteLater()


def test_data_view_browses_searches_edits_and_deletes(qtbot, window, services):
    for text, final in (("teh cat", "the cat"), ("a dog barkd", "a dog barked")):
        services.store.ops.log_outcome(_record(text, final))
    view = window.data_view
    window.data_dock.show()
    qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=10_000)
    assert view.count.text() == "2 examples"
    view.search.setText("dog")
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=10_000)
    assert view.table.item(0, 6).text() == "a dog barked"
    edit_id = view.rows[0]["id"]
    services.store.submit(services.store.ops.update_final, edit_id, "a dog barks", on_done=lambda _r: view.reload())
    qtbot.waitUntil(
        lambda: view.table.rowCount() == 1 and view.table.item(0, 6).text() == "a dog barks", timeout=10_000
    )
    assert view.rows[0]["outcome"] == "edited"  # the kept text no longer equals the suggestion
    view.delete_id(edit_id)
    qtbot.waitUntil(lambda: view.table.rowCount() == 0, timeout=10_000)
    assert [r["input_text"] for r in services.store.ops.edits()] == ["teh cat"]


def test_pause_logging_stops_storing_outcomes(qtbot, window, services):
    window.set_logging_paused(True)
    assert json.loads(services.paths.settings_file.read_text())["logging_paused"] is True
    assert window.pause_act.isChecked() and window.data_view.pause_box.isChecked()
    with qtbot.waitSignal(services.store.logged, timeout=10_000) as logged:
        services.store.log_outcome(_record("x y", "x z"))
    assert logged.args[0] is None
    window.data_view.pause_box.setChecked(False)  # the check box in the data view resumes it
    assert not window.pause_act.isChecked()
    with qtbot.waitSignal(services.store.logged, timeout=10_000) as logged:
        services.store.log_outcome(_record("x y", "x z"))
    assert isinstance(logged.args[0], int)


def test_training_progress_label_counts_kept_edits(qtbot, window, services):
    for i in range(3):
        services.store.ops.log_outcome(_record(f"t{i} a", f"t{i} b"))
    services.store.ops.log_outcome(_record("r a", "r a", outcome="rejected"))
    services.store.refresh_progress("grammar", 100)
    qtbot.waitUntil(
        lambda: window.train_label.text() == "Fix grammar: 3 / 100 kept edits, 97 more until training", timeout=10_000
    )


def test_training_view_shows_runs_adapters_and_loss_curve(qtbot, window, services):
    from draftwheel.store import finish_run, start_run
    from draftwheel.workers.training_worker import IDLE_POLL_MS, POLL_MS

    with services.store.ops.store.session() as s, s.begin():
        run = start_run(s, "grammar", steps_total=40, n_train=90, n_heldout=10, adapter_name="grammar-1")
        finish_run(
            s,
            run.id,
            "done",
            final_loss=1.234,
            scores={"adapter": {"chrf": 61.0}, "baseline": {"chrf": 55.5, "stage": "few"}},
        )
    view = window.training_view
    window.training_dock.show()
    qtbot.waitUntil(lambda: view.runs_table.rowCount() == 1, timeout=10_000)
    assert view.runs_table.item(0, 2).text() == "done"
    assert view.runs_table.item(0, 4).text() == "1.234"
    assert view.runs_table.item(0, 6).text() == "held-out chrF 61.0, before 55.5"
    assert view.current.format() == "No training running" and not view.cancel_btn.isEnabled()
    view.chart.set_points([(1, 3.2), (2, 2.9), (3, 2.5)])
    assert view.chart.series.count() == 3
    assert services.training.timer.interval() == POLL_MS
    window.training_dock.hide()
    assert services.training.timer.interval() == IDLE_POLL_MS  # polling slows down with the view closed


_FOLLOWED_RUN = """
import sys, time
from pathlib import Path
from draftwheel.config import app_paths
from draftwheel.train.background import TrainingLock
from draftwheel.train.progress import ProgressFileCallback, TrainProgress
paths = app_paths(Path(sys.argv[1]))
run_dir = paths.runs_dir / "followed"
run_dir.mkdir(parents=True, exist_ok=True)
lock = TrainingLock(paths).acquire({"task": "grammar", "run_dir": str(run_dir)})
progress = ProgressFileCallback(run_dir / "progress.json", every_s=0)
progress.on_start(40, 0, 90, 10)
for step in range(1, 41):
    progress.on_step(TrainProgress(step, 40, 3.0 - 0.05 * step, 120.0, 10**9, (40 - step) * 0.3))
    time.sleep(0.3)
time.sleep(600)
"""


def test_training_view_follows_a_background_run_and_cancels_it(qtbot, window, services):
    """A process holding the real training lock and writing progress with the trainer's own
    ProgressFileCallback (no model: the view's side of the background protocol is under test)."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", _FOLLOWED_RUN, str(services.paths.home)])
    try:
        view = window.training_view
        window.training_dock.show()
        qtbot.waitUntil(lambda: view.live is not None and view.chart.series.count() >= 2, timeout=60_000)
        assert view.cancel_btn.isEnabled()
        assert view.current.maximum() == 40 and view.current.value() > 0
        assert "grammar" in view.current.format() and "loss" in view.current.format()
        points = view.chart.series.points()
        assert points[-1].y() < points[0].y()  # the curve follows the falling loss
        qtbot.mouseClick(view.cancel_btn, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=60_000)  # asked to stop (SIGTERM)
        qtbot.waitUntil(lambda: view.live is None, timeout=30_000)
        assert view.current.format() == "No training running" and not view.cancel_btn.isEnabled()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_a_newly_promoted_adapter_is_announced_and_offered(qtbot, window, services, make_tiny_adapter):
    from draftwheel.flywheel.adapters import promote

    make_tiny_adapter(services.paths, "mine", "grammar")
    with qtbot.waitSignal(services.training.snapshot_ready, timeout=10_000):
        services.training.refresh()  # the first look: nothing is new yet
    promote(services.paths, "mine")
    with qtbot.waitSignal(services.training.promoted, timeout=10_000) as sig:
        services.training.refresh()
    assert sig.args == ["mine"]
    assert window.last_dialog is not None and window.last_dialog.isVisible()
    assert "mine" in window.last_dialog.text()
    qtbot.waitUntil(lambda: window.adapter_box.findData("mine") >= 0, timeout=10_000)
    assert "★" in window.adapter_box.itemText(window.adapter_box.findData("mine"))


def test_settings_dialog_saves_and_says_when_no_keyring(qtbot, window, services):
    import keyring
    from keyring.backends import fail

    from draftwheel.app.settings_form import machine_cores
    from draftwheel.ui.settings_dialog import SettingsDialog

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dlg = SettingsDialog(services, window)
        qtbot.addWidget(dlg)
        assert not dlg.api_key.isEnabled()
        assert "No secure keyring" in dlg.key_note.text()
        threads = machine_cores()  # more than the machine has is refused (test_ui_docs_settings.py)
        dlg.threads.setValue(threads)
        dlg.temperature.setValue(0.7)
        dlg.threshold.setValue(40)
        saved = []
        dlg.saved.connect(lambda old, new: saved.append((old, new)))
        dlg.save()
    finally:
        keyring.set_keyring(previous)
    assert saved and saved[0][1].n_threads == threads and saved[0][1].train_threshold == 40
    on_disk = json.loads(services.paths.settings_file.read_text())
    assert (on_disk["n_threads"], on_disk["temperature"], on_disk["train_threshold"]) == (threads, 0.7, 40)
    assert services.settings.temperature == 0.7
