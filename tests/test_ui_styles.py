"""Styles in the window: "New style from instruction…" makes a toolbar style with its shortcut, a
revision in it is logged under the style, and the counter names it. Real window, model and store."""

from __future__ import annotations

import pytest

import review_gui
from review_gui import row, select, wait_logged, wait_ready

gui_home, services, window = review_gui.gui_home, review_gui.services, review_gui.window

pytestmark = [pytest.mark.gui, pytest.mark.slow]  # the revision generates with the model

TEXT = "The results was good and the team are happy with it."


def test_new_style_from_the_instruction_then_revise_with_it(qtbot, window, services):
    from draftwheel.store import get_style

    assert list(window.task_acts) == ["grammar", "clearer", "shorter", "formal", "friendly", "voice"]
    assert window.task_acts["voice"].text() == "In my voice"  # built in; "answer" is Ask my writing's
    window.instruction.setText("")
    window.new_style_act.trigger()
    assert window.last_dialog is not None and "Type an instruction first" in window.last_dialog.text()
    assert len(window.task_acts) == 6

    window.instruction.setText("Talk like a pirate.")
    window.new_style_act.trigger()
    act = window.task_acts["talk-like-a-pirate"]
    assert act.text() == "Talk like a pirate" and act.shortcut().toString() == "Ctrl+7"
    assert act in window.revise_menu.actions() and act in window.revise_toolbar.actions()
    assert "Talk like a pirate" in window.statusBar().currentMessage()

    window.editor.setPlainText(TEXT)
    select(window, 0, len(TEXT))
    before = len(window.logged_ids)
    act.trigger()
    session = window.session
    assert session is not None and session.task.name == "talk-like-a-pirate"
    wait_ready(qtbot, session)
    if session.diff.changes:
        window.accept_all()
    else:
        window.reject()
    wait_logged(qtbot, window, before + 1)
    stored = row(services, window.logged_ids[-1])
    store = services.store.ops.store
    with store.session() as s:
        style = get_style(s, "Talk like a pirate")
        assert (stored["task"], stored["style_id"], stored["instruction"]) == (
            style.key,
            style.id,
            "Talk like a pirate.",
        )
    # the status bar's counter names the style as the user does
    window.training_binding.refresh_progress("talk-like-a-pirate")
    qtbot.waitUntil(lambda: "Talk like a pirate" in window.train_label.text(), timeout=30_000)


def test_a_new_window_lists_the_styles_made_before_and_the_switcher_follows_the_style(
    qtbot, window, services, make_tiny_adapter
):
    assert list(window.task_acts)[6:] == ["talk-like-a-pirate"]
    make_tiny_adapter(services.paths, "pirate-ad", "talk-like-a-pirate")
    make_tiny_adapter(services.paths, "grammar-ad", "grammar")
    window.refresh_adapters()
    box = window.adapter_box
    qtbot.waitUntil(lambda: box.findData("grammar-ad") >= 0, timeout=30_000)  # the window starts in grammar
    assert box.findData("pirate-ad") < 0 and box.findData("") == 0 and box.findData("base") == 1
    window.editor.setPlainText(TEXT)
    select(window, 0, len(TEXT))
    window.task_acts["talk-like-a-pirate"].trigger()  # revising in the pirate style
    assert box.findData("pirate-ad") >= 0 and box.findData("grammar-ad") < 0
    assert "Style: talk-like-a-pirate" in box.itemData(box.findData("pirate-ad"), 3)  # Qt.ToolTipRole
    wait_ready(qtbot, window.session)
    window.reject()
