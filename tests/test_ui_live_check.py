"""The editor's live spelling and grammar layer, end to end: real widgets (offscreen), real Harper on
its worker thread, a real SQLite store read straight from its file. No model is loaded (the layer
needs none). Waits are generous and nothing asserts on speed."""

from __future__ import annotations

import sqlite3

import pytest

from draftwheel.ui.qt import Qt, QTextCharFormat, QTextCursor

pytestmark = pytest.mark.gui

WAIT_MS = 60_000  # 2 shared cores; building Harper's linter alone takes a second or two
SENTENCE = "Their was alot of peoples there, so we waits for a hour."


@pytest.fixture
def make_window(qtbot, tmp_path):
    """``make_window()`` opens a window on one data folder (a second call: a restart of the app)."""
    from draftwheel.config import Settings, app_paths
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    home = tmp_path / "home"
    opened: list = []

    def make(**settings):
        services = Services(app_paths(home), Settings(n_threads=2, auto_train=False, **settings) if settings else None)
        w = MainWindow(services, offer_restore=False)
        w.show()
        w.activateWindow()
        opened.append((w, services))
        return w

    yield make
    for w, services in opened:
        try:
            w.editor.document().setModified(False)
            w.close()
            w.deleteLater()
        except RuntimeError:  # the test deleted it already
            pass
        services.shutdown()
        from shiboken6 import delete

        delete(services.watch)


def _underlined(window, block_number: int = 0) -> list[tuple[int, int, str]]:
    """(start, length, colour) of the wavy underlines the highlighter drew in a paragraph."""
    block = window.editor.document().findBlockByNumber(block_number)
    return [
        (r.start, r.length, r.format.underlineColor().name())
        for r in block.layout().formats()
        if r.format.underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline
    ]


def _rows(window) -> list[dict]:
    con = sqlite3.connect(window.services.paths.database)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM edits ORDER BY id")]
    finally:
        con.close()


def _idle(window) -> bool:
    lc = window.live_check
    return not lc.highlighter.live.busy and lc.in_flight == 0 and not lc.timer.isActive()


def _to_start(window) -> None:
    c = window.editor.textCursor()
    c.movePosition(QTextCursor.MoveOperation.Start)
    window.editor.setTextCursor(c)


def test_typing_underlines_and_a_keystroke_applies_the_fix_which_is_stored(qtbot, make_window):
    w = make_window()
    w.editor.setFocus()
    qtbot.keyClicks(w.editor, SENTENCE)
    qtbot.waitUntil(lambda: len(_underlined(w)) >= 4, timeout=WAIT_MS)
    marks = _underlined(w)
    assert (0, 5, "#1565c0") in marks  # "Their": grammar colour
    assert any(start == SENTENCE.index("alot") for start, _n, _c in marks)

    _to_start(w)
    qtbot.keyClick(w.editor, Qt.Key.Key_F8)  # Edit › Spelling and grammar › Next problem
    assert w.editor.textCursor().selectedText() == "Their"
    qtbot.keyClick(w.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)  # Accept suggestion
    assert w.editor.toPlainText() == SENTENCE.replace("Their", "There", 1)

    qtbot.waitUntil(lambda: len(_rows(w)) == 1, timeout=WAIT_MS)
    row = _rows(w)[0]
    assert (row["task"], row["stage"], row["outcome"]) == ("grammar", "rules", "accepted")
    assert row["input_text"] == SENTENCE
    assert row["output_text"] == row["final_text"] == SENTENCE.replace("Their", "There", 1)
    assert row["model"] == "harper"

    # The fixed paragraph is checked again: "There" is no longer underlined, the rest still is.
    qtbot.waitUntil(lambda: _idle(w) and (0, 5, "#1565c0") not in _underlined(w), timeout=WAIT_MS)
    assert len(_underlined(w)) >= 3

    # Undo takes the fix back, and the stored edit is marked undone (not trained on).
    w.undo_act.trigger()
    assert w.editor.toPlainText() == SENTENCE
    qtbot.waitUntil(lambda: _rows(w)[0]["undone"] == 1, timeout=WAIT_MS)


