"""Automatic training from the window, end to end: the threshold is reached by an
accepted suggestion, training starts in the background at low priority, the
training process dies halfway (a crash), and the next start of the app resumes the
run and registers the adapter. Real model, real store, real training process."""

from __future__ import annotations

import os
import shutil
import signal

import pytest

from conftest import JFLEG

pytestmark = [pytest.mark.gui, pytest.mark.slow]

THRESHOLD = 12
TRAIN_TIMEOUT_MS = 1_200_000  # 2 shared CPU cores, niceness 10: never a timing assertion, only a limit


def _wait(qapp, cond, timeout_ms: int) -> bool:
    from draftwheel.ui.qt import QThread

    waited = 0
    while not cond() and waited < timeout_ms:
        qapp.processEvents()
        QThread.msleep(20)
        waited += 20
    return bool(cond())


def _services(qapp, paths):
    from draftwheel.config import Settings
    from draftwheel.ui.services import Services

    svc = Services(paths, Settings(n_threads=2, n_ctx=2048, auto_train=True, train_threshold=THRESHOLD))
    svc.start()
    assert _wait(qapp, lambda: svc.engine.ready, 300_000), "the model did not load"
    return svc


def _runs(paths):
    from draftwheel.store import list_runs, open_store

    store = open_store(paths)
    try:
        with store.session() as s:
            return [(r.status, r.adapter_name, r.message or "") for r in list_runs(s)]
    finally:
        store.close()


def test_threshold_starts_background_training_that_resumes_after_a_crash(
    qapp, qtbot, tmp_path, bundled_gguf, trainable_dir
):
    from draftwheel.config import app_paths
    from draftwheel.engine.prompts import tasks
    from draftwheel.flywheel.eval_examples import import_pairs
    from draftwheel.models.adapters import list_adapters
    from draftwheel.store import open_store
    from draftwheel.train import background
    from draftwheel.train.dataset import jfleg_pairs
    from draftwheel.train.runs import RESULT_FILE
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.review_session import READY

    paths = app_paths(tmp_path / "home")
    (paths.home / "models").mkdir(parents=True, exist_ok=True)
    os.link(bundled_gguf, paths.home / "models" / bundled_gguf.name)
    shutil.copytree(trainable_dir, paths.weights_cache / trainable_dir.name, copy_function=os.link)
    # One edit short of the threshold: the user's earlier accepted suggestions.
    store = open_store(paths)
    try:
        assert (
            import_pairs(store, "grammar", [(p.input, p.final) for p in jfleg_pairs(JFLEG, limit=THRESHOLD - 1)])
            == THRESHOLD - 1
        )
    finally:
        store.close()

    svc = _services(qapp, paths)
    win = MainWindow(svc, offer_restore=False)
    win.show()
    try:
        qtbot.waitUntil(
            lambda: (
                win.train_label.text() == f"Fix grammar: {THRESHOLD - 1} / {THRESHOLD} kept edits, "
                "1 more until training"
            ),
            timeout=30_000,
        )
        win.editor.setPlainText("He go to the libary yesterday and borrow two book.")
        win.editor.selectAll()
        session = win.revise(tasks()["grammar"])
        qtbot.waitUntil(lambda: session.state == READY, timeout=180_000)
        win.accept_all()
        # The twelfth kept edit: the store counts it, the window starts training in the background.
        # The lock is taken a moment before its holder's info (pid, task, run) is written beside it.
        assert _wait(qapp, lambda: (background.running(paths) or {}).get("task"), 60_000), "training did not start"
        assert [launch.task for launch in svc.training.ops.launches] == ["grammar"]  # one process, started here
        owner = background.running(paths)
        assert owner["task"] == "grammar" and owner["pid"] != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, owner["pid"]) >= 10  # low priority
        # The app stays usable: the editor is editable while training runs.
        assert not win.editor.isReadOnly()
        # Halfway: the trainer is stepping. Then the training process dies (a crash, a power cut).
        assert _wait(qapp, lambda: (background.progress(paths) or {}).get("step", 0) >= 1, TRAIN_TIMEOUT_MS)
        name = background.running(paths)["name"]
        os.killpg(owner["pid"], signal.SIGKILL)
        assert _wait(qapp, lambda: background.running(paths) is None, 30_000)
    finally:
        win.editor.document().setModified(False)
        win.close()
        svc.shutdown()
    assert _runs(paths)[0][:2] == ("running", name)  # the crash left the run unfinished
    assert not list_adapters(paths)

    # The next start of the app finds the interrupted run and continues it.
    svc = _services(qapp, paths)
    win = MainWindow(svc, offer_restore=False)
    resumed = []
    svc.training.resumed.connect(resumed.append)
    win.show()
    try:
        assert _wait(qapp, lambda: bool(resumed), 60_000), "the interrupted run was not resumed"
        assert resumed[0] == {"task": "grammar", "name": name}
        assert _wait(qapp, lambda: _runs(paths)[0][0] != "running", TRAIN_TIMEOUT_MS), "training did not finish"
        status, adapter_name, message = _runs(paths)[0]
        assert (status, adapter_name) == ("done", name), message
        assert (paths.runs_dir / name / RESULT_FILE).is_file()
        adapters = {a.name: a for a in list_adapters(paths)}
        assert name in adapters and adapters[name].task == "grammar"
        assert len(_runs(paths)) == 1  # resumed, not started again
    finally:
        win.editor.document().setModified(False)
        win.close()
        svc.shutdown()
