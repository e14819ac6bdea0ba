"""The window's small things, offscreen with real widgets and a fresh data folder (no model needed):
status text never cut off, the logging-paused indicator, whole adapter names, the Help menu,
Save As extensions, and the window's size and last document restored on the next start."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui

# The longest messages the window shows in ordinary use, and status fields as they read in use.
MESSAGES = [
    "Resuming the training “grammar-2026-11-30-1” that was interrupted; it continues in the background.",
    "Finish reviewing the current suggestion first (accept, reject or Esc).",
    "Review the suggestion: Accept all (Ctrl+Return), or pick changes.",
    "The model is still loading; choose the adapter again when it is ready.",
]
FIELDS = {
    "model_label": "Model: gemma3-270m",
    "adapter_label": "Adapter: automatic (grant writing for the arts council)",
    "stage_label": "Stage: few-shot",
    "speed_label": "85 tokens/s",
    "train_label": "Fix grammar: 88 / 100 kept edits, 12 more until training",
}


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

        kw.setdefault("offer_restore", False)
        w = MainWindow(services, **kw)
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
            pass


def _painted(label) -> str:
    from draftwheel.ui.qt import QLabel

    return QLabel.text(label)  # what is drawn, whatever a subclass reports as its text


def _cut_texts(window, allow_shortened: bool = False) -> list[str]:
    """Every status-bar text that is not shown whole: clipped by its label or the bar, or shortened
    ("…" added; with ``allow_shortened`` only when the label's tooltip lacks the whole text)."""
    from draftwheel.ui.qt import QLabel

    bar = window.statusBar()
    problems = []
    shown = []
    for label in bar.findChildren(QLabel):
        if not label.isVisibleTo(window) or not _painted(label):
            continue
        fm = label.fontMetrics()
        room = label.contentsRect().width()
        for line in _painted(label).split("\n"):
            if fm.horizontalAdvance(line) > room:
                problems.append(f"clipped in its label ({fm.horizontalAdvance(line)} > {room} px): {line!r}")
        shortened = "…" in _painted(label) and "…" not in label.text()
        if shortened and (not allow_shortened or label.toolTip() != label.text()):
            problems.append(f"shortened: {_painted(label)!r}")
        top_left = label.mapTo(bar, label.rect().topLeft())
        if (
            top_left.x() < 0
            or top_left.x() + label.width() > bar.width()
            or top_left.y() < 0
            or top_left.y() + label.height() > bar.height()
        ):
            problems.append(f"outside the status bar: {_painted(label)!r}")
        shown.append(" ".join(_painted(label).split()))
    message = " ".join(bar.currentMessage().split())
    if message and message not in shown and not allow_shortened:
        problems.append(f"message not shown whole in any label: {message!r}")
    return problems


@pytest.mark.parametrize("size", [(800, 500), (1600, 1000)])
def test_no_status_text_is_cut_off(qtbot, make_window, tmp_path, size):
    w = make_window()
    w.resize(*size)
    w.editor.setPlainText("Over the past two weeks we has been working on the new onboarding flow.")
    for name, text in FIELDS.items():
        getattr(w, name).setText(text)
    w.set_logging_paused(True)  # the indicator is one more field
    qtbot.waitUntil(lambda: w.width() == size[0], timeout=5_000)
    for message in MESSAGES:
        w.statusBar().showMessage(message)
        for _ in range(40):  # the bar's new height reaches the window through a queued layout request
            if not _cut_texts(w):
                break
            qtbot.wait(50)
        assert _cut_texts(w) == [], message
        shot = tmp_path / f"status-{size[0]}x{size[1]}.png"
        assert w.grab().save(str(shot)) and shot.stat().st_size > 0
    assert w.paused_label.isVisible()
    w.set_logging_paused(False)


def test_a_message_too_long_for_two_lines_is_shortened_with_the_whole_text_in_its_tooltip(qtbot, make_window):
    w = make_window()
    w.resize(800, 500)
    long = "The outcome could not be stored: " + "a very long reason " * 30
    w.statusBar().showMessage(long)
    qtbot.wait(50)
    label = w.statusBar().message
    assert "…" in _painted(label) and _painted(label).count("\n") <= 1
    assert label.toolTip() == long
    # shortened on purpose, the full text at hand; the bar's new height reaches the window through a
    # queued layout request (and the style's status line may arrive from the store thread meanwhile)
    qtbot.waitUntil(lambda: _cut_texts(w, allow_shortened=True) == [], timeout=5_000)
    w.statusBar().showMessage("Saved.", 50)
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == "", timeout=5_000)
    assert label.toolTip() == ""


