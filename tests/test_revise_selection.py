"""`draftwheel revise-selection`: the Wayland note, the message to a running app, the review popup
(a scripted engine for the fast tests, the bundled model in the slow one) and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from draftwheel.cli.revise_selection_cmd import WAYLAND_NOTE, is_wayland
from draftwheel.config.instance import REVISE_SELECTION, decode_message, encode_message, message_server_name

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.mark.parametrize(
    "env, wayland",
    [
        ({"XDG_SESSION_TYPE": "wayland"}, True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, True),
        ({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, False),
        ({}, False),
    ],
)
def test_wayland_is_detected_and_explained_in_one_line(env, wayland):
    assert is_wayland(env) is wayland
    assert "\n" not in WAYLAND_NOTE and "draftwheel revise-selection" in WAYLAND_NOTE
    assert "global shortcuts and key simulation are not allowed" in WAYLAND_NOTE


def test_messages_round_trip_and_garbage_is_refused(tmp_path):
    from draftwheel.config import app_paths

    assert decode_message(encode_message(REVISE_SELECTION, "Tëxt\nwith lines")) == (
        REVISE_SELECTION,
        "Tëxt\nwith lines",
    )
    for bad in (b"", b"not json\n", b'{"command": 1, "text": "x"}\n', b"[]\n", b"\xff\n"):
        assert decode_message(bad) is None
    a, b = message_server_name(app_paths(tmp_path / "a")), message_server_name(app_paths(tmp_path / "b"))
    assert a != b and a == message_server_name(app_paths(tmp_path / "a"))  # one per data folder, stable


def _cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": SRC, "QT_QPA_PLATFORM": "offscreen", "DRAFTWHEEL_HOME": str(home), **env}
    return subprocess.run(
        [sys.executable, "-m", "draftwheel", "revise-selection", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )


def test_cli_with_nothing_selected_says_so_and_prints_the_wayland_note_there(tmp_path):
    # A fresh offscreen process has an empty clipboard: the "no selection" case, and nothing is loaded.
    done = _cli(tmp_path / "home", XDG_SESSION_TYPE="wayland")
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        WAYLAND_NOTE,
        "Nothing is selected and the clipboard holds no text: select or copy some text first.",
    ]
    assert "revise-selection" in _cli(tmp_path / "home", "--help").stdout


@pytest.mark.gui
def test_the_running_app_receives_the_text_over_its_socket(qtbot, qapp, tmp_path):
    from draftwheel.config import app_paths
    from draftwheel.ui.instance_server import InstanceServer, send_message
    from draftwheel.ui.qt import QLocalSocket

    paths = app_paths(tmp_path / "home")
    assert send_message(paths, encode_message(REVISE_SELECTION, "x"), timeout_ms=300) is False  # no app: False
    server = InstanceServer(paths)
    assert server.listening
    sock = QLocalSocket()
    sock.connectToServer(server.name)
    with qtbot.waitSignal(server.revise_requested, timeout=5000) as got:
        msg = encode_message(REVISE_SELECTION, "Their going home.")
        sock.write(msg[:7])  # a message may arrive in pieces
        sock.flush()
        qtbot.wait(20)
        sock.write(msg[7:])
        sock.flush()
    assert got.args == ["Their going home."]
    qtbot.waitUntil(lambda: sock.bytesAvailable() > 0 or sock.waitForReadyRead(10))
    assert bytes(sock.readAll().data()) == b"ok\n"
    sock.disconnectFromServer()
    server.close()
    server.deleteLater()


class FakeEngine:
    """The EngineWorker's signals and revise(), with the stream driven by the test."""

    def __init__(self):
        from draftwheel.ui.qt import QObject, Signal

        class Signals(QObject):
            chunk = Signal(int, str)
            revised = Signal(object)
            revise_failed = Signal(int, str)

        self.signals = Signals()
        self.chunk, self.revised, self.revise_failed = (
            self.signals.chunk,
            self.signals.revised,
            self.signals.revise_failed,
        )
        self.jobs: list = []

    def revise(self, text, task):
        from draftwheel.workers.engine_worker import RevisionJob

        job = RevisionJob(len(self.jobs) + 7, text, task)
        self.jobs.append(job)
        return job


def _suggestion(job, original, text):
    from draftwheel.workers.engine_worker import Suggestion

    return Suggestion(job, original, text, "grammar", "", "zero", "m", None, 1.0, 1, 1, 1.0, "stop")


