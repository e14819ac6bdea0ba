"""Background mode offscreen: the tray icon's menu, closing hides the window while it is up, Quit
ends for real, and a desktop without a tray says so in one line and keeps the normal close."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def services(qapp, tmp_path, monkeypatch):
    from draftwheel.config import Settings, app_paths
    from draftwheel.config.paths import ENV_HOME
    from draftwheel.ui.services import Services

    home = tmp_path / "home"
    monkeypatch.setenv(ENV_HOME, str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    svc = Services(app_paths(home), Settings(auto_train=False, n_threads=1))
    yield svc
    svc.shutdown()


@pytest.fixture
def window(qtbot, services):
    from draftwheel.ui.main_window import MainWindow

    w = MainWindow(services, offer_restore=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.tray.quitting = True  # the fixture's own close is a real one
    w.editor.document().setModified(False)
    w.close()


def test_with_a_tray_closing_hides_the_window_and_quit_closes_it(qtbot, window, monkeypatch):
    from draftwheel.ui.qt import QApplication

    tray = window.tray
    tray.available = True  # offscreen has no tray; the behaviour around it is what is tested
    assert tray.apply(True) is None and tray.active
    texts = [a.text() for a in tray.menu.actions() if a.text()]
    assert texts == ["Show Draftwheel", "Revise clipboard/selection", "Quit"]
    assert window.close() is False  # refused: hidden instead
    assert window.isHidden() and tray.hint_shown
    tray.show_act.trigger()
    assert window.isVisible()
    window.close()
    quits = []
    monkeypatch.setattr(QApplication, "quit", lambda: quits.append(1))  # keep the test's app alive
    tray.quit_act.trigger()
    assert quits == [1] and window.isHidden() and not tray.active


def test_without_a_tray_the_window_closes_normally_and_says_why(qtbot, window):
    from draftwheel.ui.tray import NO_TRAY

    window.tray.available = False
    assert window.tray.apply(True) == NO_TRAY and not window.tray.active
    assert window.statusBar().currentMessage() == NO_TRAY
    assert "no system tray" in NO_TRAY and "\n" not in NO_TRAY
    assert window.close() is True


def test_settings_dialog_saves_tray_and_writes_the_autostart_entry(qtbot, services, tmp_path):
    import json

    from draftwheel.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(services)
    qtbot.addWidget(dlg)
    dlg.show()
    assert not dlg.keep_in_tray.isChecked() and not dlg.start_with_session.isChecked()
    assert dlg.tray_note.isVisible() == bool(dlg.tray_note.text())  # offscreen: no tray, said in one line
    dlg.keep_in_tray.setChecked(True)
    dlg.start_with_session.setChecked(True)
    assert dlg.save() is True
    stored = json.loads(services.paths.settings_file.read_text(encoding="utf-8"))
    assert stored["keep_in_tray"] is True and stored["start_with_session"] is True
    entry = tmp_path / "cfg" / "autostart" / "draftwheel.desktop"
    assert "--background" in entry.read_text(encoding="utf-8")
    again = SettingsDialog(services)
    qtbot.addWidget(again)
    again.start_with_session.setChecked(False)
    assert again.save() is True and not entry.exists()


def test_the_tray_revises_the_clipboard_in_a_popup(qtbot, window):
    from draftwheel.ui.qt import QApplication

    QApplication.clipboard().setText("Their going home.")
    window.tray.revise_act.trigger()
    popup = window.selection_popup  # WA_DeleteOnClose: the popup deletes itself when closed
    assert popup.isVisible() and popup.original == "Their going home." and popup.job is not None
    popup.reject()  # Esc: the clipboard keeps the user's text
    assert QApplication.clipboard().text() == "Their going home."