def test_logging_paused_indicator_follows_the_setting(qtbot, make_window, services):
    w = make_window()
    assert not w.paused_label.isVisible()
    w.pause_act.trigger()
    assert w.paused_label.isVisible() and "paused" in w.paused_label.text().lower()
    assert services.settings.logging_paused
    w.data_view.pause_box.setChecked(False)
    assert not w.paused_label.isVisible()


def test_adapter_switcher_shows_long_names_whole(qtbot, make_window, tmp_path):
    from draftwheel.workers.adapters import AdapterChoice

    w = make_window()
    w.resize(1600, 1000)
    qtbot.waitExposed(w)
    qtbot.wait(100)  # shown with only "Automatic" and "Base model": a new adapter arrives later
    name = "grant writing for the regional arts council 2026"
    # an adapter of the window's current style (grammar): the switcher lists the current style's adapters
    w._fill_adapters([AdapterChoice(name, tmp_path / "a.gguf", "grammar", promoted=True)])
    w.adapter_box.setCurrentIndex(w.adapter_box.findData(name))
    qtbot.wait(50)
    box = w.adapter_box
    text_w = box.fontMetrics().horizontalAdvance(box.currentText())
    assert box.width() >= text_w + 20, (box.width(), text_w)  # the text plus the arrow


def test_help_menu_lists_the_real_shortcuts_data_folder_and_version(qtbot, make_window, services):
    import draftwheel
    from draftwheel.ui.help_menu import shortcut_rows
    from draftwheel.ui.qt import QKeySequence

    w = make_window()
    titles = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert titles[-1] == "Help"
    rows = shortcut_rows(w)
    by_command = {cmd: keys for _menu, cmd, keys in rows}

    def native(k: str) -> str:
        return QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)

    assert by_command["Accept all"] == native("Ctrl+Return")
    assert by_command["Fix grammar"] == native("Ctrl+1")
    assert by_command["Keyboard shortcuts"] == native("Ctrl+/")
    # Built from the live actions: a changed shortcut shows as changed.
    w.reject_act.setShortcut(QKeySequence("Ctrl+Alt+R"))
    assert {c: k for _m, c, k in shortcut_rows(w)}["Reject"] == native("Ctrl+Alt+R")

    w.shortcuts_act.trigger()
    dlg = w.help_dialog
    assert dlg.isVisible() and dlg.table.rowCount() == len(shortcut_rows(w))
    dlg.close()
    w.data_folder_act.trigger()
    dlg = w.help_dialog
    assert dlg.isVisible() and dlg.path_edit.text() == str(services.paths.home)
    dlg.close()
    w.about_act.trigger()
    assert draftwheel.__version__ in w.help_dialog.text()
    w.help_dialog.close()


def test_save_as_adds_the_extension_of_the_chosen_format(qtbot, make_window, tmp_path):
    from draftwheel.app.documents import SAVE_FILTERS

    w = make_window()
    w.editor.setPlainText("Dear committee,")
    w.editor.document().setModified(True)
    assert w.save_to(str(tmp_path / "letter"), SAVE_FILTERS[1])  # Plain text
    assert (tmp_path / "letter.txt").read_text(encoding="utf-8") == "Dear committee,"
    assert not (tmp_path / "letter").exists()
    assert w.windowTitle().startswith("letter.txt") and not w.editor.document().isModified()


def test_window_size_and_last_document_come_back_at_the_next_start(qtbot, make_window, tmp_path):
    draft = tmp_path / "chapter.md"
    draft.write_text("# Chapter one\n", encoding="utf-8")
    first = make_window()
    assert first.open_path(str(draft), confirm=False)
    first.training_dock.show()
    first.move(40, 30)
    first.resize(710, 540)  # within the offscreen screen (800x600): restoreGeometry keeps a window on screen
    qtbot.waitUntil(lambda: first.width() == 710 and first.training_dock.isVisible(), timeout=5_000)
    qtbot.wait(100)
    size, pos = (first.width(), first.height()), (first.x(), first.y())
    first.close()

    second = make_window(offer_restore=True)  # an app start
    qtbot.waitUntil(lambda: second.path == str(draft.resolve()), timeout=5_000)
    assert second.editor.toPlainText() == "# Chapter one\n"
    assert (second.width(), second.height()) == size and size[0] == 710
    assert (second.x(), second.y()) == pos
    assert second.training_dock.isVisible()  # the docks' layout too
    second.close()

    draft.unlink()  # gone by the next start: an empty window, no error dialog
    third = make_window(offer_restore=True)
    qtbot.wait(100)
    assert third.path is None and third.last_dialog is None
