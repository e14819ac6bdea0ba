"""Issue 14 item 6, in the window with the bundled model: the training counter.

Reported: "N / 100 edits until the next training" dropped after a Reject, stayed after an Accept,
moved while logging was paused, and showed 5 with 7 kept edits. Cause: the label showed the count of
whichever task was used last without saying which, in words that read backwards, and the count was
"kept edits now minus kept edits when the last run started". Now the label names its task, reads
forwards, and says the same number as the training view and `draftwheel train --status`.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]  # generates with the model

GEN_TIMEOUT_MS = 180_000  # 2 shared CPU cores
TEXTS = [
    "She like to read books about history in the evening.",
    "He go to the libary yesterday and borrow two book.",
    "Our team have finished the project before the deadline.",
    "They was happy because the holiday start next week.",
]


def _wait(qapp, cond, timeout_ms: int) -> bool:
    from draftwheel.ui.qt import QThread

    waited = 0
    while not cond() and waited < timeout_ms:
        qapp.processEvents()
        QThread.msleep(10)
        waited += 10
    return bool(cond())


def _review(qtbot, window, task_name: str):
    """A suggestion ready for review. The model's answer to a sentence may fail the output check
    ("no good suggestion": nothing to accept or log); then the next sentence is tried."""
    from draftwheel.engine.prompts import tasks

    try:
        from draftwheel.app.review import READY
    except ImportError:  # before the review controller moved
        from draftwheel.ui.review_session import READY

    for text in TEXTS:
        window.editor.setPlainText(text)
        window.editor.selectAll()
        session = window.revise(tasks()[task_name])
        assert session is not None
        qtbot.waitUntil(lambda s=session: s.state == READY, timeout=GEN_TIMEOUT_MS)
        if getattr(session, "no_good", None) is None:
            return session
        window.reject()  # closes the review; nothing is logged
    pytest.fail(f"no usable suggestion for {task_name} from the bundled model")


def _cli_counters(home) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "draftwheel", "--home", str(home), "train", "--status", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return {c["task"]: c for c in json.loads(out.stdout)["counters"]}


def test_counter_names_its_task_reads_forwards_and_matches_the_cli(qtbot, qapp, paths, home):
    from draftwheel.config import Settings
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    svc = Services(paths, Settings(n_threads=2, n_ctx=2048, auto_train=False, train_threshold=100))
    svc.start()
    assert _wait(qapp, lambda: svc.engine.ready, 300_000), "the model did not load"
    w = MainWindow(svc, offer_restore=False)
    w.show()
    try:
        qtbot.waitUntil(
            lambda: w.train_label.text() == "Fix grammar: 0 / 100 kept edits, 100 more until training", timeout=30_000
        )
        # An Accept counts, for its task, at once.
        _review(qtbot, w, "grammar")
        w.accept_all()
        qtbot.waitUntil(
            lambda: w.train_label.text() == "Fix grammar: 1 / 100 kept edits, 99 more until training", timeout=30_000
        )
        # A Reject counts nothing; the label shows the task just used, by name (it used to read
        # "0 / 100 edits until the next training": a drop, with no word of another task).
        _review(qtbot, w, "clearer")
        w.reject()
        qtbot.waitUntil(lambda: w.train_label.text().startswith("Make clearer: 0 / 100 kept edits"), timeout=30_000)
        assert w.training_view.train_btn.text() == "Train “Make clearer” now"
        # Logging paused: an Accept stores nothing, so grammar's number stays 1.
        w.set_logging_paused(True)
        _review(qtbot, w, "grammar")
        w.accept_all()
        qtbot.waitUntil(
            lambda: w.train_label.text() == "Fix grammar: 1 / 100 kept edits, 99 more until training", timeout=30_000
        )
        w.set_logging_paused(False)
        # The same numbers everywhere: the training view and the CLI.
        w.training_dock.show()
        qtbot.waitUntil(lambda: "Fix grammar: 1 / 100" in w.training_view.counters.text(), timeout=30_000)
        assert "Make clearer: 0 / 100 kept edits, 100 more until training" in w.training_view.counters.text()
        cli = _cli_counters(home)
        assert cli["grammar"]["text"] == "Fix grammar: 1 / 100 kept edits, 99 more until training"
        assert cli["clearer"]["kept"] == 0
    finally:
        w.editor.document().setModified(False)
        w.close()
        svc.shutdown()