def test_ignore_is_logged_as_rejected_and_ignore_everywhere_and_dictionary_survive_a_restart(qtbot, make_window):
    text = "We shipped Zorblax today, and alot of people liked it."
    w = make_window()
    w.editor.setPlainText(text)
    qtbot.waitUntil(lambda: len(_underlined(w)) == 2, timeout=WAIT_MS)  # "Zorblax" and "alot"
    spelling = [m for m in _underlined(w) if m[2] == "#d32f2f"]
    assert spelling and spelling[0][0] == text.index("Zorblax")

    _to_start(w)
    assert w.live_check.next_problem() and w.editor.textCursor().selectedText() == "Zorblax"
    w.live_check.actions["add_word_act"].trigger()  # Add to dictionary
    assert w.live_check.next_problem() and w.editor.textCursor().selectedText() == "alot"
    qtbot.keyClick(w.editor, Qt.Key.Key_F8, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert _underlined(w) == []  # both gone at once, no new check needed
    assert w.editor.toPlainText() == text  # ignoring changes no text

    qtbot.waitUntil(lambda: len(_rows(w)) == 2, timeout=WAIT_MS)
    rows = _rows(w)
    assert {(r["stage"], r["outcome"]) for r in rows} == {("rules", "rejected")}
    assert all(r["input_text"] == r["final_text"] == text for r in rows)
    assert rows[1]["output_text"] == text.replace("alot", "a lot")
    qtbot.waitUntil(w.services.paths.rules_file.exists, timeout=WAIT_MS)

    # A new window on the same data folder (the app restarted): other text, same word and phrase.
    w.editor.document().setModified(False)
    w.close()
    w2 = make_window()
    other = "Zorblax is fast. I have alot to do, and I has no time."
    w2.editor.setPlainText(other)
    qtbot.waitUntil(lambda: _idle(w2) and len(_underlined(w2)) >= 1, timeout=WAIT_MS)
    starts = [m[0] for m in _underlined(w2)]
    assert other.index("has") in starts  # still checking
    assert other.index("Zorblax") not in starts and other.index("alot") not in starts


def test_context_menu_lists_the_suggestions_and_applies_one(qtbot, make_window):
    w = make_window()
    w.editor.setPlainText("She bought a apple.")
    qtbot.waitUntil(lambda: len(_underlined(w)) == 1, timeout=WAIT_MS)
    c = w.editor.textCursor()
    c.setPosition(len("She bought a"))
    pos = w.editor.cursorRect(c).center()
    menu = w.live_check.menu.menu_at(pos)
    texts = [a.text() for a in menu.actions()]
    assert "an" in texts and "Ignore" in texts and "Ignore everywhere" in texts
    assert any(t.startswith("&Undo") or "Undo" in t for t in texts)  # the editor's own entries stay
    next(a for a in menu.actions() if a.text() == "an").trigger()
    assert w.editor.toPlainText() == "She bought an apple."
    qtbot.waitUntil(lambda: len(_rows(w)) == 1, timeout=WAIT_MS)
    assert _rows(w)[0]["final_text"] == "She bought an apple."


def test_switching_live_checking_off_removes_underlines_and_persists(qtbot, make_window):
    w = make_window()
    w.editor.setPlainText(SENTENCE)
    qtbot.waitUntil(lambda: len(_underlined(w)) >= 4, timeout=WAIT_MS)
    w.live_check.toggle_act.trigger()
    assert _underlined(w) == []
    assert w.services.settings.live_check is False
    w.editor.setPlainText(SENTENCE + " Again.")
    qtbot.wait(1000)
    assert _underlined(w) == []
    w.live_check.toggle_act.trigger()
    qtbot.waitUntil(lambda: len(_underlined(w)) >= 4, timeout=WAIT_MS)


def test_text_without_words_another_language_and_a_huge_document_neither_crash_nor_hang(qtbot, make_window):
    w = make_window()
    w.editor.setPlainText("😀 🎉 👍\n\n1234 5678 90.5 %\n\n+-*/ == != <= >= {}")
    qtbot.waitUntil(lambda: _idle(w) and "nothing to check" in w.live_check.label.toolTip(), timeout=WAIT_MS)
    assert _underlined(w, 0) == []
    w.editor.setPlainText("for (i = 0; i < n; i++) { s += a[i]; }\n\ndef f(x):\n    return x ** 2  # 😀")
    qtbot.waitUntil(lambda: _idle(w) and w.live_check.label.text() != "Checking…", timeout=WAIT_MS)

    w.editor.setPlainText(
        "Der Hund ist sehr müde und schläft auf dem Sofa.\n\nWir sehen uns morgen früh am Bahnhof, bis dann."
    )
    qtbot.waitUntil(lambda: _idle(w) and "does not look like English" in w.live_check.label.toolTip(), timeout=WAIT_MS)
    assert _underlined(w, 0) == [] and _underlined(w, 2) == []

    # 20,000 words in 400 paragraphs: checked in batches off the GUI thread while the window keeps working.
    paragraph = " ".join([SENTENCE, "The report was finished on time and sent to the client."] * 4 + ["Thanks."])
    para_words = len(paragraph.split())
    doc = "\n\n".join(f"{i}. {paragraph}" for i in range(20_000 // para_words + 1))
    assert len(doc.split()) >= 20_000
    w.editor.setPlainText(doc)
    qtbot.keyClicks(w.editor, "Typing goes on.")  # the editor still answers
    qtbot.waitUntil(lambda: _idle(w), timeout=300_000)
    last = w.editor.document().blockCount() - 1
    assert _underlined(w, 0) and _underlined(w, last)
    assert w.live_check.label.text().endswith("problems")
    # A problem in the last paragraph is reachable from the start.
    _to_start(w)
    assert w.live_check.previous_problem()
    assert w.editor.textCursor().block().blockNumber() == last


def test_hovering_an_underline_shows_its_message_and_suggestions(qtbot, make_window):
    from PySide6.QtGui import QHelpEvent

    from draftwheel.ui.qt import QEvent, QToolTip

    w = make_window()
    w.editor.setPlainText("We saw alot of birds.")
    qtbot.waitUntil(lambda: len(_underlined(w)) == 1, timeout=WAIT_MS)
    c = w.editor.textCursor()
    c.setPosition(len("We saw al"))
    pos = w.editor.cursorRect(c).center()
    viewport = w.editor.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos))
    assert w.live_check.menu.eventFilter(viewport, event)
    qtbot.waitUntil(lambda: "a lot" in QToolTip.text(), timeout=WAIT_MS)
    assert "Suggestions" in QToolTip.text()


def test_turning_checking_off_from_outside_the_window_is_followed(qtbot, make_window):
    """settings.json changed by another process (the CLI): the window's switch and underlines follow it."""
    from draftwheel.config import update_settings

    w = make_window()
    w.editor.setPlainText(SENTENCE)
    qtbot.waitUntil(lambda: len(_underlined(w)) >= 4, timeout=WAIT_MS)
    update_settings(w.services.paths, live_check=False)
    qtbot.waitUntil(lambda: not w.live_check.toggle_act.isChecked(), timeout=WAIT_MS)
    assert _underlined(w) == []
    assert not w.live_check.actions["next_act"].isEnabled()


@pytest.mark.slow
def test_one_20000_word_paragraph_is_checked_in_the_background_and_edits_recheck_one_piece(qtbot, make_window):
    w = make_window()
    sentence = "Their was alot of rain in the valley, so we waits for a hour before we left."
    big = " ".join([sentence] * (20_000 // len(sentence.split()) + 1))
    assert len(big.split()) >= 20_000
    w.editor.setPlainText(big)
    qtbot.keyClicks(w.editor, "Still typing. ")  # at the start, while the paragraph is being checked
    qtbot.waitUntil(lambda: _idle(w) and w.live_check.label.text().endswith("problems"), timeout=600_000)
    assert len(_underlined(w)) > 1000
    c = w.editor.textCursor()
    c.setPosition(len(w.editor.toPlainText()) // 2)
    w.editor.setTextCursor(c)
    qtbot.keyClicks(w.editor, " Teh ")
    qtbot.waitUntil(lambda: _idle(w) and any(m[2] == "#d32f2f" for m in _underlined(w)), timeout=120_000)
    assert w.live_check.next_problem() and w.live_check.accept_fix()
    qtbot.waitUntil(lambda: len(_rows(w)) == 1, timeout=WAIT_MS)


def test_an_answer_for_a_closed_window_is_dropped_safely(qtbot, make_window):
    """The window is deleted while its paragraphs are checked: the late answer must not touch the
    freed document (it aborted the process in a later test before)."""
    from draftwheel.ui.qt import QApplication, QEvent

    w = make_window()
    services = w.services
    w.editor.setPlainText("\n\n".join([SENTENCE + f" Paragraph {i}." for i in range(200)]))
    w.live_check.flush()  # sent now, not after the pause
    assert w.live_check.in_flight == 1
    w.editor.document().setModified(False)
    w.close()
    w.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: services.rules.pending == 0, timeout=WAIT_MS)
    w2 = make_window()
    w2.editor.setPlainText(SENTENCE)
    qtbot.waitUntil(lambda: len(_underlined(w2)) >= 4, timeout=WAIT_MS)
