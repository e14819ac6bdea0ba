"""The review in the window, driven as a user does (keys, actions), on the bundled model and a real store.

Each test reproduces one problem of issue 14 (or 13) that lost or garbled
text: it failed before the fix. The model's wording is not asserted; what
the window does with it is.
"""

from __future__ import annotations

import pytest

import review_gui
from review_gui import revise, row, select, wait_logged, wait_ready

# The module's window and its services (the model loads once per module).
gui_home, services, window = review_gui.gui_home, review_gui.services, review_gui.window

pytestmark = [pytest.mark.gui, pytest.mark.slow]  # every test generates with the model

PARAGRAPH = (
    "Over the past two weeks we has been working on the new onboarding flow. "
    "The first screen now ask for the user name."
)


def _key(qtbot, widget, key, mods=None, times: int = 1) -> None:
    from draftwheel.ui.qt import Qt

    for _ in range(times):
        qtbot.keyClick(widget, key, mods if mods is not None else Qt.KeyboardModifier.NoModifier)


def test_a_selections_trailing_space_is_kept_on_accept(qtbot, window, services):
    """Issue 14 (1): nine words selected with Ctrl+Shift+Right end in a space; accepting glued "workingon"."""
    from draftwheel.ui.qt import Qt

    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    window.editor.setPlainText("Intro.\n\n" + PARAGRAPH)
    select(window, len("Intro.\n\n"), len("Intro.\n\n"))  # cursor at the start of the paragraph
    _key(qtbot, window.editor, Qt.Key.Key_Right, ctrl | shift, times=9)
    assert window.editor.textCursor().selectedText() == "Over the past two weeks we has been working "
    _key(qtbot, window.editor, Qt.Key.Key_1, ctrl)  # Fix grammar
    session = window.session
    assert session is not None
    wait_ready(qtbot, session)
    answer = session.suggestion.text.strip()
    assert answer, "the model answered"
    _key(qtbot, window.editor, Qt.Key.Key_Return, ctrl)  # Accept all
    tail = "on the new onboarding flow. The first screen now ask for the user name."
    assert window.editor.toPlainText() == "Intro.\n\n" + answer + " " + tail
    assert "workingon" not in window.editor.toPlainText()


def test_accept_all_after_a_reject_applies_only_the_rest(qtbot, window, services):
    """Issue 14 (2): reject the first change, Ctrl+Return: the rejected change was applied anyway."""
    from draftwheel.ui.diff import REJECTED
    from draftwheel.ui.qt import Qt

    # "Fix grammar" changes at least two places here: Harper's "There" and "a lot" join the model's answer.
    text = "Their was alot of people at the meeting yesterday."
    window.editor.setPlainText(text)
    window.editor.selectAll()
    session = revise(qtbot, window, "grammar")
    hunks = session.diff.hunks
    changed = [h for h in hunks if h.changed]
    assert len(changed) >= 2, f"this input needs at least two changes: {session.suggestion.text!r}"
    window.review.decide(REJECTED)  # the selected change is the first one
    assert window.review.accept_btn.text() == "Accept the rest"
    assert window.accept_act.text() == "Accept the rest"
    before = len(window.logged_ids)
    qtbot.keyClick(window.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    expected = "".join(h.old if (not h.changed or h is changed[0]) else h.new for h in hunks)
    final = window.editor.toPlainText()
    assert final == expected
    assert changed[0].old in final and final != session.suggestion.text
    wait_logged(qtbot, window, before + 1)
    rec = row(services, window.logged_ids[-1])
    assert rec["final_text"] == final  # the text actually applied
    assert rec["outcome"] == "edited"


def test_after_reject_or_accept_nothing_is_selected_and_tab_types_a_tab(qtbot, window, services):
    """Issue 14 (5): after Reject the paragraph stayed selected, so Tab replaced it."""
    from draftwheel.ui.qt import Qt

    first = "The cat sat on the mat."
    doc = first + "\n\nSecond paragraph stays."
    window.editor.setPlainText(doc)
    select(window, 3, 3)  # the cursor in the first paragraph, nothing selected
    revise(qtbot, window)
    window.reject()
    cursor = window.editor.textCursor()
    assert not cursor.hasSelection()
    assert cursor.position() == len(first)  # just after the revised paragraph
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.editor.toPlainText() == first + "\t\n\nSecond paragraph stays."

    window.editor.setPlainText(doc)
    select(window, 3, 3)
    session = revise(qtbot, window)
    window.accept_all()
    applied = session.diff.result()
    cursor = window.editor.textCursor()
    assert not cursor.hasSelection() and cursor.position() == len(applied)
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.editor.toPlainText() == applied + "\t\n\nSecond paragraph stays."


def test_rejecting_a_suggestion_that_changes_nothing_is_logged_as_rejected(qtbot, window, services):
    """Issue 14 (6) / 13: a "no changes" review rejected was stored as accepted."""
    text = "The cat sat on the mat."  # the bundled model leaves it as it is (checked below)
    window.editor.setPlainText(text)
    window.editor.selectAll()
    session = revise(qtbot, window)
    assert session.suggestion.text.strip() == text and not session.diff.changes
    before = len(window.logged_ids)
    window.reject()
    wait_logged(qtbot, window, before + 1)
    rec = row(services, window.logged_ids[-1])
    assert (rec["outcome"], rec["final_text"]) == ("rejected", text)


def test_undo_and_redo_are_off_while_a_suggestion_waits(qtbot, window, services):
    """Issue 13: Edit > Undo moved the text under a pending suggestion; accepting then replaced the wrong range."""
    from draftwheel.ui.qt import Qt, QTextCursor

    target = "Me and him goes to the store yesterday."
    window.editor.setPlainText("Intro.\n\n" + target)
    c = QTextCursor(window.editor.document())
    c.insertText("Note: ")  # one undo step before the review
    assert window.undo_act.isEnabled()
    start = len("Note: Intro.\n\n")
    select(window, start, start + len(target))
    session = revise(qtbot, window)
    assert not window.undo_act.isEnabled() and not window.redo_act.isEnabled()
    window.undo_act.trigger()  # the menu item
    qtbot.keyClick(window.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the key
    assert window.editor.toPlainText() == "Note: Intro.\n\n" + target
    window.accept_all()
    assert window.editor.toPlainText() == "Note: Intro.\n\n" + session.diff.result()
    assert window.undo_act.isEnabled()  # back once the review closed


def test_the_cursor_lands_after_a_span_with_characters_outside_the_bmp(qtbot, window, services):
    """Qt counts positions in UTF-16 units: an emoji is two. The paragraph at the cursor was measured
    with Python's len(), so its last characters were left out of the revision, and the cursor after
    Reject landed inside the span: the next key went into the middle of a word."""
    from draftwheel.ui.qt import Qt

    first = "Thanks for the cake \U0001f382 and the \U0001f388 yesterday."
    window.editor.setPlainText(first + "\n\nNext.")
    select(window, 0, 0)
    session = revise(qtbot, window)
    assert session.original == first  # the whole paragraph is revised
    window.reject()
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.editor.toPlainText() == first + "\t\n\nNext."
