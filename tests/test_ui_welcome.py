"""The first run's panel: shown once, above the editor, not modal; closed for good with "Got it"."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def _window(qtbot, home):
    from draftwheel.config import app_paths
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    services = Services(app_paths(home))
    w = MainWindow(services, offer_restore=False)
    qtbot.addWidget(w)
    w.show()
    return w, services


def _close(w, services) -> None:
    from shiboken6 import delete

    w.editor.document().setModified(False)
    w.close()
    services.shutdown()
    delete(services.watch)


def test_first_run_panel_names_every_preset_shows_once_and_never_blocks_typing(qtbot, tmp_path):
    from draftwheel.engine.prompts import tasks

    home = tmp_path / "home"
    w, services = _window(qtbot, home)
    panel = w.welcome
    assert panel is not None and panel.isVisible()
    assert w.findChild(type(panel), "welcomePanel") is panel
    shown = panel.text.text()
    for task in tasks().values():
        assert (task.label in shown and task.instruction in shown) != task.answers  # the toolbar's tasks only
    assert "learns from what you accept or correct" in shown
    assert (
        panel.geometry().bottom()
        < panel.parentWidget().mapFromGlobal(w.editor.mapToGlobal(w.editor.rect().topLeft())).y()
    )
    qtbot.keyClicks(w.editor, "Typing works")  # not modal
    assert w.editor.toPlainText() == "Typing works"

    # Still there at the next start while it was not closed.
    _close(w, services)
    w, services = _window(qtbot, home)
    assert w.welcome is not None and w.welcome.isVisible()
    w.welcome.close_btn.click()
    assert not w.welcome.isVisible()
    assert services.settings.welcome_dismissed is True
    _close(w, services)

    w, services = _window(qtbot, home)
    assert w.welcome is None
    _close(w, services)