@pytest.mark.gui
def test_popup_streams_the_diff_and_ctrl_return_copies_the_revision(qtbot, qapp):
    from draftwheel.engine.prompts import tasks
    from draftwheel.ui.qt import QApplication, Qt
    from draftwheel.ui.selection_popup import PASTE_HINT, SelectionPopup

    QApplication.clipboard().setText("Their going home.")
    eng = FakeEngine()
    popup = SelectionPopup(eng, "Their going home.", tasks()["grammar"])
    qtbot.addWidget(popup)
    popup.show()
    job = eng.jobs[0]
    eng.chunk.emit(job.id, "They're ")
    eng.chunk.emit(job.id + 1, "someone else's stream ")  # another job's chunks are not ours
    assert popup.partial == "They're " and not popup.copy_btn.isEnabled()
    qtbot.keyClick(popup, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # too early: nothing happens
    assert popup.isVisible() and QApplication.clipboard().text() == "Their going home."
    eng.revised.emit(_suggestion(job.id, "Their going home.", "They're going home."))
    assert popup.copy_btn.isEnabled() and "They" in popup.view.toPlainText()
    copied = []
    popup.copied.connect(copied.append)
    qtbot.keyClick(popup.copy_btn, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert copied == ["They're going home."] and QApplication.clipboard().text() == "They're going home."
    assert popup.status.text() == PASTE_HINT and not popup.isVisible()
    # Logged like an accepted suggestion in the editor.
    assert popup.record is not None and popup.record["outcome"] == "accepted"
    assert popup.record["input_text"] == "Their going home." and popup.record["final_text"] == "They're going home."


@pytest.mark.gui
def test_popup_closed_on_a_finished_suggestion_logs_a_rejection(qtbot, qapp):
    from draftwheel.engine.prompts import tasks
    from draftwheel.ui.qt import Qt
    from draftwheel.ui.selection_popup import SelectionPopup

    eng = FakeEngine()
    popup = SelectionPopup(eng, "Their going home.", tasks()["grammar"])
    qtbot.addWidget(popup)
    popup.show()
    logged = []
    popup.outcome.connect(logged.append)
    eng.revised.emit(_suggestion(eng.jobs[0].id, "Their going home.", "They're going home."))
    qtbot.keyClick(popup, Qt.Key.Key_Escape)
    assert not popup.isVisible()
    assert [r["outcome"] for r in logged] == ["rejected"] and logged[0]["final_text"] == "Their going home."


@pytest.mark.gui
def test_popup_esc_cancels_the_stream_and_leaves_the_clipboard(qtbot, qapp):
    from draftwheel.engine.prompts import tasks
    from draftwheel.ui.qt import QApplication, Qt
    from draftwheel.ui.selection_popup import SelectionPopup

    QApplication.clipboard().setText("keep me")
    eng = FakeEngine()
    popup = SelectionPopup(eng, "keep me", tasks()["grammar"])
    qtbot.addWidget(popup)
    popup.show()
    qtbot.keyClick(popup, Qt.Key.Key_Escape)
    assert not popup.isVisible() and eng.jobs[0].cancel.cancelled
    assert QApplication.clipboard().text() == "keep me"


@pytest.mark.gui
@pytest.mark.parametrize("text, says", [("   ", "Nothing is selected"), ("word " * 5001, "5,001 words")])
def test_popup_refuses_bad_selections_without_asking_the_model(qtbot, qapp, text, says):
    from draftwheel.engine.prompts import tasks
    from draftwheel.ui.selection_popup import SelectionPopup

    eng = FakeEngine()
    popup = SelectionPopup(eng, text, tasks()["grammar"])
    qtbot.addWidget(popup)
    assert says in popup.status.text() and eng.jobs == [] and not popup.copy_btn.isEnabled()


@pytest.mark.gui
def test_read_selection_falls_back_to_the_clipboard(qapp):
    from draftwheel.ui.qt import QApplication, QClipboard
    from draftwheel.ui.selection_popup import read_selection

    cb = QApplication.clipboard()
    cb.setText("copied text", QClipboard.Mode.Clipboard)
    if cb.supportsSelection():  # X11: the highlighted text wins
        cb.setText("highlighted", QClipboard.Mode.Selection)
        assert read_selection(cb) == "highlighted"
        cb.setText("", QClipboard.Mode.Selection)
    assert read_selection(cb) == "copied text"


@pytest.mark.gui
@pytest.mark.slow
def test_popup_with_the_bundled_model_copies_a_real_revision(qtbot, qapp, paths):
    from draftwheel.config import Settings
    from draftwheel.engine.prompts import tasks
    from draftwheel.ui.qt import QApplication
    from draftwheel.ui.selection_popup import SelectionPopup
    from draftwheel.workers.engine_worker import EngineWorker

    eng = EngineWorker(paths)
    try:
        with qtbot.waitSignal(eng.loaded, timeout=300_000):
            eng.load(Settings(n_threads=2, n_ctx=2048))
        text = "He go to the libary yesterday and borrow two book."
        popup = SelectionPopup(eng, text, tasks()["grammar"])
        qtbot.addWidget(popup)
        popup.show()
        qtbot.waitUntil(lambda: popup.revision is not None or "failed" in popup.status.text(), timeout=300_000)
        assert popup.revision is not None, popup.status.text()
        if popup.copy_btn.isEnabled():
            popup.copy_result()
            assert QApplication.clipboard().text() == popup.revision != text
        else:
            popup.reject()
        # What `draftwheel revise-selection` does with the outcome when no window runs: the real store.
        from draftwheel.store import list_edits, open_store
        from draftwheel.ui.revise_selection import _log

        assert popup.record is not None
        _log(paths, popup.record)
        store = open_store(paths)
        try:
            with store.session() as s:
                rows = list_edits(s)
                assert len(rows) == 1 and rows[0].input_text == text
                assert rows[0].outcome == popup.record["outcome"] and rows[0].final_text == popup.record["final_text"]
        finally:
            store.close()
    finally:
        eng.shutdown()
