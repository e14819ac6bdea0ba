"""The whole review with the keyboard only (issue 23): every step is a key press on the real window.

Bundled model, real store, real widgets offscreen. The model's wording is not asserted; which
changes reach the text, and what is logged, are.
"""

from __future__ import annotations

import pytest

import review_gui
from review_gui import row, wait_logged, wait_ready

gui_home, services, window = review_gui.gui_home, review_gui.services, review_gui.window

# "Fix grammar" changes this in at least two places: Harper's "There" and "a lot" join the model's answer.
TEXT = "Their was alot of people at the meeting yesterday."


def _press(qtbot, window, key, *mods) -> None:
    from draftwheel.ui.qt import Qt

    flags = Qt.KeyboardModifier.NoModifier
    for m in mods:
        flags |= m
    qtbot.keyClick(window.focusWidget() or window.editor, key, flags)


def _fix_grammar_by_keys(qtbot, window):
    from draftwheel.ui.qt import Qt

    ctrl = Qt.KeyboardModifier.ControlModifier
    window.editor.setPlainText(TEXT)
    window.editor.setFocus()
    _press(qtbot, window, Qt.Key.Key_A, ctrl)  # select all
    _press(qtbot, window, Qt.Key.Key_1, ctrl)  # Fix grammar
    session = window.session
    assert session is not None
    wait_ready(qtbot, session)
    return session


@pytest.mark.gui
def test_the_review_keys_are_in_the_menus_and_the_shortcut_list(window):
    from draftwheel.ui.help_menu import shortcut_rows

    keys = {command: key for _menu, command, key in shortcut_rows(window)}
    assert keys["Next change"] == "Alt+Down"
    assert keys["Previous change"] == "Alt+Up"
    assert keys["Accept this change"] == "Alt+Right"
    assert keys["Reject this change"] == "Alt+Left"
    assert keys["Edit the suggestion"] == "Ctrl+E"
    assert keys["Apply the changes kept"] == "Ctrl+Shift+Return"
    assert keys["Accept all"] == "Ctrl+Return"
    assert "Esc" in keys["Stop generating / close the suggestion"]
    assert "Alt+Down" in window.review.next_btn.toolTip()
    assert "Alt+→" in window.review.keep_btn.text()


@pytest.mark.gui
@pytest.mark.slow  # generates with the model
def test_move_reject_accept_and_apply_with_keys_only(qtbot, window, services):
    from draftwheel.ui.qt import Qt

    alt, ctrl, shift = (
        Qt.KeyboardModifier.AltModifier,
        Qt.KeyboardModifier.ControlModifier,
        Qt.KeyboardModifier.ShiftModifier,
    )
    session = _fix_grammar_by_keys(qtbot, window)
    hunks = session.diff.hunks
    changed = [h for h in hunks if h.changed]
    assert len(changed) >= 2, f"this input needs at least two changes: {session.suggestion.text!r}"
    assert session.current == 0
    _press(qtbot, window, Qt.Key.Key_Down, alt)  # to the second change
    assert session.current == 1
    _press(qtbot, window, Qt.Key.Key_Left, alt)  # reject it
    _press(qtbot, window, Qt.Key.Key_Up, alt)  # back to the first
    assert session.current == 0
    _press(qtbot, window, Qt.Key.Key_Right, alt)  # accept it
    before = len(window.logged_ids)
    _press(qtbot, window, Qt.Key.Key_Return, ctrl, shift)  # apply what was kept
    expected = "".join(h.old if h is changed[1] else (h.new if h.changed and h is changed[0] else h.old) for h in hunks)
    assert window.session is None
    assert window.editor.toPlainText() == expected
    assert changed[0].new in expected and changed[1].old in expected
    wait_logged(qtbot, window, before + 1)
    rec = row(services, window.logged_ids[-1])
    assert rec["final_text"] == expected and rec["outcome"] == "edited"


@pytest.mark.gui
@pytest.mark.slow
def test_edit_the_suggestion_and_apply_it_with_keys_only(qtbot, window, services):
    from draftwheel.ui.qt import Qt

    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    _fix_grammar_by_keys(qtbot, window)
    _press(qtbot, window, Qt.Key.Key_E, ctrl)  # edit the suggestion
    assert window.review.editor.isVisible() and window.review.editor.hasFocus()
    _press(qtbot, window, Qt.Key.Key_End, ctrl)
    qtbot.keyClicks(window.review.editor, " Thanks")
    before = len(window.logged_ids)
    _press(qtbot, window, Qt.Key.Key_Return, ctrl, shift)
    assert window.session is None
    assert window.editor.toPlainText().endswith(" Thanks")
    wait_logged(qtbot, window, before + 1)
    assert row(services, window.logged_ids[-1])["outcome"] == "edited"


@pytest.mark.gui
@pytest.mark.slow
def test_escape_closes_a_ready_suggestion_and_keeps_the_text(qtbot, window, services):
    from draftwheel.ui.qt import Qt

    _fix_grammar_by_keys(qtbot, window)
    before = len(window.logged_ids)
    _press(qtbot, window, Qt.Key.Key_Escape)
    assert window.session is None
    assert window.editor.toPlainText() == TEXT
    wait_logged(qtbot, window, before + 1)
    assert row(services, window.logged_ids[-1])["outcome"] == "rejected"
