"""Autosave and restore through the real window (offscreen), a real store thread and real files.

No model is loaded: documents never need it.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def services(qapp, tmp_path, monkeypatch):
    from draftwheel.config import Settings, app_paths
    from draftwheel.config.paths import ENV_HOME
    from draftwheel.ui.services import Services

    home = tmp_path / "home"
    monkeypatch.setenv(ENV_HOME, str(home))
    svc = Services(app_paths(home), Settings(auto_train=False, n_threads=1))
    yield svc
    svc.shutdown()


@pytest.fixture
def make_window(qtbot, services):
    made = []

    def make(**kw):
        from draftwheel.ui.main_window import MainWindow

        w = MainWindow(services, offer_restore=False, **kw)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        try:
            w.editor.document().setModified(False)
            w.close()
            w.deleteLater()
        except RuntimeError:
            pass  # already deleted by the test


def _orphan(services, name: str, text: str, saved_at: float) -> object:
    folder = services.paths.autosave_dir
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{name}.json"
    # A pid far above pid_max: the window that wrote it is gone.
    file.write_text(json.dumps({"path": None, "text": text, "saved_at": saved_at, "pid": 2**22 + 3}))
    return file


def _answer_unsaved_question(qtbot, button_name: str, seen: list):
    """Answer the "Save the changes…?" question (a modal QMessageBox) with ``button_name`` when it appears."""
    from draftwheel.ui.qt import QApplication, QMessageBox, QTimer

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and "Save the changes" in box.text():
            seen.append(box.text())
            box.button(getattr(QMessageBox.StandardButton, button_name)).click()
            return
        if len(seen) == 0 and poll.tries < 200:
            poll.tries += 1
            QTimer.singleShot(25, poll)

    poll.tries = 0
    QTimer.singleShot(25, poll)


def _left():
    from draftwheel.ui.qt import Qt

    return Qt.MouseButton.LeftButton


def test_restoring_a_second_autosave_asks_before_replacing_the_first(qtbot, services, make_window):
    """Issue 13: with two autosaves, Restore, Restore replaced the first restored text without asking and
    deleted its file, so the first draft was lost for good."""
    older = _orphan(services, "1000-aaaa", "The older draft, never saved.", 1000.0)
    newer = _orphan(services, "2000-bbbb", "The newer draft, never saved.", 2000.0)
    w = make_window()
    w.offer_restore()
    qtbot.mouseClick(w.restore_button, _left())
    assert w.editor.toPlainText() == "The newer draft, never saved."
    qtbot.waitUntil(
        lambda: (
            w.restore_prompt is not None
            and w.restore_prompt.isVisible()
            and "Restore" in w.restore_prompt.windowTitle()
        ),
        timeout=5_000,
    )
    asked: list[str] = []
    _answer_unsaved_question(qtbot, "Cancel", asked)
    qtbot.mouseClick(w.restore_button, _left())
    assert asked, "the unsaved restored text was replaced without asking"
    assert w.editor.toPlainText() == "The newer draft, never saved."
    assert w.editor.document().isModified()
    services.store.submit(lambda: None)  # autosave deletes run on the store thread: let them finish
    qtbot.wait(300)
    assert newer.exists() and older.exists()  # nothing deleted: the older one is offered at the next start
    assert w.documents.next_restore() is None  # but not asked about twice in this session


def test_second_restore_after_discarding_the_first_shows_it_and_keeps_nothing_stale(qtbot, services, make_window):
    older = _orphan(services, "1000-cccc", "Older.", 1000.0)
    newer = _orphan(services, "2000-dddd", "Newer.", 2000.0)
    w = make_window()
    w.offer_restore()
    qtbot.mouseClick(w.restore_button, _left())
    assert w.editor.toPlainText() == "Newer."
    qtbot.waitUntil(lambda: w.restore_prompt.isVisible() and len(w.documents._offered) == 2, timeout=5_000)
    asked: list[str] = []
    _answer_unsaved_question(qtbot, "Discard", asked)
    qtbot.mouseClick(w.restore_button, _left())
    assert asked and w.editor.toPlainText() == "Older."
    qtbot.waitUntil(lambda: not newer.exists(), timeout=5_000)  # the user chose to discard it
    assert older.exists() and w.autosave.file == older


def test_not_now_keeps_the_autosave_for_the_next_start(qtbot, services, make_window):
    kept = _orphan(services, "3000-eeee", "Keep me for later.", 3000.0)
    w = make_window()
    w.offer_restore()
    qtbot.mouseClick(w.later_button, _left())
    assert w.editor.toPlainText() == "" and kept.exists()
    w.offer_restore()
    assert not w.restore_prompt.isVisible()  # asked once per file per start
    w2 = make_window()  # the next start
    assert [r.file for r in w2.documents.autosave.orphans()] == [kept]


def test_typing_without_pause_is_still_autosaved(qtbot, services, make_window):
    """The autosave timer used to restart at every keystroke: a user typing on never got an autosave."""
    from draftwheel.ui.main_window import AUTOSAVE_DELAY_MS

    w = make_window()
    w.editor.setFocus()
    file = w.autosave.file
    for _ in range(int(3 * AUTOSAVE_DELAY_MS / 200)):  # a key every 200 ms for 3 autosave delays
        qtbot.keyClicks(w.editor, "a")
        qtbot.wait(200)
        if file.exists():
            break
    assert file.exists(), "no autosave while typing"
    assert json.loads(file.read_text(encoding="utf-8"))["text"].startswith("a")


def test_crashed_window_text_is_offered_at_the_next_start(qtbot, services, make_window):
    """A window that goes away without closing (a crash) leaves its text; the next window offers it."""
    first = make_window()
    first.editor.setPlainText("Typed before the crash.")
    first.editor.document().setModified(True)
    first.autosave_now()
    file = first.autosave.file
    qtbot.waitUntil(file.exists, timeout=10_000)
    gone = []
    first.destroyed.connect(lambda *_: gone.append(True))
    first.deleteLater()
    qtbot.waitUntil(lambda: bool(gone), timeout=10_000)
    second = make_window(sole_owner=True)
    second.start_session()
    assert second.restore_prompt is not None and second.restore_prompt.isVisible()
    assert "Untitled" in second.restore_prompt.text()
    qtbot.mouseClick(second.restore_button, _left())
    assert second.editor.toPlainText() == "Typed before the crash." and second.autosave.file == file
