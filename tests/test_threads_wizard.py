"""Every way out of the grounding wizard while a local run is generating stops and joins its worker.

Destroying a running QThread aborts the whole process, which would also take
pytest down, so each way out runs in a child process (this file run as a
script): the real app window, the real bundled model on the engine thread, a
real store. The child reports what it saw as JSON on stdout; an abort shows as
a non-zero exit and "QThread: Destroyed while thread is still running".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]

# quit: app.quit() (Qt 6 closes the windows first); shutdown: the aboutToQuit handler with the wizard
# still open (a session ending, or a window that refuses to close): the engine's stop must end the run.
WAYS = ("escape", "reject", "close", "reopen", "quit", "shutdown")
PARAGRAPHS = [
    "Working from home changed how our team writes. We leave longer notes, and we read them twice.",
    "The garden needs water every second evening in July. Tomatoes split when the soil dries out.",
    "Sourdough wants patience more than skill. A cold night in the fridge gives the crumb its taste.",
    "Meetings got shorter once everyone wrote an agenda. Nobody misses the hour-long calls.",
    "Beans climb whatever you give them. A string and two sticks are enough for a summer.",
    "Flour, water and salt, and a starter that is fed in the morning: that is the whole recipe.",
]


def _pump(app, cond, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def _start_local_run(app, wizard, folder: str, n_pairs: int) -> list:
    """Import ``folder`` in ``wizard`` and start a local run; returns the progress list it fills."""
    wizard.folder_edit.setText(folder)
    wizard.import_btn.click()
    assert _pump(app, lambda: not wizard.busy and wizard.files_table.rowCount() > 0, 120), wizard.message.text()
    wizard.next_btn.click()
    wizard.next_btn.click()
    assert wizard.generator_combo.currentData() == "local"
    wizard.pairs_spin.setValue(n_pairs)
    seen: list = []
    wizard.worker.progress.connect(lambda p: seen.append(p.stage))
    wizard.run_btn.click()
    return seen


def scenario(way: str, home: str, folder: str) -> int:
    """Runs in the child process; prints a JSON report and returns the exit code."""
    logging_errors: list[str] = []

    import logging

    class Catch(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.ERROR:
                logging_errors.append(record.getMessage())

    logging.getLogger().addHandler(Catch())
    from PySide6.QtTest import QTest

    from draftwheel.config import Settings, app_paths
    from draftwheel.ui.qt import QApplication, Qt, QTimer

    app = QApplication.instance() or QApplication(["draftwheel-test"])
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    paths = app_paths(Path(home))
    services = Services(paths, Settings(auto_train=False, n_threads=2, n_ctx=2048))
    app.aboutToQuit.connect(services.shutdown)  # as ui/app.py does
    window = MainWindow(services, offer_restore=False)
    window.show()
    services.start()
    assert _pump(app, lambda: services.engine.ready, 300), "the model did not load"
    window.ground_act.trigger()
    wizard = window.ground_wizard
    seen = _start_local_run(app, wizard, folder, 60)  # far more pairs than the wait allows: only a stop ends it
    assert _pump(app, lambda: "generate" in seen, 300), f"the run did not start generating: {seen}"
    report: dict = {"way": way, "stages": sorted(set(seen))}
    worker_thread = wizard.worker._thread
    t0 = time.monotonic()
    if way == "quit":
        QTimer.singleShot(0, app.quit)
        app.exec()
        report["quit_s"] = round(time.monotonic() - t0, 2)
        report["engine_running"] = services.engine.running
    elif way == "shutdown":
        services.shutdown()
        report["quit_s"] = round(time.monotonic() - t0, 2)
        report["engine_running"] = services.engine.running
        window.editor.document().setModified(False)
        QTimer.singleShot(0, app.quit)
        app.exec()
    else:
        if way == "escape":
            QTest.keyClick(wizard, Qt.Key.Key_Escape)
        elif way == "reject":
            wizard.reject()
        elif way in ("close", "reopen"):
            wizard.close()
        report["closed_s"] = round(time.monotonic() - t0, 2)
        # The dialog deletes itself (WA_DeleteOnClose): with its worker's thread still running this aborted.
        _pump(app, lambda: False, 1.0)
        import gc

        gc.collect()
        try:
            report["old_thread_running"] = worker_thread.isRunning()
        except RuntimeError:  # deleted with the dialog, as it should be once joined
            report["old_thread_running"] = False
        # The run on the engine thread was cancelled: the engine answers the next call at once,
        # not after the 60 pairs.
        answered: list = []
        services.engine.submit(lambda: "free", on_done=answered.append)
        report["engine_free"] = _pump(app, lambda: bool(answered), 120)
        if way == "reopen":
            window.ground_act.trigger()
            again = window.ground_wizard
            assert again is not wizard
            _start_local_run(app, again, folder, 1)
            report["reopened_run_finished"] = _pump(app, lambda: again.result is not None, 300)
            report["reopened_kept"] = again.result.report.kept if again.result else None
        window.editor.document().setModified(False)
        window.close()
        QTimer.singleShot(0, app.quit)
        app.exec()
    report["errors"] = logging_errors
    print("REPORT " + json.dumps(report), flush=True)
    return 0


def make_docs(folder: Path, n_files: int = 30) -> Path:
    """Enough distinct passages that a local run lasts minutes (each paragraph a different mix)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        a, b = PARAGRAPHS[i % len(PARAGRAPHS)], PARAGRAPHS[(i * 5 + 1) % len(PARAGRAPHS)]
        text = f"Note {i}. {a}\n\nDay {i + 1}: {b} It took {i + 2} tries to get right.\n"
        (folder / f"note{i:02d}.md").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def docs(tmp_path) -> Path:
    return make_docs(tmp_path / "docs")


@pytest.mark.parametrize("way", WAYS)
def test_way_out_of_the_wizard_during_a_local_run(home, docs, way):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, __file__, way, str(home), str(docs)], capture_output=True, text=True, env=env, timeout=900
    )
    assert "QThread: Destroyed while thread" not in proc.stderr
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT ")]
    assert line, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads(line[-1][len("REPORT ") :])
    assert "generate" in report["stages"]  # the way out really happened while pairs were being generated
    assert not [e for e in report["errors"] if "did not end within" in e], report["errors"]  # every join in time
    if way in ("quit", "shutdown"):
        assert report["engine_running"] is False
    else:
        assert report["old_thread_running"] is False and report["engine_free"] is True
    if way == "reopen":
        assert report["reopened_run_finished"] is True


if __name__ == "__main__":
    raise SystemExit(scenario(*sys.argv[1:4]))
